#pragma once
// The parse stage: turns an RX burst into a Burst of runs, each with its
// parsed Ethernet/VLAN header. Malformed frames become runs of one packet
// decided as drops. Every later stage reads what this one found. Worker
// lcores; StageScope::kRunHeader (it is what defines a run).

#include <cstring>

#include <fmt/format.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "core/burst.h"
#include "core/eth_parse.h"
#include "core/snapshot.h"
#include "core/trace.h"
#include "core/worker_context.h"

namespace switchyard {

namespace parse_detail {

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

}  // namespace parse_detail

// In a traced burst every packet is a run of its own, so each one's trail
// is its own.
template <bool kTrace>
inline void ParseStage(WorkerContext& w, const Snapshot& s, Burst& b, rte_mbuf** pkts,
                       uint16_t n) {
  using namespace parse_detail;
  const PortConfig& pc = s.ports[b.in_port];
  PortCounters& port_cnt = w.counters->ports[b.in_port];
  uint64_t rx_bytes = 0;
  uint16_t kept = 0;
  auto single = [&](rte_mbuf* m, uint32_t len) {
    const uint16_t r = b.runs++;
    b.run_start[r] = kept;
    b.pkts[kept++] = m;
    b.bytes[r] = len;
    b.action[r].verdict = Verdict::kUndecided;
    rx_bytes += len;
    return r;
  };
  auto drop = [&](uint16_t r, DropReason why) {
    b.Drop(r, why);
    b.tenant[r] = kNoTenant;
  };
  if (unlikely(!pc.present)) {
    for (uint16_t i = 0; i < n; ++i) {
      const uint16_t r = single(pkts[i], rte_pktmbuf_pkt_len(pkts[i]));
      drop(r, DropReason::PORT_NOT_CONFIGURED);
      if constexpr (kTrace) b.trace->Add(r, "parse", "port not configured (being removed)");
    }
  }

  const bool prefetch = pc.rx_prefetch && pc.present;
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

  uint16_t i = pc.present ? 0 : n;
  while (i < n) {
    if (prefetch) ahead(i);
    rte_mbuf* m = pkts[i++];
    const uint32_t len = rte_pktmbuf_pkt_len(m);
    const uint8_t* data = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint16_t data_len = rte_pktmbuf_data_len(m);
    const uint64_t strip = m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED;
    std::optional<uint16_t> stripped;
    if (strip) stripped = m->vlan_tci;
    const ParseResult p = ParseEthernet(data, data_len, stripped);
    const uint16_t r = single(m, len);
    if (unlikely(p.drop.has_value())) {
      drop(r, *p.drop);
      if constexpr (kTrace)
        b.trace->Add(r, "parse", fmt::format("{} bytes: malformed ({})", len,
                                             DropReasonName(*p.drop)));
      continue;
    }
    b.src[r] = p.l2.src;
    b.dst[r] = p.l2.dst;
    b.vid[r] = p.l2.vid;
    b.tagged[r] = p.l2.tagged;
    b.ethertype[r] = p.l2.ethertype;
    if constexpr (kTrace) {
      b.trace->Add(r, "parse",
                   fmt::format("{} > {}, {}, ethertype 0x{:04x}, {} bytes", FormatMac(p.l2.src),
                               FormatMac(p.l2.dst),
                               p.l2.tagged  ? fmt::format("vlan {}", p.l2.vid)
                               : stripped ? fmt::format("vlan {} (stripped by the NIC)", p.l2.vid)
                                          : std::string("untagged"),
                               p.l2.ethertype, len));
      continue;
    }
    // m leads a run; the packets after it that share its header and strip
    // state join it in this tight loop (few live values, so nothing is
    // spilled to the stack).
    if (data_len < kRunHeader) continue;
    uint64_t run_bytes = len;
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
      b.pkts[kept++] = x;
      run_bytes += rte_pktmbuf_pkt_len(x);
      ++i;
    }
    b.bytes[r] = static_cast<uint32_t>(run_bytes);
    rx_bytes += run_bytes - len;
  }
  b.count = kept;
  b.run_start[b.runs] = kept;
  port_cnt.rx_packets += n;
  port_cnt.rx_bytes += rx_bytes;
}

}  // namespace switchyard
