#pragma once
// The rate-limit stages (features/limits). Ingress, after classification
// and before learning (a red frame teaches the switch nothing): the
// ingress port's limit, then the tenant's aggregate. Storm control, after
// the L2 decision (it needs to know a frame is flooded): the ingress port's
// broadcast, multicast and unknown-unicast limits. The output port's limit
// is metered by the egress step (EgressLimit below). A frame is counted as
// the Ethernet frame without its VLAN tag (and, decapsulated, without the
// VXLAN headers: the inner frame).
//
// StageScope::kRunHeader while a run is metered whole (every frame green or
// yellow, or every frame red); a run that is partly red is split into
// single packets (Burst::SplitRuns) so that exactly the red ones drop.
// A port or tenant without a limit costs one branch per burst (ports) or
// per run (when some tenant has a limit). Worker lcores.

#include "core/burst.h"
#include "core/snapshot.h"
#include "core/worker_context.h"

namespace switchyard {

template <bool kTrace>
void IngressLimitStage(WorkerContext& w, const Snapshot& s, Burst& b);
template <bool kTrace>
void StormLimitStage(WorkerContext& w, const Snapshot& s, Burst& b);

// Whether the ingress stages have anything to do for this burst.
inline bool HasIngressLimits(const Snapshot& s, const Burst& b) {
  const PortConfig& pc = s.ports[b.in_port];
  return pc.limit_in != kNoLimit || s.limits.any_tenant;
}
inline bool HasStormLimits(const Snapshot& s, const Burst& b) {
  return s.ports[b.in_port].has_storm;
}

template <bool kTrace>
inline void IngressLimits(WorkerContext& w, const Snapshot& s, Burst& b) {
  if (unlikely(HasIngressLimits(s, b))) IngressLimitStage<kTrace>(w, s, b);
}
template <bool kTrace>
inline void StormLimits(WorkerContext& w, const Snapshot& s, Burst& b) {
  if (unlikely(HasStormLimits(s, b))) StormLimitStage<kTrace>(w, s, b);
}

// The egress step's part: meters frames 0..n-1 of `pkts` toward a port
// whose OUT limit is `limit` (tagged: a tag is in their bytes), frees and
// counts the red ones, and packs the others at the front of `pkts`.
// Returns how many are left; `*bytes` (the frames' bytes together, or 0
// when the caller does not know them) loses the bytes of those dropped.
// `tsc`: the burst's time (Burst::Tsc()). `why` names the limit in the tracer.
uint16_t EgressLimit(WorkerContext& w, const Snapshot& s, uint16_t limit, uint64_t tsc, uint16_t in_port,
                     uint16_t tenant, bool tagged, rte_mbuf** pkts, uint16_t n, int32_t* bytes);

// Meters the whole of run r against limit `li` (a flow rule's meter):
// the run's packets that pass (bit k: its k-th packet).
template <bool kTrace>
uint32_t MeterWholeRun(WorkerContext& w, const Snapshot& s, Burst& b, uint16_t r, uint16_t li);

extern template void IngressLimitStage<false>(WorkerContext&, const Snapshot&, Burst&);
extern template void IngressLimitStage<true>(WorkerContext&, const Snapshot&, Burst&);
extern template void StormLimitStage<false>(WorkerContext&, const Snapshot&, Burst&);
extern template void StormLimitStage<true>(WorkerContext&, const Snapshot&, Burst&);
extern template uint32_t MeterWholeRun<false>(WorkerContext&, const Snapshot&, Burst&, uint16_t, uint16_t);
extern template uint32_t MeterWholeRun<true>(WorkerContext&, const Snapshot&, Burst&, uint16_t, uint16_t);

}  // namespace switchyard
