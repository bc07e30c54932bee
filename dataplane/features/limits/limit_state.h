#pragma once
// The mutable half of the rate limits: each limit's bucket state, one
// cache line per limit slot, outside the immutable snapshot, so a
// configuration change (a new rate, another limit added) resets nothing.
// Shared by every worker: a tenant's aggregate limit is exact whatever
// worker carries which of its ports, and a port's limit whatever worker
// polls which of its queues. The decision buckets change together with one
// 16-byte compare-and-swap, the colour bucket with an 8-byte one; no lock.
//
// Threads: workers meter (limit_meter.h); a control thread resets a slot
// before a new limit uses it (no worker meters it then: it is in no
// published snapshot).

#include <array>
#include <cstdint>
#include <memory>

#include "features/limits/limit_defs.h"

namespace switchyard {

struct alignas(64) LimitState {
  // [0]: the decision bucket (bytes: red above it), [1]: the packets
  // bucket. Theoretical arrival times, scaled (gcra.h). Zero: idle.
  alignas(16) uint64_t tat[2] = {0, 0};
  uint64_t colour_tat = 0;  // the committed bucket of a two-level limit (green vs yellow)
};

class LimitStates {
 public:
  LimitState& operator[](uint16_t slot) { return (*states_)[slot]; }
  // Control thread, slot unused by every published snapshot.
  void Reset(uint16_t slot) { (*states_)[slot] = LimitState{}; }

 private:
  std::unique_ptr<std::array<LimitState, kMaxLimits>> states_ =
      std::make_unique<std::array<LimitState, kMaxLimits>>();
};

}  // namespace switchyard
