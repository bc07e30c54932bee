#include "features/vxlan/vxlan_builder.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "core/limits.h"

namespace switchyard {

bool ParseIpv4(const std::string& text, uint32_t* ip) {
  const std::string addr = text.substr(0, text.find('/'));
  in_addr a{};
  if (inet_pton(AF_INET, addr.c_str(), &a) != 1) return false;
  *ip = a.s_addr;
  return true;
}

bool ParseMac(const std::string& text, std::array<uint8_t, 6>* mac) {
  unsigned b[6];
  char extra = 0;
  if (text.size() != 17 ||
      std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
                  &b[5], &extra) != 6)
    return false;
  for (int i = 0; i < 6; ++i) (*mac)[i] = static_cast<uint8_t>(b[i]);
  return true;
}

namespace {

const v1::Tenant* TenantWithVni(const std::map<std::string, v1::Tenant>& tenants,
                                const std::string& name) {
  auto it = tenants.find(name);
  if (it == tenants.end() || it->second.vni() == 0 || it->second.id() == 0 ||
      it->second.id() > kMaxTenantId)
    return nullptr;
  return &it->second;
}

}  // namespace

std::vector<uint32_t> RemoteAddresses(const std::map<std::string, v1::Tenant>& tenants,
                                      const std::map<std::string, v1::Vtep>& vteps) {
  std::vector<uint32_t> out;
  for (const auto& [name, v] : vteps) {
    uint32_t ip = 0;
    if (TenantWithVni(tenants, v.tenant()) == nullptr || !ParseIpv4(v.remote(), &ip)) continue;
    if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(ip);
  }
  return out;
}

VxlanSnapshot BuildVxlan(const std::map<std::string, v1::Tenant>& tenants, const VxlanInputs& in,
                         std::vector<std::string>* problems) {
  auto note = [&](const std::string& msg) {
    if (problems != nullptr) problems->push_back(msg);
  };
  VxlanSnapshot vx;
  const UnderlayPorts& u = in.underlay;
  if (!u.uplink_present) return vx;
  if (!u.kernel_present) {
    note("vxlan: the VTEP interface is not up: no tenant is carried over VXLAN");
    return vx;
  }
  if (!ParseIpv4(u.vtep_ip, &vx.local_ip) || vx.local_ip == 0) {
    note("vxlan: vtep_ip '" + u.vtep_ip + "' is not an IPv4 address");
    return vx;
  }
  vx.enabled = true;
  vx.uplink_port = u.uplink_port;
  vx.kernel_port = u.kernel_port;
  vx.mtu = u.mtu;

  uint32_t max_id = 0;
  std::vector<std::pair<uint32_t, uint16_t>> vnis;
  for (const auto& [name, t] : tenants) {
    if (TenantWithVni(tenants, name) == nullptr) continue;
    vnis.emplace_back(t.vni(), static_cast<uint16_t>(t.id()));
    max_id = std::max(max_id, t.id());
  }
  vx.tenant_by_vni.Build(vnis);
  vx.tenant_vni.assign(max_id + 1, 0);
  for (const auto& [vni, id] : vnis) vx.tenant_vni[id] = vni;
  vx.tenant_remotes.assign(max_id + 1, {});

  uint16_t max_slot = 0;
  for (const auto& [ip, slot] : in.slots) max_slot = std::max(max_slot, slot);
  vx.remotes.resize(in.slots.empty() ? 0 : max_slot + 1u);
  std::vector<std::pair<uint32_t, uint16_t>> by_ip;
  for (const auto& [name, v] : in.vteps) {
    const v1::Tenant* t = TenantWithVni(tenants, v.tenant());
    uint32_t ip = 0;
    if (t == nullptr || !ParseIpv4(v.remote(), &ip)) {
      note("vtep " + name + ": tenant '" + v.tenant() + "' has no VNI, or '" + v.remote() +
           "' is not an IPv4 address");
      continue;
    }
    auto slot_it = in.slots.find(ip);
    if (slot_it == in.slots.end() || slot_it->second >= kMaxRemoteVteps) {
      note("vtep " + name + ": no slot for " + v.remote());
      continue;
    }
    const uint16_t slot = slot_it->second;
    const auto id = static_cast<uint16_t>(t->id());
    RemoteVtep& rv = vx.remotes[slot];
    if (!rv.present) {
      rv.present = true;
      rv.ip = ip;
      rv.name = v.remote();
      by_ip.emplace_back(ip, slot);
      auto nh = in.next_hops.find(ip);
      std::array<uint8_t, 6> mac{};
      if (nh != in.next_hops.end() && ParseMac(nh->second.mac(), &mac)) {
        rv.resolved = true;
        rv.header = MakeEncapTemplate(mac.data(), u.mac.data(), vx.local_ip, ip);
        rv.ip_sum = TemplateIpSum(rv.header);
        rv.next_hop = fmt::format("{} ({})", nh->second.via(), nh->second.mac());
      } else {
        rv.next_hop = nh == in.next_hops.end() || nh->second.error().empty()
                          ? std::string("next hop not resolved yet")
                          : "unresolved: " + nh->second.error();
      }
    }
    if (rv.tenants.size() <= id / 64u) rv.tenants.resize(id / 64u + 1, 0);
    rv.tenants[id / 64u] |= uint64_t{1} << (id % 64u);
    auto& list = vx.tenant_remotes[id];
    if (std::find(list.begin(), list.end(), slot) == list.end()) list.push_back(slot);
  }
  vx.remote_by_ip.Build(by_ip);
  return vx;
}

}  // namespace switchyard
