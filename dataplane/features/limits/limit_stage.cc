#include "features/limits/limit_stage.h"

#include <cstring>

#include <fmt/format.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "core/trace.h"
#include "features/limits/limit_meter.h"

namespace switchyard {

namespace {

// What a limit counts of a frame: the Ethernet frame without its tag.
inline uint32_t Units(const rte_mbuf* m, bool tagged) {
  return rte_pktmbuf_pkt_len(m) - (tagged ? kVlanTagLen : 0);
}

inline uint32_t AllOf(uint16_t n) { return n >= 32 ? ~0u : (1u << n) - 1; }

const char* Colour(const MeterResult& m, uint16_t i) {
  return ((m.green >> i) & 1) ? "green" : ((m.pass >> i) & 1) ? "yellow" : "red";
}

// Adds a metering's outcome to the limit's counters (sums by colour, so
// an all-green run costs one pass over its sizes).
void Count(WorkerCounters& c, const LimitRef& l, const MeterResult& m, const uint32_t* units,
           uint16_t n) {
  LimitCounters& lc = c.limits[l.slot];
  const uint32_t all = AllOf(n);
  if (m.green == all) {  // the common case: the whole run green
    lc.green_packets += n;
    lc.green_bytes += m.units;
    return;
  }
  uint64_t sum[3] = {0, 0, 0};  // green, yellow, red
  for (uint16_t i = 0; i < n; ++i) {
    const unsigned colour = ((m.green >> i) & 1) ? 0 : ((m.pass >> i) & 1) ? 1 : 2;
    sum[colour] += units[i];
  }
  const auto green = static_cast<uint64_t>(__builtin_popcount(m.green & all));
  const auto passed = static_cast<uint64_t>(__builtin_popcount(m.pass & all));
  lc.green_packets += green;
  lc.green_bytes += sum[0];
  lc.yellow_packets += passed - green;
  lc.yellow_bytes += sum[1];
  lc.red_packets += n - passed;
  lc.red_bytes += sum[2];
}

// Meters the packets of run r that are in `candidates` (bit k: the run's
// k-th packet) against limit `li`; returns the ones that pass.
template <bool kTrace>
uint32_t MeterRun(WorkerContext& w, const Snapshot& s, Burst& b, uint16_t r, uint16_t li,
                  uint32_t candidates, uint64_t now) {
  const LimitRef& l = s.limits.limits[li];
  const uint16_t begin = b.run_start[r], n = b.RunLength(r);
  const bool whole = candidates == AllOf(n);  // the common case: no index to keep
  const bool tagged = b.tagged[r];
  LimitState& shared = (*s.limits.states)[l.slot];
  if (!kTrace && whole && !l.colour.enabled()) {
    // The run's bytes are known (the parser summed them): try it whole
    // without reading each frame's length.
    const uint64_t total = b.bytes[r] - (tagged ? uint64_t{kVlanTagLen} * n : 0);
    if (MeterWhole(l, shared, now, total, n)) {
      LimitCounters& lc = w.counters->limits[l.slot];
      lc.green_packets += n;
      lc.green_bytes += total;
      return candidates;
    }
  }
  uint32_t units[kBurstSize];
  uint16_t index[kBurstSize];
  uint16_t k = 0;
  if (whole) {
    for (uint16_t i = 0; i < n; ++i) units[i] = Units(b.pkts[begin + i], tagged);
    k = n;
  } else {
    for (uint16_t i = 0; i < n; ++i) {
      if (!((candidates >> i) & 1)) continue;
      units[k] = Units(b.pkts[begin + i], tagged);
      index[k++] = i;
    }
  }
  if (k == 0) return 0;
  LimitState dry;  // a dry-run trace meters a copy: it takes nothing from the bucket
  if constexpr (kTrace)
    if (!b.trace->commit) dry = shared;
  const MeterResult m = Meter(l, kTrace && !b.trace->commit ? dry : shared, now, units, k);
  Count(*w.counters, l, m, units, k);
  uint32_t pass = whole ? m.pass & AllOf(n) : 0;
  if (!whole)
    for (uint16_t j = 0; j < k; ++j)
      if ((m.pass >> j) & 1) pass |= 1u << index[j];
  if constexpr (kTrace) {
    for (uint16_t j = 0; j < k; ++j)
      b.trace->Add(r, "limit", fmt::format("{}: {} ({} bytes)", l.name, Colour(m, j), units[j]));
  }
  return pass;
}

// The red packets of runs that are partly red, dropped once the stage has
// metered every run (splitting the burst renumbers its runs). Bit p of
// `drop`: packet p of the burst.
struct PartlyRed {
  uint32_t drop = 0;
  DropReason why[kBurstSize];
  void Mark(uint16_t packet, DropReason reason) {
    drop |= 1u << packet;
    why[packet] = reason;
  }
  void Apply(Burst& b) {
    if (drop == 0) return;
    b.SplitRuns();  // run index = packet index from here
    for (uint32_t d = drop; d != 0; d &= d - 1) {
      const auto p = static_cast<uint16_t>(__builtin_ctz(d));
      b.Drop(p, why[p]);
    }
  }
};

}  // namespace

template <bool kTrace>
void IngressLimitStage(WorkerContext& w, const Snapshot& s, Burst& b) {
  const PortConfig& pc = s.ports[b.in_port];
  const uint64_t now = ScaledNow(b.Tsc());
  PartlyRed red;
  for (uint16_t r = 0; r < b.runs; ++r) {
    if (b.Decided(r)) continue;
    const uint16_t n = b.RunLength(r);
    const uint32_t all = AllOf(n);
    uint32_t after_port = all;
    if (pc.limit_in != kNoLimit) after_port = MeterRun<kTrace>(w, s, b, r, pc.limit_in, all, now);
    uint32_t after_tenant = after_port;
    const uint16_t tl = s.limits.TenantLimit(b.tenant[r]);
    if (tl != kNoLimit && after_port != 0)
      after_tenant = MeterRun<kTrace>(w, s, b, r, tl, after_port, now);
    if (after_tenant == all) continue;
    const DropReason port_why = pc.limit_in != kNoLimit ? s.limits.limits[pc.limit_in].reason
                                                        : DropReason::LIMIT_PORT_IN;
    const DropReason tenant_why = DropReason::LIMIT_TENANT;
    if (after_tenant == 0) {
      b.Drop(r, after_port == 0 ? port_why : tenant_why);
      continue;
    }
    for (uint16_t k = 0; k < n; ++k)
      if (!((after_tenant >> k) & 1))
        red.Mark(b.run_start[r] + k, ((after_port >> k) & 1) ? tenant_why : port_why);
  }
  red.Apply(b);
}

template <bool kTrace>
void StormLimitStage(WorkerContext& w, const Snapshot& s, Burst& b) {
  const PortConfig& pc = s.ports[b.in_port];
  const uint64_t now = ScaledNow(b.Tsc());
  PartlyRed red;
  for (uint16_t r = 0; r < b.runs; ++r) {
    if (b.action[r].verdict != Verdict::kFlood) continue;
    const StormIndex cls = b.dst[r] == 0xffffffffffffULL ? StormIndex::kBroadcast
                           : MacIsGroup(b.dst[r])         ? StormIndex::kMulticast
                                                          : StormIndex::kUnknown;
    const uint16_t li = pc.storm[static_cast<size_t>(cls)];
    if (li == kNoLimit) continue;
    const uint16_t n = b.RunLength(r);
    const uint32_t all = AllOf(n);
    const uint32_t pass = MeterRun<kTrace>(w, s, b, r, li, all, now);
    if (pass == all) continue;
    const DropReason reason = s.limits.limits[li].reason;
    if (pass == 0) {
      b.Drop(r, reason);
      continue;
    }
    for (uint16_t k = 0; k < n; ++k)
      if (!((pass >> k) & 1)) red.Mark(b.run_start[r] + k, reason);
  }
  red.Apply(b);
}

uint16_t EgressLimit(WorkerContext& w, const Snapshot& s, uint16_t li, uint64_t tsc, uint16_t in_port,
                     uint16_t tenant, bool tagged, rte_mbuf** pkts, uint16_t n, int32_t* bytes) {
  const LimitRef& l = s.limits.limits[li];
  const uint64_t now = ScaledNow(tsc);
  if (*bytes > 0 && n <= kBurstSize && !l.colour.enabled()) {
    // A unicast run's bytes are known: try it whole first.
    const uint64_t total = static_cast<uint64_t>(*bytes) - (tagged ? uint64_t{kVlanTagLen} * n : 0);
    if (MeterWhole(l, (*s.limits.states)[l.slot], now, total, n)) {
      LimitCounters& lc = w.counters->limits[l.slot];
      lc.green_packets += n;
      lc.green_bytes += total;
      return n;
    }
  }
  uint32_t units[kBurstSize];
  uint16_t kept = 0;
  for (uint16_t base = 0; base < n; base += kBurstSize) {
    const uint16_t k = static_cast<uint16_t>(std::min<uint32_t>(kBurstSize, n - base));
    for (uint16_t i = 0; i < k; ++i) units[i] = Units(pkts[base + i], tagged);
    const MeterResult m = Meter(l, (*s.limits.states)[l.slot], now, units, k);
    Count(*w.counters, l, m, units, k);
    if ((m.pass & AllOf(k)) == AllOf(k)) {  // the common case: all pass
      if (kept != base) std::memmove(pkts + kept, pkts + base, k * sizeof(*pkts));
      kept = static_cast<uint16_t>(kept + k);
      continue;
    }
    for (uint16_t i = 0; i < k; ++i) {
      rte_mbuf* p = pkts[base + i];
      if ((m.pass >> i) & 1) {
        pkts[kept++] = p;
        continue;
      }
      *bytes -= static_cast<int32_t>(rte_pktmbuf_pkt_len(p));
      w.counters->Drop(l.reason, in_port, tenant);
      rte_pktmbuf_free(p);
    }
  }
  return kept;
}

template <bool kTrace>
uint32_t MeterWholeRun(WorkerContext& w, const Snapshot& s, Burst& b, uint16_t r, uint16_t li) {
  return MeterRun<kTrace>(w, s, b, r, li, AllOf(b.RunLength(r)), ScaledNow(b.Tsc()));
}

template uint32_t MeterWholeRun<false>(WorkerContext&, const Snapshot&, Burst&, uint16_t, uint16_t);
template uint32_t MeterWholeRun<true>(WorkerContext&, const Snapshot&, Burst&, uint16_t, uint16_t);
template void IngressLimitStage<false>(WorkerContext&, const Snapshot&, Burst&);
template void IngressLimitStage<true>(WorkerContext&, const Snapshot&, Burst&);
template void StormLimitStage<false>(WorkerContext&, const Snapshot&, Burst&);
template void StormLimitStage<true>(WorkerContext&, const Snapshot&, Burst&);

}  // namespace switchyard
