#include "core/pipeline.h"

#include <cstring>

#include "core/tx.h"
#include "features/l2/eth_parse.h"
#include "features/l2/l2_stage.h"
#include "features/vlan/vlan_stage.h"

namespace switchyard {

namespace {

// On ports whose frames arrive by DMA (PortConfig::rx_prefetch), packet data
// is prefetched 3 packets ahead, mbuf headers (needed to find the data) 6
// ahead.
constexpr uint16_t kPrefetchAhead = 3;
constexpr uint16_t kPrefetchHeaderAhead = 6;

// A packet whose first 18 bytes (MACs, type, tag and the type after it)
// and VLAN-strip state equal a run leader's parses and classifies exactly
// as the leader did, provided both are at least that long (the parser's
// only length checks are at 14 and 18 bytes).
constexpr uint16_t kRunHeader = 18;

struct Header18 {
  uint64_t a, b;
  uint16_t c;
  static Header18 Load(const uint8_t* p) {
    Header18 h;
    std::memcpy(&h.a, p, 8);
    std::memcpy(&h.b, p + 8, 8);
    std::memcpy(&h.c, p + 16, 2);
    return h;
  }
  bool operator==(const Header18& o) const {
    return ((a ^ o.a) | (b ^ o.b) | static_cast<uint64_t>(c ^ o.c)) == 0;
  }
};

}  // namespace

void ProcessBurst(WorkerContext& w, const Snapshot& s, uint16_t in_port, rte_mbuf** pkts,
                  uint16_t n, uint64_t now_ms) {
  const PortConfig& pc = s.ports[in_port];
  WorkerCounters& c = *w.counters;
  PortCounters& port_cnt = c.ports[in_port];

  // Counters are summed in registers and stored once per burst (port) or
  // per run (tenant): a per-packet increment in memory would chain every
  // packet through store-to-load forwarding.
  uint64_t rx_bytes = 0;
  if (unlikely(!pc.present)) {
    for (uint16_t i = 0; i < n; ++i) {
      rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
      c.Drop(DropReason::PORT_NOT_CONFIGURED, in_port, kNoTenant);
      rte_pktmbuf_free(pkts[i]);
    }
    port_cnt.rx_packets += n;
    port_cnt.rx_bytes += rx_bytes;
    return;
  }

  L2Burst burst;
  uint16_t kept = 0;
  const bool prefetch = pc.rx_prefetch;
  auto ahead = [&](uint16_t i) {
    if (i + kPrefetchHeaderAhead < n) rte_prefetch0(pkts[i + kPrefetchHeaderAhead]);
    if (i + kPrefetchAhead < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + kPrefetchAhead], void*));
  };
  if (prefetch) {
    for (uint16_t i = kPrefetchAhead; i < kPrefetchHeaderAhead && i < n; ++i)
      rte_prefetch0(pkts[i]);
    for (uint16_t i = 0; i < kPrefetchAhead && i < n; ++i)
      rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
  }

  uint16_t i = 0;
  while (i < n) {
    if (prefetch) ahead(i);
    rte_mbuf* m = pkts[i++];
    const uint32_t len = rte_pktmbuf_pkt_len(m);
    const uint8_t* data = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint16_t data_len = rte_pktmbuf_data_len(m);
    const uint64_t strip = m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED;
    std::optional<uint16_t> stripped;
    if (strip) stripped = m->vlan_tci;
    ParseResult r = ParseEthernet(data, data_len, stripped);
    if (unlikely(r.drop.has_value())) {
      rx_bytes += len;
      c.Drop(*r.drop, in_port, kNoTenant);
      rte_pktmbuf_free(m);
      continue;
    }
    DropReason why = DropReason::VLAN_NOT_ALLOWED;
    uint16_t tenant = ClassifyIngress(pc, r.l2, &why);
    if (unlikely(tenant == kNoTenant || s.Tenant(tenant) == nullptr)) {
      rx_bytes += len;
      c.Drop(why, in_port, kNoTenant);
      rte_pktmbuf_free(m);
      continue;
    }
    // m leads a new run; the packets after it that share its header and
    // strip state join the run in this tight loop (few live values, so
    // nothing is spilled to the stack).
    const uint16_t first = kept;
    burst.NewRun(kept, tenant, r.l2);
    burst.pkts[kept++] = m;
    uint64_t run_bytes = len;
    if (data_len >= kRunHeader) {
      const Header18 lead = Header18::Load(data);
      const uint16_t lead_tci = m->vlan_tci;
      while (i < n) {
        rte_mbuf* x = pkts[i];
        if (rte_pktmbuf_data_len(x) < kRunHeader ||
            (x->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != strip ||
            (strip != 0 && x->vlan_tci != lead_tci) ||
            !(Header18::Load(rte_pktmbuf_mtod(x, const uint8_t*)) == lead))
          break;  // x leads the next run; the outer loop prefetches for it
        if (prefetch) ahead(i);
        burst.pkts[kept++] = x;
        run_bytes += rte_pktmbuf_pkt_len(x);
        ++i;
      }
    }
    burst.bytes[burst.runs - 1] = static_cast<uint32_t>(run_bytes);
    rx_bytes += run_bytes;
    TenantCounters& tc = c.tenants[tenant];
    tc.rx_packets += kept - first;
    tc.rx_bytes += run_bytes;
  }
  burst.Close(kept);
  port_cnt.rx_packets += n;
  port_cnt.rx_bytes += rx_bytes;
  if (kept == 0) return;

  L2LookupAndLearn(w, s, in_port, burst, now_ms);
  L2Forward(w, s, in_port, burst);
}

}  // namespace switchyard
