#pragma once
// Metering a run of frames against one limit: every frame in order, as
// one token bucket would see them one by one, with a single compare-and-
// swap of the shared state for the whole run (retried if another worker
// moved it meanwhile). Worker lcores.

#include <cstdint>

#include <rte_atomic.h>

#include "features/limits/gcra.h"
#include "features/limits/limit_snapshot.h"
#include "features/limits/limit_state.h"

namespace switchyard {

struct MeterResult {
  uint32_t pass = 0;   // bit i: frame i is not red
  uint32_t green = 0;  // bit i: frame i is green (a subset of pass)
  uint64_t units = 0;  // of the whole run
};

// A run of n frames of `total` bytes together against the limit's
// decision buckets (bytes and packets; a colour bucket is the caller's):
// true (and the state moved) if the whole run conforms; false, with
// nothing changed, when it must be metered frame by frame. A caller that
// knows the total without the frames' sizes and has no colour to decide
// needs nothing else (Meter does the rest otherwise).
inline bool MeterWhole(const LimitRef& l, LimitState& st, uint64_t now, uint64_t total, uint16_t n) {
  rte_int128_t expected;
  expected.val[0] = __atomic_load_n(&st.tat[0], __ATOMIC_RELAXED);
  expected.val[1] = __atomic_load_n(&st.tat[1], __ATOMIC_RELAXED);
  for (;;) {
    uint64_t bytes_tat = expected.val[0], packets_tat = expected.val[1];
    if (!GcraConform(&bytes_tat, now, total, l.decision) || !GcraConform(&packets_tat, now, n, l.packets))
      return false;
    rte_int128_t desired;
    desired.val[0] = bytes_tat;
    desired.val[1] = packets_tat;
    if (rte_atomic128_cmp_exchange(reinterpret_cast<rte_int128_t*>(st.tat), &expected, &desired, 0,
                                   __ATOMIC_RELAXED, __ATOMIC_RELAXED))
      return true;
  }
}

// Frames 0..n-1 (n <= 32) of `units[i]` bytes each, at scaled time `now`.
// Within a run a bucket's TAT only grows, so if the run's last frame
// conforms every frame does: the run is first tried whole (MeterWhole,
// one multiplication per bucket), and metered frame by frame only when
// that fails.
inline MeterResult Meter(const LimitRef& l, LimitState& st, uint64_t now, const uint32_t* units,
                         uint16_t n) {
  MeterResult r;
  const uint32_t all = n >= 32 ? ~0u : (1u << n) - 1;
  uint64_t total = 0;
  for (uint16_t i = 0; i < n; ++i) total += units[i];
  r.units = total;
  if (MeterWhole(l, st, now, total, n)) {
    r.pass = all;
  } else {
    rte_int128_t expected;
    expected.val[0] = __atomic_load_n(&st.tat[0], __ATOMIC_RELAXED);
    expected.val[1] = __atomic_load_n(&st.tat[1], __ATOMIC_RELAXED);
    for (;;) {
      uint64_t bytes_tat = expected.val[0], packets_tat = expected.val[1];
      r.pass = 0;
      for (uint16_t i = 0; i < n; ++i) {
        uint64_t b = bytes_tat, p = packets_tat;
        if (GcraConform(&b, now, units[i], l.decision) && GcraConform(&p, now, 1, l.packets)) {
          bytes_tat = b;
          packets_tat = p;
          r.pass |= 1u << i;
        }
      }
      if (r.pass == 0) break;  // nothing conformed: the state stays as it is
      rte_int128_t desired;
      desired.val[0] = bytes_tat;
      desired.val[1] = packets_tat;
      // On failure `expected` becomes what another worker left: meter again.
      if (rte_atomic128_cmp_exchange(reinterpret_cast<rte_int128_t*>(st.tat), &expected, &desired,
                                     0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        break;
    }
  }
  if (!l.colour.enabled() || r.pass == 0) {
    r.green = r.pass;
    return r;
  }
  uint64_t expected_colour = __atomic_load_n(&st.colour_tat, __ATOMIC_RELAXED);
  for (;;) {
    uint64_t tat = expected_colour;
    if (r.pass == all && GcraConform(&tat, now, total, l.colour)) {
      r.green = all;
    } else {
      tat = expected_colour;
      r.green = 0;
      for (uint16_t i = 0; i < n; ++i)
        if (((r.pass >> i) & 1) && GcraConform(&tat, now, units[i], l.colour)) r.green |= 1u << i;
    }
    if (r.green == 0 ||
        __atomic_compare_exchange_n(&st.colour_tat, &expected_colour, tat, false, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED))
      break;
  }
  return r;
}

}  // namespace switchyard
