#pragma once
// VXLAN encapsulation, for the egress step (core/egress.cc): a frame
// toward a remote VTEP gets the outer headers of that VTEP's template in
// its headroom and goes to the uplink's TX buffer. Worker lcores.

#include <rte_mbuf.h>

#include "core/snapshot.h"
#include "core/tx.h"
#include "core/worker_context.h"
#include "features/vlan/vlan_stage.h"
#include "features/vxlan/vxlan_headers.h"

namespace switchyard {

// Encapsulates `m` (private to the caller; `tagged`: a tag is in its
// bytes, removed first: the inner frame is the tenant's frame untagged)
// toward remote VTEP `slot` and queues it on the uplink. Otherwise frees
// it and counts the drop (on `in_port` and `tenant`); its reason is
// returned through `why`. The UDP source port comes from the NIC's RSS
// hash of the inner flow where there is one, else from InnerFlowHash.
inline bool VxlanEncapAndSend(WorkerContext& w, const Snapshot& s, uint16_t in_port,
                              uint16_t tenant, bool tagged, rte_mbuf* m, uint16_t slot,
                              DropReason* why, uint16_t* src_port = nullptr) {
  const VxlanSnapshot& vx = s.vxlan;
  WorkerCounters& c = *w.counters;
  const RemoteVtep* rv = vx.Remote(slot);
  if (unlikely(rv == nullptr || !vx.enabled)) {
    *why = DropReason::STALE_MAC;  // removed since the L2 stage decided: cannot happen
  } else if (unlikely(!rv->resolved)) {
    *why = DropReason::VXLAN_UNRESOLVED;
    c.vteps[slot].unresolved++;
  } else {
    if (tagged) VlanStrip(m);
    const uint32_t len = rte_pktmbuf_pkt_len(m);
    uint8_t* hdr = nullptr;
    if (unlikely(len + kVxlanIpOverhead > vx.mtu)) {
      *why = DropReason::VXLAN_TOO_BIG;
    } else {
      const uint32_t hash = (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH)
                                ? m->hash.rss
                                : InnerFlowHash(rte_pktmbuf_mtod(m, const uint8_t*),
                                                rte_pktmbuf_data_len(m));
      const uint16_t sport = VxlanSourcePort(hash);
      if (RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1)
        hdr = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kVxlanEncapLen));
      if (unlikely(hdr == nullptr)) {
        *why = DropReason::VXLAN_NO_HEADROOM;
      } else {
        WriteEncap(hdr, rv->header, rv->ip_sum, len, sport, vx.Vni(tenant));
        VtepCounters& vc = c.vteps[slot];
        vc.encap_packets++;
        vc.encap_bytes += len + kVxlanEncapLen;
        c.tenants[tenant].vxlan_encap++;
        if (src_port != nullptr) *src_port = sport;
        Enqueue(w, s, vx.uplink_port, m);
        return true;
      }
    }
  }
  c.Drop(*why, in_port, tenant);
  rte_pktmbuf_free(m);
  return false;
}

}  // namespace switchyard
