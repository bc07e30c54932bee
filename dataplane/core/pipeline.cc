#include "core/pipeline.h"

#include "core/tx.h"
#include "features/l2/eth_parse.h"
#include "features/l2/l2_stage.h"
#include "features/vlan/vlan_stage.h"

namespace switchyard {

namespace {

constexpr uint16_t kPrefetchAhead = 3;

}  // namespace

void ProcessBurst(WorkerContext& w, const Snapshot& s, uint16_t in_port, rte_mbuf** pkts,
                  uint16_t n, uint64_t now_ms) {
  const PortConfig& pc = s.ports[in_port];
  WorkerCounters& c = *w.counters;
  PortCounters& port_cnt = c.ports[in_port];

  L2Burst burst;
  for (uint16_t i = 0; i < kPrefetchAhead && i < n; ++i)
    rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));

  for (uint16_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + kPrefetchAhead], void*));
    rte_mbuf* m = pkts[i];
    port_cnt.rx_packets++;
    port_cnt.rx_bytes += rte_pktmbuf_pkt_len(m);
    if (unlikely(!pc.present)) {
      c.Drop(DropReason::PORT_NOT_CONFIGURED, in_port, kNoTenant);
      rte_pktmbuf_free(m);
      continue;
    }
    std::optional<uint16_t> stripped;
    if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) stripped = m->vlan_tci;
    ParseResult r = ParseEthernet(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m),
                                  stripped);
    if (unlikely(r.drop.has_value())) {
      c.Drop(*r.drop, in_port, kNoTenant);
      rte_pktmbuf_free(m);
      continue;
    }
    DropReason why = DropReason::VLAN_NOT_ALLOWED;
    uint16_t tenant = ClassifyIngress(pc, r.l2, &why);
    if (unlikely(tenant == kNoTenant || s.Tenant(tenant) == nullptr)) {
      c.Drop(why, in_port, kNoTenant);
      rte_pktmbuf_free(m);
      continue;
    }
    TenantCounters& tc = c.tenants[tenant];
    tc.rx_packets++;
    tc.rx_bytes += rte_pktmbuf_pkt_len(m);
    burst.Add(m, tenant, r.l2);
  }
  if (burst.count == 0) return;

  L2LookupAndLearn(w, s, in_port, burst, now_ms);
  L2Forward(w, s, in_port, burst);
}

}  // namespace switchyard
