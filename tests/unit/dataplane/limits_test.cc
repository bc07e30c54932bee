// Rate limits: the bucket arithmetic against simulated time (the delivered
// rate within 1 % from 1 Mbit/s to 10 Gbit/s and 1 kpps to 10 Mpps, bursts
// exact to the byte), the colours of single- and two-rate limits, one
// bucket shared by two threads staying exact, and the stages in the
// pipeline: a port's in and out limits, a tenant's aggregate over two
// ports, storm control by class, the state surviving a change of rate.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include <rte_mbuf.h>

#include "core/pipeline.h"
#include "core/snapshot_builder.h"
#include "core/trace.h"
#include "eal_env.h"
#include "features/limits/gcra.h"
#include "features/limits/limit_builder.h"
#include "features/limits/limit_meter.h"
#include "features/limits/limit_state.h"
#include "testing/fixtures.h"

namespace switchyard {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kHz = 2'100'000'000;  // a TSC like the development VM's

v1::Limit Bps(uint64_t bps, uint64_t burst = 0) {
  v1::Limit l;
  l.set_bps(bps);
  l.set_burst_bytes(burst);
  return l;
}

// Offers `frames` frames of `size` bytes, evenly spaced at `offered`
// frames/s (simulated TSC), to a fresh limit; the bytes and frames that pass.
struct Delivered {
  uint64_t bytes = 0, frames = 0;
  double seconds = 0;
};
Delivered Offer(const v1::Limit& l, uint32_t size, double offered_fps, uint64_t frames) {
  const LimitRef ref = LimitRefOf(l, kHz);
  LimitState st;
  Delivered d;
  const double dt = kHz / offered_fps;
  const uint32_t units[1] = {size};
  const uint64_t t0 = uint64_t{1} << 40;
  for (uint64_t i = 0; i < frames; ++i) {
    const uint64_t now = t0 + static_cast<uint64_t>(static_cast<double>(i) * dt);
    if (Meter(ref, st, ScaledNow(now), units, 1).pass != 0) {
      d.frames++;
      d.bytes += size;
    }
  }
  d.seconds = static_cast<double>(frames) * dt / kHz;
  return d;
}

TEST(Gcra, ABurstOfExactlyTheBurstPassesFromIdleOneMoreByteDoesNot) {
  for (uint64_t bps : {1'000'000ULL, 1'000'000'000ULL, 10'000'000'000ULL}) {
    const GcraProfile p = GcraProfile::Of(bps / 8, 15000, kHz);
    uint64_t tat = 0;
    const uint64_t now = ScaledNow(uint64_t{1} << 36);
    EXPECT_TRUE(GcraConform(&tat, now, 15000, p)) << bps;
    tat = 0;
    EXPECT_TRUE(GcraConform(&tat, now, 10000, p));
    EXPECT_TRUE(GcraConform(&tat, now, 5000, p));
    EXPECT_FALSE(GcraConform(&tat, now, 1, p)) << "the bucket is empty: " << bps;
    tat = 0;
    EXPECT_FALSE(GcraConform(&tat, now, 15001, p));
  }
}

// The delivered rate over a long offer at twice the limit: the rate times
// the time plus the burst, within 1 %.
TEST(Gcra, DeliveredBitRateWithinOnePercent) {
  for (uint64_t bps : {1'000'000ULL, 10'000'000ULL, 100'000'000ULL, 1'000'000'000ULL,
                       10'000'000'000ULL}) {
    for (uint32_t size : {64u, 256u, 512u, 1500u}) {
      const double fps = 2.0 * bps / 8 / size;  // twice the limit
      // 2 s of simulated time, at most 4 million frames.
      const uint64_t frames = std::min<uint64_t>(4000000, static_cast<uint64_t>(fps * 2));
      const Delivered d = Offer(Bps(bps), size, fps, frames);
      const double expected = bps / 8.0 * d.seconds + BucketsOf(Bps(bps), kHz).decision.tau /
                                                          static_cast<double>(BucketsOf(Bps(bps), kHz).decision.cost);
      EXPECT_NEAR(d.bytes / expected, 1.0, 0.01) << bps << " bit/s, " << size << " B frames";
    }
  }
}

TEST(Gcra, DeliveredPacketRateWithinOnePercent) {
  for (uint64_t pps : {1'000ULL, 10'000ULL, 1'000'000ULL, 10'000'000ULL}) {
    v1::Limit l;
    l.set_pps(pps);
    const uint64_t frames = std::min<uint64_t>(4000000, 4 * pps);
    const Delivered d = Offer(l, 64, 2.0 * pps, frames);
    const double burst = static_cast<double>(std::max<uint64_t>(32, pps / 100));
    EXPECT_NEAR(d.frames / (pps * d.seconds + burst), 1.0, 0.01) << pps << " pps";
  }
}

TEST(Gcra, UnderTheLimitEverythingPasses) {
  const Delivered d = Offer(Bps(100'000'000), 1500, 0.9 * 100e6 / 8 / 1500, 100000);
  EXPECT_EQ(d.frames, 100000u);
}

// Scaled time wraps, and TATs compare by wrapped difference: a slot reset
// to zero once the TSC passed 2^55 looked ~200 days ahead and dropped
// everything (this failed when Reset wrote zeros); a bucket idle for more
// than half the wrap did the same unless Refresh kept its TAT recent.
TEST(LimitStates, FreshSlotsAndLongIdleBucketsPassAtAnyUptime) {
  const v1::Limit l = Bps(100'000'000);
  const LimitBuckets b = BucketsOf(l, kHz);
  LimitRef ref;
  ref.decision = b.decision;
  const uint32_t units[1] = {1500};
  LimitStates states;
  for (uint64_t tsc : {uint64_t{1} << 40, (uint64_t{1} << 55) + 12345, (uint64_t{1} << 56) - 1000}) {
    const uint64_t now = ScaledNow(tsc);
    states.Reset(7, now);
    EXPECT_EQ(Meter(ref, states[7], now, units, 1).pass, 1u) << "fresh slot at TSC " << tsc;
    // Idle for 9/16 of the wrap: without a refresh the TAT looks ahead.
    const uint64_t later = now + (uint64_t{9} << 60);
    LimitState copy = states[7];
    EXPECT_EQ(Meter(ref, copy, later, units, 1).pass, 0u) << "the ambiguity Refresh removes";
    // Refreshed on the way (the housekeeping tick runs every 500 ms).
    for (uint64_t k = 0; k < 9; ++k) states.Refresh(now + (k << 60));
    EXPECT_EQ(Meter(ref, states[7], later, units, 1).pass, 1u) << "long idle at TSC " << tsc;
  }
  // Refresh changes no decision: a bucket in use (TAT ahead of now) is kept.
  const uint64_t now = ScaledNow(uint64_t{1} << 41);
  states.Reset(3, now);
  const uint32_t burst[1] = {static_cast<uint32_t>(b.decision.tau / b.decision.cost)};
  ASSERT_EQ(Meter(ref, states[3], now, burst, 1).pass, 1u);
  const uint64_t tat = states[3].tat[0];
  states.Refresh(now);
  EXPECT_EQ(states[3].tat[0], tat);
  EXPECT_EQ(Meter(ref, states[3], now, units, 1).pass, 0u) << "still empty";
}

TEST(LimitColours, TwoRateIsYellowBetweenTheRatesAndRedAbove) {
  v1::Limit l = Bps(100'000'000);
  l.set_peak_bps(200'000'000);
  const LimitBuckets b = BucketsOf(l, kHz);
  LimitRef ref;
  ref.decision = b.decision;
  ref.colour = b.colour;
  LimitState st;
  // 300 Mbit/s offered for 1 s of 1000-byte frames.
  const double fps = 300e6 / 8 / 1000;
  uint64_t green = 0, yellow = 0, red = 0;
  uint32_t units[kBurstSize];
  for (auto& u : units) u = 1000;
  for (uint64_t i = 0; i < static_cast<uint64_t>(fps); i += kBurstSize) {
    const MeterResult m =
        Meter(ref, st, ScaledNow((uint64_t{1} << 40) + static_cast<uint64_t>(i * kHz / fps)), units, kBurstSize);
    green += __builtin_popcount(m.green);
    yellow += __builtin_popcount(m.pass & ~m.green);
    red += kBurstSize - __builtin_popcount(m.pass);
  }
  // About 100 Mbit/s green, 100 yellow, 100 red (bursts aside).
  EXPECT_NEAR(green * 8000.0, 100e6, 2e6);
  EXPECT_NEAR(yellow * 8000.0, 100e6, 2e6);
  EXPECT_NEAR(red * 8000.0, 100e6, 3e6);
}

TEST(LimitColours, SingleRateExcessBurstIsYellow) {
  v1::Limit l = Bps(8'000'000, 10000);
  l.set_excess_burst_bytes(5000);
  const LimitBuckets b = BucketsOf(l, kHz);
  LimitRef ref;
  ref.decision = b.decision;
  ref.colour = b.colour;
  LimitState st;
  uint32_t units[15];
  for (auto& u : units) u = 1000;
  const MeterResult m = Meter(ref, st, ScaledNow(uint64_t{1} << 40), units, 15);
  EXPECT_EQ(__builtin_popcount(m.green), 10) << "the committed burst";
  EXPECT_EQ(__builtin_popcount(m.pass), 15) << "and the excess";
  const MeterResult more = Meter(ref, st, ScaledNow(uint64_t{1} << 40), units, 1);
  EXPECT_EQ(more.pass, 0u);
}

// Two threads share one bucket (as two workers share a tenant's): what
// passes is exactly what one bucket allows, not twice.
TEST(LimitState, TwoThreadsShareOneBucketExactly) {
  const GcraProfile p = GcraProfile::Of(1'000'000, 10000, kHz);  // 1 MB/s
  LimitRef ref;
  ref.decision = p;
  LimitState st;
  std::atomic<uint64_t> clock{uint64_t{1} << 40}, passed{0};
  // Each call advances the shared clock by 1 us: 2 x 200,000 calls = 0.4 s
  // of simulated time, offering 1000-byte frames at 1 GB/s.
  auto worker = [&] {
    uint32_t units[1] = {1000};
    for (int i = 0; i < 200000; ++i) {
      const uint64_t now = clock.fetch_add(kHz / 1'000'000);
      passed += __builtin_popcount(Meter(ref, st, ScaledNow(now), units, 1).pass);
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  const double seconds = 400000.0 / 1e6;
  const double expected = (1e6 * seconds + 10000) / 1000;  // frames
  // Exact up to the frames in flight when the clock was read (one per thread).
  EXPECT_NEAR(static_cast<double>(passed.load()), expected, 3) << passed.load();
}

// The stages, through the pipeline. Ports: 0, 1 red access; 2 blue access;
// 3 red access (the output).
class LimitPipelineTest : public ::testing::Test {
 protected:
  static rte_mempool* pool() {
    static rte_mempool* p =
        rte_pktmbuf_pool_create("limit_pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    return p;
  }
  void SetUp() override {
    ASSERT_NE(pool(), nullptr);
    h_ = std::make_unique<testing::WorkerHarness>(pool());
    tenants_ = {{"red", testing::MakeTenant("red", 1)}, {"blue", testing::MakeTenant("blue", 2)}};
    testing::AddPort(ports_, testing::AccessPort("p0", 0, "red"));
    testing::AddPort(ports_, testing::AccessPort("p1", 1, "red"));
    testing::AddPort(ports_, testing::AccessPort("p2", 2, "blue"));
    testing::AddPort(ports_, testing::AccessPort("p3", 3, "red"));
    in_.tsc_hz = rte_get_tsc_hz();
    in_.states = &states_;
  }
  void TearDown() override { h_.reset(); }
  // "port/P/in", "port/P/out", "port/P/storm-...", "tenant/T".
  void Set(const std::string& name, v1::Limit l, uint16_t slot) {
    l.set_name(name);
    const auto a = name.find('/'), b = name.find('/', a + 1);
    if (name.rfind("tenant/", 0) == 0) {
      l.set_tenant(name.substr(a + 1));
    } else {
      l.set_port(name.substr(a + 1, b - a - 1));
    }
    in_.limits[name] = l;
    in_.slots[name] = slot;
  }
  void Rebuild() {
    std::vector<std::string> problems;
    snap_ = BuildSnapshot(1, tenants_, ports_, 1, &problems, nullptr, &in_);
    EXPECT_TRUE(problems.empty()) << problems.front();
  }
  // `n` frames of `size` bytes from `port` to `dst` (from a source of the port).
  void Send(uint16_t port, uint64_t dst, int n, uint16_t size = 1000, int vlan = -1) {
    std::vector<rte_mbuf*> pkts;
    for (int i = 0; i < n; ++i) {
      rte_mbuf* m = rte_pktmbuf_alloc(pool());
      testing::WriteFrame(m, dst, 0x020000000100 + port, vlan, size);
      pkts.push_back(m);
      if (pkts.size() == kBurstSize || i + 1 == n) {
        ProcessBurst(h_->ctx, *snap_, port, pkts.data(), static_cast<uint16_t>(pkts.size()), 1000);
        pkts.clear();
      }
    }
  }
  uint64_t Out(uint16_t port) {
    auto v = h_->TakeTx(port);
    for (auto* m : v) rte_pktmbuf_free(m);
    return v.size();
  }
  uint64_t Drops(DropReason r) const { return h_->counters->drops[static_cast<size_t>(r)]; }
  const LimitCounters& Counters(uint16_t slot) const { return h_->counters->limits[slot]; }

  std::unique_ptr<testing::WorkerHarness> h_;
  TenantMap tenants_;
  PortMap ports_;
  LimitStates states_;
  LimitInputs in_;
  std::unique_ptr<Snapshot> snap_;
};

constexpr uint64_t kToP3 = 0x020000000103;  // learned on p3 below

TEST_F(LimitPipelineTest, APortInLimitPassesItsBurstAndDropsTheRest) {
  Set("port/p0/in", Bps(8'000'000, 10000), 0);  // 1 MB/s, 10 frames of 1000 B
  Rebuild();
  Send(3, 0xffffffffffff, 1);  // p3's source learned
  Out(0), Out(1);
  Send(0, kToP3, 30);
  EXPECT_EQ(Out(3), 10u);
  EXPECT_EQ(Drops(DropReason::LIMIT_PORT_IN), 20u);
  EXPECT_EQ(Counters(0).green_packets, 10u);
  EXPECT_EQ(Counters(0).green_bytes, 10000u);
  EXPECT_EQ(Counters(0).red_packets, 20u);
  EXPECT_EQ(h_->counters->ports[0].rx_dropped, 20u);
  // Another port of the tenant has no limit: all of it passes.
  Send(1, kToP3, 30);
  EXPECT_EQ(Out(3), 30u);
}

TEST_F(LimitPipelineTest, TheByteCountLeavesTheTagOut) {
  ports_.erase("p0");
  testing::AddPort(ports_, testing::TrunkPort("p0", 0, {{100, "red"}}));
  Set("port/p0/in", Bps(8'000'000, 10000), 0);
  Rebuild();
  Send(3, 0xffffffffffff, 1);
  Out(0), Out(1);
  Send(0, kToP3, 30, 1004, 100);  // 1004 bytes with the tag: 1000 counted
  EXPECT_EQ(Out(3), 10u);
  EXPECT_EQ(Counters(0).green_bytes, 10000u);
}

TEST_F(LimitPipelineTest, ATenantLimitIsSharedByItsPorts) {
  Set("tenant/red", Bps(8'000'000, 10000), 1);  // 10 frames of 1000 B for all of red
  Rebuild();
  Send(3, 0xffffffffffff, 1);  // one of them: p3's broadcast
  Out(0), Out(1);
  Send(0, kToP3, 6);
  Send(1, kToP3, 6);
  EXPECT_EQ(Out(3), 9u) << "one bucket for all of red's ports";
  EXPECT_EQ(Drops(DropReason::LIMIT_TENANT), 3u);
  EXPECT_EQ(Counters(1).green_bytes, 10000u);
  // Blue has no limit.
  Send(2, 0xffffffffffff, 20);
  EXPECT_EQ(Drops(DropReason::LIMIT_TENANT), 3u);
}

TEST_F(LimitPipelineTest, StormControlLimitsEachClassApart) {
  v1::Limit b = Bps(8'000'000, 3000);
  b.set_storm(v1::STORM_CLASS_BROADCAST);
  Set("port/p0/storm-broadcast", b, 2);
  Rebuild();
  Send(0, 0xffffffffffff, 10);  // 3 pass
  EXPECT_EQ(Drops(DropReason::STORM_BROADCAST), 7u);
  Out(1), Out(3);
  Send(0, 0x010000000001, 10);  // multicast: no limit on it
  EXPECT_EQ(Out(1), 10u);
  Out(3);
  Send(0, 0x020000009999, 10);  // unknown unicast: no limit either
  EXPECT_EQ(Out(1), 10u);
  Out(3);
  Send(3, 0xffffffffffff, 1);
  Out(0), Out(1);
  Send(0, kToP3, 10);  // known unicast: never storm
  EXPECT_EQ(Out(3), 10u);
}

TEST_F(LimitPipelineTest, AnOutLimitMetersWhatLeavesThePort) {
  v1::Limit out = Bps(8'000'000, 5000);
  out.set_direction(v1::LIMIT_DIRECTION_OUT);
  Set("port/p3/out", out, 3);
  Rebuild();
  Send(3, 0xffffffffffff, 1);
  Out(0), Out(1);
  Send(0, kToP3, 20);
  EXPECT_EQ(Out(3), 5u);
  EXPECT_EQ(Drops(DropReason::LIMIT_PORT_OUT), 15u);
  // Floods toward p3 are metered too; p1 gets all.
  Send(0, 0xffffffffffff, 4);
  EXPECT_EQ(Out(1), 4u);
  EXPECT_EQ(Out(3), 0u) << "the bucket is still empty";
}

TEST_F(LimitPipelineTest, ChangingALimitsRateKeepsItsStateAndOtherLimitsAlone) {
  Set("port/p0/in", Bps(8'000'000, 10000), 0);
  Set("port/p1/in", Bps(8'000'000, 10000), 1);
  Rebuild();
  Send(3, 0xffffffffffff, 1);
  Out(0), Out(1);
  Send(0, kToP3, 10);  // p0's bucket emptied
  Send(1, kToP3, 5);   // p1's half
  EXPECT_EQ(Out(3), 15u);
  // A new burst for p1 (10 frames more); p0 untouched: its bucket is still
  // empty, and p1's still holds its used half (a reset would let 20 pass).
  Set("port/p1/in", Bps(8'000'000, 20000), 1);
  Rebuild();
  Send(0, kToP3, 5);
  EXPECT_EQ(Out(3), 0u) << "p0's state was not reset";
  Send(1, kToP3, 20);
  EXPECT_EQ(Out(3), 15u) << "p1's state kept across the change";
}

TEST_F(LimitPipelineTest, TheTracerShowsEachLimitsColour) {
  Set("port/p0/in", Bps(8'000'000, 1000), 0);
  Rebuild();
  auto trace = [&](bool commit) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool());
    testing::WriteFrame(m, 0xffffffffffff, 0x020000000100, -1, 1000);
    TraceLog log;
    log.commit = commit;
    TraceBurst(h_->ctx, *snap_, 0, &m, 1, 1000, &log);
    h_->FreeTx();
    std::string out;
    for (const auto& s : log.steps) out += s.stage + ": " + s.verdict + "\n";
    return out;
  };
  // A dry run takes nothing from the bucket; a committed one does.
  EXPECT_THAT(trace(false), HasSubstr("limit: port/p0/in: green (1000 bytes)"));
  EXPECT_THAT(trace(true), HasSubstr("limit: port/p0/in: green (1000 bytes)"));
  const std::string second = trace(false);
  EXPECT_THAT(second, HasSubstr("limit: port/p0/in: red (1000 bytes)"));
  EXPECT_THAT(second, HasSubstr("drop: limit_port_in"));
}

}  // namespace
}  // namespace switchyard
