#pragma once
// VLAN feature: the classify stage (port + tag -> tenant) and the tag
// edits the egress step applies (keep, rewrite, strip or push). Runs on
// worker lcores.

#include <cstring>

#include <fmt/format.h>
#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "core/burst.h"
#include "core/drop_reasons.h"
#include "core/eth_parse.h"
#include "core/snapshot.h"
#include "core/trace.h"
#include "core/worker_context.h"

namespace switchyard {

// Tenant of a frame arriving on `pc`, or kNoTenant with `*why` set.
inline uint16_t ClassifyIngress(const PortConfig& pc, uint16_t vid, DropReason* why) {
  uint16_t tenant = pc.IngressTenant(vid);
  if (tenant == kNoTenant) {
    *why = (pc.role != Role::kAccess && vid == 0) ? DropReason::UNTAGGED_ON_TRUNK
                                                  : DropReason::VLAN_NOT_ALLOWED;
  }
  return tenant;
}

inline const char* RoleName(Role r) {
  switch (r) {
    case Role::kAccess: return "access";
    case Role::kTrunk: return "trunk";
    case Role::kUplink: return "uplink";
    default: return "none";
  }
}

// The classify stage: each undecided run gets its tenant, or is dropped.
// Counts the tenant's received packets. StageScope::kRunHeader.
template <bool kTrace>
inline void VlanClassifyStage(WorkerContext& w, const Snapshot& s, Burst& b) {
  const PortConfig& pc = s.ports[b.in_port];
  WorkerCounters& c = *w.counters;
  for (uint16_t r = 0; r < b.runs; ++r) {
    // Decided, or decapsulated (features/vxlan: the VNI gave the tenant).
    if (b.Decided(r) || b.FromRemote(r) != kNoRemote) continue;
    DropReason why = DropReason::VLAN_NOT_ALLOWED;
    const uint16_t tenant = ClassifyIngress(pc, b.vid[r], &why);
    if (unlikely(tenant == kNoTenant || s.Tenant(tenant) == nullptr)) {
      b.Drop(r, why);
      b.tenant[r] = kNoTenant;
      if constexpr (kTrace)
        b.trace->Add(r, "vlan", fmt::format("{} port {}: {} not carried", RoleName(pc.role),
                                            pc.name,
                                            b.vid[r] ? fmt::format("vlan {}", b.vid[r])
                                                     : std::string("untagged")));
      continue;
    }
    b.tenant[r] = tenant;
    TenantCounters& tc = c.tenants[tenant];
    tc.rx_packets += b.RunLength(r);
    tc.rx_bytes += b.bytes[r];
    if constexpr (kTrace)
      b.trace->Add(r, "vlan", fmt::format("{} port {}, {} -> tenant {}", RoleName(pc.role),
                                          pc.name,
                                          b.vid[r] ? fmt::format("vlan {}", b.vid[r])
                                                   : std::string("untagged"),
                                          s.TenantName(tenant)));
  }
}

// Copy the two MAC addresses (12 bytes) to `dst`, which may overlap `src`:
// both loads before any store, inlined (a memmove call per packet would be
// a library call through the PLT for 12 bytes).
inline void MoveMacs(uint8_t* dst, const uint8_t* src) {
  uint64_t a;
  uint32_t b;
  std::memcpy(&a, src, sizeof(a));
  std::memcpy(&b, src + 8, sizeof(b));
  std::memcpy(dst, &a, sizeof(a));
  std::memcpy(dst + 8, &b, sizeof(b));
}

// The tag edits. The mbuf must be private to the caller (flood copies are),
// with its Ethernet header (and a tag in its bytes, if it has one) in the
// first segment: what the parser saw there. Each reads the mbuf's fields
// first and writes them last: a store to the frame's bytes may alias
// anything, and would otherwise make the compiler load them again.

// Remove the tag in the frame's bytes: slide the two MAC addresses over it.
inline void VlanStrip(rte_mbuf* m) {
  const uint16_t off = m->data_off, seg = m->data_len;
  const uint32_t len = m->pkt_len;
  uint8_t* p = static_cast<uint8_t*>(m->buf_addr) + off;
  MoveMacs(p + kVlanTagLen, p);
  m->data_off = static_cast<uint16_t>(off + kVlanTagLen);
  m->data_len = static_cast<uint16_t>(seg - kVlanTagLen);
  m->pkt_len = len - kVlanTagLen;
}

// Rewrite the tag's VLAN id, keep the priority bits; normalise the TPID.
inline void VlanRewrite(rte_mbuf* m, uint16_t vid) {
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  const uint16_t tci = static_cast<uint16_t>((((p[14] << 8) | p[15]) & 0xf000) | vid);
  const uint32_t tag = rte_cpu_to_be_32((uint32_t{kEtherTypeVlan} << 16) | tci);
  std::memcpy(p + 12, &tag, sizeof(tag));
}

// Insert a tag with `vid` (priority 0) after the MACs, into the headroom:
// the MACs and the tag as two 8-byte stores. False (frame unchanged) if
// the mbuf is shared or has no headroom.
inline bool VlanPush(rte_mbuf* m, uint16_t vid) {
  const uint16_t off = m->data_off, seg = m->data_len;
  const uint32_t len = m->pkt_len;
  if (unlikely(!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) > 1 || off < kVlanTagLen))
    return false;
  uint8_t* n = static_cast<uint8_t*>(m->buf_addr) + off - kVlanTagLen;
  uint64_t macs;
  uint32_t macs_tail;
  std::memcpy(&macs, n + kVlanTagLen, sizeof(macs));
  std::memcpy(&macs_tail, n + kVlanTagLen + 8, sizeof(macs_tail));
  const uint32_t tag = rte_cpu_to_be_32((uint32_t{kEtherTypeVlan} << 16) | vid);
  const uint64_t tail = uint64_t{macs_tail} | (uint64_t{tag} << 32);  // little-endian
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
  std::memcpy(n, &macs, sizeof(macs));
  std::memcpy(n + 8, &tail, sizeof(tail));
  m->data_off = static_cast<uint16_t>(off - kVlanTagLen);
  m->data_len = static_cast<uint16_t>(seg + kVlanTagLen);
  m->pkt_len = len + kVlanTagLen;
  return true;
}

// Which edit turns a frame with (`tagged`) or without a tag into one that
// carries `out_vid` (0 = untagged).
enum class VlanEdit : uint8_t { kNone, kStrip, kRewrite, kPush };
inline VlanEdit EgressEdit(bool tagged, uint16_t out_vid) {
  if (tagged) return out_vid == 0 ? VlanEdit::kStrip : VlanEdit::kRewrite;
  return out_vid == 0 ? VlanEdit::kNone : VlanEdit::kPush;
}

// Make the frame carry `out_vid` (0 = untagged). `tagged` says whether a tag
// is in the frame's bytes now. Returns false if a tag cannot be pushed.
inline bool VlanEgress(rte_mbuf* m, bool tagged, uint16_t out_vid) {
  switch (EgressEdit(tagged, out_vid)) {
    case VlanEdit::kNone: return true;
    case VlanEdit::kStrip: VlanStrip(m); return true;
    case VlanEdit::kRewrite: VlanRewrite(m, out_vid); return true;
    case VlanEdit::kPush: return VlanPush(m, out_vid);
  }
  return true;
}

}  // namespace switchyard
