// Requests built from command-line values. Pure: checks syntax only (see
// parse.h) and leaves every semantic rule to controld.
#pragma once

#include <string>
#include <vector>

#include "parse.h"
#include "switchyard/v1/control.pb.h"

namespace yardctl {

// `tenant add` as typed; integers are text so errors name the option.
struct TenantAddArgs {
  std::string name;
  std::string id, vlan, mac_limit, vni;
};

Parsed<switchyard::v1::CreateTenantRequest> BuildCreateTenant(const TenantAddArgs& args);

// `port add` as typed.
struct PortAddArgs {
  std::string name, kind, iface, socket, devargs;
  std::string tenant, vlan;        // access
  std::vector<std::string> trunk;  // trunk: VLAN=T[,VLAN=T...], repeatable
  bool uplink = false;             // uplink
  std::string netns, mtu;          // tap kernel side
  std::vector<std::string> ips;
};

// Exactly one role: --tenant (access), --trunk or --uplink. The tap kernel
// config is set only when --netns, --ip or --mtu is given.
Parsed<switchyard::v1::CreatePortRequest> BuildCreatePort(const PortAddArgs& args);

}  // namespace yardctl
