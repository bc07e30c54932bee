#include "model/checks.h"

#include <optional>
#include <set>

#include <fmt/ranges.h>
#include <google/protobuf/util/message_differencer.h>

#include <sys/stat.h>

#include <filesystem>

#include "model/validate.h"
#include "switchyard/devargs_policy.h"
#include "switchyard/mac_limits.h"

namespace switchyard::controlplane {

namespace {

// The tenant's MAC limit is reserved for it: with the other tenants' limits
// it must fit the dataplane's table.
Status CheckMacReservation(const DesiredState& state, const pb::Tenant& tenant,
                           uint32_t mac_table_size) {
  uint64_t others = 0;
  for (const auto& [name, t] : state.tenants)
    if (name != tenant.name()) others += EffectiveMacLimit(t.mac_limit());
  const uint32_t want = EffectiveMacLimit(tenant.mac_limit());
  if (others + want <= mac_table_size) return {};
  const uint64_t left = others >= mac_table_size ? 0 : mac_table_size - others;
  return FailedPrecondition(
      "tenant.mac_limit: {} MACs{} cannot be reserved for tenant '{}': the dataplane's MAC table "
      "holds {} and the other tenants reserve {}, leaving {} (lower a limit, or run the dataplane "
      "with a larger --mac-table-size)",
      want, tenant.mac_limit() == 0 ? " (the default)" : "", tenant.name(), mac_table_size, others,
      left);
}

}  // namespace

Status PrepareTenantCreate(const DesiredState& state, pb::Tenant& tenant, uint32_t mac_table_size) {
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
  return CheckMacReservation(state, tenant, mac_table_size);
}

Status PrepareTenantUpdate(const DesiredState& state, pb::Tenant& tenant, uint32_t mac_table_size) {
  tenant.clear_generation();
  auto cur = state.tenants.find(tenant.name());
  if (cur == state.tenants.end()) return NotFound("tenant '{}' not found", tenant.name());
  if (tenant.id() == 0) tenant.set_id(cur->second.id());
  if (auto st = ValidateTenant(tenant); !st.ok()) return st;
  if (tenant.id() != cur->second.id()) {
    return FailedPrecondition("tenant.id: the id of tenant '{}' is {} and cannot change in place "
                              "(delete the tenant and create it again)",
                              tenant.name(), cur->second.id());
  }
  if (tenant.vni() == 0 && cur->second.vni() != 0) {
    auto vteps = VtepsOfTenant(state, tenant.name());
    if (!vteps.empty()) {
      return FailedPrecondition("tenant.vni: tenant '{}' still has remote VTEPs ({}); delete them "
                                "before removing its VNI",
                                tenant.name(), fmt::join(vteps, ", "));
    }
  }
  for (const auto& [name, t] : state.tenants) {
    if (name == tenant.name()) continue;
    if (tenant.vlan() != 0 && t.vlan() == tenant.vlan()) {
      return AlreadyExists("tenant.vlan: VLAN {} is already used by tenant '{}'", tenant.vlan(), name);
    }
    if (tenant.vni() != 0 && t.vni() == tenant.vni()) {
      return AlreadyExists("tenant.vni: VNI {} is already used by tenant '{}'", tenant.vni(), name);
    }
  }
  return CheckMacReservation(state, tenant, mac_table_size);
}

Status CheckTenantDelete(const DesiredState& state, const std::string& name) {
  if (!state.tenants.count(name)) return NotFound("tenant '{}' not found", name);
  auto users = PortsUsingTenant(state, name);
  if (!users.empty()) {
    return FailedPrecondition("tenant '{}' is still used by port{}: {}", name, users.size() > 1 ? "s" : "",
                              fmt::join(users, ", "));
  }
  auto vteps = VtepsOfTenant(state, name);
  if (!vteps.empty()) {
    return FailedPrecondition("tenant '{}' still has remote VTEPs: {}", name, fmt::join(vteps, ", "));
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

// The device a port is must be no other port's: its name, its kernel
// interface, its vhost socket (two spellings of one path are one socket),
// its PCI address (likewise). vdev names come from port names, so they are
// unique too.
Status CheckUnique(const DesiredState& state, const pb::Port& port) {
  if (state.ports.count(port.name())) return AlreadyExists("port.name: port '{}' already exists", port.name());
  const std::string socket = port.socket().empty() ? std::string() : NormalizePath(port.socket());
  const std::optional<std::string> pci = PciAddressOf(port);
  for (const auto& [name, p] : state.ports) {
    // Kernel interfaces: a port's own, and the VTEP interface one makes.
    for (const auto& [field, mine] : {std::pair{"port.iface", port.iface()},
                                      std::pair{"port.vtep_iface", port.vtep_iface()}}) {
      if (!mine.empty() && (p.iface() == mine || p.vtep_iface() == mine)) {
        return AlreadyExists("{}: interface '{}' is already used by port '{}'", field, mine, name);
      }
    }
    if (!port.vtep_ip().empty() && !p.vtep_ip().empty()) {
      return AlreadyExists("port.vtep_ip: port '{}' already holds the local VTEP ({}); a switch has one",
                           name, p.vtep_ip());
    }
    if (!socket.empty() && !p.socket().empty() && NormalizePath(p.socket()) == socket) {
      return AlreadyExists("port.socket: socket '{}' is already used by port '{}'", port.socket(), name);
    }
    if (pci && PciAddressOf(p) == pci) {
      return AlreadyExists("port.devargs: PCI address {} is already used by port '{}'", *pci, name);
    }
  }
  return {};
}

// `path` (syntax already checked) is under one of `dirs`, and stays there
// once symlinks in its directory are resolved; the file itself, if there,
// is not a symlink and is of the kind expected.
Status CheckConfined(const std::string& field, const std::string& path,
                     const std::vector<std::string>& dirs, const char* option, bool socket) {
  const std::string* dir = nullptr;
  for (const auto& d : dirs)
    if (PathUnder(path, d) && path != d) dir = &d;
  if (dir == nullptr) {
    return InvalidArgument("{}: '{}' is not under {} (an operator can allow another directory "
                           "with controld's {})",
                           field, path, fmt::join(dirs, " or "), option);
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  const std::filesystem::path real_parent = std::filesystem::canonical(parent, ec);
  if (ec) return FailedPrecondition("{}: directory '{}' does not exist", field, parent.string());
  const std::filesystem::path real_dir = std::filesystem::canonical(*dir, ec);
  if (ec || !PathUnder(real_parent.string(), real_dir.string())) {
    return InvalidArgument("{}: '{}' leads out of {} through a symbolic link", field, path, *dir);
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) return InvalidArgument("{}: '{}' is a symbolic link", field, path);
    if (socket && !S_ISSOCK(st.st_mode))
      return FailedPrecondition("{}: '{}' exists and is not a socket", field, path);
    if (!socket && !S_ISREG(st.st_mode))
      return FailedPrecondition("{}: '{}' exists and is not a regular file", field, path);
  }
  return {};
}

Status CheckPaths(const PathPolicy& paths, const pb::Port& port) {
  if (!port.socket().empty()) {
    if (auto st = CheckConfined("port.socket", port.socket(), paths.vhost_dirs, "--vhost-dir", true);
        !st.ok())
      return st;
  }
  for (const std::string& key : DevargsPathKeys(port.kind())) {
    auto value = DevargsValue(port.devargs(), key);
    if (!value) continue;
    if (auto st = CheckConfined("port.devargs: " + key, *value, {paths.pcap_dir}, "--pcap-dir",
                                false);
        !st.ok())
      return st;
  }
  return {};
}

// The local VTEP address is no remote VTEP's.
Status CheckVtepAddress(const DesiredState& state, const pb::Port& port) {
  if (port.vtep_ip().empty()) return {};
  const std::string ip = VtepAddress(port);
  for (const auto& [name, v] : state.vteps) {
    if (v.remote() == ip) {
      return InvalidArgument("port.vtep_ip: {} is remote VTEP '{}'", ip, name);
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

Status CheckPathPolicy(const PathPolicy& paths) {
  for (const auto& d : paths.vhost_dirs)
    if (auto e = CheckPathSyntax("--vhost-dir", d); e && d != "/") return InvalidArgument("{}", *e);
  if (auto e = CheckPathSyntax("--pcap-dir", paths.pcap_dir); e && paths.pcap_dir != "/")
    return InvalidArgument("{}", *e);
  return {};
}

Status PreparePortCreate(const DesiredState& state, const Kernel& kernel, const PathPolicy& paths,
                         pb::Port& port) {
  NormalizePort(port);
  if (auto st = ValidatePort(port); !st.ok()) return st;
  if (auto st = CheckUnique(state, port); !st.ok()) return st;
  if (auto st = CheckPaths(paths, port); !st.ok()) return st;
  if (auto st = CheckTenantRefs(state, port); !st.ok()) return st;
  if (auto st = CheckVtepAddress(state, port); !st.ok()) return st;
  if (!port.vtep_iface().empty() && kernel.LinkExists(port.vtep_iface())) {
    return FailedPrecondition("port.vtep_iface: interface '{}' already exists (the dataplane creates "
                              "it; choose another name)",
                              port.vtep_iface());
  }
  return CheckKernel(kernel, port);
}

Status PreparePortUpdate(const DesiredState& state, const Kernel& kernel, pb::Port& port) {
  NormalizePort(port);
  auto cur = state.ports.find(port.name());
  if (cur == state.ports.end()) return NotFound("port '{}' not found", port.name());
  const pb::Port& old = cur->second;
  auto fixed = [&](const char* field, bool same) -> Status {
    if (same) return {};
    return FailedPrecondition("port.{}: cannot change in place on port '{}' (it names the device; "
                              "delete the port and add it again)",
                              field, port.name());
  };
  if (auto st = fixed("kind", port.kind() == old.kind()); !st.ok()) return st;
  if (auto st = fixed("iface", port.iface() == old.iface()); !st.ok()) return st;
  if (auto st = fixed("socket", port.socket() == old.socket()); !st.ok()) return st;
  if (auto st = fixed("devargs", port.devargs() == old.devargs()); !st.ok()) return st;
  if (auto st = fixed("vtep_ip", port.vtep_ip() == old.vtep_ip()); !st.ok()) return st;
  if (auto st = fixed("vtep_iface", port.vtep_iface() == old.vtep_iface()); !st.ok()) return st;
  if (!google::protobuf::util::MessageDifferencer::Equals(port.tap(), old.tap())) {
    return FailedPrecondition("port.tap: the kernel side of tap port '{}' (netns, addresses, mtu) "
                              "cannot change in place; delete the port and add it again",
                              port.name());
  }
  if (auto st = ValidatePort(port); !st.ok()) return st;
  if (auto st = CheckTenantRefs(state, port); !st.ok()) return st;
  return CheckKernel(kernel, port);
}

Status CheckPortDelete(const DesiredState& state, const std::string& name) {
  if (!state.ports.count(name)) return NotFound("port '{}' not found", name);
  return {};
}

Status PrepareVtepCreate(const DesiredState& state, pb::Vtep& vtep) {
  if (auto st = NormalizeVtep(vtep); !st.ok()) return st;
  auto t = state.tenants.find(vtep.tenant());
  if (t == state.tenants.end()) return NotFound("vtep.tenant: tenant '{}' does not exist", vtep.tenant());
  if (t->second.vni() == 0) {
    return FailedPrecondition("vtep.tenant: tenant '{}' has no VNI (set one with tenant set {} --vni N)",
                              vtep.tenant(), vtep.tenant());
  }
  if (state.vteps.count(vtep.name())) {
    return AlreadyExists("vtep: tenant '{}' already has remote VTEP {}", vtep.tenant(), vtep.remote());
  }
  std::set<std::string> remotes;
  for (const auto& [name, v] : state.vteps) remotes.insert(v.remote());
  for (const auto& [name, p] : state.ports) {
    if (!p.vtep_ip().empty() && VtepAddress(p) == vtep.remote()) {
      return InvalidArgument("vtep.remote: {} is the local VTEP (port '{}')", vtep.remote(), name);
    }
  }
  if (!remotes.count(vtep.remote()) && remotes.size() >= kMaxRemoteVteps) {
    return {grpc::StatusCode::RESOURCE_EXHAUSTED,
            fmt::format("vtep.remote: the switch reaches at most {} remote VTEP addresses", kMaxRemoteVteps)};
  }
  return {};
}

Status PrepareLimitSet(const DesiredState& state, pb::Limit& limit) {
  if (auto st = NormalizeLimit(limit); !st.ok()) return st;
  if (!limit.port().empty() && !state.ports.count(limit.port()))
    return NotFound("limit.port: port '{}' does not exist", limit.port());
  if (!limit.tenant().empty() && !state.tenants.count(limit.tenant()))
    return NotFound("limit.tenant: tenant '{}' does not exist", limit.tenant());
  if (!state.limits.count(limit.name()) && state.limits.size() >= kMaxLimits) {
    return {grpc::StatusCode::RESOURCE_EXHAUSTED,
            fmt::format("limit: the switch holds at most {} limits", kMaxLimits)};
  }
  return {};
}

std::vector<std::string> LimitsOf(const DesiredState& state, const std::string& port,
                                  const std::string& tenant) {
  std::vector<std::string> out;
  for (const auto& [name, l] : state.limits)
    if ((!port.empty() && l.port() == port) || (!tenant.empty() && l.tenant() == tenant))
      out.push_back(name);
  return out;
}

Status FindVtep(const DesiredState& state, const std::string& tenant, const std::string& remote,
                std::string& name) {
  pb::Vtep v;
  v.set_tenant(tenant);
  v.set_remote(remote);
  if (auto st = NormalizeVtep(v); !st.ok()) return st;
  if (!state.vteps.count(v.name())) {
    return NotFound("vtep: tenant '{}' has no remote VTEP {}", tenant, v.remote());
  }
  name = v.name();
  return {};
}

}  // namespace switchyard::controlplane
