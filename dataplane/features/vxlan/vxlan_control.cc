// The VXLAN feature's control side: the VTEP uplink's kernel interface, the
// remote VTEPs' slots, the next hops controld resolves, and the inputs of
// the VXLAN part of each snapshot. Methods of Dataplane; control threads,
// under the Dataplane's mutex.

#include <arpa/inet.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <rte_ethdev.h>
#include <spdlog/spdlog.h>

#include "core/dataplane.h"

namespace switchyard {

namespace {

// The ports_ key of an uplink's kernel interface: ':' is in no port name.
std::string KernelPortName(const std::string& uplink) { return uplink + ":vtep"; }

// The kernel interface for the uplink `p` whose MAC is `mac`: a tap with
// the uplink's MAC (so the kernel's ARP replies name the address VXLAN
// frames arrive for) and its MTU.
v1::Port KernelPortSpec(const v1::Port& p, const std::string& mac, uint16_t mtu) {
  v1::Port k;
  k.set_name(KernelPortName(p.name()));
  k.set_kind(v1::PORT_KIND_TAP);
  k.set_iface(p.vtep_iface());
  k.set_devargs("mac=" + mac);
  if (mtu >= 68) k.mutable_tap()->set_mtu(mtu);
  return k;
}

}  // namespace

std::map<std::string, v1::Port> Dataplane::WithKernelPorts(
    const std::map<std::string, v1::Port>& ports) const {
  std::map<std::string, v1::Port> out = ports;
  for (const auto& [name, p] : ports) {
    if (p.vtep_ip().empty() || p.vtep_iface().empty()) continue;
    auto up = ports_.find(name);
    if (up == ports_.end() || !SameDevice(up->second.spec, p)) continue;
    auto k = ports_.find(KernelPortName(name));
    // Kept as it runs (its MAC and MTU are the uplink's) while it is the
    // interface the port names; made anew otherwise (AddKernelPorts).
    if (k != ports_.end() && k->second.spec.iface() == p.vtep_iface())
      out[k->first] = k->second.spec;
  }
  return out;
}

void Dataplane::AddKernelPorts(const std::map<std::string, v1::Port>& ports,
                               google::protobuf::RepeatedPtrField<v1::PortError>* errors) {
  for (const auto& [name, p] : ports) {
    if (p.vtep_ip().empty() || p.vtep_iface().empty()) continue;
    auto up = ports_.find(name);
    if (up == ports_.end() || ports_.count(KernelPortName(name)) != 0) continue;
    const uint16_t pid = up->second.port_id;
    const std::string mac = port_manager_->Status(pid).mac();
    uint16_t mtu = 0;
    rte_eth_dev_get_mtu(pid, &mtu);
    const v1::Port spec = KernelPortSpec(p, mac, mtu);
    std::string error;
    auto q = port_manager_->Add(spec, &error, "net_tapvtep_" + name);
    if (!q) {
      spdlog::error("port {}: its VTEP interface {}: {}", name, p.vtep_iface(), error);
      auto* e = errors->Add();
      e->set_port(name);
      e->set_message("port.vtep_iface: " + p.vtep_iface() + ": " + error);
      continue;
    }
    PlacedPort placed{spec, q->port_id, q->tx_queues, PlaceRxQueues(q->rx_queues), q->rx_pool};
    placed.internal = true;
    auto sum = std::make_unique<WorkerCounters>();
    SumCounters(sum.get());
    port_base_[q->port_id] = sum->ports[q->port_id];
    ports_[spec.name()] = placed;
    spdlog::info("port {}: VTEP interface {} (ethdev {}, MAC {}, MTU {})", name, p.vtep_iface(),
                 q->port_id, mac, mtu);
  }
}

Dataplane::VtepUpdate Dataplane::UpdateVteps(
    const ConfigState& want, const std::function<WorkerCounters&()>& counters_now) {
  VtepUpdate u;
  auto pairs = [this](const TenantMap& tenants, const std::map<std::string, v1::Vtep>& vteps) {
    std::set<std::pair<uint16_t, uint32_t>> out;  // (tenant id, remote address)
    for (const auto& [name, v] : vteps) {
      auto t = tenants.find(v.tenant());
      uint32_t ip = 0;
      if (t != tenants.end() && t->second.vni() != 0 && ParseIpv4(v.remote(), &ip))
        out.emplace(static_cast<uint16_t>(t->second.id()), ip);
    }
    return out;
  };
  // tenants_ is already the new set; the old pairs are the old Vteps of
  // tenants with the ids and VNIs they had (flush_tenants covers changes).
  const auto before = pairs(tenants_, vteps_);
  const auto after = pairs(want.tenants, want.vteps);
  u.changed = vteps_.size() != want.vteps.size();
  for (const auto& [name, v] : want.vteps) {
    auto it = vteps_.find(name);
    u.changed = u.changed || it == vteps_.end() || it->second.tenant() != v.tenant() ||
                it->second.remote() != v.remote();
  }
  std::set<uint32_t> wanted;
  for (const auto& [tenant, ip] : after) wanted.insert(ip);
  for (uint32_t ip : wanted) {
    if (vtep_slots_.count(ip) != 0) continue;
    std::vector<bool> used(kMaxRemoteVteps, false);
    for (const auto& [a, slot] : vtep_slots_) used[slot] = true;
    auto free = std::find(used.begin(), used.end(), false);
    if (free == used.end()) {
      char buf[INET_ADDRSTRLEN] = {};
      inet_ntop(AF_INET, &ip, buf, sizeof(buf));
      spdlog::error("vtep {}: all {} remote VTEP slots are in use: not carried", buf,
                    kMaxRemoteVteps);
      continue;
    }
    const auto slot = static_cast<uint16_t>(free - used.begin());
    vtep_slots_[ip] = slot;
    vtep_base_[slot] = counters_now().vteps[slot];
  }
  for (const auto& [tenant, ip] : before) {
    if (after.count({tenant, ip}) != 0) continue;
    auto it = vtep_slots_.find(ip);
    if (it != vtep_slots_.end()) u.stale.emplace_back(tenant, it->second);
  }
  for (auto it = vtep_slots_.begin(); it != vtep_slots_.end();)
    it = wanted.count(it->first) != 0 ? std::next(it) : vtep_slots_.erase(it);
  vteps_ = want.vteps;
  return u;
}

VxlanInputs Dataplane::VxlanInputsLocked() const {
  VxlanInputs in;
  in.vteps = vteps_;
  in.slots = vtep_slots_;
  in.next_hops = next_hops_;
  for (const auto& [name, placed] : ports_) {
    if (placed.internal || placed.spec.vtep_ip().empty()) continue;
    UnderlayPorts& u = in.underlay;
    u.uplink_present = true;
    u.uplink_port = placed.port_id;
    u.vtep_ip = placed.spec.vtep_ip();
    rte_ether_addr mac{};
    if (rte_eth_macaddr_get(placed.port_id, &mac) == 0)
      std::copy(mac.addr_bytes, mac.addr_bytes + 6, u.mac.begin());
    uint16_t mtu = 0;
    if (rte_eth_dev_get_mtu(placed.port_id, &mtu) == 0 && mtu != 0) u.mtu = mtu;
    auto k = ports_.find(KernelPortName(name));
    if (k != ports_.end()) {
      u.kernel_present = true;
      u.kernel_port = k->second.port_id;
    }
    break;
  }
  return in;
}

std::string Dataplane::RemoteName(uint16_t slot) const {
  for (const auto& [ip, s] : vtep_slots_) {
    if (s != slot) continue;
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &ip, buf, sizeof(buf));
    return buf;
  }
  return fmt::format("#{}", slot);
}

std::optional<std::string> Dataplane::SetNextHops(const v1::SetNextHopsRequest& req) {
  std::map<uint32_t, v1::NextHop> hops;
  for (int i = 0; i < req.next_hops_size(); ++i) {
    const v1::NextHop& nh = req.next_hops(i);
    uint32_t ip = 0;
    std::array<uint8_t, 6> mac{};
    if (!ParseIpv4(nh.remote(), &ip) || nh.remote().find('/') != std::string::npos)
      return fmt::format("next_hops[{}].remote: '{}' is not an IPv4 address", i, nh.remote());
    if (!nh.mac().empty() && !ParseMac(nh.mac(), &mac))
      return fmt::format("next_hops[{}].mac: '{}' is not a MAC address", i, nh.mac());
    if (!hops.emplace(ip, nh).second)
      return fmt::format("next_hops[{}].remote: {} appears twice", i, nh.remote());
  }
  std::lock_guard<std::mutex> lk(mu_);
  bool same = hops.size() == next_hops_.size();
  for (auto a = hops.begin(), b = next_hops_.begin(); same && a != hops.end(); ++a, ++b)
    same = a->first == b->first && a->second.SerializeAsString() == b->second.SerializeAsString();
  if (same) return std::nullopt;
  next_hops_ = std::move(hops);
  Publish(generation_);
  return std::nullopt;
}

}  // namespace switchyard
