#include "core/pipeline.h"

#include "core/burst.h"
#include "core/egress.h"
#include "core/parse_stage.h"
#include "core/trace.h"
#include "features/l2/l2_stage.h"
#include "features/limits/limit_stage.h"
#include "features/rules/rule_stage.h"
#include "features/vlan/vlan_stage.h"
#include "features/vxlan/vxlan_stage.h"

namespace switchyard {

namespace {

// The stage list. Each stage decides for the runs no earlier stage decided
// (a drop is final); the egress step then edits and enqueues. A new feature
// adds its stage here, in its place, as one line; a stage that reads past a
// run's shared header (StageScope::kPacket) is preceded by b.SplitRuns() for
// the tenants that use it. kTrace selects the traced instantiation, in
// which every stage records its verdict: the fast path carries no trace code.
template <bool kTrace>
void RunStages(WorkerContext& w, const Snapshot& s, Burst& b, rte_mbuf** pkts, uint16_t n,
               uint64_t now_ms) {
  ParseStage<kTrace>(w, s, b, pkts, n);        // core: runs, malformed frames
  VxlanStage<kTrace>(w, s, b);                 // features/vxlan: underlay: decap, or to the kernel
  VlanClassifyStage<kTrace>(w, s, b);          // features/vlan: port + tag -> tenant
  IngressLimits<kTrace>(w, s, b);              // features/limits: port in, tenant aggregate
  RuleStage<kTrace>(w, s, b);                  // features/rules: flow rules (drop, redirect, mirror)
  L2Stage<kTrace>(w, s, b, now_ms);            // features/l2: learn, lookup, decide
  StormLimits<kTrace>(w, s, b);                // features/limits: storm control of floods
  EgressStage<kTrace>(w, s, b);                // core: tag edits, TX buffers, drops
}

}  // namespace

void ProcessBurst(WorkerContext& w, const Snapshot& s, uint16_t in_port, rte_mbuf** pkts,
                  uint16_t n, uint64_t now_ms) {
  Burst b;
  b.in_port = in_port;
  RunStages<false>(w, s, b, pkts, n, now_ms);
}

void TraceBurst(WorkerContext& w, const Snapshot& s, uint16_t in_port, rte_mbuf** pkts,
                uint16_t n, uint64_t now_ms, TraceLog* log) {
  Burst b;
  b.in_port = in_port;
  b.trace = log;
  RunStages<true>(w, s, b, pkts, n, now_ms);
}

}  // namespace switchyard
