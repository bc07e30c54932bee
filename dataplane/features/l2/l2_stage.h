#pragma once
// L2 feature: the learn-and-lookup stage. Learns each run's source, looks
// up its destination and decides: unicast to the port the destination was
// learned on (with the tag that port wants for the tenant), flood within
// the tenant (broadcast, multicast, unknown unicast), or drop. Worker
// lcores; StageScope::kRunHeader (MACs and tenant only). MAC listing,
// flushing and aging are in l2_control.cc.

#include <cstdint>

#include "core/burst.h"
#include "core/snapshot.h"
#include "core/worker_context.h"

namespace switchyard {

constexpr StageScope kL2StageScope = StageScope::kRunHeader;

// Decides every undecided run of `b`. One bulk lookup of every distinct
// source and destination key of the burst, then learning, then decisions.
template <bool kTrace>
void L2Stage(WorkerContext& w, const Snapshot& s, Burst& b, uint64_t now_ms);

extern template void L2Stage<false>(WorkerContext&, const Snapshot&, Burst&, uint64_t);
extern template void L2Stage<true>(WorkerContext&, const Snapshot&, Burst&, uint64_t);

}  // namespace switchyard
