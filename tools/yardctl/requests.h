// Requests built from command-line values or from an `apply -f` file. Pure:
// checks syntax only (see parse.h) and leaves every semantic rule to controld.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parse.h"
#include "switchyard/v1/control.pb.h"

namespace yardctl {

// How errors name a field. `path` empty: the value came from the command
// line, and the field is named by its option ("--mac-limit"). Otherwise it
// came from a topology file at `path` ("tenants[2]"), and the field is named
// by its key there ("tenants[2].mac_limit").
std::string FieldLabel(std::string_view path, std::string_view key);

// `tenant add` as typed; integers are text so errors name the option.
struct TenantAddArgs {
  std::string name;
  std::string id, vlan, mac_limit, vni;
  std::string path = {};  // see FieldLabel
  // --default-policy allow|deny; empty: not given (create: allow; set: kept).
  std::string default_policy = {};
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
  std::string vtep_ip, gateway, vtep_iface;  // uplink: the VXLAN underlay
  // trunk from a file: (VLAN, TENANT) pairs in file order; like `trunk`.
  std::vector<std::pair<std::string, std::string>> trunk_map;
  std::string path = {};  // see FieldLabel
};

// Exactly one role: --tenant (access), --trunk or --uplink. The tap kernel
// config is set only when --netns, --ip or --mtu is given.
Parsed<switchyard::v1::CreatePortRequest> BuildCreatePort(const PortAddArgs& args);

// `tenant set NAME ...`: `current` with the given fields changed (an empty
// field keeps its value; "0" clears vlan, vni or mac-limit). At least one
// field must be given.
Parsed<switchyard::v1::UpdateTenantRequest> BuildUpdateTenant(const switchyard::v1::Tenant& current,
                                                              const TenantAddArgs& args);

// `port set NAME ...`: `current` with what is given changed. At most one
// role; --vlan alone changes an access port's tag; --tenant keeps the tag
// of an access port unless --vlan is given. Device fields (--kind,
// --socket, ...) are passed on as given: controld refuses a change of them
// with a message saying it cannot be made in place.
Parsed<switchyard::v1::UpdatePortRequest> BuildUpdatePort(const switchyard::v1::Port& current,
                                                          const PortAddArgs& args);

// `vtep add --tenant T --remote IP` (also from a file: `path` names it).
Parsed<switchyard::v1::CreateVtepRequest> BuildCreateVtep(const std::string& tenant,
                                                          const std::string& remote,
                                                          const std::string& path = {});

// `limit set|clear` as typed: the selectors and, for set, the rates and
// bursts as text so that errors name the option.
struct LimitArgs {
  std::string port, tenant, direction, storm;
  std::string bps, pps, burst, burst_ms, excess_burst, peak_bps, peak_burst, burst_packets;
  std::string meter = {};  // a named meter ("meter/NAME") for rules' meter:NAME
};

// "1500", "100k", "2.5M", "10G": decimal multiples (k = 1,000); empty = 0.
Parsed<uint64_t> ParseRate(const std::string& text, std::string_view option);

// The limit the selectors name: --port [--direction] [--storm] | --tenant |
// --meter (exactly one; a meter takes no --direction or --storm). Which
// other selectors go together is controld's rule.
Parsed<switchyard::v1::Limit> BuildLimitTarget(const LimitArgs& a);

// `limit set`: the target with its rates and bursts. --burst-ms MS sets
// every burst (committed, peak, packets) to MS of its rate, at least one
// 64-byte frame or one packet; it excludes --burst, --peak-burst and
// --burst-packets.
Parsed<switchyard::v1::SetLimitRequest> BuildSetLimit(const LimitArgs& a);

// `rule add|set` as typed, or one rule of a `rule apply -f` file. Text so
// that errors name the option ("--priority: ...", "--match: unknown key
// 'dport' ...") or, from a file (`path` set, e.g. "rule 3 (web)"), the key
// after the path ("rule 3 (web): match: unknown key 'dport' ...").
struct RuleArgs {
  std::string name;
  std::string tenant;   // the scope: exactly one of tenant and global
  bool global = false;
  std::string priority;  // 0..65535; empty: not given
  // The match expression (switchyard/rule_syntax.h); nullopt: not given.
  // An empty expression matches every frame.
  std::optional<std::string> match = {};
  std::string action = {};  // the actions expression; empty: not given
  std::string path = {};    // empty: the command line
};

// `rule add`: every field from `a`. NAME, the scope (exactly one of
// --tenant and --global), --priority and --action are required; no --match
// matches every frame. The match and actions are parsed and checked with
// switchyard::rules (what needs controld's state is controld's).
Parsed<switchyard::v1::Rule> BuildRule(const RuleArgs& a);

// `rule set NAME ...`: `current` (as GetRule returned it) with the given
// fields of `a` changed and the rest kept; --tenant or --global moves it to
// that scope (not both). At least one field must be given. `--match ''`
// makes it match every frame.
Parsed<switchyard::v1::Rule> MergeRuleSet(const switchyard::v1::Rule& current, const RuleArgs& a);

}  // namespace yardctl
