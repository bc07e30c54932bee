#include "core/snapshot_builder.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "testing/fixtures.h"

namespace switchyard {
namespace {

using testing::AccessPort;
using testing::TrunkPort;
using testing::UplinkPort;

v1::Tenant T(const std::string& name, uint32_t id, uint32_t vlan = 0) {
  return testing::MakeTenant(name, id, vlan);
}

bool Floods(const Snapshot& s, uint16_t tenant, uint16_t port) {
  const auto& f = s.tenants[tenant].flood_ports;
  return std::find(f.begin(), f.end(), port) != f.end();
}

TEST(SnapshotBuilder, AccessPortsJoinOnlyTheirTenant) {
  TenantMap tenants{{"red", T("red", 1)}, {"blue", T("blue", 2)}};
  PortMap ports{{"a", AccessPort("a", 0, "red")}, {"b", AccessPort("b", 1, "red", 30)},
                {"c", AccessPort("c", 2, "blue")}};
  auto s = BuildSnapshot(7, tenants, ports, 1);
  EXPECT_EQ(s->generation, 7u);
  EXPECT_TRUE(Floods(*s, 1, 0));
  EXPECT_TRUE(Floods(*s, 1, 1));
  EXPECT_FALSE(Floods(*s, 1, 2));
  EXPECT_TRUE(Floods(*s, 2, 2));
  EXPECT_EQ(s->ports[1].IngressTenant(30), 1);
  EXPECT_EQ(s->ports[1].IngressTenant(0), kNoTenant);  // tagged access wants its tag
  EXPECT_EQ(s->ports[1].EgressVlan(1), 30);
  EXPECT_EQ(s->ports[1].EgressVlan(2), kNotMember);
  EXPECT_EQ(s->ports[0].EgressVlan(1), 0);
}

// The dataplane does not rely on controld's validation: an access VLAN out
// of range leaves the port out of forwarding (an egress value of 0xffff
// would read as "not a member", 4095 would be pushed onto frames).
TEST(SnapshotBuilder, AccessVlanOutOfRangeLeavesThePortOut) {
  TenantMap tenants{{"red", T("red", 1)}};
  PortMap ports{{"a", AccessPort("a", 0, "red", 4095)}, {"b", AccessPort("b", 1, "red", 70000)},
                {"c", AccessPort("c", 2, "red", 4094)}};
  std::vector<std::string> problems;
  auto s = BuildSnapshot(1, tenants, ports, 1, &problems);
  EXPECT_FALSE(s->ports[0].present);
  EXPECT_FALSE(s->ports[1].present);
  EXPECT_TRUE(s->ports[2].present);
  EXPECT_FALSE(Floods(*s, 1, 0));
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("access vlan 4095"), std::string::npos) << problems[0];
}

TEST(SnapshotBuilder, TrunkMapsVlansBothWays) {
  TenantMap tenants{{"red", T("red", 1)}, {"blue", T("blue", 2)}};
  PlacedPort trunk = TrunkPort("t", 3, {{100, "red"}, {200, "blue"}});
  PortMap ports{{"t", trunk}};
  auto s = BuildSnapshot(1, tenants, ports, 1);
  EXPECT_EQ(s->ports[3].IngressTenant(100), 1);
  EXPECT_EQ(s->ports[3].IngressTenant(200), 2);
  EXPECT_EQ(s->ports[3].IngressTenant(0), kNoTenant);
  EXPECT_EQ(s->ports[3].IngressTenant(300), kNoTenant);
  EXPECT_EQ(s->ports[3].EgressVlan(1), 100);
  EXPECT_EQ(s->ports[3].EgressVlan(2), 200);
  EXPECT_TRUE(Floods(*s, 1, 3));
  EXPECT_TRUE(Floods(*s, 2, 3));
}

TEST(SnapshotBuilder, UplinkCarriesTenantsWithAVlan) {
  TenantMap tenants{{"red", T("red", 1, 501)}, {"blue", T("blue", 2)}};
  PlacedPort up = UplinkPort("up", 4);
  auto s = BuildSnapshot(1, tenants, PortMap{{"up", up}}, 1);
  EXPECT_EQ(s->ports[4].IngressTenant(501), 1);
  EXPECT_EQ(s->ports[4].EgressVlan(1), 501);
  EXPECT_EQ(s->ports[4].EgressVlan(2), kNotMember);
  EXPECT_FALSE(Floods(*s, 2, 4));
}

TEST(SnapshotBuilder, UnknownTenantLeavesPortOutAndSaysSo) {
  std::vector<std::string> problems;
  auto s = BuildSnapshot(1, TenantMap{}, PortMap{{"a", AccessPort("a", 0, "ghost")}}, 1, &problems);
  EXPECT_FALSE(s->ports[0].present);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("ghost"), std::string::npos);
}

TEST(SnapshotBuilder, RxQueuesGoToTheirWorker) {
  TenantMap tenants{{"red", T("red", 1)}};
  auto a = AccessPort("a", 0, "red");
  a.rx_workers = {0};
  auto b = AccessPort("b", 1, "red");
  b.rx_workers = {1, 0};  // two RX queues on different workers
  auto s = BuildSnapshot(1, tenants, PortMap{{"a", a}, {"b", b}}, 2);
  ASSERT_EQ(s->worker_rx.size(), 2u);
  ASSERT_EQ(s->worker_rx[0].size(), 2u);
  EXPECT_EQ(s->worker_rx[0][0].port_id, 0);
  EXPECT_EQ(s->worker_rx[0][1].port_id, 1);
  EXPECT_EQ(s->worker_rx[0][1].queue_id, 1);
  ASSERT_EQ(s->worker_rx[1].size(), 1u);
  EXPECT_EQ(s->worker_rx[1][0].port_id, 1);
  EXPECT_EQ(s->worker_rx[1][0].queue_id, 0);
}

// Per port kind: DMA ports prefetch; vhost-user ports (server and client)
// burst through librte_vhost, on their RX queues too.
TEST(SnapshotBuilder, PortKindFastPathFlags) {
  TenantMap tenants{{"red", T("red", 1)}};
  PortMap ports;
  const v1::PortKind kinds[] = {v1::PORT_KIND_VHOST_SERVER, v1::PORT_KIND_TAP,
                                v1::PORT_KIND_PCI, v1::PORT_KIND_AF_XDP,
                                v1::PORT_KIND_AF_PACKET, v1::PORT_KIND_VHOST_CLIENT};
  constexpr uint16_t kKinds = sizeof(kinds) / sizeof(kinds[0]);
  for (uint16_t i = 0; i < kKinds; ++i) {
    auto p = AccessPort("p" + std::to_string(i), i, "red");
    p.spec.set_kind(kinds[i]);
    ports[p.spec.name()] = p;
  }
  auto s = BuildSnapshot(1, tenants, ports, 1);
  const bool prefetch[kKinds] = {false, false, true, true, false, false};
  const bool vhost[kKinds] = {true, false, false, false, false, true};
  for (uint16_t i = 0; i < kKinds; ++i) {
    EXPECT_EQ(s->ports[i].rx_prefetch, prefetch[i]) << "port " << i;
    EXPECT_EQ(s->ports[i].vhost, vhost[i]) << "port " << i;
  }
  ASSERT_EQ(s->worker_rx[0].size(), kKinds);
  for (const RxQueueRef& q : s->worker_rx[0]) EXPECT_EQ(q.vhost, vhost[q.port_id]);
}

TEST(SnapshotBuilder, MembershipChange) {
  v1::Port a = AccessPort("a", 0, "red").spec;
  v1::Port b = a;
  EXPECT_FALSE(MembershipChanged(a, b));
  b.set_access_vlan(5);
  EXPECT_TRUE(MembershipChanged(a, b));
  b = a;
  b.set_tenant("blue");
  EXPECT_TRUE(MembershipChanged(a, b));
}

}  // namespace
}  // namespace switchyard
