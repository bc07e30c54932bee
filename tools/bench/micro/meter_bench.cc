// meter_bench: what a rate limit delivers and what metering costs.
//
//   taskset -c 1 build/tools/bench/meter_bench [--seconds S] [--poll-us US] [--json FILE]
//
// 1. Accuracy. Each limit is offered twice its rate for S seconds of
//    simulated time (default 2): frames of one size arrive evenly spaced;
//    a worker polling every US microseconds (default 10) meters what
//    arrived since, in runs of up to 32 with one timestamp per poll
//    (features/limits/limit_meter.h, the code the workers run). Delivered is compared with what the limit promises:
//    rate x time + the burst. Bit rates count the frame's bytes
//    (docs/rate-limits.md).
// 2. Cost, in TSC cycles per frame, on this CPU: a run of 32 frames metered
//    with one compare-and-swap (green, and red), a frame metered alone (a
//    run that is partly red is split), and two threads (pinned to CPUs 0
//    and 1 when there are two) metering one shared bucket, as two workers
//    meter a tenant's aggregate, against two threads on their own buckets.

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <rte_cycles.h>
#include <rte_eal.h>

#include "features/limits/gcra.h"
#include "features/limits/limit_builder.h"
#include "features/limits/limit_meter.h"
#include "features/limits/limit_state.h"
#include "testing/fixtures.h"

namespace switchyard {
namespace {

constexpr uint16_t kRun = 32;

struct Row {
  std::string limit;
  uint32_t size;
  double offered, promised, delivered;  // bytes (bit limits) or frames (packet limits)
  double error() const { return delivered / promised - 1.0; }
};

// Offers 2x the limit's rate in `size`-byte frames for `seconds`. The
// worker polls every `poll_us`: what arrived since is one burst, metered
// in runs of up to 32 at the poll's timestamp.
Row Accuracy(const std::string& label, const v1::Limit& l, uint32_t size, double seconds, uint64_t hz,
             double poll_us) {
  const LimitRef ref = LimitRefOf(l, hz);
  LimitState st;
  const bool packets = l.bps() == 0;
  const double fps = packets ? 2.0 * l.pps() : 2.0 * l.bps() / 8 / size;
  const uint64_t frames = static_cast<uint64_t>(fps * seconds);
  const double dt = hz / fps;
  const double poll = hz * poll_us / 1e6;
  const uint64_t t0 = uint64_t{1} << 44;
  st.tat[0] = st.tat[1] = st.colour_tat = ScaledNow(t0);
  uint32_t units[kRun];
  std::fill(units, units + kRun, size);
  uint64_t passed = 0, next = 0;
  for (double t = 0; next < frames; t += poll) {
    // Frames next.. that have arrived by t.
    const uint64_t arrived = std::min<uint64_t>(frames, static_cast<uint64_t>(t / dt) + 1);
    const uint64_t now = ScaledNow(t0 + static_cast<uint64_t>(t));
    while (next < arrived) {
      const auto n = static_cast<uint16_t>(std::min<uint64_t>(kRun, arrived - next));
      passed += static_cast<uint64_t>(__builtin_popcount(Meter(ref, st, now, units, n).pass));
      next += n;
    }
  }
  const double span = static_cast<double>(frames) * dt / hz;
  Row r{label, size, 0, 0, 0};
  if (packets) {
    r.offered = static_cast<double>(frames);
    r.promised = l.pps() * span + static_cast<double>(ref.packets.tau / ref.packets.cost);
    r.delivered = static_cast<double>(passed);
  } else {
    r.offered = static_cast<double>(frames) * size;
    r.promised = l.bps() / 8.0 * span + static_cast<double>(ref.decision.tau / ref.decision.cost);
    r.delivered = static_cast<double>(passed) * size;
  }
  return r;
}

void Pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

// Cycles per frame of `iterations` runs of `n` frames against `st`.
double MeterCost(const LimitRef& ref, LimitState& st, uint16_t n, uint64_t iterations) {
  uint32_t units[kRun];
  std::fill(units, units + kRun, 64u);
  uint64_t sink = 0;
  const uint64_t t0 = rte_rdtsc();
  for (uint64_t i = 0; i < iterations; ++i) {
    // One timestamp per burst, as a worker takes it.
    sink += Meter(ref, st, ScaledNow(rte_rdtsc()), units, n).pass;
  }
  const uint64_t cycles = rte_rdtsc() - t0;
  if (sink == 1) std::puts("");  // keep the result alive
  return static_cast<double>(cycles) / static_cast<double>(iterations * n);
}

// Two threads metering runs of 32 concurrently, on one bucket or on two.
double TwoThreads(const LimitRef& ref, bool shared, uint64_t iterations) {
  static LimitState states[2];
  const uint64_t now = ScaledNow(rte_rdtsc());
  for (auto& s : states) s.tat[0] = s.tat[1] = s.colour_tat = now;
  std::atomic<int> ready{0};
  double cost[2] = {0, 0};
  const unsigned cpus = std::thread::hardware_concurrency();
  auto body = [&](int t) {
    if (cpus >= 2) Pin(t);
    ready.fetch_add(1);
    while (ready.load() < 2) {
    }
    cost[t] = MeterCost(ref, states[shared ? 0 : t], kRun, iterations);
  };
  std::thread a(body, 0), b(body, 1);
  a.join();
  b.join();
  return (cost[0] + cost[1]) / 2;
}

int Main(int argc, char** argv) {
  double seconds = 2, poll_us = 10;
  std::string json;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--poll-us") && i + 1 < argc) {
      poll_us = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--json") && i + 1 < argc) {
      json = argv[++i];
    } else {
      std::fprintf(stderr, "usage: meter_bench [--seconds S] [--poll-us US] [--json FILE]\n");
      return 2;
    }
  }
  const uint64_t hz = rte_get_tsc_hz();
  std::vector<Row> rows;
  for (uint64_t bps : {1'000'000ULL, 10'000'000ULL, 100'000'000ULL, 1'000'000'000ULL, 10'000'000'000ULL}) {
    for (uint32_t size : {64u, 512u, 1500u}) {
      v1::Limit l;
      l.set_bps(bps);
      const std::string label =
          bps >= 1'000'000'000 ? std::to_string(bps / 1'000'000'000) + " Gbit/s" : std::to_string(bps / 1'000'000) + " Mbit/s";
      rows.push_back(Accuracy(label, l, size, seconds, hz, poll_us));
    }
  }
  for (uint64_t pps : {1'000ULL, 100'000ULL, 1'000'000ULL, 10'000'000ULL}) {
    v1::Limit l;
    l.set_pps(pps);
    const std::string label = pps >= 1'000'000 ? std::to_string(pps / 1'000'000) + " Mpps" : std::to_string(pps / 1000) + " kpps";
    rows.push_back(Accuracy(label, l, 64, seconds, hz, poll_us));
  }
  std::printf("Accuracy: offered 2x the limit for %.1f s (simulated), a poll every %.0f us, runs of up to 32 stamped once\n",
              seconds, poll_us);
  std::printf("%-12s %6s %16s %16s %9s\n", "LIMIT", "FRAME", "PROMISED", "DELIVERED", "ERROR");
  double worst = 0;
  for (const Row& r : rows) {
    std::printf("%-12s %6u %16.0f %16.0f %+8.3f%%\n", r.limit.c_str(), r.size, r.promised, r.delivered,
                100 * r.error());
    worst = std::max(worst, std::fabs(r.error()));
  }
  std::printf("worst |error|: %.3f %%  (promised: rate x time + burst; bytes for bit rates, frames for pps)\n\n",
              100 * worst);

  const uint64_t iters = 2'000'000;
  v1::Limit fast;
  fast.set_bps(400'000'000'000);  // every frame green
  v1::Limit slow;
  slow.set_bps(8000);  // every frame red after the first burst
  v1::Limit both = fast;
  both.set_pps(1'000'000'000);
  LimitState st;
  st.tat[0] = st.tat[1] = st.colour_tat = ScaledNow(rte_rdtsc());
  const double run_green = MeterCost(LimitRefOf(fast, hz), st, kRun, iters / 8);
  const double run_both = MeterCost(LimitRefOf(both, hz), st, kRun, iters / 8);
  LimitState st2;
  st2.tat[0] = st2.tat[1] = st2.colour_tat = ScaledNow(rte_rdtsc());
  const double run_red = MeterCost(LimitRefOf(slow, hz), st2, kRun, iters / 8);
  LimitState st3;
  st3.tat[0] = st3.tat[1] = st3.colour_tat = ScaledNow(rte_rdtsc());
  const double single = MeterCost(LimitRefOf(fast, hz), st3, 1, iters);
  const double own = TwoThreads(LimitRefOf(fast, hz), false, iters / 8);
  const double shared = TwoThreads(LimitRefOf(fast, hz), true, iters / 8);
  std::printf("Cost (cycles/frame, TSC %.2f GHz)\n", hz / 1e9);
  std::printf("  run of 32, green (bits)           %6.2f\n", run_green);
  std::printf("  run of 32, green (bits + packets) %6.2f\n", run_both);
  std::printf("  run of 32, red                    %6.2f\n", run_red);
  std::printf("  one frame alone (a split run)     %6.2f\n", single);
  std::printf("  2 threads, own buckets, runs of 32   %6.2f\n", own);
  std::printf("  2 threads, one shared bucket, runs   %6.2f  (the cross-worker cost: %+.2f)\n", shared,
              shared - own);

  if (!json.empty()) {
    FILE* f = std::fopen(json.c_str(), "w");
    if (f == nullptr) {
      std::perror(json.c_str());
      return 1;
    }
    std::fprintf(f, "{\"seconds\": %.3f, \"poll_us\": %.1f, \"tsc_hz\": %lu, \"accuracy\": [", seconds, poll_us, hz);
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      std::fprintf(f, "%s{\"limit\": \"%s\", \"frame\": %u, \"promised\": %.0f, \"delivered\": %.0f, \"error\": %.6f}",
                   i ? ", " : "", r.limit.c_str(), r.size, r.promised, r.delivered, r.error());
    }
    std::fprintf(f,
                 "], \"cycles_per_frame\": {\"run_green\": %.3f, \"run_green_bits_packets\": %.3f, "
                 "\"run_red\": %.3f, \"single\": %.3f, \"two_threads_own\": %.3f, "
                 "\"two_threads_shared\": %.3f}}\n",
                 run_green, run_both, run_red, single, own, shared);
    std::fclose(f);
  }
  return worst <= 0.01 ? 0 : 1;
}

}  // namespace
}  // namespace switchyard

int main(int argc, char** argv) {
  // EAL on the first CPU this process may run on (taskset -c N).
  switchyard::testing::InitEal("meter_bench", 64, "0@" + std::to_string(switchyard::testing::FirstAllowedCpu()));
  const int rc = switchyard::Main(argc, argv);
  rte_eal_cleanup();
  return rc;
}
