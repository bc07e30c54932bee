#pragma once
// Cross-object rules: a new object against the desired state it joins.
// Pure functions (apart from asking the Kernel whether a name exists); the
// caller holds the controller's mutation mutex so `state` cannot change.

#include <string>
#include <vector>

#include "kernel/kernel.h"
#include "model/desired_state.h"
#include "model/status.h"

namespace switchyard::controlplane {

// Where the files a caller names may be: vhost-user sockets under one of
// `vhost_dirs`, pcap ports' rx_pcap/tx_pcap files under `pcap_dir`. The
// daemons are root; these paths are what a caller could otherwise use to
// create, truncate or unlink any file.
struct PathPolicy {
  std::vector<std::string> vhost_dirs{"/run/switchyard/vhost"};
  std::string pcap_dir = "/var/lib/switchyard/pcap";
};

// The directories are absolute and in their normal spelling.
Status CheckPathPolicy(const PathPolicy& paths);

// Validates `tenant` for creation and assigns its id when 0 (lowest free
// 1..16383). ALREADY_EXISTS for a taken name, id, vlan or vni;
// FAILED_PRECONDITION when its MAC limit and the other tenants' together
// exceed `mac_table_size` (the dataplane's table: each limit is reserved).
Status PrepareTenantCreate(const DesiredState& state, pb::Tenant& tenant, uint32_t mac_table_size);

// Validates `tenant` as the new configuration of an existing tenant of the
// same name: NOT_FOUND if there is none; its id cannot change in place
// (0 keeps the current one); vlan and vni unique among the other tenants;
// the MAC limits reserved as for a create.
Status PrepareTenantUpdate(const DesiredState& state, pb::Tenant& tenant, uint32_t mac_table_size);

// NOT_FOUND if absent; FAILED_PRECONDITION naming the ports that still use
// it, or its remote VTEPs.
Status CheckTenantDelete(const DesiredState& state, const std::string& name);

// Normalizes and validates `port` for creation: referenced tenants exist;
// name, iface, socket and PCI address unique (ALREADY_EXISTS naming the
// port that has it); kernel interface (af_packet, af_xdp) and netns (tap)
// exist; the files it names (vhost socket, pcap files) where `paths` allow:
// under the directory after resolving symlinks in the path's directory,
// and not a symlink or a file of the wrong type themselves.
Status PreparePortCreate(const DesiredState& state, const Kernel& kernel, const PathPolicy& paths,
                         pb::Port& port);

// Normalizes and validates `port` as the new configuration of the existing
// port of the same name. What names the device (kind, iface, socket,
// devargs) and a tap's kernel side cannot change in place:
// FAILED_PRECONDITION saying so. Role, tenant, VLANs and trunk map can.
Status PreparePortUpdate(const DesiredState& state, const Kernel& kernel, pb::Port& port);

// NOT_FOUND if absent.
Status CheckPortDelete(const DesiredState& state, const std::string& name);

// At most this many remote VTEP addresses, over all tenants (the
// dataplane's slots).
inline constexpr size_t kMaxRemoteVteps = 1024;

// Normalizes and validates `vtep` for creation: its tenant exists (NOT_FOUND)
// and has a VNI (FAILED_PRECONDITION); the pair is new (ALREADY_EXISTS);
// the remote is not the local VTEP address; RESOURCE_EXHAUSTED past
// kMaxRemoteVteps addresses.
Status PrepareVtepCreate(const DesiredState& state, pb::Vtep& vtep);

// At most this many limits (the dataplane's bucket slots).
inline constexpr size_t kMaxLimits = 4096;

// Normalizes and validates `limit` for `limit set` (create or change in
// place): what it limits exists (NOT_FOUND); RESOURCE_EXHAUSTED for a new
// limit past kMaxLimits.
Status PrepareLimitSet(const DesiredState& state, pb::Limit& limit);

// The names of the limits on `port` / `tenant` (deleted with it).
std::vector<std::string> LimitsOf(const DesiredState& state, const std::string& port,
                                  const std::string& tenant);

// The name of tenant's remote `remote` (canonical), or NOT_FOUND.
Status FindVtep(const DesiredState& state, const std::string& tenant, const std::string& remote,
                std::string& name);

}  // namespace switchyard::controlplane

namespace switchyard::controlplane {

// Flow rules (docs/flow-rules.md): at most this many per scope (a tenant,
// or the global rules) and in all (the dataplane's counter slots).
inline constexpr size_t kMaxRulesPerScope = 16384;
inline constexpr size_t kMaxRules = 131072;

// The scope a rule or a rule set belongs to: a tenant's name, or global.
struct RuleScope {
  std::string tenant;
  bool global = false;
  std::string Name() const { return global ? "global" : "tenant " + tenant; }
  bool Holds(const pb::Rule& r) const { return global ? r.global() : !r.global() && r.tenant() == tenant; }
};

// Normalizes and validates `rule` for creation (`update` false: the name is
// new, ALREADY_EXISTS otherwise) or as the new form of the rule of its name
// (`update` true: NOT_FOUND if none). What it names exists (NOT_FOUND): its
// tenant, the ports of in_port, redirect and mirror, and for a tenant rule
// they carry the tenant (FAILED_PRECONDITION); the meter "meter/NAME".
// FAILED_PRECONDITION naming both rules when another rule of its scope with
// its priority can match the same frame; RESOURCE_EXHAUSTED past the
// bounds above.
Status PrepareRule(const DesiredState& state, pb::Rule& rule, bool update);

// For `ReplaceRules`: every rule of `scope` becomes `rules` (each
// normalized and validated as above, against each other and the rest of
// the state). `changes` gets the deletes and upserts, `counts` what they
// are: added, changed, removed, unchanged.
struct RuleReplaceCounts {
  uint32_t added = 0, changed = 0, removed = 0, unchanged = 0;
};
Status PrepareRuleReplace(const DesiredState& state, const RuleScope& scope,
                          std::vector<pb::Rule>& rules, std::vector<pb::Change>& changes,
                          RuleReplaceCounts& counts);

// The names of the rules of a tenant (deleted with it), and of those that
// name the meter limit `limit` ("meter/NAME": it cannot be cleared while
// they do).
std::vector<std::string> RulesOfTenant(const DesiredState& state, const std::string& tenant);
std::vector<std::string> RulesUsingMeter(const DesiredState& state, const std::string& limit);

}  // namespace switchyard::controlplane
