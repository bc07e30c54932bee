#pragma once
// The egress step: acts on every run's decision. The one place that edits
// headers (the VLAN tag each output port wants; VXLAN encapsulation next)
// and hands packets to the TX buffers (core/tx.h); drops are freed and
// counted here by the reason their stage gave. Worker lcores.

#include "core/burst.h"
#include "core/snapshot.h"
#include "core/worker_context.h"

namespace switchyard {

template <bool kTrace>
void EgressStage(WorkerContext& w, const Snapshot& s, Burst& b);

extern template void EgressStage<false>(WorkerContext&, const Snapshot&, Burst&);
extern template void EgressStage<true>(WorkerContext&, const Snapshot&, Burst&);

}  // namespace switchyard
