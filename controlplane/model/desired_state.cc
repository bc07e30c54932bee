#include "model/desired_state.h"

#include <google/protobuf/util/message_differencer.h>

namespace switchyard::controlplane {

void ApplyChange(DesiredState& state, const pb::Change& change) {
  switch (change.change_case()) {
    case pb::Change::kUpsertTenant:
      state.tenants[change.upsert_tenant().name()] = change.upsert_tenant();
      break;
    case pb::Change::kDeleteTenant:
      state.tenants.erase(change.delete_tenant());
      break;
    case pb::Change::kUpsertPort:
      state.ports[change.upsert_port().name()] = change.upsert_port();
      break;
    case pb::Change::kDeletePort:
      state.ports.erase(change.delete_port());
      break;
    case pb::Change::CHANGE_NOT_SET:
      break;
  }
}

pb::SyncRequest ToSyncRequest(const DesiredState& state) {
  pb::SyncRequest req;
  req.set_generation(state.generation);
  for (const auto& [name, t] : state.tenants) *req.add_tenants() = t;
  for (const auto& [name, p] : state.ports) *req.add_ports() = p;
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

namespace {
template <typename T>
bool SameObjects(const std::map<std::string, T>& want, const google::protobuf::RepeatedPtrField<T>& have) {
  if (want.size() != static_cast<size_t>(have.size())) return false;
  for (const auto& obj : have) {
    auto it = want.find(obj.name());
    if (it == want.end()) return false;
    if (!google::protobuf::util::MessageDifferencer::Equals(it->second, obj)) return false;
  }
  return true;
}
}  // namespace

bool SameConfig(const DesiredState& state, const google::protobuf::RepeatedPtrField<pb::Tenant>& tenants,
                const google::protobuf::RepeatedPtrField<pb::Port>& ports) {
  return SameObjects(state.tenants, tenants) && SameObjects(state.ports, ports);
}

}  // namespace switchyard::controlplane
