// The topology file of `yardctl apply -f`: the tenants and ports controld
// should have, in YAML. Pure: text in, requests out.
//
// Every value goes through the same builders as `tenant add` and `port add`
// (requests.h), so a file accepts exactly what the command line accepts and
// errors name the file path of the value instead of the option:
// "ports[2].vlan: '5000' is out of range 0..4094". Structure errors name the
// path too: "ports[2].tenent: unknown key", "tenants[0].vlan: expected a
// single value, got a list". The format is in docs/operations.md.
#pragma once

#include <string_view>
#include <vector>

#include "parse.h"
#include "switchyard/v1/types.pb.h"

namespace yardctl {

// Desired (from a file) or current (from controld) configuration, in order.
struct Topology {
  std::vector<switchyard::v1::Tenant> tenants;
  std::vector<switchyard::v1::Port> ports;
  std::vector<switchyard::v1::Vtep> vteps;  // named TENANT@REMOTE
};

// Parses a whole topology file. A YAML syntax error reads "line L, column C:
// <what>"; every other error starts with the path of the offending value.
// Names must be given and unique within the file; nothing else that needs
// controld's state or policy is checked.
Parsed<Topology> ParseTopology(std::string_view yaml);

}  // namespace yardctl
