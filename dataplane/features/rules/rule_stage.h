#pragma once
// The flow-rule stage (features/rules, docs/flow-rules.md): after the
// ingress limits, before learning. For the runs of tenants that use rules
// (and every run when there are global rules), each packet's key is read
// (StageScope::kPacket: past the run's shared header) and classified in
// bulk, the global rules first, then the tenant's; a run whose packets all
// take one rule stays a run (a burst of one flow is still one run), else
// the burst is split into single packets. The verdicts: drop, redirect
// (a unicast to the rule's port, not learned from), or allow (on to L2);
// a mirror copy and a tag to set are run fields the egress step applies.
// A tenant with no rules and no deny policy costs one branch per run while
// some other tenant uses rules, and one per burst when none does.

#include "core/burst.h"
#include "core/snapshot.h"
#include "core/worker_context.h"

namespace switchyard {

template <bool kTrace>
void RuleStageRun(WorkerContext& w, const Snapshot& s, Burst& b);

template <bool kTrace>
inline void RuleStage(WorkerContext& w, const Snapshot& s, Burst& b) {
  if (unlikely(s.rules.any)) RuleStageRun<kTrace>(w, s, b);
}

extern template void RuleStageRun<false>(WorkerContext&, const Snapshot&, Burst&);
extern template void RuleStageRun<true>(WorkerContext&, const Snapshot&, Burst&);

}  // namespace switchyard
