// Flow rules in the pipeline, with a real rte_acl: priorities, global
// before tenant, the default policy, redirect, mirror, tags, meters, IPv6
// extension headers and fragments, malformed IP headers, run batching, the
// classifier cache; and a randomized differential test: thousands of
// random rules and packets, the dataplane's verdict for each packet against
// the reference semantics (rules::Matches, highest priority wins).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>
#include <vector>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <rte_mbuf.h>

#include "core/pipeline.h"
#include "core/snapshot_builder.h"
#include "core/trace.h"
#include "eal_env.h"
#include "features/limits/limit_state.h"
#include "features/rules/rule_builder.h"
#include "switchyard/rule_syntax.h"
#include "testing/fixtures.h"

namespace switchyard {
namespace {

using ::testing::HasSubstr;

// A frame to write: Ethernet (optionally tagged), then IPv4, IPv6 or
// nothing, then a TCP/UDP header.
struct Pkt {
  uint64_t dst = 0x020000000002, src = 0x020000000001;
  int vlan = -1;
  uint16_t ethertype = rules::kEtherIpv4;
  std::array<uint8_t, 16> sip{}, dip{};
  uint8_t proto = rules::kProtoUdp;
  uint16_t sport = 1000, dport = 53;
  uint16_t frag = 0;        // IPv4 fragment offset, or IPv6 with a fragment header
  bool v6_hop = false;      // an IPv6 hop-by-hop header first
  bool v6_frag_hdr = false; // an IPv6 fragment header (offset `frag`)
  uint16_t truncate = 0;    // cut the frame to this many bytes
  // Not in any key: IPv4 identification, TTL / hop limit, payload bytes.
  uint16_t ip_id = 0;
  uint8_t ttl = 64;
  uint8_t payload = 0;
};

std::array<uint8_t, 16> V4(const char* a) {
  std::array<uint8_t, 16> out{};
  inet_pton(AF_INET, a, out.data());
  return out;
}
std::array<uint8_t, 16> V6(const char* a) {
  std::array<uint8_t, 16> out{};
  inet_pton(AF_INET6, a, out.data());
  return out;
}

void Write(rte_mbuf* m, const Pkt& k) {
  std::vector<uint8_t> f(12);
  for (int i = 0; i < 6; ++i) {
    f[i] = static_cast<uint8_t>(k.dst >> (8 * (5 - i)));
    f[6 + i] = static_cast<uint8_t>(k.src >> (8 * (5 - i)));
  }
  if (k.vlan >= 0) f.insert(f.end(), {0x81, 0x00, static_cast<uint8_t>(k.vlan >> 8), static_cast<uint8_t>(k.vlan)});
  f.push_back(static_cast<uint8_t>(k.ethertype >> 8));
  f.push_back(static_cast<uint8_t>(k.ethertype));
  std::vector<uint8_t> l4 = {static_cast<uint8_t>(k.sport >> 8), static_cast<uint8_t>(k.sport),
                             static_cast<uint8_t>(k.dport >> 8), static_cast<uint8_t>(k.dport),
                             0, static_cast<uint8_t>(8 + k.payload), 0, 0};
  l4.resize(l4.size() + k.payload, 0xa5);
  if (k.ethertype == rules::kEtherIpv4) {
    std::vector<uint8_t> ip(20, 0);
    ip[0] = 0x45;
    ip[3] = static_cast<uint8_t>(20 + l4.size());
    ip[4] = static_cast<uint8_t>(k.ip_id >> 8);
    ip[5] = static_cast<uint8_t>(k.ip_id);
    ip[6] = static_cast<uint8_t>(k.frag >> 8);
    ip[7] = static_cast<uint8_t>(k.frag);
    ip[8] = k.ttl;
    ip[9] = k.proto;
    std::copy(k.sip.begin(), k.sip.begin() + 4, ip.begin() + 12);
    std::copy(k.dip.begin(), k.dip.begin() + 4, ip.begin() + 16);
    f.insert(f.end(), ip.begin(), ip.end());
    f.insert(f.end(), l4.begin(), l4.end());
  } else if (k.ethertype == rules::kEtherIpv6) {
    std::vector<uint8_t> ip(40, 0);
    ip[0] = 0x60;
    ip[5] = static_cast<uint8_t>(l4.size());
    ip[7] = k.ttl;
    std::copy(k.sip.begin(), k.sip.end(), ip.begin() + 8);
    std::copy(k.dip.begin(), k.dip.end(), ip.begin() + 24);
    std::vector<uint8_t> ext;
    uint8_t* next = &ip[6];
    if (k.v6_hop) {
      *next = 0;
      ext.insert(ext.end(), {0, 0, 1, 4, 0, 0, 0, 0});
    }
    if (k.v6_frag_hdr) {
      const size_t at = ext.size();
      if (k.v6_hop) ext[0] = 44; else *next = 44;
      ext.insert(ext.end(), {0, 0, static_cast<uint8_t>(k.frag >> 5), static_cast<uint8_t>((k.frag & 0x1f) << 3), 0, 0, 0, 1});
      ext[at] = k.proto;
    } else if (k.v6_hop) {
      ext[0] = k.proto;
    } else {
      *next = k.proto;
    }
    f.insert(f.end(), ip.begin(), ip.end());
    f.insert(f.end(), ext.begin(), ext.end());
    f.insert(f.end(), l4.begin(), l4.end());
  }
  if (f.size() < 60) f.resize(60, 0);
  if (k.truncate != 0) f.resize(k.truncate);
  rte_pktmbuf_reset(m);
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(f.size())));
  ASSERT_NE(p, nullptr);
  std::copy(f.begin(), f.end(), p);
}

v1::Rule MakeRule(const std::string& name, const std::string& tenant, uint32_t priority,
                  const std::string& match, const std::string& actions) {
  v1::Rule r;
  r.set_name(name);
  if (tenant.empty()) r.set_global(true); else r.set_tenant(tenant);
  r.set_priority(priority);
  EXPECT_EQ(rules::ParseMatchExpr(match, r.mutable_match()), std::nullopt) << match;
  EXPECT_EQ(rules::ParseActionsExpr(actions, r.mutable_actions()), std::nullopt) << actions;
  return r;
}

// Ports: 0, 1, 2 red access; 3 blue access; 4 trunk (10 red, 20 blue);
// 5 blue access.
class RulesTest : public ::testing::Test {
 protected:
  static rte_mempool* pool() {
    static rte_mempool* p =
        rte_pktmbuf_pool_create("rules_pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    return p;
  }
  void SetUp() override {
    ASSERT_NE(pool(), nullptr);
    h_ = std::make_unique<testing::WorkerHarness>(pool());
    tenants_ = {{"red", testing::MakeTenant("red", 1)}, {"blue", testing::MakeTenant("blue", 2)}};
    for (uint16_t p : {0, 1, 2}) testing::AddPort(ports_, testing::AccessPort("p" + std::to_string(p), p, "red"));
    testing::AddPort(ports_, testing::AccessPort("p3", 3, "blue"));
    testing::AddPort(ports_, testing::TrunkPort("p4", 4, {{10, "red"}, {20, "blue"}}));
    testing::AddPort(ports_, testing::AccessPort("p5", 5, "blue"));
    in_.rules = &rules_;
    in_.slots = &slots_;
    in_.cache = &cache_;
  }
  void TearDown() override { h_.reset(); }
  void Add(const v1::Rule& r) {
    rules_[r.name()] = r;
    if (!slots_.count(r.name())) slots_[r.name()] = static_cast<uint32_t>(slots_.size());
  }
  void Rebuild() {
    std::vector<std::string> problems;
    limits_in_.tsc_hz = rte_get_tsc_hz();
    limits_in_.states = &states_;
    snap_ = BuildSnapshot(1, tenants_, ports_, 1, &problems, nullptr, &limits_in_, &in_);
    EXPECT_TRUE(problems.empty()) << problems.front();
  }
  // Sends the frames from `port` as one burst (at most 32).
  void Send(uint16_t port, const std::vector<Pkt>& pkts) {
    std::vector<rte_mbuf*> m;
    for (const Pkt& k : pkts) {
      m.push_back(rte_pktmbuf_alloc(pool()));
      Write(m.back(), k);
    }
    ProcessBurst(h_->ctx, *snap_, port, m.data(), static_cast<uint16_t>(m.size()), 1000);
  }
  std::vector<rte_mbuf*> Out(uint16_t port) { return h_->TakeTx(port); }
  size_t OutCount(uint16_t port) {
    auto v = Out(port);
    rte_pktmbuf_free_bulk(v.data(), static_cast<unsigned>(v.size()));
    return v.size();
  }
  uint64_t Drops(DropReason r) const { return h_->counters->drops[static_cast<size_t>(r)]; }
  uint64_t Hits(const std::string& rule) const { return h_->counters->rules[slots_.at(rule)].packets; }
  std::string Trace(uint16_t port, const Pkt& k) {
    TraceLog log;
    log.commit = false;
    rte_mbuf* m = rte_pktmbuf_alloc(pool());
    Write(m, k);
    TraceBurst(h_->ctx, *snap_, port, &m, 1, 1000, &log);
    h_->FreeTx();
    std::string all;
    for (const auto& s : log.steps) all += s.stage + ": " + s.verdict + "\n";
    return all;
  }
  // Learns `mac` on `port` (red's port 0..2 or blue's 3, 5).
  void Learn(uint16_t port, uint64_t mac) {
    Pkt k;
    k.src = mac;
    k.dst = 0xffffffffffff;
    k.ethertype = 0x88b5;  // no rule below matches it
    Send(port, {k});
    h_->FreeTx();
  }

  std::unique_ptr<testing::WorkerHarness> h_;
  TenantMap tenants_;
  PortMap ports_;
  std::map<std::string, v1::Rule> rules_;
  std::map<std::string, uint32_t> slots_;
  RuleCache cache_;
  RuleInputs in_;
  LimitStates states_;
  LimitInputs limits_in_;
  std::unique_ptr<Snapshot> snap_;
};

TEST_F(RulesTest, NoRulesNoStage) {
  Rebuild();
  EXPECT_FALSE(snap_->rules.any);
  tenants_["blue"].set_default_policy(v1::RULE_POLICY_DENY);
  Rebuild();
  EXPECT_TRUE(snap_->rules.any);
  EXPECT_FALSE(snap_->rules.Uses(1)) << "red has no rules: not subject to the stage";
  EXPECT_TRUE(snap_->rules.Uses(2));
}

TEST_F(RulesTest, TheHighestPriorityMatchDecides) {
  Add(MakeRule("no-udp", "red", 10, "ip_proto=udp", "drop"));
  Add(MakeRule("dns", "red", 20, "ip_proto=udp,dst_port=53", "allow"));
  Rebuild();
  Learn(1, 0x020000000002);
  Pkt dns, other;
  other.dport = 54;
  Send(0, {dns, other, dns});
  EXPECT_EQ(OutCount(1), 2u);
  EXPECT_EQ(Drops(DropReason::RULE_DROP), 1u);
  EXPECT_EQ(Hits("dns"), 2u);
  EXPECT_EQ(Hits("no-udp"), 1u);
  EXPECT_EQ(h_->counters->rules[slots_["dns"]].bytes, 120u);
  // Blue has no rules: the same frames pass.
  Learn(5, 0x020000000002);
  Send(3, {other});
  EXPECT_EQ(OutCount(5), 1u);
}

// The flow cache holds a decision for the rules it was taken under only: a
// rule change (a new snapshot) decides the same flow again.
TEST_F(RulesTest, TheFlowCacheForgetsWhenTheRulesChange) {
  Add(MakeRule("dns", "red", 20, "ip_proto=udp,dst_port=53", "allow"));
  Rebuild();
  Learn(1, 0x020000000002);
  Pkt dns;
  const uint32_t bursts = RuleFlowCache::kInsertEvery + 2;  // some misses are not cached
  for (uint32_t i = 0; i < bursts; ++i) Send(0, {dns});
  EXPECT_EQ(OutCount(1), bursts);
  EXPECT_GE(h_->rule_flows->hits, 1u) << "the flow was cached";
  // Each snapshot stays alive (as one a worker still reads would), so a
  // stale decision would still point at its rule.
  std::vector<std::unique_ptr<Snapshot>> old;
  Add(MakeRule("dns", "red", 20, "ip_proto=udp,dst_port=53", "drop"));
  old.push_back(std::move(snap_));
  Rebuild();
  Send(0, {dns});
  EXPECT_EQ(OutCount(1), 0u) << "decided by the old rule set";
  EXPECT_EQ(Drops(DropReason::RULE_DROP), 1u);
  // A policy change alone, too.
  rules_.clear();
  tenants_["red"].set_default_policy(v1::RULE_POLICY_DENY);
  old.push_back(std::move(snap_));
  Rebuild();
  Send(0, {dns});
  EXPECT_EQ(Drops(DropReason::RULE_DEFAULT_DENY), 1u);
  tenants_["red"].set_default_policy(v1::RULE_POLICY_ALLOW);
  old.push_back(std::move(snap_));
  Rebuild();
  Send(0, {dns});
  EXPECT_EQ(OutCount(1), 1u);
}

// A scope whose rules cannot be compiled (here: over its memory cap) does
// not run unfiltered: its frames drop as rule_unavailable, other tenants
// forward, and the next build that fits applies the rules.
TEST_F(RulesTest, AScopeThatCannotBeCompiledFailsClosed) {
  for (int i = 0; i < 200; ++i)
    Add(MakeRule("r" + std::to_string(i), "red", static_cast<uint32_t>(i),
                 fmt::format("ip_proto=udp,src_ip=10.{}.{}.0/24,dst_port={}-{}", i / 16, i % 16, i, i + 3),
                 "allow"));
  in_.max_scope_bytes = 4096;
  std::vector<std::string> problems;
  snap_ = BuildSnapshot(1, tenants_, ports_, 1, &problems, nullptr, &limits_in_, &in_);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("rules of red: not compiled, its frames drop (rule_unavailable)"));
  Learn(1, 0x020000000002);
  Learn(5, 0x020000000002);
  Pkt k;
  Send(0, {k, k});
  EXPECT_EQ(OutCount(1), 0u);
  EXPECT_EQ(Drops(DropReason::RULE_UNAVAILABLE), 3u) << "the learning frame and both packets";
  EXPECT_THAT(Trace(0, k), HasSubstr("drop: rule_unavailable"));
  Send(3, {k});
  EXPECT_EQ(OutCount(5), 1u) << "blue has no rules of its own";
  in_.max_scope_bytes = 0;
  Rebuild();
  Learn(1, 0x020000000002);
  Send(0, {k});
  EXPECT_EQ(OutCount(1), 1u);
}

TEST_F(RulesTest, GlobalRulesComeFirstThenTheTenantsThenItsPolicy) {
  Add(MakeRule("g", "", 1, "ip_proto=udp,dst_port=99", "drop"));
  Add(MakeRule("t", "red", 60000, "ip_proto=udp", "allow"));
  tenants_["red"].set_default_policy(v1::RULE_POLICY_DENY);
  Rebuild();
  Learn(1, 0x020000000002);  // denied: red learns nothing, and floods
  const uint64_t denied = Drops(DropReason::RULE_DEFAULT_DENY);
  Pkt g, t, arp;
  g.dport = 99;
  arp.ethertype = rules::kEtherArp;
  Send(0, {g, t, arp});
  EXPECT_EQ(Drops(DropReason::RULE_DROP), 1u) << "the global rule wins at a lower priority";
  EXPECT_EQ(Drops(DropReason::RULE_DEFAULT_DENY), denied + 1) << "ARP matches no rule: red denies";
  EXPECT_EQ(OutCount(1), 1u);
  EXPECT_THAT(Trace(0, arp), HasSubstr("no rule matched: default policy deny"));
  EXPECT_THAT(Trace(0, g), HasSubstr("global rule g (priority 1): drop"));
  EXPECT_THAT(Trace(0, t), HasSubstr("tenant rule t (priority 60000): allow"));
}

TEST_F(RulesTest, RedirectGoesToThePortWithItsTagAndStaysInTheTenant) {
  Add(MakeRule("to-trunk", "red", 5, "ip_proto=tcp", "redirect:p4"));
  Add(MakeRule("to-blue", "", 5, "ip_proto=udp,dst_port=7", "redirect:p3"));
  Add(MakeRule("tagged", "red", 5, "ip_proto=udp,dst_port=8", "redirect:p4,set_vlan:99"));
  Rebuild();
  Pkt tcp;
  tcp.proto = rules::kProtoTcp;
  Send(0, {tcp});
  auto out = Out(4);
  ASSERT_EQ(out.size(), 1u);
  const auto* d = rte_pktmbuf_mtod(out[0], const uint8_t*);
  EXPECT_EQ(d[12], 0x81);
  EXPECT_EQ(d[15], 10) << "red's tag on the trunk";
  rte_pktmbuf_free_bulk(out.data(), 1);
  Pkt to_blue, tagged;
  to_blue.dport = 7;
  tagged.dport = 8;
  Send(0, {to_blue, tagged});
  EXPECT_EQ(OutCount(3), 0u);
  EXPECT_EQ(Drops(DropReason::RULE_TARGET_NOT_MEMBER), 1u);
  out = Out(4);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(rte_pktmbuf_mtod(out[0], const uint8_t*)[15], 99) << "set_vlan overrides the port's tag";
  rte_pktmbuf_free_bulk(out.data(), 1);
  // A redirected frame is not learned from.
  Pkt from_new;
  from_new.proto = rules::kProtoTcp;
  from_new.src = 0x02000000abcd;
  Send(0, {from_new});
  h_->FreeTx();
  EXPECT_EQ(h_->macs->TenantCount(1), 0u);
}

TEST_F(RulesTest, AMirrorCopyLeavesBeforeAnyEditAndTheOriginalGoesOn) {
  Add(MakeRule("m", "red", 5, "ip_proto=udp", "allow,mirror:p4,strip_vlan"));
  Add(MakeRule("m-drop", "red", 6, "ip_proto=udp,dst_port=9", "drop,mirror:p2"));
  Rebuild();
  Learn(1, 0x020000000002);
  Pkt k;
  k.vlan = 10;  // arrives on the trunk, tagged 10 (red)
  Send(4, {k});
  auto orig = Out(1), copy = Out(4);
  ASSERT_EQ(orig.size(), 1u);
  ASSERT_EQ(copy.size(), 1u);
  EXPECT_NE(rte_pktmbuf_mtod(orig[0], const uint8_t*)[12], 0x81) << "the original: untagged on p1";
  EXPECT_EQ(rte_pktmbuf_mtod(copy[0], const uint8_t*)[15], 10) << "the copy: p4's tag for red";
  rte_pktmbuf_free_bulk(orig.data(), 1);
  rte_pktmbuf_free_bulk(copy.data(), 1);
  Pkt d;
  d.dport = 9;
  Send(0, {d, d});
  EXPECT_EQ(OutCount(2), 2u) << "a dropped frame is still mirrored";
  EXPECT_EQ(OutCount(1), 0u);
  EXPECT_EQ(Drops(DropReason::RULE_DROP), 2u);
}

TEST_F(RulesTest, AMeterPolicesWhatTheRuleMatches) {
  v1::Limit m;
  m.set_name("meter/slow");
  m.set_meter("slow");
  m.set_pps(1000);
  m.set_burst_packets(5);
  limits_in_.limits["meter/slow"] = m;
  limits_in_.slots["meter/slow"] = 0;
  states_.Reset(0, ScaledNow(rte_rdtsc()));
  Add(MakeRule("police", "red", 5, "ip_proto=udp", "allow,meter:slow"));
  Rebuild();
  Learn(1, 0x020000000002);
  Send(0, std::vector<Pkt>(20));
  EXPECT_EQ(OutCount(1), 5u);
  EXPECT_EQ(Drops(DropReason::LIMIT_METER), 15u);
  EXPECT_EQ(Hits("police"), 20u);
}

TEST_F(RulesTest, IPv6ExtensionHeadersAndFragments) {
  Add(MakeRule("v6-dns", "red", 5, "src_ip=fd00::/64,ip_proto=udp,dst_port=53", "drop"));
  Add(MakeRule("v4-frag", "red", 5, "ip_proto=udp,dst_port=0-65535,src_ip=10.0.0.0/8", "drop"));
  Rebuild();
  Pkt a;
  a.ethertype = rules::kEtherIpv6;
  a.sip = V6("fd00::1");
  Pkt hop = a, first = a, later = a, other = a;
  hop.v6_hop = true;
  first.v6_frag_hdr = true;
  later.v6_frag_hdr = true;
  later.frag = 100;
  other.sip = V6("fd01::1");
  Pkt v4;
  v4.sip = V4("10.1.2.3");
  Pkt v4_later = v4;
  v4_later.frag = 10;
  Send(0, {a, hop, first, later, other, v4, v4_later});
  h_->FreeTx();
  EXPECT_EQ(Hits("v6-dns"), 3u) << "plain, after hop-by-hop, first fragment";
  EXPECT_EQ(Hits("v4-frag"), 1u) << "a later fragment has no ports";
  EXPECT_EQ(Drops(DropReason::RULE_DROP), 4u);
}

TEST_F(RulesTest, AnIpHeaderTheRulesCannotReadIsDropped) {
  Add(MakeRule("any", "red", 5, "", "allow"));
  Rebuild();
  Pkt cut;
  cut.truncate = 20;  // an IPv4 EtherType and 6 bytes of header
  Send(0, {cut});
  h_->FreeTx();
  EXPECT_EQ(Drops(DropReason::L3_MALFORMED), 1u);
  EXPECT_EQ(Hits("any"), 0u);
}

TEST_F(RulesTest, ARunOfOneFlowStaysOneRunAndAMixedRunIsSplit) {
  Add(MakeRule("odd", "red", 5, "ip_proto=udp,dst_port=1", "drop"));
  Rebuild();
  Learn(1, 0x020000000002);
  std::vector<Pkt> same(32), mixed(32);
  for (size_t i = 0; i < mixed.size(); ++i) mixed[i].dport = static_cast<uint16_t>(i % 2);
  Send(0, same);
  EXPECT_EQ(OutCount(1), 32u);
  Send(0, mixed);
  EXPECT_EQ(OutCount(1), 16u);
  EXPECT_EQ(Hits("odd"), 16u);
}

// Packets of different allow rules (and of the default allow) keep their
// run whole; each still counts on its own rule.
TEST_F(RulesTest, AllowRulesCountEachPacketOfAWholeRun) {
  Add(MakeRule("one", "red", 5, "ip_proto=udp,dst_port=1", "allow"));
  Add(MakeRule("two", "red", 6, "ip_proto=udp,dst_port=2", "allow"));
  Add(MakeRule("tagged", "red", 7, "ip_proto=udp,dst_port=3", "allow,set_vlan:7"));
  Rebuild();
  Learn(1, 0x020000000002);
  std::vector<Pkt> mixed(30);
  for (size_t i = 0; i < mixed.size(); ++i) {
    mixed[i].dport = static_cast<uint16_t>(i % 3);
    mixed[i].payload = static_cast<uint8_t>(i);
  }
  Send(0, mixed);
  EXPECT_EQ(OutCount(1), 30u);
  EXPECT_EQ(Hits("one"), 10u);
  EXPECT_EQ(Hits("two"), 10u);
  uint64_t bytes = 0;
  for (size_t i = 2; i < mixed.size(); i += 3) bytes += std::max<size_t>(60, 14 + 20 + 8 + i);
  EXPECT_EQ(h_->counters->rules[slots_["two"]].bytes, bytes);
  // One packet whose rule edits the tag: the run splits, the others pass.
  mixed[0].dport = 3;
  Send(0, mixed);
  auto out = Out(1);
  ASSERT_EQ(out.size(), 30u);
  size_t tagged = 0;
  for (rte_mbuf* m : out) tagged += rte_pktmbuf_mtod(m, const uint8_t*)[12] == 0x81;
  rte_pktmbuf_free_bulk(out.data(), static_cast<unsigned>(out.size()));
  EXPECT_EQ(tagged, 1u);
  EXPECT_EQ(Hits("tagged"), 1u);
  EXPECT_EQ(Hits("one"), 20u);
}

TEST_F(RulesTest, AScopeIsCompiledOnlyWhenItsMatchesChange) {
  Add(MakeRule("r1", "red", 5, "ip_proto=udp", "drop"));
  Add(MakeRule("b1", "blue", 5, "ip_proto=udp", "drop"));
  Rebuild();
  EXPECT_EQ(cache_.compiles, 2u);
  Rebuild();
  EXPECT_EQ(cache_.compiles, 2u) << "nothing changed";
  Add(MakeRule("r1", "red", 5, "ip_proto=udp", "allow"));  // an action only
  Rebuild();
  EXPECT_EQ(cache_.compiles, 2u);
  Add(MakeRule("r2", "red", 6, "ip_proto=tcp", "drop"));
  Rebuild();
  EXPECT_EQ(cache_.compiles, 3u) << "red again, not blue";
}

// The differential test: random rules in three scopes (global, red, blue
// with a deny policy) over a small universe of values, so that rules
// overlap often; random packets from the same universe; each packet's
// verdict (the rule whose counter moved, or the default) against the
// reference: global first, then the tenant, highest priority wins.
TEST_F(RulesTest, RandomRulesAgreeWithTheReference) {
  std::mt19937 rng(12345);
  auto pick = [&](auto... v) {
    const std::array<std::common_type_t<decltype(v)...>, sizeof...(v)> a{v...};
    return a[rng() % a.size()];
  };
  // 0.0.0.0/0 and ::/0 hold for every address, also the zeros a non-IP
  // frame has in its key: they must still not match a non-IP frame.
  const std::array<const char*, 5> v4nets = {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "0.0.0.0/0"};
  const std::array<const char*, 4> v6nets = {"fd00::/16", "fd00:1::/32", "fd00:1::5/128", "::/0"};
  tenants_["blue"].set_default_policy(v1::RULE_POLICY_DENY);
  std::map<std::string, std::vector<uint32_t>> prios;  // unique priorities per scope
  const int kRules = 3000;
  for (int i = 0; i < kRules; ++i) {
    const std::string scope = pick(std::string(""), std::string("red"), std::string("blue"));
    std::vector<std::string> m;
    if (rng() % 6 == 0) m.push_back(pick(std::string("in_port=p0"), std::string("in_port=p4"), std::string("in_port=p3")));
    // Every rule names a source (masked or not); packets from ..:05 match none.
    m.push_back(pick(std::string("src_mac=02:00:00:00:00:01"), std::string("src_mac=02:00:00:00:00:00/ff:ff:ff:ff:ff:fe"), std::string("src_mac=02:00:00:00:00:03")));
    if (rng() % 5 == 0) m.push_back("dst_mac=02:00:00:00:00:02");
    if (rng() % 6 == 0) m.push_back(pick(std::string("vlan=0"), std::string("vlan=10"), std::string("vlan=20")));
    const int fam = static_cast<int>(rng() % 4);  // any, v4, v6, arp
    if (fam == 1 && rng() % 2) m.push_back(std::string("src_ip=") + v4nets[rng() % v4nets.size()]);
    if (fam == 1 && rng() % 2) m.push_back(std::string("dst_ip=") + v4nets[rng() % v4nets.size()]);
    if (fam == 1 && m.size() < 2) m.push_back("ethertype=ipv4");
    if (fam == 2) m.push_back(std::string("src_ip=") + v6nets[rng() % v6nets.size()]);
    if (fam == 3) m.push_back("ethertype=arp");
    if (fam != 3 && rng() % 2) {
      const std::string proto = pick(std::string("tcp"), std::string("udp"), std::string("icmp"));
      m.push_back("ip_proto=" + proto);
      if (proto != "icmp" && rng() % 2) {
        const unsigned lo = rng() % 8;
        m.push_back("dst_port=" + std::to_string(lo) + "-" + std::to_string(lo + rng() % 4));
      }
      if (proto != "icmp" && rng() % 4 == 0) m.push_back("src_port=" + std::to_string(rng() % 4));
    }
    for (const char* extra : {"dst_mac=02:00:00:00:00:04", "vlan=20"}) {
      const std::string key = std::string(extra).substr(0, std::string(extra).find('='));
      const bool has = std::any_of(m.begin(), m.end(), [&](const std::string& p) { return p.rfind(key + "=", 0) == 0; });
      if (m.size() < 3 && !has && rng() % 2) m.push_back(extra);
    }
    std::string expr;
    for (const auto& part : m) expr += (expr.empty() ? "" : ",") + part;
    uint32_t prio;
    do prio = rng() % 60000; while (std::find(prios[scope].begin(), prios[scope].end(), prio) != prios[scope].end());
    prios[scope].push_back(prio);
    const std::string action = pick(std::string("allow"), std::string("drop"));
    v1::Rule r = MakeRule("r" + std::to_string(i), scope, prio, expr, action);
    if (scope == "blue" && expr.find("in_port=p0") != std::string::npos) continue;  // not blue's port
    if (scope == "red" && expr.find("in_port=p3") != std::string::npos) continue;
    Add(r);
  }
  Rebuild();
  std::vector<std::pair<rules::Match, const v1::Rule*>> parsed;
  for (const auto& [name, r] : rules_) {
    rules::Match mm;
    ASSERT_EQ(rules::ParseMatch(r.match(), &mm), std::nullopt);
    parsed.emplace_back(mm, &r);
  }
  auto reference = [&](const rules::Frame& f, const std::string& tenant) -> const v1::Rule* {
    for (const std::string& scope : {std::string(""), tenant}) {
      const v1::Rule* best = nullptr;
      for (const auto& [mm, r] : parsed) {
        if ((scope.empty() ? !r->global() : r->global() || r->tenant() != scope)) continue;
        if (rules::Matches(mm, f) && (best == nullptr || r->priority() > best->priority())) best = r;
      }
      if (best != nullptr) return best;
    }
    return nullptr;
  };
  // A random packet from a random ingress: p0 (red, untagged), p3
  // (blue), p4 tagged 10 (red) or 20 (blue).
  struct Case {
    uint16_t port;
    std::string tenant;
    Pkt k;
    rules::Frame f;
  };
  auto frame_of = [](const Case& c) {
    rules::Frame f;
    f.in_port = "p" + std::to_string(c.port);
    f.src_mac = c.k.src;
    f.dst_mac = c.k.dst;
    f.vlan = static_cast<uint16_t>(c.k.vlan < 0 ? 0 : c.k.vlan);
    f.ethertype = c.k.ethertype;
    f.family = c.k.ethertype == rules::kEtherIpv4   ? rules::kIpv4
               : c.k.ethertype == rules::kEtherIpv6 ? rules::kIpv6
                                                    : rules::kOther;
    if (f.family != rules::kOther) {
      f.src_ip = c.k.sip;
      f.dst_ip = c.k.dip;
      f.ip_proto = c.k.proto;
      f.has_ports = c.k.proto != rules::kProtoIcmp && c.k.frag == 0;
      f.src_port = c.k.sport;
      f.dst_port = c.k.dport;
    }
    return f;
  };
  auto random_case = [&](int where) {
    Case c;
    c.port = where == 0 ? 0 : where == 1 ? 3 : 4;
    c.tenant = (where == 1 || where == 3) ? "blue" : "red";
    Pkt& k = c.k;
    k.vlan = where == 2 ? 10 : where == 3 ? 20 : -1;
    k.src = pick(0x020000000001ULL, 0x020000000000ULL, 0x020000000003ULL, 0x020000000005ULL);
    k.dst = pick(0x020000000002ULL, 0x020000000004ULL);
    const int fam = static_cast<int>(rng() % 3);
    if (fam == 0) {
      k.ethertype = rules::kEtherIpv4;
      k.sip = V4(pick("10.1.2.3", "10.1.9.9", "10.2.0.1", "192.168.0.1"));
      k.dip = V4(pick("10.1.2.3", "10.0.0.1", "172.16.0.1"));
    } else if (fam == 1) {
      k.ethertype = rules::kEtherIpv6;
      k.sip = V6(pick("fd00:1::5", "fd00:1::6", "fd00:2::1", "fe80::1"));
      k.dip = V6("fd00::9");
    } else {
      k.ethertype = pick(rules::kEtherArp, uint16_t{0x88cc});
    }
    if (fam < 2) {
      k.proto = pick(rules::kProtoTcp, rules::kProtoUdp, rules::kProtoIcmp);
      k.sport = static_cast<uint16_t>(rng() % 5);
      k.dport = static_cast<uint16_t>(rng() % 12);
      if (fam == 0 && rng() % 8 == 0) k.frag = 20;  // a later fragment: no ports
    }
    c.f = frame_of(c);
    return c;
  };
  std::map<std::string, uint64_t> before;
  auto counted = [&] {
    for (const auto& [name, slot] : slots_) before[name] = h_->counters->rules[slot].packets;
  };
  int checked = 0, defaults = 0;
  // One packet per burst: each packet's verdict. Packets repeat (a small
  // universe), so most are answered by the flow cache.
  for (int i = 0; i < 4000; ++i) {
    const Case c = random_case(static_cast<int>(rng() % 4));
    const v1::Rule* want = reference(c.f, c.tenant);
    const uint64_t deny = Drops(DropReason::RULE_DEFAULT_DENY);
    counted();
    Send(c.port, {c.k});
    h_->FreeTx();
    std::string got = "(none)";
    for (const auto& [name, slot] : slots_)
      if (h_->counters->rules[slot].packets != before[name]) got = name;
    const bool denied = Drops(DropReason::RULE_DEFAULT_DENY) != deny;
    if (want == nullptr) {
      ++defaults;
      ASSERT_EQ(got, "(none)") << "packet " << i;
      ASSERT_EQ(denied, c.tenant == "blue") << "packet " << i;
    } else {
      ASSERT_EQ(got, want->name()) << "packet " << i << " in " << c.f.in_port << " tenant " << c.tenant
                                   << ": the reference takes " << want->name() << " ("
                                   << rules::FormatMatch(want->match()) << ")";
    }
    ++checked;
  }
  EXPECT_EQ(checked, 4000);
  EXPECT_GT(defaults, 50) << "the universe should leave some packets unmatched";
  EXPECT_LT(defaults, 3500) << "and match most";
  // Bursts of 16 from one ingress, where a packet is often the one before
  // it with bytes no key holds changed (identification, TTL, length: the
  // same key, decided without one), or with one key field changed (a key
  // of its own): every rule's packet count and the default-deny drops of
  // each burst against the reference's.
  for (int burst = 0; burst < 400; ++burst) {
    const int where = static_cast<int>(rng() % 4);
    std::vector<Case> cases{random_case(where)};
    while (cases.size() < 16) {
      Case c = cases.back();
      switch (rng() % 6) {
        case 0: case 1: case 2:
          c.k.ip_id = static_cast<uint16_t>(rng());
          c.k.ttl = static_cast<uint8_t>(1 + rng() % 255);
          c.k.payload = static_cast<uint8_t>(rng() % 40);
          break;
        case 3: c.k.dport = static_cast<uint16_t>(rng() % 12); break;
        case 4: c.k.src = pick(0x020000000001ULL, 0x020000000003ULL, 0x020000000005ULL); break;
        default: c = random_case(where); break;
      }
      c.f = frame_of(c);
      cases.push_back(c);
    }
    std::map<std::string, uint64_t> want;
    uint64_t want_denied = 0;
    std::vector<Pkt> pkts;
    for (const Case& c : cases) {
      if (const v1::Rule* r = reference(c.f, c.tenant)) ++want[r->name()];
      else if (c.tenant == "blue") ++want_denied;
      pkts.push_back(c.k);
    }
    const uint64_t deny = Drops(DropReason::RULE_DEFAULT_DENY);
    counted();
    Send(cases[0].port, pkts);
    h_->FreeTx();
    std::map<std::string, uint64_t> got;
    for (const auto& [name, slot] : slots_)
      if (const uint64_t d = h_->counters->rules[slot].packets - before[name]) got[name] = d;
    ASSERT_EQ(got, want) << "burst " << burst;
    ASSERT_EQ(Drops(DropReason::RULE_DEFAULT_DENY) - deny, want_denied) << "burst " << burst;
  }
  EXPECT_GT(h_->rule_flows->hits, 300u) << "the flow cache answered";
}

}  // namespace
}  // namespace switchyard
