#include "model/checks.h"

#include <set>

#include <fmt/ranges.h>

#include "model/validate.h"

namespace switchyard::controlplane {

Status PrepareTenantCreate(const DesiredState& state, pb::Tenant& tenant) {
  tenant.clear_generation();
  if (auto st = ValidateTenant(tenant); !st.ok()) return st;
  if (state.tenants.count(tenant.name())) {
    return AlreadyExists("tenant.name: tenant '{}' already exists", tenant.name());
  }
  std::set<uint32_t> used_ids;
  for (const auto& [name, t] : state.tenants) {
    used_ids.insert(t.id());
    if (tenant.id() != 0 && t.id() == tenant.id()) {
      return AlreadyExists("tenant.id: id {} is already used by tenant '{}'", tenant.id(), name);
    }
    if (tenant.vlan() != 0 && t.vlan() == tenant.vlan()) {
      return AlreadyExists("tenant.vlan: VLAN {} is already used by tenant '{}'", tenant.vlan(), name);
    }
    if (tenant.vni() != 0 && t.vni() == tenant.vni()) {
      return AlreadyExists("tenant.vni: VNI {} is already used by tenant '{}'", tenant.vni(), name);
    }
  }
  if (tenant.id() == 0) {
    for (uint32_t id = 1; id <= kMaxTenantId; ++id) {
      if (!used_ids.count(id)) {
        tenant.set_id(id);
        break;
      }
    }
    if (tenant.id() == 0) {
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, fmt::format("tenant.id: all ids 1..{} are in use", kMaxTenantId)};
    }
  }
  return {};
}

Status CheckTenantDelete(const DesiredState& state, const std::string& name) {
  if (!state.tenants.count(name)) return NotFound("tenant '{}' not found", name);
  auto users = PortsUsingTenant(state, name);
  if (!users.empty()) {
    return FailedPrecondition("tenant '{}' is still used by port{}: {}", name, users.size() > 1 ? "s" : "",
                              fmt::join(users, ", "));
  }
  return {};
}

namespace {

Status CheckTenantRefs(const DesiredState& state, const pb::Port& port) {
  if (port.role() == pb::PORT_ROLE_ACCESS && !state.tenants.count(port.tenant())) {
    return NotFound("port.tenant: tenant '{}' does not exist", port.tenant());
  }
  for (int i = 0; i < port.trunk_size(); ++i) {
    if (!state.tenants.count(port.trunk(i).tenant())) {
      return NotFound("port.trunk[{}].tenant: tenant '{}' does not exist", i, port.trunk(i).tenant());
    }
  }
  return {};
}

Status CheckUnique(const DesiredState& state, const pb::Port& port) {
  if (state.ports.count(port.name())) return AlreadyExists("port.name: port '{}' already exists", port.name());
  for (const auto& [name, p] : state.ports) {
    if (!port.iface().empty() && p.iface() == port.iface()) {
      return AlreadyExists("port.iface: interface '{}' is already used by port '{}'", port.iface(), name);
    }
    if (!port.socket().empty() && p.socket() == port.socket()) {
      return AlreadyExists("port.socket: socket '{}' is already used by port '{}'", port.socket(), name);
    }
  }
  return {};
}

Status CheckKernel(const Kernel& kernel, const pb::Port& port) {
  if (port.kind() == pb::PORT_KIND_AF_PACKET || port.kind() == pb::PORT_KIND_AF_XDP) {
    if (!kernel.LinkExists(port.iface())) {
      return FailedPrecondition("port.iface: interface '{}' does not exist", port.iface());
    }
  }
  if (port.kind() == pb::PORT_KIND_TAP && !port.tap().netns().empty() && !kernel.NetnsExists(port.tap().netns())) {
    return FailedPrecondition("port.tap.netns: network namespace '{}' does not exist (/run/netns/{})",
                              port.tap().netns(), port.tap().netns());
  }
  return {};
}

}  // namespace

Status PreparePortCreate(const DesiredState& state, const Kernel& kernel, pb::Port& port) {
  NormalizePort(port);
  if (auto st = ValidatePort(port); !st.ok()) return st;
  if (auto st = CheckUnique(state, port); !st.ok()) return st;
  if (auto st = CheckTenantRefs(state, port); !st.ok()) return st;
  return CheckKernel(kernel, port);
}

Status CheckPortDelete(const DesiredState& state, const std::string& name) {
  if (!state.ports.count(name)) return NotFound("port '{}' not found", name);
  return {};
}

}  // namespace switchyard::controlplane
