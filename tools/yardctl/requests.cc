#include "requests.h"

#include <cstdint>

#include <fmt/format.h>

namespace yardctl {
namespace v1 = switchyard::v1;

std::string FieldLabel(std::string_view path, std::string_view key) {
  if (!path.empty()) return fmt::format("{}.{}", path, key);
  std::string option = "--";
  for (char c : key) option += c == '_' ? '-' : c;
  return option;
}

Parsed<v1::CreateTenantRequest> BuildCreateTenant(const TenantAddArgs& a) {
  using R = Parsed<v1::CreateTenantRequest>;
  v1::CreateTenantRequest req;
  v1::Tenant* t = req.mutable_tenant();
  t->set_name(a.name);
  struct Field {
    const std::string& text;
    const char* key;
    uint64_t max;
    void (v1::Tenant::*set)(uint32_t);
  };
  // Ranges are the field widths; controld owns the tighter policy limits
  // (id 1..16383, mac-limit <= 1048576).
  for (const Field& f : {Field{a.id, "id", kMaxU32, &v1::Tenant::set_id},
                         Field{a.vlan, "vlan", kMaxVlan, &v1::Tenant::set_vlan},
                         Field{a.mac_limit, "mac_limit", kMaxU32, &v1::Tenant::set_mac_limit},
                         Field{a.vni, "vni", kMaxVni, &v1::Tenant::set_vni}}) {
    if (f.text.empty()) continue;
    auto v = ParseUint(f.text, FieldLabel(a.path, f.key), 0, f.max);
    if (!v.ok()) return R::Error(v.error());
    (t->*f.set)(static_cast<uint32_t>(v.value()));
  }
  return R::Ok(std::move(req));
}

Parsed<v1::CreatePortRequest> BuildCreatePort(const PortAddArgs& a) {
  using R = Parsed<v1::CreatePortRequest>;
  auto label = [&a](std::string_view key) { return FieldLabel(a.path, key); };
  v1::CreatePortRequest req;
  v1::Port* p = req.mutable_port();
  p->set_name(a.name);
  auto kind = ParsePortKind(a.kind, label("kind"));
  if (!kind.ok()) return R::Error(kind.error());
  p->set_kind(kind.value());
  p->set_iface(a.iface);
  p->set_socket(a.socket);
  p->set_devargs(a.devargs);

  bool trunk = !a.trunk.empty() || !a.trunk_map.empty();
  int roles = !a.tenant.empty() + trunk + a.uplink;
  if (roles != 1) {
    if (a.path.empty()) {
      return R::Error(
          "--tenant, --trunk, --uplink: give exactly one (access, trunk or uplink port)");
    }
    return R::Error(fmt::format("{}: give exactly one of tenant, trunk, uplink: true "
                                "(access, trunk or uplink port)",
                                a.path));
  }
  if (!a.vlan.empty() && a.tenant.empty()) {
    return R::Error(fmt::format("{}: only with {}", label("vlan"), label("tenant")));
  }
  if (!a.tenant.empty()) {
    p->set_role(v1::PORT_ROLE_ACCESS);
    p->set_tenant(a.tenant);
    if (!a.vlan.empty()) {
      auto vlan = ParseUint(a.vlan, label("vlan"), 0, kMaxVlan);
      if (!vlan.ok()) return R::Error(vlan.error());
      p->set_access_vlan(static_cast<uint32_t>(vlan.value()));
    }
  } else if (trunk) {
    p->set_role(v1::PORT_ROLE_TRUNK);
    if (!a.trunk.empty()) {
      auto specs = ParseTrunkSpecs(a.trunk, label("trunk"));
      if (!specs.ok()) return R::Error(specs.error());
      for (const auto& tv : specs.value()) *p->add_trunk() = tv;
    }
    for (const auto& [vlan, tenant] : a.trunk_map) {
      auto tv = ParseTrunkVlan(vlan, tenant, label("trunk"));
      if (!tv.ok()) return R::Error(tv.error());
      *p->add_trunk() = tv.value();
    }
  } else {
    p->set_role(v1::PORT_ROLE_UPLINK);
  }

  if (!a.netns.empty() || !a.ips.empty() || !a.mtu.empty()) {
    v1::TapKernelConfig* tap = p->mutable_tap();
    tap->set_netns(a.netns);
    for (const auto& ip : a.ips) {
      auto cidr = CheckCidr(ip, label("ip"));
      if (!cidr.ok()) return R::Error(cidr.error());
      tap->add_addresses(cidr.value());
    }
    if (!a.mtu.empty()) {
      // 65535 is the most any link can carry; controld enforces 68..9000.
      auto mtu = ParseUint(a.mtu, label("mtu"), 0, UINT16_MAX);
      if (!mtu.ok()) return R::Error(mtu.error());
      tap->set_mtu(static_cast<uint32_t>(mtu.value()));
    }
  }
  return R::Ok(std::move(req));
}

}  // namespace yardctl
