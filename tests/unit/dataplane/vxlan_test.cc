// VXLAN: the outer-header checks (each drop reason), the encapsulation
// template, the flow hash, and the pipeline with a VTEP uplink: decap,
// learning behind a remote VTEP, encap, head-end replication, split
// horizon, the kernel path, isolation by VNI. Frames are built and read
// here byte by byte, independently of the code under test.

#include <arpa/inet.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "core/burst.h"
#include "core/pipeline.h"
#include "core/snapshot_builder.h"
#include "core/trace.h"
#include "eal_env.h"
#include "features/l2/mac_table.h"
#include "features/vxlan/vxlan_builder.h"
#include "features/vxlan/vxlan_headers.h"
#include "testing/fixtures.h"

namespace switchyard {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kMacA = 0x020000000001;  // local, red
constexpr uint64_t kMacB = 0x020000000002;  // remote, red, behind .2
constexpr uint64_t kMacC = 0x020000000003;  // remote, red, behind .3
constexpr uint64_t kBroadcast = 0xffffffffffff;
constexpr uint8_t kUplinkMac[6] = {0x02, 0x55, 0, 0, 0, 0x01};
constexpr uint8_t kNextHopMac[6] = {0x02, 0x66, 0, 0, 0, 0x02};

uint32_t Ip(const char* s) {
  in_addr a{};
  inet_pton(AF_INET, s, &a);
  return a.s_addr;
}

void PutMac(uint8_t* p, uint64_t mac) {
  for (int i = 0; i < 6; ++i) p[i] = static_cast<uint8_t>(mac >> (8 * (5 - i)));
}

// An untagged IPv4/UDP inner frame of `len` bytes (ports vary the flow).
std::vector<uint8_t> Inner(uint64_t dst, uint64_t src, uint16_t len = 64, uint16_t sport = 1000,
                           int vlan = -1) {
  std::vector<uint8_t> f(std::max<uint16_t>(len, 64), 0xab);
  PutMac(f.data(), dst);
  PutMac(f.data() + 6, src);
  size_t off = 12;
  if (vlan >= 0) {
    f[12] = 0x81; f[13] = 0; f[14] = 0; f[15] = static_cast<uint8_t>(vlan);
    off = 16;
  }
  f[off] = 0x08; f[off + 1] = 0x00;
  uint8_t* ip = f.data() + off + 2;
  std::memset(ip, 0, 20);
  ip[0] = 0x45; ip[6] = 0x40; ip[8] = 64; ip[9] = 17;
  ip[12] = 10; ip[13] = 0; ip[14] = 0; ip[15] = 1;
  ip[16] = 10; ip[17] = 0; ip[18] = 0; ip[19] = 2;
  ip[20] = static_cast<uint8_t>(sport >> 8); ip[21] = static_cast<uint8_t>(sport);
  ip[22] = 0; ip[23] = 53;
  f.resize(len);  // a runt keeps only its first bytes
  return f;
}

struct Outer {
  const char* src = "192.0.2.2";
  const char* dst = "192.0.2.1";
  uint32_t vni = 5001;
  uint8_t flags = 0x08;
  uint8_t ihl = 5;
  uint16_t frag = 0x4000;  // DF
  uint16_t dport = 4789;
  int tot_len_delta = 0;
  int udp_len_delta = 0;
  bool bad_checksum = false;
  uint16_t pad = 0;  // bytes after the IP packet (Ethernet padding)
};

// The frame a VTEP at o.src sends for `inner`, checksum computed here.
std::vector<uint8_t> Vxlan(const std::vector<uint8_t>& inner, const Outer& o = {}) {
  const uint32_t opt = (o.ihl - 5u) * 4u;
  std::vector<uint8_t> f(50 + opt + inner.size() + o.pad, 0);
  PutMac(f.data(), 0x025500000001);
  PutMac(f.data() + 6, 0x026600000002);
  f[12] = 0x08;
  uint8_t* ip = f.data() + 14;
  ip[0] = static_cast<uint8_t>(0x40 | o.ihl);
  const uint16_t tot = static_cast<uint16_t>(20 + opt + 16 + inner.size() + o.tot_len_delta);
  ip[2] = static_cast<uint8_t>(tot >> 8); ip[3] = static_cast<uint8_t>(tot);
  ip[6] = static_cast<uint8_t>(o.frag >> 8); ip[7] = static_cast<uint8_t>(o.frag);
  ip[8] = 64; ip[9] = 17;
  const uint32_t s = Ip(o.src), d = Ip(o.dst);
  std::memcpy(ip + 12, &s, 4);
  std::memcpy(ip + 16, &d, 4);
  uint8_t* udp = ip + 20 + opt;
  udp[0] = 0xc0; udp[1] = 0x01;
  udp[2] = static_cast<uint8_t>(o.dport >> 8); udp[3] = static_cast<uint8_t>(o.dport);
  const uint16_t ul = static_cast<uint16_t>(16 + inner.size() + o.udp_len_delta);
  udp[4] = static_cast<uint8_t>(ul >> 8); udp[5] = static_cast<uint8_t>(ul);
  uint8_t* vx = udp + 8;
  vx[0] = o.flags;
  vx[4] = static_cast<uint8_t>(o.vni >> 16); vx[5] = static_cast<uint8_t>(o.vni >> 8);
  vx[6] = static_cast<uint8_t>(o.vni);
  std::memcpy(vx + 8, inner.data(), inner.size());
  uint16_t ck = rte_ipv4_cksum(reinterpret_cast<const rte_ipv4_hdr*>(ip));
  if (opt != 0) {  // rte_ipv4_cksum covers 20 bytes; fold the options in
    uint32_t sum = 0;
    for (uint32_t i = 0; i < 20 + opt; i += 2) sum += (ip[i] << 8) | ip[i + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    ck = static_cast<uint16_t>(~sum);
    ck = htons(ck);
  }
  if (o.bad_checksum) ck ^= 0x0101;
  std::memcpy(ip + 10, &ck, 2);
  return f;
}

OuterResult Classify(const std::vector<uint8_t>& f) {
  return ClassifyOuter(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()),
                       Ip("192.0.2.1"), false);
}

TEST(VxlanHeaders, AValidFrameIsDecapsulated) {
  const auto r = Classify(Vxlan(Inner(kMacA, kMacB)));
  ASSERT_EQ(r.kind, OuterKind::kVxlan);
  EXPECT_EQ(r.vni, 5001u);
  EXPECT_EQ(r.src_ip, Ip("192.0.2.2"));
  EXPECT_EQ(r.inner_len, 64u);
}

TEST(VxlanHeaders, EachMalformedFrameHasItsReason) {
  const auto in = Inner(kMacA, kMacB);
  auto reason = [&](Outer o) {
    const auto r = Classify(Vxlan(in, o));
    EXPECT_EQ(r.kind, OuterKind::kDrop);
    return r.drop;
  };
  Outer o;
  o.flags = 0x00;
  EXPECT_EQ(reason(o), DropReason::VXLAN_BAD_FLAGS);
  o = {};
  o.ihl = 6;
  EXPECT_EQ(reason(o), DropReason::VXLAN_IP_OPTIONS);
  o = {};
  o.frag = 0x2000;  // MF
  EXPECT_EQ(reason(o), DropReason::VXLAN_FRAGMENT);
  o = {};
  o.frag = 0x0010;  // a later fragment
  EXPECT_EQ(reason(o), DropReason::VXLAN_FRAGMENT);
  o = {};
  o.bad_checksum = true;
  EXPECT_EQ(reason(o), DropReason::VXLAN_BAD_CHECKSUM);
  o = {};
  o.dst = "192.0.2.9";
  EXPECT_EQ(reason(o), DropReason::VXLAN_WRONG_DST);
  o = {};
  o.tot_len_delta = 10;  // says more than the frame has
  EXPECT_EQ(reason(o), DropReason::VXLAN_TRUNCATED);
  o = {};
  o.udp_len_delta = -2;  // UDP and IP lengths disagree
  EXPECT_EQ(reason(o), DropReason::VXLAN_TRUNCATED);
  // Cut inside the VXLAN header: the first segment cannot hold it.
  auto f = Vxlan(in);
  f.resize(46);
  const auto r = Classify(f);
  EXPECT_EQ(r.kind, OuterKind::kDrop);
  EXPECT_EQ(r.drop, DropReason::VXLAN_TRUNCATED);
}

TEST(VxlanHeaders, WhatIsNotVxlanForTheVtepIsTheKernels) {
  const auto in = Inner(kMacA, kMacB);
  Outer o;
  o.dport = 53;
  EXPECT_EQ(Classify(Vxlan(in, o)).kind, OuterKind::kNotVxlan);
  o = {};
  o.dst = "192.0.2.9";
  o.dport = 53;
  EXPECT_EQ(Classify(Vxlan(in, o)).kind, OuterKind::kNotVxlan);
  auto tcp = Vxlan(in);
  tcp[14 + 9] = 6;
  EXPECT_EQ(Classify(tcp).kind, OuterKind::kNotVxlan);
  // A fragment of something else to another address is the kernel's.
  o = {};
  o.dst = "192.0.2.9";
  o.frag = 0x2000;
  EXPECT_EQ(Classify(Vxlan(in, o)).kind, OuterKind::kNotVxlan);
}

TEST(VxlanHeaders, EncapsulationWritesValidHeaders) {
  const EncapTemplate t = MakeEncapTemplate(kNextHopMac, kUplinkMac, Ip("192.0.2.1"), Ip("192.0.2.2"));
  std::vector<uint8_t> out(50);
  for (uint32_t len : {60u, 64u, 1000u, 1464u}) {
    WriteEncap(out.data(), t, TemplateIpSum(t), len, 0xc123, 0xabcdef);
    const uint8_t* ip = out.data() + 14;
    EXPECT_EQ(std::memcmp(out.data(), kNextHopMac, 6), 0);
    EXPECT_EQ(std::memcmp(out.data() + 6, kUplinkMac, 6), 0);
    EXPECT_EQ(out[12], 0x08);
    EXPECT_EQ(out[13], 0x00);
    EXPECT_EQ(ip[0], 0x45);
    EXPECT_EQ((ip[2] << 8) | ip[3], static_cast<int>(len + 36));
    EXPECT_EQ(ip[6], 0x40) << "DF";
    EXPECT_EQ(ip[9], 17);
    // A correct checksum: the header sums to 0xffff (rte_ipv4_cksum over
    // it, checksum included, gives 0).
    EXPECT_EQ(rte_ipv4_cksum(reinterpret_cast<const rte_ipv4_hdr*>(ip)), 0) << len;
    EXPECT_EQ(LoadIp(ip + 12), Ip("192.0.2.1"));
    EXPECT_EQ(LoadIp(ip + 16), Ip("192.0.2.2"));
    const uint8_t* udp = ip + 20;
    EXPECT_EQ((udp[0] << 8) | udp[1], 0xc123);
    EXPECT_EQ((udp[2] << 8) | udp[3], 4789);
    EXPECT_EQ((udp[4] << 8) | udp[5], static_cast<int>(len + 16));
    EXPECT_EQ(udp[6] | udp[7], 0) << "UDP checksum 0";
    EXPECT_EQ(udp[8], 0x08);
    EXPECT_EQ((udp[12] << 16) | (udp[13] << 8) | udp[14], 0xabcdef);
  }
}

TEST(VxlanHeaders, SourcePortsVaryWithTheInnerFlowAndStayInTheDynamicRange) {
  std::set<uint16_t> ports;
  for (uint16_t sport = 1000; sport < 1064; ++sport) {
    const auto f = Inner(kMacA, kMacB, 64, sport);
    const uint16_t p = VxlanSourcePort(InnerFlowHash(f.data(), static_cast<uint32_t>(f.size())));
    EXPECT_GE(p, 49152);
    ports.insert(p);
  }
  EXPECT_GE(ports.size(), 50u) << "64 flows should spread over the ports";
  const auto f = Inner(kMacA, kMacB, 64, 1000);
  EXPECT_EQ(InnerFlowHash(f.data(), 64), InnerFlowHash(f.data(), 64));
}

// Ports: 0 red access, 1 the VTEP uplink (192.0.2.1/24), 2 its kernel
// interface, 3 blue access. Red (VNI 5001) has remote VTEPs .2 (resolved)
// and .3 (unresolved); blue (VNI 5002) has .2 only.
class VxlanPipelineTest : public ::testing::Test {
 protected:
  static rte_mempool* pool() {
    static rte_mempool* p =
        rte_pktmbuf_pool_create("vxlan_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    return p;
  }

  void SetUp() override {
    ASSERT_NE(pool(), nullptr);
    h_ = std::make_unique<testing::WorkerHarness>(pool());
    auto red = testing::MakeTenant("red", 1);
    red.set_vni(5001);
    auto blue = testing::MakeTenant("blue", 2);
    blue.set_vni(5002);
    tenants_ = {{"red", red}, {"blue", blue}};
    testing::AddPort(ports_, testing::AccessPort("p0", 0, "red"));
    PlacedPort up = testing::UplinkPort("up0", 1);
    up.spec.set_vtep_ip("192.0.2.1/24");
    testing::AddPort(ports_, up);
    PlacedPort k;
    k.spec.set_name("up0:vtep");
    k.spec.set_kind(v1::PORT_KIND_TAP);
    k.port_id = 2;
    k.internal = true;
    testing::AddPort(ports_, k);
    testing::AddPort(ports_, testing::AccessPort("p3", 3, "blue"));
    AddVtep("red", "192.0.2.2");
    AddVtep("red", "192.0.2.3");
    AddVtep("blue", "192.0.2.2");
    vx_.slots = {{Ip("192.0.2.2"), 0}, {Ip("192.0.2.3"), 1}};
    v1::NextHop nh;
    nh.set_remote("192.0.2.2");
    nh.set_via("192.0.2.2");
    nh.set_mac("02:66:00:00:00:02");
    vx_.next_hops[Ip("192.0.2.2")] = nh;
    nh.Clear();
    nh.set_remote("192.0.2.3");
    nh.set_error("no ARP reply");
    vx_.next_hops[Ip("192.0.2.3")] = nh;
    vx_.underlay.uplink_present = vx_.underlay.kernel_present = true;
    vx_.underlay.uplink_port = 1;
    vx_.underlay.kernel_port = 2;
    std::copy(kUplinkMac, kUplinkMac + 6, vx_.underlay.mac.begin());
    vx_.underlay.vtep_ip = "192.0.2.1/24";
    Rebuild();
    avail_at_start_ = rte_mempool_avail_count(pool());
  }
  void TearDown() override {
    h_.reset();
    EXPECT_EQ(rte_mempool_avail_count(pool()), avail_at_start_) << "mbufs leaked";
  }

  void AddVtep(const std::string& tenant, const std::string& remote) {
    v1::Vtep v;
    v.set_name(tenant + "@" + remote);
    v.set_tenant(tenant);
    v.set_remote(remote);
    vx_.vteps[v.name()] = v;
  }
  void Rebuild() {
    std::vector<std::string> problems;
    snap_ = BuildSnapshot(1, tenants_, ports_, 1, &problems, &vx_);
    EXPECT_TRUE(problems.empty()) << problems.front();
    ASSERT_TRUE(snap_->vxlan.enabled);
  }

  rte_mbuf* Mbuf(const std::vector<uint8_t>& bytes) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool());
    EXPECT_NE(m, nullptr);
    uint8_t* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size())));
    std::memcpy(p, bytes.data(), bytes.size());
    return m;
  }
  void Send(uint16_t port, std::vector<rte_mbuf*> pkts) {
    ProcessBurst(h_->ctx, *snap_, port, pkts.data(), static_cast<uint16_t>(pkts.size()), 1000);
  }
  std::string Trace(uint16_t port, rte_mbuf* m) {
    TraceLog log;
    log.commit = false;
    TraceBurst(h_->ctx, *snap_, port, &m, 1, 1000, &log);
    FinishTracedBurst(h_->ctx, *snap_, log);
    std::string out;
    for (const auto& st : log.steps) out += st.stage + ": " + st.verdict + "\n";
    return out;
  }
  std::vector<rte_mbuf*> Out(uint16_t port) { return h_->TakeTx(port); }
  bool Lookup(uint16_t tenant, uint64_t mac, uint64_t* v) const {
    const MacHashKey k = MakeMacHashKey(tenant, mac);
    return (h_->macs->LookupBulk(&k, 1, v) & 1) != 0;
  }
  static void Free(const std::vector<rte_mbuf*>& v) {
    for (auto* m : v) rte_pktmbuf_free(m);
  }
  uint64_t Drops(DropReason r) const { return h_->counters->drops[static_cast<size_t>(r)]; }
  static std::vector<uint8_t> Bytes(rte_mbuf* m) {
    const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
    return {p, p + rte_pktmbuf_data_len(m)};
  }
  // B is learned behind .2 (a broadcast from it, decapsulated).
  void LearnB() {
    Send(1, {Mbuf(Vxlan(Inner(kBroadcast, kMacB)))});
    Free(Out(0));
  }

  std::unique_ptr<testing::WorkerHarness> h_;
  TenantMap tenants_;
  PortMap ports_;
  VxlanInputs vx_;
  std::unique_ptr<Snapshot> snap_;
  unsigned avail_at_start_ = 0;
};

TEST_F(VxlanPipelineTest, DecapsulatedFramesAreLearnedBehindTheVtepAndNeverFloodedBack) {
  const auto inner = Inner(kBroadcast, kMacB);
  Send(1, {Mbuf(Vxlan(inner))});
  auto p0 = Out(0);
  ASSERT_EQ(p0.size(), 1u);
  EXPECT_EQ(Bytes(p0[0]), inner) << "the inner frame, as the remote VM sent it";
  EXPECT_TRUE(Out(1).empty()) << "split horizon: nothing back to the VTEPs";
  EXPECT_TRUE(Out(3).empty()) << "blue never sees red";
  EXPECT_EQ(h_->counters->tenants[1].vxlan_decap, 1u);
  EXPECT_EQ(h_->counters->vteps[0].decap_packets, 1u);
  EXPECT_EQ(h_->counters->vteps[0].decap_bytes, 64u);
  uint64_t v = 0;
  ASSERT_TRUE(Lookup(1, kMacB, &v));
  EXPECT_EQ(ValueDest(v), RemoteDest(0));
  Free(p0);
}

TEST_F(VxlanPipelineTest, AFrameToARemoteMacIsEncapsulatedTowardItsVtep) {
  LearnB();
  const auto inner = Inner(kMacB, kMacA, 100);
  Send(0, {Mbuf(inner)});
  auto up = Out(1);
  ASSERT_EQ(up.size(), 1u);
  const auto f = Bytes(up[0]);
  ASSERT_EQ(f.size(), 150u);
  EXPECT_EQ(std::memcmp(f.data(), kNextHopMac, 6), 0);
  EXPECT_EQ(std::memcmp(f.data() + 6, kUplinkMac, 6), 0);
  const uint8_t* ip = f.data() + 14;
  EXPECT_EQ(rte_ipv4_cksum(reinterpret_cast<const rte_ipv4_hdr*>(ip)), 0);
  EXPECT_EQ(LoadIp(ip + 16), Ip("192.0.2.2"));
  EXPECT_EQ((ip[22] << 8) | ip[23], 4789);
  EXPECT_GE((ip[20] << 8) | ip[21], 49152);
  EXPECT_EQ((ip[32] << 16) | (ip[33] << 8) | ip[34], 5001);
  EXPECT_TRUE(std::equal(inner.begin(), inner.end(), f.begin() + 50));
  EXPECT_EQ(h_->counters->vteps[0].encap_packets, 1u);
  EXPECT_EQ(h_->counters->vteps[0].encap_bytes, 150u);
  EXPECT_EQ(h_->counters->tenants[1].vxlan_encap, 1u);
  Free(up);
}

TEST_F(VxlanPipelineTest, ATaggedFrameLosesItsTagBeforeEncapsulation) {
  tenants_.clear();
  auto red = testing::MakeTenant("red", 1);
  red.set_vni(5001);
  tenants_["red"] = red;
  tenants_["blue"] = testing::MakeTenant("blue", 2);
  ports_.erase("p0");
  testing::AddPort(ports_, testing::TrunkPort("p0", 0, {{100, "red"}}));
  vx_.vteps.erase("blue@192.0.2.2");
  Rebuild();
  LearnB();
  Send(0, {Mbuf(Inner(kMacB, kMacA, 68, 1000, 100))});
  auto up = Out(1);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(rte_pktmbuf_pkt_len(up[0]), 64u + 50u);
  const auto f = Bytes(up[0]);
  EXPECT_EQ(f[50 + 12], 0x08) << "inner frame untagged";
  Free(up);
}

TEST_F(VxlanPipelineTest, FloodsReplicateToEveryVtepOfTheTenantAndCountTheUnresolved) {
  Send(0, {Mbuf(Inner(kBroadcast, kMacA))});
  auto up = Out(1);
  ASSERT_EQ(up.size(), 1u) << ".2 gets a copy; .3 is unresolved";
  EXPECT_EQ(LoadIp(Bytes(up[0]).data() + 30), Ip("192.0.2.2"));
  EXPECT_EQ(Drops(DropReason::VXLAN_UNRESOLVED), 1u);
  EXPECT_EQ(h_->counters->vteps[1].unresolved, 1u);
  EXPECT_TRUE(Out(3).empty());
  Free(up);
  // Blue's flood goes to blue's VTEP only, with blue's VNI.
  Send(3, {Mbuf(Inner(kBroadcast, kMacA))});
  up = Out(1);
  ASSERT_EQ(up.size(), 1u);
  const auto f = Bytes(up[0]);
  EXPECT_EQ((f[46] << 16) | (f[47] << 8) | f[48], 5002);
  EXPECT_TRUE(Out(0).empty());
  Free(up);
}

TEST_F(VxlanPipelineTest, TheSameMacInTwoVnisStaysInItsTenant) {
  // B sends in red and in blue: two entries, each tenant's own.
  Send(1, {Mbuf(Vxlan(Inner(kBroadcast, kMacB)))});
  Outer blue;
  blue.vni = 5002;
  Send(1, {Mbuf(Vxlan(Inner(kBroadcast, kMacB), blue))});
  auto p0 = Out(0), p3 = Out(3);
  EXPECT_EQ(p0.size(), 1u);
  EXPECT_EQ(p3.size(), 1u);
  uint64_t v = 0;
  EXPECT_TRUE(Lookup(1, kMacB, &v));
  EXPECT_TRUE(Lookup(2, kMacB, &v));
  Free(p0);
  Free(p3);
}

TEST_F(VxlanPipelineTest, DecapDropsAreCountedByReason) {
  const auto in = Inner(kMacA, kMacB);
  Outer o;
  o.vni = 7777;
  Send(1, {Mbuf(Vxlan(in, o))});
  EXPECT_EQ(Drops(DropReason::VXLAN_UNKNOWN_VNI), 1u);
  // .3 is red's VTEP, not blue's.
  o = {};
  o.src = "192.0.2.3";
  o.vni = 5002;
  Send(1, {Mbuf(Vxlan(in, o))});
  EXPECT_EQ(Drops(DropReason::VXLAN_UNKNOWN_SOURCE), 1u);
  o = {};
  o.src = "192.0.2.99";
  Send(1, {Mbuf(Vxlan(in, o))});
  EXPECT_EQ(Drops(DropReason::VXLAN_UNKNOWN_SOURCE), 2u);
  Send(1, {Mbuf(Vxlan(Inner(kMacA, kMacB, 68, 1000, 7)))});
  EXPECT_EQ(Drops(DropReason::VXLAN_INNER_TAGGED), 1u);
  o = {};
  o.flags = 0;
  Send(1, {Mbuf(Vxlan(in, o))});
  EXPECT_EQ(Drops(DropReason::VXLAN_BAD_FLAGS), 1u);
  o = {};
  o.bad_checksum = true;
  Send(1, {Mbuf(Vxlan(in, o))});
  EXPECT_EQ(Drops(DropReason::VXLAN_BAD_CHECKSUM), 1u);
  auto runt = Vxlan(Inner(kMacA, kMacB, 10));
  Send(1, {Mbuf(runt)});
  EXPECT_EQ(Drops(DropReason::VXLAN_TRUNCATED), 1u);
  for (uint16_t p = 0; p < 4; ++p) EXPECT_TRUE(Out(p).empty()) << p;
  EXPECT_EQ(h_->counters->ports[1].rx_dropped, 7u);
}

TEST_F(VxlanPipelineTest, PaddingAfterTheOuterPacketIsCut) {
  Outer o;
  o.pad = 6;
  const auto inner = Inner(kBroadcast, kMacB);
  Send(1, {Mbuf(Vxlan(inner, o))});
  auto p0 = Out(0);
  ASSERT_EQ(p0.size(), 1u);
  EXPECT_EQ(Bytes(p0[0]), inner);
  Free(p0);
}

TEST_F(VxlanPipelineTest, OneRemoteIsNeverRelayedToAnother) {
  // C behind .3, then a frame from .2 to C.
  Outer o;
  o.src = "192.0.2.3";
  Send(1, {Mbuf(Vxlan(Inner(kBroadcast, kMacC), o))});
  Free(Out(0));
  Send(1, {Mbuf(Vxlan(Inner(kMacC, kMacB)))});
  EXPECT_EQ(Drops(DropReason::VXLAN_REMOTE_TO_REMOTE), 1u);
  EXPECT_TRUE(Out(1).empty());
}

TEST_F(VxlanPipelineTest, WhatIsNotVxlanGoesToTheKernelAndBack) {
  std::vector<uint8_t> arp(60, 0);
  PutMac(arp.data(), kBroadcast);
  PutMac(arp.data() + 6, 0x026600000002);
  arp[12] = 0x08;
  arp[13] = 0x06;
  Outer dns;
  dns.dport = 53;
  const auto udp = Vxlan(Inner(kMacA, kMacB), dns);
  Send(1, {Mbuf(arp), Mbuf(udp)});
  auto k = Out(2);
  ASSERT_EQ(k.size(), 2u);
  EXPECT_EQ(Bytes(k[0]), arp);
  EXPECT_EQ(Bytes(k[1]), udp);
  Free(k);
  // The kernel's reply leaves by the uplink untouched.
  Send(2, {Mbuf(arp)});
  auto up = Out(1);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(Bytes(up[0]), arp);
  Free(up);
}

TEST_F(VxlanPipelineTest, AFrameAboveTheUnderlayMtuIsDropped) {
  LearnB();
  Send(0, {Mbuf(Inner(kMacB, kMacA, 1464))});  // 1464 + 36 = 1500: fits
  auto up = Out(1);
  EXPECT_EQ(up.size(), 1u);
  Free(up);
  Send(0, {Mbuf(Inner(kMacB, kMacA, 1465))});
  EXPECT_TRUE(Out(1).empty());
  EXPECT_EQ(Drops(DropReason::VXLAN_TOO_BIG), 1u);
}

TEST_F(VxlanPipelineTest, ConsecutiveDecapsulatedPacketsOfOneFlowShareARun) {
  LearnB();
  Send(0, {Mbuf(Inner(kBroadcast, kMacA))});  // A learned on p0
  Free(Out(1));
  std::vector<rte_mbuf*> burst;
  for (int i = 0; i < 8; ++i) burst.push_back(Mbuf(Vxlan(Inner(kMacA, kMacB))));
  Send(1, burst);
  auto p0 = Out(0);
  EXPECT_EQ(p0.size(), 8u);
  EXPECT_EQ(h_->counters->tenants[1].unicast, 8u);
  EXPECT_EQ(h_->counters->vteps[0].decap_packets, 9u);
  Free(p0);
}

TEST_F(VxlanPipelineTest, TheTracerShowsDecapAndEncap) {
  std::string t = Trace(1, Mbuf(Vxlan(Inner(kBroadcast, kMacB))));
  EXPECT_THAT(t, HasSubstr("vxlan: decapsulated from VTEP 192.0.2.2, VNI 5001 -> tenant red"));
  EXPECT_THAT(t, HasSubstr("flood to p0"));
  LearnB();
  t = Trace(0, Mbuf(Inner(kMacB, kMacA)));
  EXPECT_THAT(t, HasSubstr("behind remote VTEP 192.0.2.2: encapsulate"));
  EXPECT_THAT(t, HasSubstr("encapsulated to VTEP 192.0.2.2 via 192.0.2.2 (02:66:00:00:00:02), VNI 5001, UDP source port"));
  t = Trace(0, Mbuf(Inner(kBroadcast, kMacA)));
  EXPECT_THAT(t, HasSubstr("VTEP 192.0.2.3: drop: vxlan_unresolved (unresolved: no ARP reply)"));
}

// A tenant with a VLAN on the uplink and a VNI: what arrives on the
// uplink, tagged or encapsulated, never leaves by it again (no VLAN-VXLAN
// bridging there).
TEST_F(VxlanPipelineTest, TheUplinkNeverGetsBackWhatArrivedOnIt) {
  tenants_["red"].set_vlan(501);
  Rebuild();
  // Tagged 501 from the uplink: to p0, not encapsulated back out.
  std::vector<uint8_t> tagged = Inner(kBroadcast, kMacC, 68, 1000, 0);
  tagged[14] = 0x01, tagged[15] = 0xf5;  // VLAN 501
  Send(1, {Mbuf(tagged)});
  auto p0 = Out(0);
  EXPECT_EQ(p0.size(), 1u);
  EXPECT_TRUE(Out(1).empty());
  Free(p0);
  // C is now learned on the uplink (VLAN 501): a decapsulated frame to C is
  // not sent back out of the uplink tagged.
  Send(1, {Mbuf(Vxlan(Inner(kMacC, kMacB)))});
  EXPECT_TRUE(Out(1).empty());
  EXPECT_EQ(Drops(DropReason::SAME_PORT), 1u);
  // And B (behind .2) from the uplink's VLAN: not encapsulated back out.
  Send(1, {Mbuf([&] {
         auto f = Inner(kMacB, kMacC, 68, 1000, 0);
         f[14] = 0x01, f[15] = 0xf5;
         return f;
       }())});
  EXPECT_TRUE(Out(1).empty());
  EXPECT_EQ(Drops(DropReason::SAME_PORT), 2u);
}

TEST_F(VxlanPipelineTest, WithoutTheKernelInterfaceNoTenantIsCarried) {
  vx_.underlay.kernel_present = false;
  std::vector<std::string> problems;
  snap_ = BuildSnapshot(1, tenants_, ports_, 1, &problems, &vx_);
  EXPECT_FALSE(snap_->vxlan.enabled);
  EXPECT_EQ(snap_->vxlan.Remotes(1), nullptr);
  // A broadcast stays local (no VTEP copies, no drops counted).
  Send(0, {Mbuf(Inner(kBroadcast, kMacA))});
  EXPECT_TRUE(Out(1).empty());
  EXPECT_EQ(h_->counters->ports[0].rx_dropped, 1u) << "flood_no_ports: p0 is red's only port";
}

}  // namespace
}  // namespace switchyard
