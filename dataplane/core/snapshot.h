#pragma once
// The forwarding configuration as the fast path sees it: an immutable value
// built on a control thread (SnapshotBuilder), published with one pointer
// swap and reclaimed after every worker has passed a quiescent state.
// Workers never see a half-applied change.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/limits.h"
#include "features/limits/limit_snapshot.h"
#include "features/rules/rule_snapshot.h"
#include "features/vxlan/vxlan_snapshot.h"

struct rte_mempool;

namespace switchyard {

enum class Role : uint8_t { kNone = 0, kAccess, kTrunk, kUplink };

struct PortConfig {
  bool present = false;
  Role role = Role::kNone;
  uint16_t port_id = 0;
  uint16_t tx_queues = 1;
  // Frames arrive by DMA (a NIC, AF_XDP): prefetch their mbufs and headers.
  // Software ports (vhost-user, tap, af_packet, pcap, ring) hand over frames
  // the CPU has just copied, still in L1: a prefetch there only costs (about
  // 1 cycle per packet on a vhost-user loop).
  bool rx_prefetch = false;
  // A vhost-user port: bursts go to librte_vhost directly (ports/vhost_direct.h).
  bool vhost = false;
  // access: the tenant and the tag toward the port (0 = untagged).
  uint16_t access_tenant = kNoTenant;
  uint16_t access_vlan = 0;
  // trunk/uplink: ingress VLAN id -> tenant id (kNoTenant = not allowed).
  std::vector<uint16_t> vlan_to_tenant;
  // trunk/uplink: tenant id -> egress VLAN id (kNotMember = not carried).
  std::vector<uint16_t> tenant_to_vlan;
  // Rate limits (features/limits): indexes into Snapshot::limits, or
  // kNoLimit. storm: by StormIndex; has_storm if any is set.
  uint16_t limit_in = kNoLimit;
  uint16_t limit_out = kNoLimit;
  std::array<uint16_t, 3> storm{kNoLimit, kNoLimit, kNoLimit};
  bool has_storm = false;
  // For the tracer's output only.
  std::string name;

  // Egress tag for `tenant` on this port: 0 untagged, kNotMember if the port
  // does not carry the tenant.
  uint16_t EgressVlan(uint16_t tenant) const {
    if (role == Role::kAccess) return tenant == access_tenant ? access_vlan : kNotMember;
    if (tenant < tenant_to_vlan.size()) return tenant_to_vlan[tenant];
    return kNotMember;
  }

  // Ingress classification: tenant for a frame with `vid` (0 = untagged).
  uint16_t IngressTenant(uint16_t vid) const {
    if (role == Role::kAccess) return vid == access_vlan ? access_tenant : kNoTenant;
    return vid < vlan_to_tenant.size() ? vlan_to_tenant[vid] : kNoTenant;
  }
};

struct TenantConfig {
  bool present = false;
  uint32_t mac_limit = 0;  // the effective limit (the default applied)
  // Every port that carries the tenant; flooding skips the ingress port.
  std::vector<uint16_t> flood_ports;
  std::string name;  // for the tracer's output only
};

struct RxQueueRef {
  uint16_t port_id;
  uint16_t queue_id;
  bool vhost = false;  // PortConfig::vhost
  rte_mempool* pool = nullptr;  // the port's buffers: where a vhost dequeue allocates
};

struct Snapshot {
  uint64_t generation = 0;
  std::array<PortConfig, kMaxPorts> ports{};
  std::vector<TenantConfig> tenants;  // indexed by tenant id
  // RX queues each worker polls, indexed by worker index.
  std::vector<std::vector<RxQueueRef>> worker_rx;
  VxlanSnapshot vxlan;  // features/vxlan
  LimitSnapshot limits;  // features/limits
  RulesSnapshot rules;   // features/rules

  const TenantConfig* Tenant(uint16_t id) const {
    return id < tenants.size() && tenants[id].present ? &tenants[id] : nullptr;
  }
  // Names for the tracer: "port 7" / "tenant 3" when unknown.
  std::string PortName(uint16_t port) const;
  std::string TenantName(uint16_t tenant) const;
};

}  // namespace switchyard
