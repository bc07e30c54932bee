#pragma once
// The desired configuration as the control plane holds it in memory: the
// global generation plus every tenant and port by name. The store persists it;
// the reconciler programs the dataplane to it.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "switchyard/v1/dataplane.pb.h"
#include "switchyard/v1/types.pb.h"

namespace switchyard::controlplane {

namespace pb = ::switchyard::v1;

struct DesiredState {
  uint64_t generation = 0;
  std::map<std::string, pb::Tenant> tenants;  // by name
  std::map<std::string, pb::Port> ports;      // by name
};

// Applies one change (upsert or delete of a tenant or port). Pure; any thread.
void ApplyChange(DesiredState& state, const pb::Change& change);

// The full configuration as a dataplane Sync request.
pb::SyncRequest ToSyncRequest(const DesiredState& state);

// Names of the ports that reference `tenant` (access tenant or trunk VLAN),
// sorted.
std::vector<std::string> PortsUsingTenant(const DesiredState& state, const std::string& tenant);

// True when `tenants`/`ports` hold exactly the objects of `state` (order does
// not matter). Used to decide that a dataplane already has the desired config.
bool SameConfig(const DesiredState& state, const google::protobuf::RepeatedPtrField<pb::Tenant>& tenants,
                const google::protobuf::RepeatedPtrField<pb::Port>& ports);

}  // namespace switchyard::controlplane
