#include "model/desired_state.h"

#include <algorithm>

#include <google/protobuf/util/message_differencer.h>

namespace switchyard::controlplane {

pb::SyncRequest ToSyncRequest(const DesiredState& state) {
  pb::SyncRequest req;
  req.set_generation(state.generation);
  AddObjects(state, &req);
  return req;
}

std::set<std::string> TenantsOfPort(const pb::Port& port) {
  std::set<std::string> out;
  if (!port.tenant().empty()) out.insert(port.tenant());
  for (const auto& tv : port.trunk()) out.insert(tv.tenant());
  return out;
}

std::string VtepAddress(const pb::Port& port) { return port.vtep_ip().substr(0, port.vtep_ip().find('/')); }

std::vector<std::string> PortsUsingTenant(const DesiredState& state, const std::string& tenant) {
  std::vector<std::string> users;
  for (const auto& [name, p] : state.ports)
    if (TenantsOfPort(p).count(tenant)) users.push_back(name);
  return users;  // std::map iteration order: already sorted
}

std::vector<std::string> VtepsOfTenant(const DesiredState& state, const std::string& tenant) {
  std::vector<std::string> out;
  for (const auto& [name, v] : state.vteps)
    if (v.tenant() == tenant) out.push_back(v.remote());
  std::sort(out.begin(), out.end());
  return out;
}

bool SameConfig(const DesiredState& state, const pb::DataplaneState& dataplane) {
  return SameObjects(state, ObjectsOf(dataplane));
}

}  // namespace switchyard::controlplane
