#include "model/desired_state.h"

#include <google/protobuf/util/message_differencer.h>

namespace switchyard::controlplane {

pb::SyncRequest ToSyncRequest(const DesiredState& state) {
  pb::SyncRequest req;
  req.set_generation(state.generation);
  AddObjects(state, &req);
  return req;
}

std::vector<std::string> PortsUsingTenant(const DesiredState& state, const std::string& tenant) {
  std::vector<std::string> users;
  for (const auto& [name, p] : state.ports) {
    bool uses = p.tenant() == tenant;
    for (const auto& tv : p.trunk()) uses = uses || tv.tenant() == tenant;
    if (uses) users.push_back(name);
  }
  return users;  // std::map iteration order: already sorted
}

bool SameConfig(const DesiredState& state, const pb::DataplaneState& dataplane) {
  return SameObjects(state, ObjectsOf(dataplane));
}

}  // namespace switchyard::controlplane
