#include "requests.h"

#include <functional>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace yardctl {
namespace {
namespace v1 = switchyard::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(BuildCreateTenant, OnlyGivenFieldsAreSet) {
  TenantAddArgs a;
  a.name = "red";
  a.vlan = "100";
  auto r = BuildCreateTenant(a);
  ASSERT_TRUE(r.ok()) << r.error();
  const v1::Tenant& t = r.value().tenant();
  EXPECT_EQ(t.name(), "red");
  EXPECT_EQ(t.vlan(), 100u);
  EXPECT_EQ(t.id(), 0u);
  EXPECT_EQ(t.mac_limit(), 0u);
  EXPECT_EQ(t.vni(), 0u);
}

TEST(BuildCreateTenant, AllFields) {
  TenantAddArgs a{"blue", "7", "200", "1000", "16777215"};
  auto r = BuildCreateTenant(a);
  ASSERT_TRUE(r.ok()) << r.error();
  const v1::Tenant& t = r.value().tenant();
  EXPECT_EQ(t.id(), 7u);
  EXPECT_EQ(t.vlan(), 200u);
  EXPECT_EQ(t.mac_limit(), 1000u);
  EXPECT_EQ(t.vni(), 16777215u);
}

TEST(BuildCreateTenant, PolicyLimitsAreControldsButFieldWidthsAreChecked) {
  // id 20000 breaks controld's 1..16383 rule; that is for controld to say.
  EXPECT_TRUE(BuildCreateTenant({"red", "20000", "", "", ""}).ok());
  EXPECT_THAT(BuildCreateTenant({"red", "", "4095", "", ""}).error(), StartsWith("--vlan: "));
  EXPECT_THAT(BuildCreateTenant({"red", "", "", "", "16777216"}).error(), StartsWith("--vni: "));
  EXPECT_THAT(BuildCreateTenant({"red", "-1", "", "", ""}).error(), StartsWith("--id: "));
  EXPECT_THAT(BuildCreateTenant({"red", "", "", "lots", ""}).error(),
              StartsWith("--mac-limit: "));
}

PortAddArgs Port(std::string kind) {
  PortAddArgs a;
  a.name = "p1";
  a.kind = std::move(kind);
  return a;
}

TEST(BuildCreatePort, AccessWithVlan) {
  PortAddArgs a = Port("vhost-user");
  a.socket = "/run/vm1.sock";
  a.tenant = "red";
  a.vlan = "10";
  auto r = BuildCreatePort(a);
  ASSERT_TRUE(r.ok()) << r.error();
  const v1::Port& p = r.value().port();
  EXPECT_EQ(p.name(), "p1");
  EXPECT_EQ(p.kind(), v1::PORT_KIND_VHOST_SERVER);
  EXPECT_EQ(p.socket(), "/run/vm1.sock");
  EXPECT_EQ(p.role(), v1::PORT_ROLE_ACCESS);
  EXPECT_EQ(p.tenant(), "red");
  EXPECT_EQ(p.access_vlan(), 10u);
  EXPECT_FALSE(p.has_tap());
}

TEST(BuildCreatePort, TrunkFromRepeatedAndCommaSeparated) {
  PortAddArgs a = Port("af_packet");
  a.iface = "eth1";
  a.trunk = {"10=red,20=blue", "30=green"};
  auto r = BuildCreatePort(a);
  ASSERT_TRUE(r.ok()) << r.error();
  const v1::Port& p = r.value().port();
  EXPECT_EQ(p.role(), v1::PORT_ROLE_TRUNK);
  ASSERT_EQ(p.trunk_size(), 3);
  EXPECT_EQ(p.trunk(2).vlan(), 30u);
  EXPECT_EQ(p.trunk(2).tenant(), "green");
  EXPECT_EQ(p.iface(), "eth1");
}

TEST(BuildCreatePort, UplinkPci) {
  PortAddArgs a = Port("pci");
  a.devargs = "0000:01:00.0";
  a.uplink = true;
  auto r = BuildCreatePort(a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().port().role(), v1::PORT_ROLE_UPLINK);
  EXPECT_EQ(r.value().port().devargs(), "0000:01:00.0");
}

TEST(BuildCreatePort, TapKernelSide) {
  PortAddArgs a = Port("tap");
  a.tenant = "red";
  a.netns = "ns1";
  a.ips = {"10.0.0.1/24", "fd00::1/64"};
  a.mtu = "1500";
  auto r = BuildCreatePort(a);
  ASSERT_TRUE(r.ok()) << r.error();
  const v1::TapKernelConfig& tap = r.value().port().tap();
  EXPECT_EQ(tap.netns(), "ns1");
  ASSERT_EQ(tap.addresses_size(), 2);
  EXPECT_EQ(tap.addresses(1), "fd00::1/64");
  EXPECT_EQ(tap.mtu(), 1500u);
}

TEST(BuildCreatePort, ExactlyOneRole) {
  PortAddArgs none = Port("tap");
  EXPECT_THAT(BuildCreatePort(none).error(), StartsWith("--tenant, --trunk, --uplink: "));
  PortAddArgs two = Port("tap");
  two.tenant = "red";
  two.uplink = true;
  EXPECT_THAT(BuildCreatePort(two).error(), StartsWith("--tenant, --trunk, --uplink: "));
  PortAddArgs vlan_without_tenant = Port("tap");
  vlan_without_tenant.uplink = true;
  vlan_without_tenant.vlan = "5";
  EXPECT_THAT(BuildCreatePort(vlan_without_tenant).error(), StartsWith("--vlan: "));
}

TEST(BuildCreatePort, SyntaxErrorsNameTheOption) {
  PortAddArgs a = Port("tapp");
  a.tenant = "red";
  EXPECT_THAT(BuildCreatePort(a).error(), StartsWith("--kind: "));
  a = Port("tap");
  a.tenant = "red";
  a.vlan = "4095";
  EXPECT_THAT(BuildCreatePort(a).error(), StartsWith("--vlan: "));
  a = Port("tap");
  a.trunk = {"10:red"};
  EXPECT_THAT(BuildCreatePort(a).error(), StartsWith("--trunk: "));
  a = Port("tap");
  a.uplink = true;
  a.ips = {"10.0.0.1/24", "10.0.0.300/24"};
  EXPECT_THAT(BuildCreatePort(a).error(), StartsWith("--ip: "));
  a = Port("tap");
  a.uplink = true;
  a.mtu = "70000";
  EXPECT_THAT(BuildCreatePort(a).error(), StartsWith("--mtu: "));
}

TEST(FieldLabel, OptionOnTheCommandLinePathInAFile) {
  EXPECT_EQ(FieldLabel("", "mac_limit"), "--mac-limit");
  EXPECT_EQ(FieldLabel("tenants[2]", "mac_limit"), "tenants[2].mac_limit");
}

TEST(BuildCreatePort, FromAFileErrorsNameThePath) {
  PortAddArgs a = Port("tap");
  a.path = "ports[3]";
  a.tenant = "red";
  a.vlan = "4095";
  EXPECT_THAT(BuildCreatePort(a).error(), StartsWith("ports[3].vlan: "));
  a.vlan = "";
  a.uplink = true;
  EXPECT_THAT(BuildCreatePort(a).error(),
              StartsWith("ports[3]: give exactly one of tenant, trunk"));
  a = Port("tap");
  a.path = "ports[0]";
  a.trunk_map = {{"10", "red"}, {"5000", "blue"}};
  EXPECT_THAT(BuildCreatePort(a).error(), StartsWith("ports[0].trunk: VLAN '5000'"));
  a.trunk_map = {{"20", "red"}, {"10", "blue"}};
  auto r = BuildCreatePort(a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().port().role(), v1::PORT_ROLE_TRUNK);
  ASSERT_EQ(r.value().port().trunk_size(), 2);
  EXPECT_EQ(r.value().port().trunk(1).vlan(), 10u);
  EXPECT_EQ(r.value().port().trunk(1).tenant(), "blue");
}

TEST(BuildCreateTenant, FromAFileErrorsNameThePath) {
  TenantAddArgs a{"red", "", "", "lots", ""};
  a.path = "tenants[1]";
  EXPECT_THAT(BuildCreateTenant(a).error(), StartsWith("tenants[1].mac_limit: "));
}

v1::Port AccessPort(uint32_t vlan) {
  v1::Port p;
  p.set_name("vm1");
  p.set_kind(v1::PORT_KIND_TAP);
  p.set_iface("vm1");
  p.set_role(v1::PORT_ROLE_ACCESS);
  p.set_tenant("red");
  p.set_access_vlan(vlan);
  p.set_generation(9);
  return p;
}

TEST(BuildUpdatePort, VlanAloneKeepsEverythingElse) {
  PortAddArgs a;
  a.name = "vm1";
  a.vlan = "30";
  auto r = BuildUpdatePort(AccessPort(0), a);
  ASSERT_TRUE(r.ok()) << r.error();
  v1::Port want = AccessPort(30);
  want.clear_generation();
  EXPECT_EQ(r.value().port().DebugString(), want.DebugString());
}

TEST(BuildUpdatePort, TenantKeepsTheTagUnlessGiven) {
  PortAddArgs a;
  a.name = "vm1";
  a.tenant = "blue";
  auto r = BuildUpdatePort(AccessPort(30), a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().port().tenant(), "blue");
  EXPECT_EQ(r.value().port().access_vlan(), 30u);
  a.vlan = "0";
  r = BuildUpdatePort(AccessPort(30), a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().port().access_vlan(), 0u);
}

TEST(BuildUpdatePort, TrunkReplacesTheRole) {
  PortAddArgs a;
  a.name = "vm1";
  a.trunk = {"10=red,20=blue"};
  auto r = BuildUpdatePort(AccessPort(30), a);
  ASSERT_TRUE(r.ok()) << r.error();
  const v1::Port& p = r.value().port();
  EXPECT_EQ(p.role(), v1::PORT_ROLE_TRUNK);
  EXPECT_EQ(p.tenant(), "");
  EXPECT_EQ(p.access_vlan(), 0u);
  ASSERT_EQ(p.trunk_size(), 2);
  EXPECT_EQ(p.trunk(1).tenant(), "blue");
}

TEST(BuildUpdatePort, DeviceFieldsArePassedOnForControldToJudge) {
  PortAddArgs a;
  a.name = "vm1";
  a.kind = "ring";
  a.socket = "/run/x.sock";
  auto r = BuildUpdatePort(AccessPort(0), a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().port().kind(), v1::PORT_KIND_RING);
  EXPECT_EQ(r.value().port().socket(), "/run/x.sock");
}

TEST(BuildUpdatePort, Errors) {
  PortAddArgs a;
  a.name = "vm1";
  EXPECT_THAT(BuildUpdatePort(AccessPort(0), a).error(), StartsWith("nothing to change"));
  a.tenant = "red";
  a.uplink = true;
  EXPECT_THAT(BuildUpdatePort(AccessPort(0), a).error(), ::testing::HasSubstr("at most one"));
  PortAddArgs v;
  v.name = "vm1";
  v.vlan = "5";
  v1::Port trunk = AccessPort(0);
  trunk.set_role(v1::PORT_ROLE_TRUNK);
  EXPECT_THAT(BuildUpdatePort(trunk, v).error(), StartsWith("--vlan: port vm1 is not an access port"));
  v.vlan = "5000";
  EXPECT_THAT(BuildUpdatePort(AccessPort(0), v).error(), StartsWith("--vlan"));
}

TEST(BuildUpdateTenant, GivenFieldsOverTheCurrentOnes) {
  v1::Tenant cur;
  cur.set_name("red");
  cur.set_id(3);
  cur.set_vlan(100);
  cur.set_mac_limit(50);
  cur.set_generation(4);
  TenantAddArgs a;
  a.name = "red";
  a.mac_limit = "0";
  auto r = BuildUpdateTenant(cur, a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().tenant().id(), 3u);
  EXPECT_EQ(r.value().tenant().vlan(), 100u);
  EXPECT_EQ(r.value().tenant().mac_limit(), 0u);
  EXPECT_EQ(r.value().tenant().generation(), 0u);
  TenantAddArgs none;
  none.name = "red";
  EXPECT_THAT(BuildUpdateTenant(cur, none).error(), StartsWith("nothing to change"));
}

TEST(ParseRate, DecimalMultiples) {
  EXPECT_EQ(ParseRate("", "--bps").value(), 0u);
  EXPECT_EQ(ParseRate("1500", "--bps").value(), 1500u);
  EXPECT_EQ(ParseRate("100k", "--bps").value(), 100'000u);
  EXPECT_EQ(ParseRate("100K", "--bps").value(), 100'000u);
  EXPECT_EQ(ParseRate("2.5M", "--bps").value(), 2'500'000u);
  EXPECT_EQ(ParseRate("10G", "--bps").value(), 10'000'000'000u);
  EXPECT_EQ(ParseRate("0.5", "--pps").value(), 1u) << "rounded";
  for (const char* bad : {"M", "1.2.3", "-5", "+5", "1e6", "0x10", "inf", "nan", " 5", "5 ", "5m", "5T",
                          ".", "2000000G"}) {
    auto r = ParseRate(bad, "--peak-bps");
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error(), StartsWith("--peak-bps: ")) << bad;
  }
}

TEST(BuildSetLimit, SelectorsAndRates) {
  LimitArgs a;
  a.port = "vm1";
  a.bps = "20M";
  a.pps = "10k";
  a.burst = "64k";
  auto r = BuildSetLimit(a);
  ASSERT_TRUE(r.ok()) << r.error();
  const v1::Limit& l = r.value().limit();
  EXPECT_EQ(l.port(), "vm1");
  EXPECT_EQ(l.direction(), v1::LIMIT_DIRECTION_IN);
  EXPECT_EQ(l.bps(), 20'000'000u);
  EXPECT_EQ(l.pps(), 10'000u);
  EXPECT_EQ(l.burst_bytes(), 64'000u);
  EXPECT_EQ(l.burst_packets(), 0u) << "not given: controld's default";

  a = {};
  a.tenant = "red";
  a.bps = "1G";
  a.peak_bps = "2G";
  a.peak_burst = "1M";
  r = BuildSetLimit(a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().limit().tenant(), "red");
  EXPECT_EQ(r.value().limit().peak_bps(), 2'000'000'000u);
  EXPECT_EQ(r.value().limit().peak_burst_bytes(), 1'000'000u);

  a = {};
  a.port = "vm1";
  a.direction = "out";
  a.storm = "multicast";
  a.pps = "100";
  r = BuildSetLimit(a);
  ASSERT_TRUE(r.ok()) << "which selectors go together is controld's rule";
  EXPECT_EQ(r.value().limit().direction(), v1::LIMIT_DIRECTION_OUT);
  EXPECT_EQ(r.value().limit().storm(), v1::STORM_CLASS_MULTICAST);
}

TEST(BuildSetLimit, BurstAsTimeCoversEveryRate) {
  LimitArgs a;
  a.port = "vm1";
  a.bps = "100M";
  a.peak_bps = "200M";
  a.pps = "1M";
  a.burst_ms = "20";
  auto r = BuildSetLimit(a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().limit().burst_bytes(), 250'000u);  // 20 ms of 12.5 MB/s
  EXPECT_EQ(r.value().limit().peak_burst_bytes(), 500'000u);
  EXPECT_EQ(r.value().limit().burst_packets(), 20'000u);
  // At least one minimum frame / one packet.
  a = {};
  a.port = "vm1";
  a.bps = "8k";
  a.pps = "10";
  a.burst_ms = "1";
  r = BuildSetLimit(a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().limit().burst_bytes(), 64u);
  EXPECT_EQ(r.value().limit().burst_packets(), 1u);
  EXPECT_EQ(r.value().limit().peak_burst_bytes(), 0u) << "no peak rate";
}

TEST(BuildSetLimit, ErrorsNameTheOption) {
  struct Bad {
    std::function<void(LimitArgs&)> mutate;
    std::string prefix;
  };
  const std::vector<Bad> cases = {
      {[](LimitArgs& a) { a.port.clear(); }, "--port, --tenant"},
      {[](LimitArgs& a) { a.tenant = "red"; }, "--port, --tenant"},
      {[](LimitArgs& a) { a.direction = "both"; }, "--direction: "},
      {[](LimitArgs& a) { a.storm = "all"; }, "--storm: "},
      {[](LimitArgs& a) { a.bps = "fast"; }, "--bps: "},
      {[](LimitArgs& a) { a.pps = "-1"; }, "--pps: "},
      {[](LimitArgs& a) { a.burst = "1x"; }, "--burst: "},
      {[](LimitArgs& a) { a.excess_burst = "x"; }, "--excess-burst: "},
      {[](LimitArgs& a) { a.peak_burst = "x"; }, "--peak-burst: "},
      {[](LimitArgs& a) { a.burst_packets = "x"; }, "--burst-packets: "},
      {[](LimitArgs& a) { a.burst_ms = "0"; }, "--burst-ms: "},
      {[](LimitArgs& a) { a.burst_ms = "5"; a.burst = "1000"; }, "--burst-ms: "},
      {[](LimitArgs& a) { a.burst_ms = "5"; a.burst_packets = "10"; }, "--burst-ms: "},
      {[](LimitArgs& a) { a.burst_ms = "5"; a.peak_burst = "1000"; }, "--burst-ms: "},
  };
  for (const Bad& c : cases) {
    LimitArgs a;
    a.port = "vm1";
    a.bps = "1M";
    c.mutate(a);
    auto r = BuildSetLimit(a);
    ASSERT_FALSE(r.ok()) << c.prefix;
    EXPECT_THAT(r.error(), StartsWith(c.prefix));
  }
  LimitArgs clear;
  clear.tenant = "red";
  clear.direction = "sideways";
  EXPECT_THAT(BuildLimitTarget(clear).error(), StartsWith("--direction: "));
}

TEST(BuildCreateTenant, DefaultPolicy) {
  TenantAddArgs a;
  a.name = "red";
  auto r = BuildCreateTenant(a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().tenant().default_policy(), v1::RULE_POLICY_ALLOW);
  a.default_policy = "deny";
  r = BuildCreateTenant(a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().tenant().default_policy(), v1::RULE_POLICY_DENY);
  a.default_policy = "reject";
  EXPECT_EQ(BuildCreateTenant(a).error(), "--default-policy: 'allow' or 'deny', got 'reject'");
}

TEST(BuildUpdateTenant, DefaultPolicyOnlyWhenGiven) {
  v1::Tenant cur;
  cur.set_name("red");
  cur.set_vlan(100);
  cur.set_default_policy(v1::RULE_POLICY_DENY);
  TenantAddArgs vlan;
  vlan.name = "red";
  vlan.vlan = "200";
  auto r = BuildUpdateTenant(cur, vlan);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().tenant().default_policy(), v1::RULE_POLICY_DENY) << "kept";
  EXPECT_EQ(r.value().tenant().vlan(), 200u);
  TenantAddArgs allow;
  allow.name = "red";
  allow.default_policy = "allow";
  r = BuildUpdateTenant(cur, allow);
  ASSERT_TRUE(r.ok()) << "the policy alone is a change: " << r.error();
  EXPECT_EQ(r.value().tenant().default_policy(), v1::RULE_POLICY_ALLOW);
  EXPECT_EQ(r.value().tenant().vlan(), 100u);
}

TEST(BuildLimitTarget, Meter) {
  LimitArgs a;
  a.meter = "web";
  a.bps = "10M";
  auto r = BuildSetLimit(a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().limit().meter(), "web");
  EXPECT_EQ(r.value().limit().port(), "");
  EXPECT_EQ(r.value().limit().tenant(), "");
  EXPECT_EQ(r.value().limit().storm(), v1::STORM_CLASS_NONE);
  EXPECT_EQ(r.value().limit().bps(), 10'000'000u);

  LimitArgs both;
  both.meter = "web";
  both.tenant = "red";
  EXPECT_EQ(BuildLimitTarget(both).error(), "--port, --tenant, --meter: give exactly one");
  both = {};
  both.meter = "web";
  both.port = "vm1";
  EXPECT_EQ(BuildLimitTarget(both).error(), "--port, --tenant, --meter: give exactly one");
  EXPECT_EQ(BuildLimitTarget(LimitArgs{}).error(), "--port, --tenant, --meter: give exactly one");

  LimitArgs dir;
  dir.meter = "web";
  dir.direction = "in";
  EXPECT_THAT(BuildLimitTarget(dir).error(), StartsWith("--direction: not with --meter"));
  LimitArgs storm;
  storm.meter = "web";
  storm.storm = "broadcast";
  EXPECT_THAT(BuildLimitTarget(storm).error(), StartsWith("--storm: not with --meter"));
}

RuleArgs WebRule() {
  RuleArgs a;
  a.name = "web";
  a.tenant = "red";
  a.priority = "100";
  a.match = "ip_proto=tcp,dst_port=80";
  a.action = "redirect:fw0,mirror:tap1";
  return a;
}

TEST(BuildRule, AllFields) {
  auto r = BuildRule(WebRule());
  ASSERT_TRUE(r.ok()) << r.error();
  const v1::Rule& rule = r.value();
  EXPECT_EQ(rule.name(), "web");
  EXPECT_EQ(rule.tenant(), "red");
  EXPECT_FALSE(rule.global());
  EXPECT_EQ(rule.priority(), 100u);
  ASSERT_TRUE(rule.match().has_ip_proto());
  EXPECT_EQ(rule.match().ip_proto(), 6u);
  EXPECT_EQ(rule.match().dst_port().min(), 80u);
  EXPECT_EQ(rule.match().dst_port().max(), 80u);
  EXPECT_FALSE(rule.match().has_src_port());
  EXPECT_EQ(rule.actions().verdict(), v1::RULE_VERDICT_REDIRECT);
  EXPECT_EQ(rule.actions().redirect(), "fw0");
  EXPECT_EQ(rule.actions().mirror(), "tap1");
}

TEST(BuildRule, NoMatchIsEveryFrame) {
  RuleArgs a = WebRule();
  a.match.reset();
  a.tenant.clear();
  a.global = true;
  a.action = "drop";
  auto r = BuildRule(a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r.value().global());
  EXPECT_EQ(r.value().tenant(), "");
  EXPECT_EQ(r.value().match().ByteSizeLong(), 0u);
  EXPECT_EQ(r.value().actions().verdict(), v1::RULE_VERDICT_DROP);
  a.match = "";
  r = BuildRule(a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().match().ByteSizeLong(), 0u);
}

TEST(BuildRule, ExactlyOneScope) {
  RuleArgs a = WebRule();
  a.global = true;
  EXPECT_THAT(BuildRule(a).error(), StartsWith("--tenant, --global: give exactly one"));
  a.tenant.clear();
  a.global = false;
  EXPECT_THAT(BuildRule(a).error(), StartsWith("--tenant, --global: give exactly one"));
  a.path = "rule 2 (web)";
  EXPECT_THAT(BuildRule(a).error(), StartsWith("rule 2 (web): tenant, global: "));
}

TEST(BuildRule, ErrorsNameTheOption) {
  struct Bad {
    std::function<void(RuleArgs&)> mutate;
    std::string error;  // a prefix, then what must be in it
    std::string detail;
  };
  const std::vector<Bad> cases = {
      {[](RuleArgs& a) { a.match = "ip_proto=tcp,dport=80"; }, "--match: unknown key 'dport'",
       "dst_port"},
      {[](RuleArgs& a) { a.match = "src_ip=10.0.0.300"; }, "--match: src_ip: ", "10.0.0.300"},
      {[](RuleArgs& a) { a.match = "dst_port=80"; }, "--match: dst_port: ", "ip_proto"},
      {[](RuleArgs& a) { a.action = "accept"; }, "--action: unknown action 'accept'", "allow"},
      {[](RuleArgs& a) { a.action = "redirect"; }, "--action: redirect: ", "PORT"},
      {[](RuleArgs& a) { a.action = "drop,set_vlan:5"; }, "--action: set_vlan: ", "dropped"},
      {[](RuleArgs& a) { a.action.clear(); }, "--action: required", ""},
      {[](RuleArgs& a) { a.priority = "65536"; }, "--priority: ", "65536"},
      {[](RuleArgs& a) { a.priority = "high"; }, "--priority: ", "high"},
      {[](RuleArgs& a) { a.priority.clear(); }, "--priority: required", ""},
      {[](RuleArgs& a) { a.name.clear(); }, "NAME: required", ""},
  };
  for (const Bad& c : cases) {
    RuleArgs a = WebRule();
    c.mutate(a);
    auto r = BuildRule(a);
    ASSERT_FALSE(r.ok()) << c.error;
    EXPECT_THAT(r.error(), StartsWith(c.error));
    EXPECT_THAT(r.error(), HasSubstr(c.detail));
  }
  RuleArgs a = WebRule();
  a.path = "rule 3 (web)";
  a.match = "dport=80";
  EXPECT_THAT(BuildRule(a).error(), StartsWith("rule 3 (web): match: unknown key 'dport'"));
}

v1::Rule StoredWebRule() {
  auto r = BuildRule(WebRule());
  EXPECT_TRUE(r.ok()) << r.error();
  v1::Rule rule = r.value();
  rule.set_generation(12);
  return rule;
}

TEST(MergeRuleSet, KeepsWhatIsNotGiven) {
  const v1::Rule cur = StoredWebRule();
  RuleArgs a;
  a.name = "web";
  a.priority = "200";
  auto r = MergeRuleSet(cur, a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().priority(), 200u);
  EXPECT_EQ(r.value().tenant(), "red");
  EXPECT_FALSE(r.value().global());
  EXPECT_EQ(r.value().match().ip_proto(), 6u);
  EXPECT_EQ(r.value().match().dst_port().min(), 80u);
  EXPECT_EQ(r.value().actions().redirect(), "fw0");
  EXPECT_EQ(r.value().actions().mirror(), "tap1");
  EXPECT_EQ(r.value().generation(), 0u);

  RuleArgs action;
  action.name = "web";
  action.action = "allow";
  r = MergeRuleSet(cur, action);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().actions().verdict(), v1::RULE_VERDICT_ALLOW);
  EXPECT_EQ(r.value().actions().redirect(), "") << "the actions are replaced as a whole";
  EXPECT_EQ(r.value().actions().mirror(), "");
  EXPECT_EQ(r.value().priority(), 100u);
  EXPECT_EQ(r.value().match().ip_proto(), 6u);
}

TEST(MergeRuleSet, EmptyMatchAndScope) {
  const v1::Rule cur = StoredWebRule();
  RuleArgs a;
  a.name = "web";
  a.match = "";
  a.global = true;
  auto r = MergeRuleSet(cur, a);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().match().ByteSizeLong(), 0u) << "every frame";
  EXPECT_TRUE(r.value().global());
  EXPECT_EQ(r.value().tenant(), "");
  EXPECT_EQ(r.value().priority(), 100u);
  EXPECT_EQ(r.value().actions().redirect(), "fw0");

  RuleArgs t;
  t.name = "web";
  t.tenant = "blue";
  r = MergeRuleSet(r.value(), t);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().tenant(), "blue");
  EXPECT_FALSE(r.value().global());
}

TEST(MergeRuleSet, Errors) {
  const v1::Rule cur = StoredWebRule();
  RuleArgs none;
  none.name = "web";
  EXPECT_THAT(MergeRuleSet(cur, none).error(), StartsWith("nothing to change"));
  RuleArgs both;
  both.name = "web";
  both.tenant = "blue";
  both.global = true;
  EXPECT_THAT(MergeRuleSet(cur, both).error(), StartsWith("--tenant, --global: give at most one"));
  RuleArgs bad;
  bad.name = "web";
  bad.match = "sport=1";
  EXPECT_THAT(MergeRuleSet(cur, bad).error(), StartsWith("--match: unknown key 'sport'"));
  bad.match.reset();
  bad.action = "drop,meter:m1";
  EXPECT_THAT(MergeRuleSet(cur, bad).error(), StartsWith("--action: meter: "));
}

}  // namespace
}  // namespace yardctl
