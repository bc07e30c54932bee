#pragma once
// The desired configuration as the control plane holds it in memory: the
// global generation plus every tenant and port by name. The store persists it;
// the reconciler programs the dataplane to it.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "switchyard/config_state.h"
#include "switchyard/v1/dataplane.pb.h"
#include "switchyard/v1/types.pb.h"

namespace switchyard::controlplane {

namespace pb = ::switchyard::v1;

// The object kinds and ApplyChange are shared with the dataplane
// (proto/switchyard/config_state.h).
using DesiredState = ::switchyard::ConfigState;
using ::switchyard::ApplyChange;

// The full configuration as a dataplane Sync request.
pb::SyncRequest ToSyncRequest(const DesiredState& state);

// The tenants a port names: its access tenant and its trunk VLANs' tenants.
std::set<std::string> TenantsOfPort(const pb::Port& port);

// A port's local VTEP address: its vtep_ip without the prefix length; empty
// when it has none.
std::string VtepAddress(const pb::Port& port);

// Names of the ports that reference `tenant` (access tenant or trunk VLAN),
// sorted.
std::vector<std::string> PortsUsingTenant(const DesiredState& state, const std::string& tenant);

// The remote addresses of `tenant`'s VTEPs, sorted.
std::vector<std::string> VtepsOfTenant(const DesiredState& state, const std::string& tenant);

// True when the dataplane's state holds exactly the objects of `state`
// (order does not matter). Used to decide that a dataplane already has the
// desired config.
bool SameConfig(const DesiredState& state, const pb::DataplaneState& dataplane);

}  // namespace switchyard::controlplane
