#pragma once
// The per-burst packet pipeline. Runs on worker lcores.

#include <cstdint>

#include <rte_mbuf.h>

#include "core/snapshot.h"
#include "core/worker_context.h"

namespace switchyard {

// Process `n` (<= kBurstSize) packets received on `in_port`: parse, classify
// into a tenant, learn sources, look up destinations, and enqueue each
// packet (or its flood copies) on the TX buffers of `w`. Every packet is
// either enqueued or freed and counted as a drop. The caller flushes.
void ProcessBurst(WorkerContext& w, const Snapshot& s, uint16_t in_port, rte_mbuf** pkts,
                  uint16_t n, uint64_t now_ms);

}  // namespace switchyard
