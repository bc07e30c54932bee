#pragma once
// The VXLAN stage (features/vxlan), right after parsing. On the uplink that
// holds the local VTEP: VXLAN for the VTEP is checked, decapsulated and
// given its tenant (from the VNI) and its remote VTEP (from the outer
// source address); anything else untagged that is not VXLAN goes to the
// VTEP's kernel interface, and tagged frames are left to VLAN
// classification. On that kernel interface: everything goes out by the
// uplink. Other ports' bursts return at the first branch.
// StageScope::kPacket (it reads the outer headers of every packet); it
// rebuilds the burst's runs on the inner headers. Worker lcores.

#include "core/burst.h"
#include "core/snapshot.h"
#include "core/worker_context.h"

namespace switchyard {

template <bool kTrace>
void VxlanUnderlay(WorkerContext& w, const Snapshot& s, Burst& b);

template <bool kTrace>
inline void VxlanStage(WorkerContext& w, const Snapshot& s, Burst& b) {
  if (likely(!s.vxlan.enabled)) return;
  if (b.in_port != s.vxlan.uplink_port && b.in_port != s.vxlan.kernel_port) return;
  VxlanUnderlay<kTrace>(w, s, b);
}

// Whether a flood of run r goes to the tenant's remote VTEPs too: not if
// it came in on the VTEP uplink, decapsulated (split horizon) or tagged
// (the uplink never gets back what arrived on it: a tenant with a VLAN on
// the uplink and a VNI is not bridged from one to the other).
inline bool VxlanFloodsToRemotes(const Snapshot& s, const Burst& b) {
  return !(s.vxlan.enabled && b.in_port == s.vxlan.uplink_port);
}

extern template void VxlanUnderlay<false>(WorkerContext&, const Snapshot&, Burst&);
extern template void VxlanUnderlay<true>(WorkerContext&, const Snapshot&, Burst&);

}  // namespace switchyard
