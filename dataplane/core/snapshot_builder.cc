#include "core/snapshot_builder.h"

#include <algorithm>

#include <google/protobuf/util/message_differencer.h>

#include "switchyard/mac_limits.h"

namespace switchyard {

namespace {

Role ToRole(v1::PortRole r) {
  switch (r) {
    case v1::PORT_ROLE_ACCESS: return Role::kAccess;
    case v1::PORT_ROLE_TRUNK: return Role::kTrunk;
    case v1::PORT_ROLE_UPLINK: return Role::kUplink;
    default: return Role::kNone;
  }
}

}  // namespace

std::unique_ptr<Snapshot> BuildSnapshot(uint64_t generation, const TenantMap& tenants,
                                        const PortMap& ports, uint16_t workers,
                                        std::vector<std::string>* problems,
                                        const VxlanInputs* vxlan, const LimitInputs* limits,
                                        const RuleInputs* rules) {
  auto s = std::make_unique<Snapshot>();
  s->generation = generation;
  s->worker_rx.resize(workers);

  std::map<std::string, uint16_t> tenant_ids;
  uint32_t max_id = 0;
  for (const auto& [name, t] : tenants) {
    if (t.id() == 0 || t.id() > kMaxTenantId) continue;
    tenant_ids[name] = static_cast<uint16_t>(t.id());
    max_id = std::max(max_id, t.id());
  }
  s->tenants.resize(max_id + 1);
  for (const auto& [name, t] : tenants) {
    auto it = tenant_ids.find(name);
    if (it == tenant_ids.end()) continue;
    TenantConfig& tc = s->tenants[it->second];
    tc.present = true;
    tc.mac_limit = EffectiveMacLimit(t.mac_limit());
    tc.name = name;
  }
  auto note = [&](const std::string& msg) {
    if (problems != nullptr) problems->push_back(msg);
  };

  for (const auto& [name, placed] : ports) {
    const v1::Port& p = placed.spec;
    PortConfig pc;
    pc.name = name;
    pc.port_id = placed.port_id;
    pc.tx_queues = placed.tx_queues;
    pc.role = ToRole(p.role());
    pc.rx_prefetch = p.kind() == v1::PORT_KIND_PCI || p.kind() == v1::PORT_KIND_AF_XDP;
    pc.vhost = p.kind() == v1::PORT_KIND_VHOST_SERVER || p.kind() == v1::PORT_KIND_VHOST_CLIENT;
    std::vector<std::pair<uint16_t, uint16_t>> members;  // (tenant, vlan)
    if (placed.internal) {
      // No tenant, no role: the stage that made it forwards its frames.
    } else if (pc.role == Role::kAccess) {
      auto it = tenant_ids.find(p.tenant());
      if (it == tenant_ids.end()) {
        note("port " + name + ": tenant '" + p.tenant() + "' unknown");
        continue;
      }
      if (p.access_vlan() >= kVlanCount - 1) {
        note("port " + name + ": access vlan " + std::to_string(p.access_vlan()) +
             " out of range 0..4094");
        continue;
      }
      pc.access_tenant = it->second;
      pc.access_vlan = static_cast<uint16_t>(p.access_vlan());
      members.emplace_back(pc.access_tenant, pc.access_vlan);
    } else if (pc.role == Role::kTrunk) {
      for (const auto& tv : p.trunk()) {
        auto it = tenant_ids.find(tv.tenant());
        if (it == tenant_ids.end() || tv.vlan() == 0 || tv.vlan() >= kVlanCount) {
          note("port " + name + ": trunk vlan " + std::to_string(tv.vlan()) + " -> '" +
               tv.tenant() + "' ignored");
          continue;
        }
        members.emplace_back(it->second, static_cast<uint16_t>(tv.vlan()));
      }
    } else if (pc.role == Role::kUplink) {
      for (const auto& [tname, t] : tenants) {
        auto it = tenant_ids.find(tname);
        if (it != tenant_ids.end() && t.vlan() > 0 && t.vlan() < kVlanCount)
          members.emplace_back(it->second, static_cast<uint16_t>(t.vlan()));
      }
    } else {
      note("port " + name + ": no role");
      continue;
    }
    if (pc.role == Role::kTrunk || pc.role == Role::kUplink) {
      pc.vlan_to_tenant.assign(kVlanCount, kNoTenant);
      pc.tenant_to_vlan.assign(max_id + 1, kNotMember);
      for (auto [tenant, vlan] : members) {
        pc.vlan_to_tenant[vlan] = tenant;
        pc.tenant_to_vlan[tenant] = vlan;
      }
    }
    pc.present = true;
    for (auto [tenant, vlan] : members) {
      auto& flood = s->tenants[tenant].flood_ports;
      if (std::find(flood.begin(), flood.end(), placed.port_id) == flood.end())
        flood.push_back(placed.port_id);
    }
    const bool vhost = pc.vhost;
    s->ports[placed.port_id] = std::move(pc);
    for (uint16_t q = 0; q < placed.rx_workers.size(); ++q)
      s->worker_rx[placed.rx_workers[q] % workers].push_back(
          RxQueueRef{placed.port_id, q, vhost, placed.rx_pool});
  }
  if (vxlan != nullptr) s->vxlan = BuildVxlan(tenants, *vxlan, problems);
  if (limits != nullptr) BuildLimits(*limits, tenants, ports, s.get(), problems);
  if (rules != nullptr) BuildRules(*rules, tenants, ports, s.get(), problems);
  return s;
}

int32_t RunningPortId(const PortMap& ports, const Snapshot& s, const std::string& name) {
  auto it = ports.find(name);
  if (it == ports.end() || !s.ports[it->second.port_id].present) return -1;
  return it->second.port_id;
}

std::string Snapshot::PortName(uint16_t port) const {
  if (port < ports.size() && ports[port].present) return ports[port].name;
  return "port " + std::to_string(port);
}

std::string Snapshot::TenantName(uint16_t tenant) const {
  if (const TenantConfig* t = Tenant(tenant)) return t->name;
  return "tenant " + std::to_string(tenant);
}

bool MembershipChanged(const v1::Port& a, const v1::Port& b) {
  if (a.role() != b.role() || a.tenant() != b.tenant() || a.access_vlan() != b.access_vlan())
    return true;
  if (a.trunk_size() != b.trunk_size()) return true;
  for (int i = 0; i < a.trunk_size(); ++i) {
    if (!google::protobuf::util::MessageDifferencer::Equals(a.trunk(i), b.trunk(i))) return true;
  }
  return false;
}

}  // namespace switchyard
