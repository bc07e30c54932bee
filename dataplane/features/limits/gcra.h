#pragma once
// The arithmetic of a rate limit, one bucket at a time, as a generic cell
// rate algorithm (GCRA: ITU-T I.371's virtual scheduling, the token bucket
// stated as a time): a bucket's whole state is its theoretical arrival
// time (TAT). A frame of cost c arriving at t conforms if
//     max(TAT, t) + c - t <= tau
// (tau: the burst, as time), and then TAT becomes max(TAT, t) + c. That is
// exactly a token bucket of depth tau filled at the rate — a burst of
// exactly `tau` passes from idle, one more unit does not — and since the
// state is one word, workers share a bucket with one compare-and-swap and
// no lock (limit_state.h).
//
// Time is TSC cycles scaled by 2^kTimeShift, so that the cost of a byte
// at 10 Gbit/s (1.68 cycles on a 2.1 GHz TSC) keeps its fractions; the
// scaled clock wraps, and every comparison is of a wrapped difference.
// Pure: unit-tested with simulated time. Any thread.

#include <cstdint>

namespace switchyard {

constexpr unsigned kTimeShift = 8;

// A bucket's rate and depth in scaled time: `cost` per unit (a byte or a
// packet), `tau` for the burst. Zero cost: no bucket (every frame conforms).
struct GcraProfile {
  uint64_t cost = 0;
  uint64_t tau = 0;

  // `rate` units/s with bursts of `burst` units, on a `tsc_hz` clock.
  static GcraProfile Of(uint64_t rate, uint64_t burst, uint64_t tsc_hz) {
    GcraProfile p;
    if (rate == 0) return p;
    const unsigned __int128 scaled = static_cast<unsigned __int128>(tsc_hz) << kTimeShift;
    p.cost = static_cast<uint64_t>((scaled + rate / 2) / rate);
    if (p.cost == 0) p.cost = 1;
    const unsigned __int128 tau = static_cast<unsigned __int128>(p.cost) * burst;
    p.tau = tau > (uint64_t{1} << 62) ? uint64_t{1} << 62 : static_cast<uint64_t>(tau);
    return p;
  }
  bool enabled() const { return cost != 0; }
};

inline uint64_t ScaledNow(uint64_t tsc) { return tsc << kTimeShift; }

// One frame of `units` against a bucket whose TAT is `*tat`, at `now`:
// true (and the TAT moved) if it conforms.
inline bool GcraConform(uint64_t* tat, uint64_t now, uint64_t units, const GcraProfile& p) {
  if (!p.enabled()) return true;
  const uint64_t start = static_cast<int64_t>(*tat - now) > 0 ? *tat : now;
  const uint64_t next = start + units * p.cost;
  if (static_cast<int64_t>(next - now) > static_cast<int64_t>(p.tau)) return false;
  *tat = next;
  return true;
}

}  // namespace switchyard
