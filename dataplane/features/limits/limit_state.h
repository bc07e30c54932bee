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
// published snapshot), and the housekeeping thread refreshes idle buckets.
//
// Scaled time wraps (2^64 scaled = 2^56 TSC cycles, about 400 days at
// 2.1 GHz) and TATs are compared by their wrapped difference, which is
// right only within half of that. So a fresh slot starts idle at the
// current time, not at zero (zero would look ~200 days ahead once the TSC
// passes 2^55), and Refresh keeps every idle bucket's TAT within
// kStaleAfter of now: a bucket idle longer than 200 days (a storm limit on
// a port that never sees multicast) would otherwise look ahead of time and
// drop everything.

#include <array>
#include <cstdint>
#include <memory>

#include <rte_atomic.h>

#include "features/limits/limit_defs.h"

namespace switchyard {

struct alignas(64) LimitState {
  // [0]: the decision bucket (bytes: red above it), [1]: the packets
  // bucket. Theoretical arrival times, scaled (gcra.h). Zero: idle.
  alignas(16) uint64_t tat[2] = {0, 0};
  uint64_t colour_tat = 0;  // the committed bucket of a two-level limit (green vs yellow)
};

// A TAT further behind now than this (scaled: 2^53 TSC cycles, about 50
// days at 2.1 GHz) is moved up to it: both mean "idle" (a TAT behind now
// is a full bucket), so the move changes no decision.
constexpr uint64_t kStaleAfter = uint64_t{1} << 61;

// `tat` moved up to now - kStaleAfter if it is further behind.
inline uint64_t Freshened(uint64_t tat, uint64_t now) {
  return static_cast<int64_t>(now - tat) > static_cast<int64_t>(kStaleAfter) ? now - kStaleAfter : tat;
}

class LimitStates {
 public:
  LimitState& operator[](uint16_t slot) { return (*states_)[slot]; }
  // Control thread, slot unused by every published snapshot: idle as of
  // `now` (scaled time, gcra.h).
  void Reset(uint16_t slot, uint64_t now) {
    LimitState& st = (*states_)[slot];
    st.tat[0] = st.tat[1] = st.colour_tat = now;
  }
  // Housekeeping thread, at least every few days: idle buckets' TATs
  // brought within kStaleAfter of `now`, with the same compare-and-swap
  // the workers use (a failed one means a worker just metered the bucket:
  // it is not idle). Reads only, unless a bucket is stale.
  void Refresh(uint64_t now) {
    for (LimitState& st : *states_) {
      rte_int128_t old;
      old.val[0] = __atomic_load_n(&st.tat[0], __ATOMIC_RELAXED);
      old.val[1] = __atomic_load_n(&st.tat[1], __ATOMIC_RELAXED);
      rte_int128_t fresh;
      fresh.val[0] = Freshened(old.val[0], now);
      fresh.val[1] = Freshened(old.val[1], now);
      if (fresh.val[0] != old.val[0] || fresh.val[1] != old.val[1])
        rte_atomic128_cmp_exchange(reinterpret_cast<rte_int128_t*>(st.tat), &old, &fresh, 0,
                                   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
      uint64_t colour = __atomic_load_n(&st.colour_tat, __ATOMIC_RELAXED);
      if (Freshened(colour, now) != colour)
        __atomic_compare_exchange_n(&st.colour_tat, &colour, Freshened(colour, now), false,
                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    }
  }

 private:
  std::unique_ptr<std::array<LimitState, kMaxLimits>> states_ =
      std::make_unique<std::array<LimitState, kMaxLimits>>();
};

}  // namespace switchyard
