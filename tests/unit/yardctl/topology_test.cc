// yardctl apply's file format: a good file, and every kind of error names
// the path of the offending value.
#include "topology.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace yardctl {
namespace {
namespace v1 = switchyard::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kGood = R"(
tenants:
  - name: red
    id: 1            # optional
    vlan: 501        # optional uplink VLAN
    mac_limit: 1000  # optional
  - name: blue
    vni: 5000
ports:
  - name: vm1
    kind: tap
    tenant: red
    vlan: 30
    netns: vm1
    ip: [10.0.0.1/24, "fd00::1/64"]
    mtu: 1400
  - name: up0
    kind: af_packet
    iface: eth1
    trunk: {100: red, 200: blue}
  - name: wan
    kind: null
    uplink: true
  - name: vh
    kind: vhost-user
    socket: /run/vh.sock
    tenant: blue
  - name: t2
    kind: tap
    tenant: blue
    ip: 10.0.0.2/24
)";

TEST(ParseTopology, GoodFile) {
  auto r = ParseTopology(kGood);
  ASSERT_TRUE(r.ok()) << r.error();
  const Topology& t = r.value();
  ASSERT_EQ(t.tenants.size(), 2u);
  EXPECT_EQ(t.tenants[0].name(), "red");
  EXPECT_EQ(t.tenants[0].id(), 1u);
  EXPECT_EQ(t.tenants[0].vlan(), 501u);
  EXPECT_EQ(t.tenants[0].mac_limit(), 1000u);
  EXPECT_EQ(t.tenants[1].name(), "blue");
  EXPECT_EQ(t.tenants[1].id(), 0u);
  EXPECT_EQ(t.tenants[1].vni(), 5000u);

  ASSERT_EQ(t.ports.size(), 5u);
  const v1::Port& vm1 = t.ports[0];
  EXPECT_EQ(vm1.name(), "vm1");
  EXPECT_EQ(vm1.kind(), v1::PORT_KIND_TAP);
  EXPECT_EQ(vm1.role(), v1::PORT_ROLE_ACCESS);
  EXPECT_EQ(vm1.tenant(), "red");
  EXPECT_EQ(vm1.access_vlan(), 30u);
  EXPECT_EQ(vm1.tap().netns(), "vm1");
  ASSERT_EQ(vm1.tap().addresses_size(), 2);
  EXPECT_EQ(vm1.tap().addresses(1), "fd00::1/64");
  EXPECT_EQ(vm1.tap().mtu(), 1400u);

  const v1::Port& up0 = t.ports[1];
  EXPECT_EQ(up0.kind(), v1::PORT_KIND_AF_PACKET);
  EXPECT_EQ(up0.iface(), "eth1");
  EXPECT_EQ(up0.role(), v1::PORT_ROLE_TRUNK);
  ASSERT_EQ(up0.trunk_size(), 2);
  EXPECT_EQ(up0.trunk(0).vlan(), 100u);
  EXPECT_EQ(up0.trunk(0).tenant(), "red");
  EXPECT_EQ(up0.trunk(1).vlan(), 200u);
  EXPECT_EQ(up0.trunk(1).tenant(), "blue");

  EXPECT_EQ(t.ports[2].kind(), v1::PORT_KIND_NULL);  // `kind: null` is the kind, not YAML null
  EXPECT_EQ(t.ports[2].role(), v1::PORT_ROLE_UPLINK);
  EXPECT_FALSE(t.ports[2].has_tap());
  EXPECT_EQ(t.ports[3].kind(), v1::PORT_KIND_VHOST_SERVER);
  EXPECT_EQ(t.ports[3].socket(), "/run/vh.sock");
  ASSERT_EQ(t.ports[4].tap().addresses_size(), 1);  // a single ip without a list
  EXPECT_EQ(t.ports[4].tap().addresses(0), "10.0.0.2/24");
}

TEST(ParseTopology, EmptyListsAndMissingSections) {
  auto r = ParseTopology("tenants: []\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r.value().tenants.empty());
  EXPECT_TRUE(r.value().ports.empty());
  r = ParseTopology("tenants:\nports:\n");
  ASSERT_TRUE(r.ok()) << r.error();
}

// Each bad file and the start of its error.
struct Bad {
  const char* yaml;
  const char* error;
};

class ParseTopologyError : public ::testing::TestWithParam<Bad> {};

TEST_P(ParseTopologyError, NamesThePath) {
  auto r = ParseTopology(GetParam().yaml);
  ASSERT_FALSE(r.ok()) << GetParam().yaml;
  EXPECT_THAT(r.error(), StartsWith(GetParam().error)) << GetParam().yaml;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, ParseTopologyError,
    ::testing::Values(
        // Structure.
        Bad{"", "empty file"},
        Bad{"# only a comment\n", "empty file"},
        Bad{"- a\n- b\n", "expected a map with tenants: and/or ports:, got a list"},
        Bad{"tenants: []\n---\nports: []\n", "more than one YAML document"},
        // yaml-cpp's LoadAll allocated documents without end on these.
        Bad{"[], {}\n", "more than one YAML document"},
        Bad{"[a], b\n", "more than one YAML document"},
        Bad{"tenants: [\n", "line 2, column 1: "},
        Bad{"tenant: []\n", "tenant: unknown key (known: tenants, ports, vteps)"},
        Bad{"tenants: {name: red}\n", "tenants: expected a list, got a map"},
        Bad{"tenants: [red]\n", "tenants[0]: expected a map, got 'red'"},
        // Keys.
        Bad{"ports:\n  - {name: a, kind: tap, tenant: r}\n  - {name: b, kind: tap, tenant: r}\n"
            "  - {name: c, kind: tap, tenent: r}\n",
            "ports[2].tenent: unknown key"},
        Bad{"tenants:\n  - name: red\n    name: blue\n", "tenants[0].name: duplicate key"},
        Bad{"tenants:\n  - vlan: 5\n", "tenants[0].name: required"},
        Bad{"ports:\n  - name: a\n    tenant: red\n", "ports[0].kind: required"},
        Bad{"tenants:\n  - name: red\n  - name: red\n",
            "tenants[1].name: 'red' is already defined at tenants[0]"},
        // Types.
        Bad{"tenants:\n  - name: red\n    vlan: [5]\n",
            "tenants[0].vlan: expected a single value, got a list"},
        Bad{"tenants:\n  - name: {a: b}\n", "tenants[0].name: expected a single value, got a map"},
        Bad{"tenants:\n  - name: red\n    vlan:\n", "tenants[0].vlan: missing value"},
        Bad{"tenants:\n  - name: red\n    vlan: blue\n", "tenants[0].vlan: 'blue' is not"},
        Bad{"tenants:\n  - name: red\n    vlan: 4095\n", "tenants[0].vlan: '4095' is out of range"},
        Bad{"tenants:\n  - name: red\n    vni: 16777216\n", "tenants[0].vni: "},
        Bad{"tenants:\n  - name: red\n    id: -1\n", "tenants[0].id: "},
        Bad{"tenants:\n  - name: red\n    mac_limit: 1.5\n", "tenants[0].mac_limit: "},
        Bad{"ports:\n  - {name: a, kind: tapp, tenant: r}\n",
            "ports[0].kind: unknown port kind 'tapp'"},
        Bad{"ports:\n  - {name: a, kind: tap, tenant: r, vlan: 5000}\n", "ports[0].vlan: "},
        Bad{"ports:\n  - {name: a, kind: tap, uplink: true, vlan: 5}\n",
            "ports[0].vlan: only with ports[0].tenant"},
        Bad{"ports:\n  - {name: a, kind: tap, uplink: maybe}\n",
            "ports[0].uplink: expected true or false, got 'maybe'"},
        Bad{"ports:\n  - {name: a, kind: tap}\n", "ports[0]: give exactly one of tenant, trunk"},
        Bad{"ports:\n  - {name: a, kind: tap, tenant: r, uplink: true}\n",
            "ports[0]: give exactly one of"},
        Bad{"ports:\n  - {name: a, kind: tap, trunk: [100, red]}\n",
            "ports[0].trunk: expected a map of VLAN: TENANT"},
        Bad{"ports:\n  - {name: a, kind: tap, trunk: {}}\n", "ports[0].trunk: empty"},
        Bad{"ports:\n  - {name: a, kind: tap, trunk: {5000: red}}\n",
            "ports[0].trunk: VLAN '5000' in '5000=red' must be an integer 1..4094"},
        Bad{"ports:\n  - {name: a, kind: tap, trunk: {100: [red]}}\n",
            "ports[0].trunk.100: expected a single value, got a list"},
        Bad{"ports:\n  - {name: a, kind: tap, trunk: {100: red, 100: blue}}\n",
            "ports[0].trunk.100: duplicate key"},
        Bad{"ports:\n  - {name: a, kind: tap, tenant: r, ip: [10.0.0.1/24, 10.0.0.1]}\n",
            "ports[0].ip: '10.0.0.1' has no prefix length"},
        Bad{"ports:\n  - {name: a, kind: tap, tenant: r, ip: [[10.0.0.1/24]]}\n",
            "ports[0].ip[0]: expected a single value, got a list"},
        Bad{"ports:\n  - {name: a, kind: tap, tenant: r, mtu: 70000}\n", "ports[0].mtu: "},
        Bad{"ports:\n  - {name: a, kind: tap, tenant: ''}\n", "ports[0].tenant: empty"},
        Bad{"ports:\n  - {name: a, kind: null, uplink: true, vtep_ip: 192.0.2.1}\n",
            "ports[0].vtep_ip: '192.0.2.1' has no prefix length"},
        Bad{"ports:\n  - {name: a, kind: null, uplink: true, vtep_ip: 192.0.2.1/24, gateway: gw}\n",
            "ports[0].gateway: 'gw' is not an IPv4 address"},
        Bad{"vteps:\n  - {tenant: red}\n", "vteps[0].remote: required"},
        Bad{"vteps:\n  - {remote: 192.0.2.2}\n", "vteps[0].tenant: required"},
        Bad{"vteps:\n  - {tenant: red, remote: 192.0.2.300}\n", "vteps[0].remote: '192.0.2.300' is not"},
        Bad{"vteps:\n  - {tenant: red, remote: 192.0.2.2, vni: 5}\n", "vteps[0].vni: unknown key"},
        Bad{"vteps:\n  - {tenant: red, remote: 192.0.2.2}\n  - {tenant: red, remote: 192.0.2.2}\n",
            "vteps[1]: 'red@192.0.2.2' is already defined at vteps[0]"}));

TEST(ParseTopology, TheVxlanParts) {
  auto r = ParseTopology(
      "tenants:\n  - {name: red, vni: 5001}\n"
      "ports:\n  - {name: up0, kind: af_packet, iface: eth1, uplink: true, vtep_ip: 192.0.2.1/24,\n"
      "      gateway: 192.0.2.254, vtep_iface: vx0}\n"
      "vteps:\n  - {tenant: red, remote: 192.0.2.2}\n  - {tenant: red, remote: 198.51.100.7}\n");
  ASSERT_TRUE(r.ok()) << r.error();
  const Topology& t = r.value();
  ASSERT_EQ(t.ports.size(), 1u);
  EXPECT_EQ(t.ports[0].vtep_ip(), "192.0.2.1/24");
  EXPECT_EQ(t.ports[0].gateway(), "192.0.2.254");
  EXPECT_EQ(t.ports[0].vtep_iface(), "vx0");
  ASSERT_EQ(t.vteps.size(), 2u);
  EXPECT_EQ(t.vteps[1].name(), "red@198.51.100.7");
  EXPECT_EQ(t.vteps[1].tenant(), "red");
  EXPECT_EQ(t.vteps[1].remote(), "198.51.100.7");
}

TEST(ParseTopology, UnknownKeyListsTheKnownOnes) {
  auto r = ParseTopology("tenants:\n  - name: red\n    vlna: 5\n");
  EXPECT_THAT(r.error(), HasSubstr("known: name, id, vlan, mac_limit, vni"));
}

TEST(ParseTopology, NullWordIsTextNotAbsence) {
  // `~` is YAML's null: no value; the word `null` is the null port kind.
  EXPECT_THAT(ParseTopology("ports:\n  - {name: a, kind: ~, uplink: true}\n").error(),
              StartsWith("ports[0].kind: missing value"));
  auto r = ParseTopology("ports:\n  - name: a\n    kind: NULL\n    uplink: yes\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().ports[0].kind(), v1::PORT_KIND_NULL);
}

}  // namespace
}  // namespace yardctl
