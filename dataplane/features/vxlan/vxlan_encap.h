#pragma once
// VXLAN encapsulation, for the egress step (core/egress.cc): a frame
// toward a remote VTEP gets the outer headers of that VTEP's template in
// its headroom and goes to the uplink's TX buffer. What does not change
// within a run (the remote, the VNI, whether the next hop is resolved) is
// looked up once per run (EncapTarget). Worker lcores.

#include <rte_mbuf.h>

#include "core/snapshot.h"
#include "core/tx.h"
#include "core/worker_context.h"
#include "features/vlan/vlan_stage.h"
#include "features/vxlan/vxlan_headers.h"

namespace switchyard {

// Where a tenant's frames to one remote VTEP go.
struct EncapTarget {
  const RemoteVtep* rv = nullptr;  // null: not carried (see why)
  uint16_t slot = 0;
  uint32_t vni = 0;
  uint32_t mtu = 0;
  DropReason why = DropReason::STALE_MAC;  // every packet's fate when rv is null

  EncapTarget(const Snapshot& s, uint16_t tenant, uint16_t remote_slot) : slot(remote_slot) {
    const VxlanSnapshot& vx = s.vxlan;
    const RemoteVtep* r = vx.Remote(remote_slot);
    if (unlikely(r == nullptr || !vx.enabled)) return;  // removed since the L2 stage decided
    if (unlikely(!r->resolved)) {
      why = DropReason::VXLAN_UNRESOLVED;
      return;
    }
    rv = r;
    vni = vx.Vni(tenant);
    mtu = vx.mtu;
  }
};

// Encapsulates `m` (private to the caller; `tagged`: a tag is in its
// bytes, removed first: the inner frame is the tenant's frame untagged)
// for `t`, whose rv is set. False with `*why` if it cannot be sent (the
// caller frees and counts it). The UDP source port comes from the NIC's
// RSS hash of the inner flow where there is one, else InnerFlowHash.
inline bool Encapsulate(rte_mbuf* m, bool tagged, const EncapTarget& t, DropReason* why,
                        uint16_t* src_port) {
  if (tagged) VlanStrip(m);
  const uint32_t len = rte_pktmbuf_pkt_len(m);
  if (unlikely(len + kVxlanIpOverhead > t.mtu)) {
    *why = DropReason::VXLAN_TOO_BIG;
    return false;
  }
  const uint32_t hash = (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH)
                            ? m->hash.rss
                            : InnerFlowHash(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m));
  uint8_t* hdr = nullptr;
  if (likely(RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1))
    hdr = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kVxlanEncapLen));
  if (unlikely(hdr == nullptr)) {
    *why = DropReason::VXLAN_NO_HEADROOM;
    return false;
  }
  *src_port = VxlanSourcePort(hash);
  WriteEncap(hdr, t.rv->header, t.rv->ip_sum, len, *src_port, t.vni);
  return true;
}

// One packet (a flood copy, say) toward `t`: encapsulated and queued on
// the uplink, or freed and counted. Counts it on the remote and the tenant.
inline bool VxlanEncapAndSend(WorkerContext& w, const Snapshot& s, uint16_t in_port,
                              uint16_t tenant, bool tagged, rte_mbuf* m, const EncapTarget& t,
                              DropReason* why, uint16_t* src_port) {
  WorkerCounters& c = *w.counters;
  *why = t.why;
  if (likely(t.rv != nullptr) && Encapsulate(m, tagged, t, why, src_port)) {
    VtepCounters& vc = c.vteps[t.slot];
    vc.encap_packets++;
    vc.encap_bytes += rte_pktmbuf_pkt_len(m);
    c.tenants[tenant].vxlan_encap++;
    Enqueue(w, s, s.vxlan.uplink_port, m);
    return true;
  }
  if (*why == DropReason::VXLAN_UNRESOLVED) c.vteps[t.slot].unresolved++;
  c.Drop(*why, in_port, tenant);
  rte_pktmbuf_free(m);
  return false;
}

}  // namespace switchyard
