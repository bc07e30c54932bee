#pragma once
// The per-burst packet pipeline. Runs on worker lcores.

#include <cstdint>

#include <rte_mbuf.h>

#include "core/snapshot.h"
#include "core/worker_context.h"

namespace switchyard {

struct TraceLog;

// Process `n` (<= kBurstSize) packets received on `in_port` through the
// stage list (core/pipeline.cc). Every packet is either left in a TX buffer
// of `w` (with its flood copies) or freed and counted as a drop. The caller
// flushes (FlushAll in core/tx.h).
void ProcessBurst(WorkerContext& w, const Snapshot& s, uint16_t in_port, rte_mbuf** pkts,
                  uint16_t n, uint64_t now_ms);

// The same stages, each appending its verdict for every packet to `log`
// (the traced instantiation: the fast path above has no trace code). With
// log->commit false nothing is learned; the caller then discards the TX
// buffers with DiscardAll (core/tx.h) instead of flushing them.
void TraceBurst(WorkerContext& w, const Snapshot& s, uint16_t in_port, rte_mbuf** pkts,
                uint16_t n, uint64_t now_ms, TraceLog* log);

}  // namespace switchyard
