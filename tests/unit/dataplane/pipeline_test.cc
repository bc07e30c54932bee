// The forwarding pipeline over crafted packets: learning, flooding within a
// tenant, unicast, VLAN push/pop/rewrite, isolation, drops by reason.

#include "core/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include <rte_mbuf.h>

#include "core/snapshot_builder.h"
#include "core/burst.h"
#include "core/trace.h"
#include "eal_env.h"
#include "features/l2/mac_table.h"
#include "testing/fixtures.h"

namespace switchyard {
namespace {

constexpr uint64_t kMacA = 0x020000000001;
constexpr uint64_t kMacB = 0x020000000002;
constexpr uint64_t kMacC = 0x020000000003;
constexpr uint64_t kBroadcast = 0xffffffffffff;

// Ports: 0 red access, 1 red access (tag 30 toward the port), 2 blue access,
// 3 trunk (100 -> red, 200 -> blue), 4 blue access.
class PipelineTest : public ::testing::Test {
 protected:
  static rte_mempool* pool() {
    static rte_mempool* p =
        rte_pktmbuf_pool_create("test_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    return p;
  }

  void SetUp() override {
    ASSERT_NE(pool(), nullptr);
    h_ = std::make_unique<testing::WorkerHarness>(pool());
    tenants_ = {{"red", testing::MakeTenant("red", 1)}, {"blue", testing::MakeTenant("blue", 2)}};
    testing::AddPort(ports_, testing::AccessPort("p0", 0, "red"));
    testing::AddPort(ports_, testing::AccessPort("p1", 1, "red", 30));
    testing::AddPort(ports_, testing::AccessPort("p2", 2, "blue"));
    testing::AddPort(ports_, testing::TrunkPort("p3", 3, {{100, "red"}, {200, "blue"}}));
    testing::AddPort(ports_, testing::AccessPort("p4", 4, "blue"));
    Rebuild();
    avail_at_start_ = rte_mempool_avail_count(pool());
  }

  void TearDown() override {
    h_.reset();
    EXPECT_EQ(rte_mempool_avail_count(pool()), avail_at_start_) << "mbufs leaked";
  }

  void Rebuild() { snap_ = BuildSnapshot(1, tenants_, ports_, 1); }

  rte_mbuf* Frame(uint64_t dst, uint64_t src, int vlan = -1, uint16_t len = 64) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool());
    EXPECT_NE(m, nullptr);
    testing::WriteFrame(m, dst, src, vlan, len, /*pcp=*/1, /*fill=*/0xab);
    return m;
  }

  void Send(uint16_t port, std::vector<rte_mbuf*> pkts, uint64_t now_ms = 1000) {
    ProcessBurst(h_->ctx, *snap_, port, pkts.data(), static_cast<uint16_t>(pkts.size()), now_ms);
  }

  // One frame through the traced pipeline; its trail as "stage: verdict"
  // lines. A dry run (the default) leaves nothing in the TX buffers.
  std::string Trace(uint16_t port, rte_mbuf* m, bool commit = false) {
    TraceLog log;
    log.commit = commit;
    TraceBurst(h_->ctx, *snap_, port, &m, 1, 1000, &log);
    if (!commit) FinishTracedBurst(h_->ctx, *snap_, log);
    std::string out;
    for (const auto& st : log.steps) out += st.stage + ": " + st.verdict + "\n";
    return out;
  }

  // Packets waiting on a port's TX buffer (taken out of it).
  std::vector<rte_mbuf*> Out(uint16_t port) { return h_->TakeTx(port); }
  static void Free(std::vector<rte_mbuf*> v) {
    for (auto* m : v) rte_pktmbuf_free(m);
  }
  static int Vlan(rte_mbuf* m) {  // -1 untagged
    const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
    if (p[12] != 0x81 || p[13] != 0x00) return -1;
    return ((p[14] << 8) | p[15]) & 0x0fff;
  }
  static uint64_t Src(rte_mbuf* m) { return LoadMac(rte_pktmbuf_mtod(m, const uint8_t*) + 6); }
  uint64_t Drops(DropReason r) const { return h_->counters->drops[static_cast<size_t>(r)]; }

  std::unique_ptr<testing::WorkerHarness> h_;
  TenantMap tenants_;
  PortMap ports_;
  std::unique_ptr<Snapshot> snap_;
  unsigned avail_at_start_ = 0;
};

TEST_F(PipelineTest, UnknownUnicastFloodsWithinTenantOnly) {
  Send(0, {Frame(kMacB, kMacA)});
  auto p1 = Out(1), p2 = Out(2), p3 = Out(3), p4 = Out(4), p0 = Out(0);
  ASSERT_EQ(p1.size(), 1u);
  EXPECT_EQ(Vlan(p1[0]), 30);   // pushed toward the tagged access port
  ASSERT_EQ(p3.size(), 1u);
  EXPECT_EQ(Vlan(p3[0]), 100);  // red's VLAN on the trunk
  EXPECT_TRUE(p0.empty());      // never back out of the ingress port
  EXPECT_TRUE(p2.empty());      // blue ports never see red traffic
  EXPECT_TRUE(p4.empty());
  EXPECT_EQ(rte_pktmbuf_pkt_len(p1[0]), 68u);
  EXPECT_EQ(h_->counters->tenants[1].flooded, 1u);
  EXPECT_EQ(h_->counters->tenants[1].learned, 1u);
  Free(p1);
  Free(p3);
}

TEST_F(PipelineTest, LearnedDestinationIsUnicast) {
  Send(0, {Frame(kBroadcast, kMacA)});
  Free(Out(1));
  Free(Out(3));
  // From the trunk, tagged 100 (red), to A: learned on port 0, untagged.
  Send(3, {Frame(kMacA, kMacB, 100)});
  auto p0 = Out(0);
  ASSERT_EQ(p0.size(), 1u);
  EXPECT_EQ(Vlan(p0[0]), -1);
  EXPECT_EQ(rte_pktmbuf_pkt_len(p0[0]), 60u);  // tag stripped
  EXPECT_EQ(Src(p0[0]), kMacB);
  EXPECT_TRUE(Out(1).empty());
  EXPECT_EQ(h_->counters->tenants[1].unicast, 1u);
  // And B is now known on the trunk: A -> B goes out tagged 100 only there.
  Send(0, {Frame(kMacB, kMacA)});
  auto p3 = Out(3);
  ASSERT_EQ(p3.size(), 1u);
  EXPECT_EQ(Vlan(p3[0]), 100);
  EXPECT_TRUE(Out(1).empty());
  Free(p0);
  Free(p3);
}

TEST_F(PipelineTest, TaggedToTaggedRewritesTheVid) {
  Send(1, {Frame(kBroadcast, kMacA, 30)});
  auto p3 = Out(3), p0 = Out(0);
  ASSERT_EQ(p3.size(), 1u);
  EXPECT_EQ(Vlan(p3[0]), 100);
  EXPECT_EQ(rte_pktmbuf_mtod(p3[0], uint8_t*)[14] >> 5, 1);  // priority kept
  ASSERT_EQ(p0.size(), 1u);
  EXPECT_EQ(Vlan(p0[0]), -1);
  Free(p3);
  Free(p0);
}

TEST_F(PipelineTest, OverlappingMacsStayApartAcrossTenants) {
  // The same MAC A appears in red (port 0) and in blue (port 2).
  Send(0, {Frame(kBroadcast, kMacA)});
  Free(Out(1));
  Free(Out(3));
  Send(2, {Frame(kBroadcast, kMacA)});
  Free(Out(4));
  Free(Out(3));
  // Blue's B on port 4 talks to A: must reach port 2, not red's port 0.
  Send(4, {Frame(kMacA, kMacB)});
  auto p2 = Out(2);
  EXPECT_EQ(p2.size(), 1u) << "unicast to blue's A";
  EXPECT_TRUE(Out(0).empty());
  Free(p2);
  // Red's C on the trunk (vlan 100) talks to A: port 0.
  Send(3, {Frame(kMacA, kMacC, 100)});
  auto p0 = Out(0);
  EXPECT_EQ(p0.size(), 1u);
  EXPECT_TRUE(Out(2).empty());
  Free(p0);
  Free(Out(2));
}

TEST_F(PipelineTest, DropsAreCountedByReason) {
  Send(2, {Frame(kBroadcast, kMacA, 7)});        // tag on an untagged access port
  Send(3, {Frame(kBroadcast, kMacA)});           // untagged on a trunk
  Send(3, {Frame(kBroadcast, kMacA, 999)});      // trunk VLAN not mapped
  Send(0, {Frame(kBroadcast, 0x010000000000)});  // multicast source
  rte_mbuf* runt = Frame(kBroadcast, kMacA, -1, 64);
  rte_pktmbuf_trim(runt, 54);                    // 10 bytes left
  Send(0, {runt});
  EXPECT_EQ(Drops(DropReason::VLAN_NOT_ALLOWED), 2u);
  EXPECT_EQ(Drops(DropReason::UNTAGGED_ON_TRUNK), 1u);
  EXPECT_EQ(Drops(DropReason::SRC_MAC_MULTICAST), 1u);
  EXPECT_EQ(Drops(DropReason::RUNT), 1u);
  EXPECT_EQ(h_->counters->ports[3].rx_dropped, 2u);
  for (uint16_t p = 0; p < 5; ++p) EXPECT_TRUE(Out(p).empty()) << p;
  EXPECT_EQ(rte_mempool_avail_count(pool()), avail_at_start_) << "dropped mbufs leaked";
}

TEST_F(PipelineTest, SamePortDestinationIsDropped) {
  Send(0, {Frame(kBroadcast, kMacA)});
  Free(Out(1));
  Free(Out(3));
  Send(0, {Frame(kMacA, kMacB)});  // A lives on port 0 already
  EXPECT_EQ(Drops(DropReason::SAME_PORT), 1u);
}

TEST_F(PipelineTest, MacMovesToTheNewPort) {
  Send(0, {Frame(kBroadcast, kMacA)});
  Free(Out(1));
  Free(Out(3));
  Send(1, {Frame(kBroadcast, kMacA, 30)});
  Free(Out(0));
  Free(Out(3));
  EXPECT_EQ(h_->counters->tenants[1].moved, 1u);
  Send(0, {Frame(kMacA, kMacB)});
  auto p1 = Out(1);
  ASSERT_EQ(p1.size(), 1u);
  EXPECT_EQ(Vlan(p1[0]), 30);
  Free(p1);
}

TEST_F(PipelineTest, MacLimitStopsLearning) {
  tenants_["red"].set_mac_limit(2);
  Rebuild();
  for (uint64_t mac : {kMacA, kMacB, kMacC}) {
    Send(0, {Frame(kBroadcast, mac)});
    Free(Out(1));
    Free(Out(3));
  }
  EXPECT_EQ(h_->counters->tenants[1].learned, 2u);
  EXPECT_EQ(h_->counters->tenants[1].learn_limit, 1u);
  EXPECT_EQ(h_->macs->TenantCount(1), 2u);
}

// A full table is counted apart from a tenant at its limit.
TEST_F(PipelineTest, TableFullCountedApartFromTheLimit) {
  h_ = std::make_unique<testing::WorkerHarness>(pool(), 2);
  for (uint64_t mac : {kMacA, kMacB, kMacC}) {
    Send(0, {Frame(kBroadcast, mac)});
    Free(Out(1));
    Free(Out(3));
  }
  EXPECT_EQ(h_->counters->tenants[1].learned, 2u);
  EXPECT_EQ(h_->counters->tenants[1].learn_table_full, 1u);
  EXPECT_EQ(h_->counters->tenants[1].learn_limit, 0u);
}

TEST_F(PipelineTest, AgingForgetsIdleMacs) {
  Send(0, {Frame(kBroadcast, kMacA)}, 1000);
  Send(2, {Frame(kBroadcast, kMacB)}, 5000);
  Free(Out(1));
  Free(Out(3));
  Free(Out(4));
  EXPECT_EQ(h_->macs->Age(6500, 3000), 1u);  // A idle 5.5 s, B 1.5 s
  std::vector<MacRecord> left;
  h_->macs->ForEach([&](const MacRecord& r) { left.push_back(r); });
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].mac, kMacB);
  EXPECT_EQ(left[0].tenant, 2);
  EXPECT_EQ(h_->macs->TenantCount(1), 0u);
  // A is unknown again: traffic to it floods.
  Send(4, {Frame(kMacA, kMacB)}, 6600);
  auto p2 = Out(2);
  EXPECT_EQ(p2.size(), 1u);
  Free(p2);
  Free(Out(3));
}

TEST_F(PipelineTest, PortRemovedFromConfigIsDroppedAtIngress) {
  ports_.erase("p4");
  Rebuild();
  Send(4, {Frame(kBroadcast, kMacA)});
  EXPECT_EQ(Drops(DropReason::PORT_NOT_CONFIGURED), 1u);
  EXPECT_TRUE(Out(2).empty());
}

// A burst is processed in runs of packets with the same header (one parse,
// one lookup, one decision per run): everything observable must still be
// per packet, in order, and a different packet must break the run.
TEST_F(PipelineTest, RunsOfOneFlowBehaveLikeSinglePackets) {
  Send(0, {Frame(kBroadcast, kMacA)});
  Free(Out(1));
  Free(Out(3));
  Send(3, {Frame(kBroadcast, kMacB, 100)});
  Free(Out(0));
  Free(Out(1));
  const uint64_t uni0 = h_->counters->tenants[1].unicast;
  rte_mbuf* runt = Frame(kMacB, kMacA, -1, 64);
  rte_pktmbuf_trim(runt, 50);  // 14 bytes: parses, but too short to join a run
  rte_mbuf* odd = Frame(kMacB, kMacA, -1, 64);
  rte_pktmbuf_mtod(odd, uint8_t*)[16] = 0x99;  // same MACs, other bytes after them
  std::vector<rte_mbuf*> burst = {Frame(kMacB, kMacA), Frame(kMacB, kMacA),
                                  Frame(kBroadcast, kMacA, 7),  // dropped mid-run
                                  Frame(kMacB, kMacA), runt, odd, Frame(kMacC, kMacA),
                                  Frame(kMacB, kMacA)};
  std::vector<rte_mbuf*> sent = burst;
  Send(0, burst);
  auto p3 = Out(3);
  // All to B on the trunk, tagged 100, in order; C is unknown: flooded.
  ASSERT_EQ(p3.size(), 7u);
  EXPECT_EQ(p3[0], sent[0]);
  EXPECT_EQ(p3[1], sent[1]);
  EXPECT_EQ(p3[2], sent[3]);
  EXPECT_EQ(p3[3], sent[4]);
  EXPECT_EQ(p3[4], sent[5]);
  EXPECT_EQ(p3[6], sent[7]);
  for (auto* m : p3) EXPECT_EQ(Vlan(m), 100);
  auto p1 = Out(1);
  ASSERT_EQ(p1.size(), 1u);  // the flooded copy of A -> C
  EXPECT_EQ(h_->counters->tenants[1].unicast - uni0, 6u);
  EXPECT_EQ(Drops(DropReason::VLAN_NOT_ALLOWED), 1u);
  EXPECT_EQ(h_->counters->ports[0].rx_packets, 9u);
  Free(p3);
  Free(p1);
  // A burst of one source that moved: counted per packet, as before.
  Send(1, {Frame(kBroadcast, kMacA, 30), Frame(kBroadcast, kMacA, 30),
           Frame(kBroadcast, kMacA, 30)});
  EXPECT_EQ(h_->counters->tenants[1].moved, 3u);
  for (uint16_t p = 0; p < 5; ++p) Free(Out(p));
}

// A frame shared with someone else (refcount 2) cannot take a pushed tag:
// dropped by reason, and the TX buffer counts only what it holds (the
// harness checks its byte count on every Out).
TEST_F(PipelineTest, TagPushOnASharedFrameIsDropped) {
  Send(3, {Frame(kBroadcast, kMacB, 100)});
  for (uint16_t p = 0; p < 5; ++p) Free(Out(p));
  rte_mbuf* shared = Frame(kMacB, kMacA);
  rte_mbuf_refcnt_update(shared, 1);
  Send(0, {Frame(kMacB, kMacA), shared, Frame(kMacB, kMacA)});
  auto p3 = Out(3);
  ASSERT_EQ(p3.size(), 2u);
  EXPECT_EQ(rte_pktmbuf_pkt_len(p3[0]), 68u);
  EXPECT_EQ(Drops(DropReason::VLAN_PUSH_FAILED), 1u);
  EXPECT_EQ(rte_mbuf_refcnt_read(shared), 1);  // our reference was dropped
  rte_pktmbuf_free(shared);
  Free(p3);
  for (uint16_t p = 0; p < 5; ++p) Free(Out(p));
}

// Unicast runs and flood copies into one port's buffer within a burst.
TEST_F(PipelineTest, TxBufferKeepsItsByteCountAcrossRunsAndFloods) {
  Send(3, {Frame(kBroadcast, kMacB, 100)});
  for (uint16_t p = 0; p < 5; ++p) Free(Out(p));
  std::vector<rte_mbuf*> burst;
  for (int i = 0; i < 30; ++i)
    burst.push_back(i % 3 == 2 ? Frame(kBroadcast, kMacA, -1, 100) : Frame(kMacB, kMacA, -1, 64 + i));
  Send(0, burst);
  auto p3 = Out(3);
  EXPECT_EQ(p3.size(), 30u);
  Free(p3);
  for (uint16_t p = 0; p < 5; ++p) Free(Out(p));
}

using ::testing::HasSubstr;

TEST_F(PipelineTest, TraceShowsUnicastWithItsTagEdit) {
  Send(0, {Frame(kBroadcast, kMacA)});
  for (uint16_t p = 0; p < 5; ++p) Free(Out(p));
  const std::string t = Trace(3, Frame(kMacA, kMacB, 100));
  EXPECT_THAT(t, HasSubstr("parse: 02:00:00:00:00:02 > 02:00:00:00:00:01, vlan 100"));
  EXPECT_THAT(t, HasSubstr("vlan: trunk port p3, vlan 100 -> tenant red"));
  EXPECT_THAT(t, HasSubstr("l2: source 02:00:00:00:00:02 unknown: would be learned on p3"));
  EXPECT_THAT(t, HasSubstr("l2: destination 02:00:00:00:00:01 on p0: unicast"));
  EXPECT_THAT(t, HasSubstr("egress: unicast to p0 (tag stripped)"));
  EXPECT_THAT(t, HasSubstr("tx: p0: 1 packet not sent (dry run)"));
  // A dry run learns nothing and leaves nothing behind.
  EXPECT_EQ(h_->macs->TenantCount(1), 1u);
  for (uint16_t p = 0; p < 5; ++p) EXPECT_TRUE(Out(p).empty()) << p;
}

TEST_F(PipelineTest, TraceShowsFloodWithEachPortsEdit) {
  const std::string t = Trace(0, Frame(kBroadcast, kMacA));
  EXPECT_THAT(t, HasSubstr("l2: destination ff:ff:ff:ff:ff:ff is a group address: flood"));
  EXPECT_THAT(t, HasSubstr("egress: flood to p1 (tag 30 pushed), p3 (tag 100 pushed)"));
  EXPECT_THAT(t, HasSubstr("tx: p1: 1 packet not sent (dry run)"));
  EXPECT_THAT(t, HasSubstr("tx: p3: 1 packet not sent (dry run)"));
  EXPECT_THAT(Trace(0, Frame(kMacC, kMacA)), HasSubstr("destination 02:00:00:00:00:03 unknown: flood"));
}

TEST_F(PipelineTest, TraceCommitLearns) {
  const std::string t = Trace(0, Frame(kBroadcast, kMacA), /*commit=*/true);
  EXPECT_THAT(t, HasSubstr("l2: source 02:00:00:00:00:01 learned on p0"));
  EXPECT_EQ(h_->macs->TenantCount(1), 1u);
  EXPECT_THAT(Trace(1, Frame(kBroadcast, kMacA, 30)), HasSubstr("moves from p0 to p1 (dry run: not)"));
  EXPECT_THAT(Trace(0, Frame(kBroadcast, kMacA)), HasSubstr("source 02:00:00:00:00:01 known on p0"));
  for (uint16_t p = 0; p < 5; ++p) Free(Out(p));
}

// Every drop reason a frame can reach, as the tracer explains it.
TEST_F(PipelineTest, TraceExplainsEachDrop) {
  rte_mbuf* runt = Frame(kBroadcast, kMacA);
  rte_pktmbuf_trim(runt, 54);
  EXPECT_THAT(Trace(0, runt), HasSubstr("parse: 10 bytes: malformed (runt)"));
  EXPECT_THAT(Trace(0, Frame(kBroadcast, 0x010000000000)), HasSubstr("egress: drop: src_mac_multicast"));
  EXPECT_THAT(Trace(0, Frame(kBroadcast, 0)), HasSubstr("egress: drop: src_mac_zero"));
  std::string t = Trace(2, Frame(kBroadcast, kMacA, 7));
  EXPECT_THAT(t, HasSubstr("vlan: access port p2: vlan 7 not carried"));
  EXPECT_THAT(t, HasSubstr("egress: drop: vlan_not_allowed"));
  EXPECT_THAT(Trace(3, Frame(kBroadcast, kMacA)), HasSubstr("egress: drop: untagged_on_trunk"));

  Send(0, {Frame(kBroadcast, kMacA)});
  for (uint16_t p = 0; p < 5; ++p) Free(Out(p));
  t = Trace(0, Frame(kMacA, kMacB));
  EXPECT_THAT(t, HasSubstr("is on the ingress port p0"));
  EXPECT_THAT(t, HasSubstr("egress: drop: same_port"));

  // A learned on p0, then p0 is moved to blue: red's entry is stale.
  ports_["p0"] = testing::AccessPort("p0", 0, "blue");
  Rebuild();
  t = Trace(3, Frame(kMacA, kMacB, 100));
  EXPECT_THAT(t, HasSubstr("which no longer carries tenant red"));
  EXPECT_THAT(t, HasSubstr("egress: drop: stale_mac"));

  // A tenant with one port floods to nobody.
  tenants_["green"] = testing::MakeTenant("green", 3);
  testing::AddPort(ports_, testing::AccessPort("p5", 5, "green"));
  Rebuild();
  EXPECT_THAT(Trace(5, Frame(kBroadcast, kMacA)), HasSubstr("egress: drop: flood_no_ports"));

  ports_.erase("p4");
  Rebuild();
  t = Trace(4, Frame(kBroadcast, kMacA));
  EXPECT_THAT(t, HasSubstr("parse: port not configured"));
  EXPECT_THAT(t, HasSubstr("egress: drop: port_not_configured"));

}

TEST_F(PipelineTest, TraceExplainsAFailedTagPush) {
  Send(3, {Frame(kBroadcast, kMacB, 100)});
  for (uint16_t p = 0; p < 5; ++p) Free(Out(p));
  rte_mbuf* shared = Frame(kMacB, kMacA);  // to B on the trunk: tag 100 pushed
  rte_mbuf_refcnt_update(shared, 1);
  EXPECT_THAT(Trace(0, shared), HasSubstr("egress: drop: vlan_push_failed"));
  EXPECT_EQ(rte_mbuf_refcnt_read(shared), 1);
  rte_pktmbuf_free(shared);
}

// Runs are what make the fast path cheap; a stage that reads past the
// shared header splits them: every packet keeps its run's decision.
TEST(Burst, SplitRunsKeepsEachPacketsRunFields) {
  Burst b;
  b.count = 5;
  b.runs = 2;
  b.run_start[0] = 0;
  b.run_start[1] = 3;
  b.run_start[2] = 5;
  static rte_mbuf fake[5];
  for (int i = 0; i < 5; ++i) {
    fake[i].pkt_len = 60 + i;
    b.pkts[i] = &fake[i];
  }
  b.tenant[0] = 1;
  b.tenant[1] = 2;
  b.dst[0] = kMacA;
  b.dst[1] = kMacB;
  b.Unicast(0, 7, 30);
  b.Drop(1, DropReason::SAME_PORT);
  b.SplitRuns();
  ASSERT_EQ(b.runs, 5);
  for (uint16_t p = 0; p < 5; ++p) {
    EXPECT_EQ(b.run_start[p], p);
    EXPECT_EQ(b.RunLength(p), 1);
    EXPECT_EQ(b.bytes[p], 60u + p);
    EXPECT_EQ(b.tenant[p], p < 3 ? 1 : 2);
    EXPECT_EQ(b.dst[p], p < 3 ? kMacA : kMacB);
    EXPECT_EQ(b.action[p].verdict, p < 3 ? Verdict::kUnicast : Verdict::kDrop);
  }
  EXPECT_EQ(b.action[2].out_port, 7);
  EXPECT_EQ(b.action[4].drop, DropReason::SAME_PORT);
}

}  // namespace
}  // namespace switchyard
