#pragma once
// The VXLAN feature's part of the Snapshot: the underlay (the uplink that
// holds the local VTEP, its kernel interface), the remote VTEPs with their
// encapsulation templates, and which tenant has which VNI and remote VTEPs.
// Built on a control thread (vxlan_builder.h), read by workers.

#include <cstdint>
#include <string>
#include <vector>

#include "core/limits.h"
#include "features/vxlan/vxlan_defs.h"
#include "features/vxlan/vxlan_headers.h"

namespace switchyard {

// A read-only open-addressing map from 32-bit keys to 16-bit values, built
// once (VNI -> tenant, remote address -> slot). Half full at most, so a
// lookup is one or two probes of one cache line.
class U32Map {
 public:
  void Build(const std::vector<std::pair<uint32_t, uint16_t>>& items) {
    uint32_t cap = 8;
    while (cap < 2 * items.size() + 2) cap *= 2;
    mask_ = cap - 1;
    keys_.assign(cap, 0);
    values_.assign(cap, kEmpty);
    for (const auto& [k, v] : items) {
      uint32_t i = Slot(k);
      while (values_[i] != kEmpty && keys_[i] != k) i = (i + 1) & mask_;
      keys_[i] = k;
      values_[i] = v;
    }
  }
  // kEmpty when absent.
  uint16_t Find(uint32_t key) const {
    if (keys_.empty()) return kEmpty;
    for (uint32_t i = Slot(key);; i = (i + 1) & mask_) {
      if (values_[i] == kEmpty) return kEmpty;
      if (keys_[i] == key) return values_[i];
    }
  }
  static constexpr uint16_t kEmpty = 0xffff;

 private:
  uint32_t Slot(uint32_t k) const { return (k * 0x9e3779b1u >> 7) & mask_; }
  uint32_t mask_ = 0;
  std::vector<uint32_t> keys_;
  std::vector<uint16_t> values_;
};

struct RemoteVtep {
  bool present = false;
  bool resolved = false;      // the next hop's MAC is known: the template is complete
  uint32_t ip = 0;            // network order
  EncapTemplate header{};     // the outer headers toward it
  uint32_t ip_sum = 0;        // TemplateIpSum(header)
  std::vector<uint64_t> tenants;  // bit per tenant id: the tenants it is a VTEP of
  std::string name;           // "192.0.2.2", for the tracer
  std::string next_hop;       // "192.0.2.254 (02:..)" or why unresolved, for the tracer

  bool Serves(uint16_t tenant) const {
    const uint32_t word = tenant / 64u;
    return word < tenants.size() && ((tenants[word] >> (tenant % 64u)) & 1u) != 0;
  }
};

struct VxlanSnapshot {
  // A port with a vtep_ip is placed and has its kernel interface: the
  // stage runs on its bursts and the VTEP interface's.
  bool enabled = false;
  uint16_t uplink_port = 0;
  uint16_t kernel_port = 0;
  uint32_t local_ip = 0;   // network order
  uint32_t mtu = 1500;     // the uplink's: the largest outer IPv4 packet
  std::vector<RemoteVtep> remotes;  // by slot
  U32Map remote_by_ip;              // address (network order) -> slot
  U32Map tenant_by_vni;             // VNI -> tenant id
  std::vector<uint32_t> tenant_vni;                  // by tenant id; 0 = none
  std::vector<std::vector<uint16_t>> tenant_remotes;  // by tenant id: its remote VTEPs' slots

  uint32_t Vni(uint16_t tenant) const { return tenant < tenant_vni.size() ? tenant_vni[tenant] : 0; }
  const std::vector<uint16_t>* Remotes(uint16_t tenant) const {
    return tenant < tenant_remotes.size() && !tenant_remotes[tenant].empty()
               ? &tenant_remotes[tenant]
               : nullptr;
  }
  const RemoteVtep* Remote(uint16_t slot) const {
    return slot < remotes.size() && remotes[slot].present ? &remotes[slot] : nullptr;
  }
};

}  // namespace switchyard
