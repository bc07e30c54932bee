// Flow rules against the desired state (model/checks.h: PrepareRule,
// PrepareRuleReplace, RulesOfTenant, RulesUsingMeter), meters as limits
// (NormalizeLimit, LimitTarget) and a tenant's default policy. Every
// failing case asserts the gRPC code and what the message names.

#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "model/checks.h"
#include "model/validate.h"
#include "switchyard/rule_syntax.h"

namespace switchyard::controlplane {
namespace {

using grpc::StatusCode;

bool Has(const Status& st, const std::string& part) { return st.message().find(part) != std::string::npos; }

// A rule with no scope: `match` and `actions` in the yardctl grammar.
pb::Rule MakeRule(const std::string& name, uint32_t priority, const std::string& match,
                  const std::string& actions = "allow") {
  pb::Rule r;
  r.set_name(name);
  r.set_priority(priority);
  if (auto e = rules::ParseMatchExpr(match, r.mutable_match())) ADD_FAILURE() << "'" << match << "': " << *e;
  if (auto e = rules::ParseActionsExpr(actions, r.mutable_actions()))
    ADD_FAILURE() << "'" << actions << "': " << *e;
  return r;
}

pb::Rule TenantRule(const std::string& tenant, const std::string& name, uint32_t priority,
                    const std::string& match, const std::string& actions = "allow") {
  pb::Rule r = MakeRule(name, priority, match, actions);
  r.set_tenant(tenant);
  return r;
}

pb::Rule GlobalRule(const std::string& name, uint32_t priority, const std::string& match,
                    const std::string& actions = "allow") {
  pb::Rule r = MakeRule(name, priority, match, actions);
  r.set_global(true);
  return r;
}

RuleScope TenantScope(const std::string& tenant) {
  RuleScope s;
  s.tenant = tenant;
  return s;
}

RuleScope GlobalScope() {
  RuleScope s;
  s.global = true;
  return s;
}

class RuleChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddTenant("blue", 1, 100);  // has an uplink VLAN: up0 carries it
    AddTenant("red", 2, 0);
    AddTenant("green", 3, 0);
    AddAccess("vm1", "blue");
    AddAccess("vm2", "blue");
    AddAccess("vm3", "red");
    pb::Port trunk;
    trunk.set_name("trunk1");
    trunk.set_kind(pb::PORT_KIND_TAP);
    trunk.set_iface("trunk1");
    trunk.set_role(pb::PORT_ROLE_TRUNK);
    auto* tv = trunk.add_trunk();
    tv->set_vlan(10);
    tv->set_tenant("red");
    tv = trunk.add_trunk();
    tv->set_vlan(20);
    tv->set_tenant("green");
    state_.ports[trunk.name()] = trunk;
    pb::Port up;
    up.set_name("up0");
    up.set_kind(pb::PORT_KIND_PCI);
    up.set_devargs("0000:01:00.0");
    up.set_role(pb::PORT_ROLE_UPLINK);
    state_.ports[up.name()] = up;

    pb::Limit meter;
    meter.set_meter("gold");
    meter.set_bps(10'000'000);
    Status st = NormalizeLimit(meter);
    ASSERT_TRUE(st.ok()) << st.message();
    ASSERT_EQ(meter.name(), "meter/gold");
    state_.limits[meter.name()] = meter;
    pb::Limit port_limit;
    port_limit.set_port("vm1");
    port_limit.set_bps(10'000'000);
    st = NormalizeLimit(port_limit);
    ASSERT_TRUE(st.ok()) << st.message();
    state_.limits[port_limit.name()] = port_limit;
  }

  void AddTenant(const std::string& name, uint32_t id, uint32_t vlan) {
    pb::Tenant t;
    t.set_name(name);
    t.set_id(id);
    t.set_vlan(vlan);
    state_.tenants[name] = t;
  }

  void AddAccess(const std::string& name, const std::string& tenant) {
    pb::Port p;
    p.set_name(name);
    p.set_kind(pb::PORT_KIND_VHOST_SERVER);
    p.set_socket("/run/switchyard/vhost/" + name + ".sock");
    p.set_role(pb::PORT_ROLE_ACCESS);
    p.set_tenant(tenant);
    state_.ports[name] = p;
  }

  // As the store holds it: normalized, with a generation stamp.
  void AddRule(pb::Rule r) {
    Status st = NormalizeRule(r);
    ASSERT_TRUE(st.ok()) << r.name() << ": " << st.message();
    r.set_generation(++generation_);
    state_.rules[r.name()] = r;
  }

  Status Create(pb::Rule r) { return PrepareRule(state_, r, false); }
  Status Update(pb::Rule r) { return PrepareRule(state_, r, true); }

  DesiredState state_;
  uint64_t generation_ = 100;
};

// --- PrepareRule: field rules and references ---

TEST_F(RuleChecksTest, AcceptsAGoodRuleInCanonicalForm) {
  pb::Rule r = TenantRule("blue", "web", 10,
                          "in_port=vm1,src_mac=AA:BB:CC:DD:EE:FF/ff:ff:ff:ff:ff:ff,src_ip=10.1.2.3/8,"
                          "dst_ip=192.0.2.7,ip_proto=tcp,dst_port=80",
                          "redirect:vm2,mirror:vm1,meter:gold,set_vlan:5");
  r.set_generation(42);
  Status st = PrepareRule(state_, r, false);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.match().src_ip(), "10.0.0.0/8");
  EXPECT_EQ(r.match().dst_ip(), "192.0.2.7/32");
  EXPECT_EQ(r.match().src_mac(), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(r.match().in_port(), "vm1");
  EXPECT_EQ(r.actions().redirect(), "vm2");
  EXPECT_EQ(r.generation(), 0u) << "the control plane sets it";
}

TEST_F(RuleChecksTest, UnknownTenant) {
  Status st = Create(TenantRule("nope", "r1", 1, ""));
  EXPECT_EQ(st.code(), StatusCode::NOT_FOUND) << st.message();
  EXPECT_TRUE(Has(st, "rule.tenant")) << st.message();
  EXPECT_TRUE(Has(st, "'nope'")) << st.message();
}

TEST_F(RuleChecksTest, ExactlyOneScope) {
  pb::Rule both = TenantRule("blue", "r1", 1, "");
  both.set_global(true);
  Status st = Create(both);
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << st.message();
  EXPECT_TRUE(Has(st, "rule.tenant")) << st.message();
  EXPECT_TRUE(Has(st, "rule.global")) << st.message();

  st = Create(MakeRule("r1", 1, ""));
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << st.message();
  EXPECT_TRUE(Has(st, "rule.global")) << st.message();

  pb::Rule bad_tenant = TenantRule("a/b", "r1", 1, "");
  st = Create(bad_tenant);
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << st.message();
  EXPECT_TRUE(Has(st, "rule.tenant")) << st.message();
}

TEST_F(RuleChecksTest, FieldErrorsNameTheField) {
  Status st = Create(TenantRule("blue", "r1", 65536, ""));
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << st.message();
  EXPECT_TRUE(Has(st, "rule.priority")) << st.message();
  EXPECT_TRUE(Create(TenantRule("blue", "r1", 65535, "")).ok());

  st = Create(TenantRule("blue", "bad name", 1, ""));
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << st.message();
  EXPECT_TRUE(Has(st, "rule.name")) << st.message();

  pb::Rule bad_ip = TenantRule("blue", "r1", 1, "");
  bad_ip.mutable_match()->set_src_ip("10.0.0.300");
  st = Create(bad_ip);
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << st.message();
  EXPECT_TRUE(Has(st, "rule.match.src_ip")) << st.message();

  pb::Rule no_target = TenantRule("blue", "r1", 1, "");
  no_target.mutable_actions()->set_verdict(pb::RULE_VERDICT_REDIRECT);
  st = Create(no_target);
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << st.message();
  EXPECT_TRUE(Has(st, "rule.actions.redirect")) << st.message();

  pb::Rule bad_port = TenantRule("blue", "r1", 1, "");
  bad_port.mutable_match()->set_in_port("a/b");
  st = Create(bad_port);
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << st.message();
  EXPECT_TRUE(Has(st, "rule.match.in_port")) << st.message();
}

TEST_F(RuleChecksTest, UnknownPortsAreNamed) {
  const struct {
    std::string match, actions, field;
  } cases[] = {
      {"in_port=vm9", "allow", "rule.match.in_port"},
      {"", "redirect:vm9", "rule.actions.redirect"},
      {"", "allow,mirror:vm9", "rule.actions.mirror"},
      {"", "drop,mirror:vm9", "rule.actions.mirror"},
  };
  for (const auto& c : cases) {
    Status st = Create(TenantRule("blue", "r1", 1, c.match, c.actions));
    EXPECT_EQ(st.code(), StatusCode::NOT_FOUND) << c.field << ": " << st.message();
    EXPECT_TRUE(Has(st, c.field)) << st.message();
    EXPECT_TRUE(Has(st, "'vm9'")) << st.message();
    st = Create(GlobalRule("g1", 1, c.match, c.actions));
    EXPECT_EQ(st.code(), StatusCode::NOT_FOUND) << "global, " << c.field << ": " << st.message();
    EXPECT_TRUE(Has(st, c.field)) << st.message();
  }
}

TEST_F(RuleChecksTest, TenantRulesStayInsideTheTenant) {
  const struct {
    std::string tenant, match, actions, field, port;
  } refused[] = {
      {"blue", "", "redirect:vm3", "rule.actions.redirect", "vm3"},  // red's access port
      {"blue", "in_port=vm3", "allow", "rule.match.in_port", "vm3"},
      {"blue", "", "allow,mirror:vm3", "rule.actions.mirror", "vm3"},
      {"blue", "", "redirect:trunk1", "rule.actions.redirect", "trunk1"},  // red and green only
      {"red", "", "redirect:vm1", "rule.actions.redirect", "vm1"},
      {"red", "", "redirect:up0", "rule.actions.redirect", "up0"},  // red has no uplink VLAN
  };
  for (const auto& c : refused) {
    Status st = Create(TenantRule(c.tenant, "r1", 1, c.match, c.actions));
    EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION) << c.tenant << " " << c.actions << ": " << st.message();
    EXPECT_TRUE(Has(st, "does not carry")) << st.message();
    EXPECT_TRUE(Has(st, c.field)) << st.message();
    EXPECT_TRUE(Has(st, "'" + c.port + "'")) << st.message();
    EXPECT_TRUE(Has(st, "'" + c.tenant + "'")) << st.message();
  }

  const struct {
    std::string tenant, match, actions;
  } accepted[] = {
      {"red", "", "redirect:trunk1"},  // a trunk carrying red
      {"green", "in_port=trunk1", "allow,mirror:trunk1"},
      {"red", "in_port=trunk1", "redirect:vm3"},
      {"blue", "", "redirect:up0"},  // the uplink carries blue's VLAN
      {"blue", "in_port=vm1", "redirect:vm2,mirror:vm1"},
  };
  for (const auto& c : accepted) {
    Status st = Create(TenantRule(c.tenant, "r1", 1, c.match, c.actions));
    EXPECT_TRUE(st.ok()) << c.tenant << " " << c.match << " " << c.actions << ": " << st.message();
  }
}

TEST_F(RuleChecksTest, GlobalRulesMayNameAnyPort) {
  Status st = Create(GlobalRule("g1", 1, "in_port=vm3", "redirect:vm1,mirror:trunk1"));
  EXPECT_TRUE(st.ok()) << st.message();
  st = Create(GlobalRule("g2", 1, "in_port=up0", "redirect:vm3"));
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST_F(RuleChecksTest, MeterMustExist) {
  Status st = Create(TenantRule("blue", "r1", 1, "", "allow,meter:silver"));
  EXPECT_EQ(st.code(), StatusCode::NOT_FOUND) << st.message();
  EXPECT_TRUE(Has(st, "rule.actions.meter")) << st.message();
  EXPECT_TRUE(Has(st, "silver")) << st.message();

  st = Create(TenantRule("blue", "r1", 1, "", "allow,meter:gold"));
  EXPECT_TRUE(st.ok()) << st.message();
  st = Create(GlobalRule("g1", 1, "", "redirect:vm3,meter:gold"));
  EXPECT_TRUE(st.ok()) << st.message();

  // Only a meter: the port limit "port/vm1/in" is not "meter/vm1".
  st = Create(TenantRule("blue", "r2", 1, "", "allow,meter:vm1"));
  EXPECT_EQ(st.code(), StatusCode::NOT_FOUND) << st.message();
  EXPECT_TRUE(Has(st, "rule.actions.meter")) << st.message();
}

// --- PrepareRule: names ---

TEST_F(RuleChecksTest, CreateNeedsANewNameUpdateAnExistingOne) {
  AddRule(TenantRule("blue", "web", 10, "ip_proto=tcp,dst_port=80"));

  Status st = Create(TenantRule("red", "web", 1, "ip_proto=udp"));
  EXPECT_EQ(st.code(), StatusCode::ALREADY_EXISTS) << st.message();
  EXPECT_TRUE(Has(st, "rule.name")) << st.message();
  EXPECT_TRUE(Has(st, "'web'")) << st.message();

  st = Update(TenantRule("blue", "nosuch", 1, "ip_proto=udp"));
  EXPECT_EQ(st.code(), StatusCode::NOT_FOUND) << st.message();
  EXPECT_TRUE(Has(st, "'nosuch'")) << st.message();

  st = Update(TenantRule("blue", "web", 10, "ip_proto=tcp,dst_port=8080"));
  EXPECT_TRUE(st.ok()) << st.message();
  st = Update(TenantRule("red", "web", 10, "ip_proto=tcp"));  // to another scope
  EXPECT_TRUE(st.ok()) << st.message();
}

// --- PrepareRule: overlap at one priority in one scope ---

class RuleOverlapTest : public RuleChecksTest {
 protected:
  void SetUp() override {
    RuleChecksTest::SetUp();
    AddRule(TenantRule("blue", "web", 10, "ip_proto=tcp,dst_port=80"));
    AddRule(TenantRule("blue", "dns", 10, "ip_proto=udp,dst_port=53"));
    AddRule(GlobalRule("g-arp", 10, "ethertype=arp"));
  }
};

TEST_F(RuleOverlapTest, SamePriorityOverlappingIsRefusedNamingBoth) {
  Status st = Create(TenantRule("blue", "all-tcp", 10, "ip_proto=tcp"));
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION) << st.message();
  EXPECT_TRUE(Has(st, "'all-tcp'")) << st.message();
  EXPECT_TRUE(Has(st, "'web'")) << st.message();
  EXPECT_TRUE(Has(st, "priority 10")) << st.message();
  EXPECT_FALSE(Has(st, "'dns'")) << st.message();

  st = Create(TenantRule("blue", "everything", 10, ""));
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION) << st.message();
  EXPECT_TRUE(Has(st, "'everything'")) << st.message();

  st = Create(GlobalRule("g-any", 10, "in_port=vm1"));
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION) << st.message();
  EXPECT_TRUE(Has(st, "'g-any'")) << st.message();
  EXPECT_TRUE(Has(st, "'g-arp'")) << st.message();
}

TEST_F(RuleOverlapTest, SamePriorityDisjointIsAccepted) {
  Status st = Create(TenantRule("blue", "https", 10, "ip_proto=tcp,dst_port=443"));
  EXPECT_TRUE(st.ok()) << st.message();
  st = Create(TenantRule("blue", "lldp", 10, "ethertype=0x88cc"));  // not IP: neither tcp nor udp
  EXPECT_TRUE(st.ok()) << st.message();
  st = Create(GlobalRule("g-v4", 10, "ethertype=ipv4"));
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST_F(RuleOverlapTest, AnotherPriorityOrScopeIsAccepted) {
  Status st = Create(TenantRule("blue", "all-tcp", 11, "ip_proto=tcp"));
  EXPECT_TRUE(st.ok()) << "other priority: " << st.message();
  st = Create(GlobalRule("all-tcp", 10, "ip_proto=tcp"));
  EXPECT_TRUE(st.ok()) << "global vs tenant: " << st.message();
  st = Create(TenantRule("red", "all-tcp", 10, "ip_proto=tcp"));
  EXPECT_TRUE(st.ok()) << "another tenant: " << st.message();
  st = Create(TenantRule("blue", "arp", 10, "ethertype=arp"));
  EXPECT_TRUE(st.ok()) << "tenant vs global: " << st.message();
}

TEST_F(RuleOverlapTest, AnUpdateDoesNotConflictWithItself) {
  Status st = Update(TenantRule("blue", "web", 10, "ip_proto=tcp,dst_port=80"));
  EXPECT_TRUE(st.ok()) << st.message();
  st = Update(TenantRule("blue", "web", 10, "ip_proto=tcp"));  // wider, still not udp
  EXPECT_TRUE(st.ok()) << st.message();

  st = Update(TenantRule("blue", "web", 10, "ip_proto=udp"));  // now covers dns
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION) << st.message();
  EXPECT_TRUE(Has(st, "'web'")) << st.message();
  EXPECT_TRUE(Has(st, "'dns'")) << st.message();
}

TEST_F(RuleChecksTest, AScopeHoldsABoundedNumberOfRules) {
  for (size_t i = 0; i < kMaxRulesPerScope; ++i) {
    pb::Rule r;
    r.set_name(fmt::format("r{}", i));
    r.set_tenant("red");
    r.set_priority(1);
    state_.rules[r.name()] = r;
  }
  Status st = Create(TenantRule("red", "one-more", 2, ""));
  EXPECT_EQ(st.code(), StatusCode::RESOURCE_EXHAUSTED) << st.message();
  EXPECT_TRUE(Has(st, std::to_string(kMaxRulesPerScope))) << st.message();
  EXPECT_TRUE(Has(st, "tenant red")) << st.message();

  st = Create(TenantRule("blue", "one-more", 2, ""));
  EXPECT_TRUE(st.ok()) << "another scope: " << st.message();
  st = Update(TenantRule("red", "r7", 2, ""));
  EXPECT_TRUE(st.ok()) << "an update within the scope: " << st.message();
  st = Update(TenantRule("blue", "r7", 2, ""));
  EXPECT_TRUE(st.ok()) << "moving out of it: " << st.message();
}

// --- PrepareRuleReplace ---

TEST_F(RuleChecksTest, ReplaceFillsTheScope) {
  std::vector<pb::Rule> rs = {MakeRule("a", 1, "ip_proto=tcp"), MakeRule("b", 1, "ip_proto=udp"),
                              TenantRule("blue", "c", 1, "ethertype=arp")};
  std::vector<pb::Change> changes;
  RuleReplaceCounts counts;
  Status st = PrepareRuleReplace(state_, TenantScope("blue"), rs, changes, counts);
  ASSERT_TRUE(st.ok()) << st.message();
  for (const auto& r : rs) {
    EXPECT_EQ(r.tenant(), "blue") << r.name();
    EXPECT_FALSE(r.global()) << r.name();
  }
  EXPECT_EQ(counts.added, 3u);
  ASSERT_EQ(changes.size(), 3u);
  for (const auto& c : changes) {
    ASSERT_EQ(c.change_case(), pb::Change::kUpsertRule);
    EXPECT_EQ(c.upsert_rule().tenant(), "blue");
  }

  std::vector<pb::Rule> gs = {MakeRule("g1", 1, "in_port=vm3")};
  changes.clear();
  counts = {};
  st = PrepareRuleReplace(state_, GlobalScope(), gs, changes, counts);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(gs[0].global());
  EXPECT_EQ(gs[0].tenant(), "");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].upsert_rule().global());
}

TEST_F(RuleChecksTest, ReplaceRefusesARuleOfAnotherScope) {
  const struct {
    RuleScope scope;
    pb::Rule other;
  } cases[] = {
      {TenantScope("blue"), TenantRule("red", "b", 1, "ip_proto=udp")},
      {TenantScope("blue"), GlobalRule("b", 1, "ip_proto=udp")},
      {GlobalScope(), TenantRule("blue", "b", 1, "ip_proto=udp")},
  };
  for (const auto& c : cases) {
    std::vector<pb::Rule> rs = {MakeRule("a", 1, "ip_proto=tcp"), c.other};
    std::vector<pb::Change> changes;
    RuleReplaceCounts counts;
    Status st = PrepareRuleReplace(state_, c.scope, rs, changes, counts);
    EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << c.scope.Name() << ": " << st.message();
    EXPECT_TRUE(Has(st, "rules[1]")) << st.message();
    EXPECT_TRUE(changes.empty());
  }
}

TEST_F(RuleChecksTest, ReplaceChecksTheScopeAndEachRule) {
  std::vector<pb::Rule> rs;
  std::vector<pb::Change> changes;
  RuleReplaceCounts counts;
  Status st = PrepareRuleReplace(state_, TenantScope("nope"), rs, changes, counts);
  EXPECT_EQ(st.code(), StatusCode::NOT_FOUND) << st.message();
  EXPECT_TRUE(Has(st, "'nope'")) << st.message();
  st = PrepareRuleReplace(state_, RuleScope(), rs, changes, counts);
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << st.message();

  rs = {MakeRule("a", 1, "ip_proto=tcp"), MakeRule("b", 1, "", "redirect:vm3")};
  st = PrepareRuleReplace(state_, TenantScope("blue"), rs, changes, counts);
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION) << st.message();
  EXPECT_TRUE(Has(st, "rules[1] (b)")) << st.message();
  EXPECT_TRUE(Has(st, "rule.actions.redirect")) << st.message();

  rs = {MakeRule("a", 65536, "")};
  st = PrepareRuleReplace(state_, TenantScope("blue"), rs, changes, counts);
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << st.message();
  EXPECT_TRUE(Has(st, "rules[0] (a)")) << st.message();
  EXPECT_TRUE(Has(st, "rule.priority")) << st.message();
  EXPECT_TRUE(changes.empty());
}

TEST_F(RuleChecksTest, ReplaceRefusesANameGivenTwice) {
  std::vector<pb::Rule> rs = {MakeRule("a", 1, "ip_proto=tcp"), MakeRule("a", 2, "ip_proto=udp")};
  std::vector<pb::Change> changes;
  RuleReplaceCounts counts;
  Status st = PrepareRuleReplace(state_, TenantScope("blue"), rs, changes, counts);
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << st.message();
  EXPECT_TRUE(Has(st, "rules[1]")) << st.message();
  EXPECT_TRUE(Has(st, "given twice")) << st.message();
}

TEST_F(RuleChecksTest, ReplaceRefusesANameOfAnotherScope) {
  AddRule(TenantRule("red", "x", 1, ""));
  std::vector<pb::Rule> rs = {MakeRule("x", 1, "")};
  std::vector<pb::Change> changes;
  RuleReplaceCounts counts;
  Status st = PrepareRuleReplace(state_, TenantScope("blue"), rs, changes, counts);
  EXPECT_EQ(st.code(), StatusCode::ALREADY_EXISTS) << st.message();
  EXPECT_TRUE(Has(st, "rules[0]")) << st.message();
  EXPECT_TRUE(Has(st, "tenant red")) << st.message();
  EXPECT_TRUE(changes.empty());

  AddRule(GlobalRule("gx", 1, ""));
  rs = {MakeRule("gx", 1, "")};
  st = PrepareRuleReplace(state_, TenantScope("blue"), rs, changes, counts);
  EXPECT_EQ(st.code(), StatusCode::ALREADY_EXISTS) << st.message();
  EXPECT_TRUE(Has(st, "global")) << st.message();
}

TEST_F(RuleChecksTest, ReplaceRefusesOverlapInsideTheNewSet) {
  std::vector<pb::Rule> rs = {MakeRule("ssh", 5, "ip_proto=tcp,dst_port=22"),
                              MakeRule("dns", 5, "ip_proto=udp,dst_port=53"),
                              MakeRule("tcp", 5, "ip_proto=tcp")};
  std::vector<pb::Change> changes;
  RuleReplaceCounts counts;
  Status st = PrepareRuleReplace(state_, TenantScope("blue"), rs, changes, counts);
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION) << st.message();
  EXPECT_TRUE(Has(st, "'ssh'")) << st.message();
  EXPECT_TRUE(Has(st, "'tcp'")) << st.message();
  EXPECT_FALSE(Has(st, "'dns'")) << st.message();
  EXPECT_TRUE(changes.empty());

  rs = {MakeRule("ssh", 5, "ip_proto=tcp,dst_port=22"), MakeRule("tcp", 6, "ip_proto=tcp")};
  st = PrepareRuleReplace(state_, TenantScope("blue"), rs, changes, counts);
  EXPECT_TRUE(st.ok()) << "different priorities: " << st.message();
}

TEST_F(RuleChecksTest, ReplaceIgnoresTheRulesItReplacesAndOtherScopes) {
  AddRule(TenantRule("blue", "old", 5, "ip_proto=tcp"));
  AddRule(GlobalRule("g", 5, "ip_proto=tcp"));
  AddRule(TenantRule("red", "r", 5, "ip_proto=tcp"));
  std::vector<pb::Rule> rs = {MakeRule("new", 5, "ip_proto=tcp")};
  std::vector<pb::Change> changes;
  RuleReplaceCounts counts;
  Status st = PrepareRuleReplace(state_, TenantScope("blue"), rs, changes, counts);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].change_case(), pb::Change::kDeleteRule);
  EXPECT_EQ(changes[0].delete_rule(), "old");
  EXPECT_EQ(changes[1].change_case(), pb::Change::kUpsertRule);
  EXPECT_EQ(changes[1].upsert_rule().name(), "new");
}

TEST_F(RuleChecksTest, ReplaceCountsAndChanges) {
  AddRule(TenantRule("blue", "keep", 1, "src_ip=10.0.0.0/8"));
  AddRule(TenantRule("blue", "edit", 2, "ip_proto=tcp"));
  AddRule(TenantRule("blue", "gone", 3, ""));
  AddRule(TenantRule("red", "other", 3, ""));
  AddRule(GlobalRule("glob", 3, ""));
  std::vector<pb::Rule> rs = {
      MakeRule("keep", 1, "src_ip=10.1.2.3/8"),  // the same once canonical
      MakeRule("edit", 2, "ip_proto=tcp", "drop"),
      MakeRule("fresh", 3, "ip_proto=udp"),
  };
  std::vector<pb::Change> changes;
  RuleReplaceCounts counts;
  Status st = PrepareRuleReplace(state_, TenantScope("blue"), rs, changes, counts);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(counts.added, 1u);
  EXPECT_EQ(counts.changed, 1u);
  EXPECT_EQ(counts.removed, 1u);
  EXPECT_EQ(counts.unchanged, 1u);
  EXPECT_EQ(rs[0].match().src_ip(), "10.0.0.0/8");

  // The deletes, then the upserts in the order given; nothing for "keep"
  // and nothing outside blue.
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].change_case(), pb::Change::kDeleteRule);
  EXPECT_EQ(changes[0].delete_rule(), "gone");
  ASSERT_EQ(changes[1].change_case(), pb::Change::kUpsertRule);
  EXPECT_EQ(changes[1].upsert_rule().name(), "edit");
  EXPECT_EQ(changes[1].upsert_rule().tenant(), "blue");
  EXPECT_EQ(changes[1].upsert_rule().actions().verdict(), pb::RULE_VERDICT_DROP);
  EXPECT_EQ(changes[1].upsert_rule().generation(), 0u);
  ASSERT_EQ(changes[2].change_case(), pb::Change::kUpsertRule);
  EXPECT_EQ(changes[2].upsert_rule().name(), "fresh");
  EXPECT_EQ(changes[2].upsert_rule().tenant(), "blue");
}

TEST_F(RuleChecksTest, ReplaceWithNothingRemovesTheScopeOnly) {
  AddRule(TenantRule("blue", "a", 1, ""));
  AddRule(TenantRule("blue", "b", 2, ""));
  AddRule(TenantRule("red", "c", 1, ""));
  AddRule(GlobalRule("g", 1, ""));
  std::vector<pb::Rule> rs;
  std::vector<pb::Change> changes;
  RuleReplaceCounts counts;
  Status st = PrepareRuleReplace(state_, TenantScope("blue"), rs, changes, counts);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(counts.removed, 2u);
  EXPECT_EQ(counts.added, 0u);
  EXPECT_EQ(counts.changed, 0u);
  EXPECT_EQ(counts.unchanged, 0u);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].change_case(), pb::Change::kDeleteRule);
  EXPECT_EQ(changes[0].delete_rule(), "a");
  EXPECT_EQ(changes[1].change_case(), pb::Change::kDeleteRule);
  EXPECT_EQ(changes[1].delete_rule(), "b");

  changes.clear();
  counts = {};
  st = PrepareRuleReplace(state_, GlobalScope(), rs, changes, counts);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(counts.removed, 1u);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].delete_rule(), "g");

  changes.clear();
  counts = {};
  st = PrepareRuleReplace(state_, TenantScope("green"), rs, changes, counts);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(counts.removed, 0u);
}

TEST_F(RuleChecksTest, ReplaceIsBoundedPerScope) {
  std::vector<pb::Rule> rs(kMaxRulesPerScope + 1);
  std::vector<pb::Change> changes;
  RuleReplaceCounts counts;
  Status st = PrepareRuleReplace(state_, TenantScope("blue"), rs, changes, counts);
  EXPECT_EQ(st.code(), StatusCode::RESOURCE_EXHAUSTED) << st.message();
  EXPECT_TRUE(Has(st, std::to_string(kMaxRulesPerScope))) << st.message();
  EXPECT_TRUE(changes.empty());
}

// 10,000 disjoint rules at one priority: accepted (and in reasonable time).
TEST_F(RuleChecksTest, ReplaceTenThousandDisjointRules) {
  constexpr uint32_t kRules = 10'000;
  std::vector<pb::Rule> rs;
  rs.reserve(kRules);
  for (uint32_t i = 0; i < kRules; ++i) {
    pb::Rule& r = rs.emplace_back();
    r.set_name(fmt::format("r{}", i));
    r.set_priority(100);
    r.mutable_match()->set_ip_proto(6);
    r.mutable_match()->mutable_dst_port()->set_min(i);
    r.mutable_match()->mutable_dst_port()->set_max(i);
    r.mutable_actions()->set_verdict(i % 2 ? pb::RULE_VERDICT_DROP : pb::RULE_VERDICT_ALLOW);
  }
  std::vector<pb::Change> changes;
  RuleReplaceCounts counts;
  Status st = PrepareRuleReplace(state_, TenantScope("blue"), rs, changes, counts);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(counts.added, kRules);
  EXPECT_EQ(changes.size(), size_t{kRules});
}

// --- meters, RulesOfTenant, RulesUsingMeter, default policy ---

TEST(MeterLimit, NamedAfterTheMeter) {
  pb::Limit l;
  l.set_meter("gold");
  l.set_bps(1'000'000);
  Status st = NormalizeLimit(l);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(l.name(), "meter/gold");
  EXPECT_EQ(l.direction(), pb::LIMIT_DIRECTION_IN);

  pb::Limit target;
  target.set_meter("silver");
  st = LimitTarget(target);  // no rate needed to name it
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(target.name(), "meter/silver");

  pb::Limit in;
  in.set_meter("gold");
  in.set_direction(pb::LIMIT_DIRECTION_IN);
  in.set_pps(1000);
  EXPECT_TRUE(NormalizeLimit(in).ok());
}

TEST(MeterLimit, RejectsWhatAMeterCannotHave) {
  const struct {
    std::string label;
    void (*mutate)(pb::Limit&);
    std::string field;
  } cases[] = {
      {"direction out", [](pb::Limit& l) { l.set_direction(pb::LIMIT_DIRECTION_OUT); }, "limit.direction"},
      {"storm broadcast", [](pb::Limit& l) { l.set_storm(pb::STORM_CLASS_BROADCAST); }, "limit.storm"},
      {"storm unknown", [](pb::Limit& l) { l.set_storm(pb::STORM_CLASS_UNKNOWN); }, "limit.storm"},
      {"with a port", [](pb::Limit& l) { l.set_port("vm1"); }, "limit.meter"},
      {"with a tenant", [](pb::Limit& l) { l.set_tenant("blue"); }, "limit.meter"},
      {"bad name", [](pb::Limit& l) { l.set_meter("a/b"); }, "limit.meter"},
      {"too long", [](pb::Limit& l) { l.set_meter(std::string(33, 'm')); }, "limit.meter"},
  };
  for (const auto& c : cases) {
    pb::Limit l;
    l.set_meter("gold");
    l.set_bps(1'000'000);
    c.mutate(l);
    pb::Limit target = l;
    Status st = NormalizeLimit(l);
    EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << c.label << ": " << st.message();
    EXPECT_TRUE(Has(st, c.field)) << c.label << ": " << st.message();
    st = LimitTarget(target);
    EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << c.label << " (target): " << st.message();
    EXPECT_TRUE(Has(st, c.field)) << c.label << " (target): " << st.message();
  }

  pb::Limit no_rate;
  no_rate.set_meter("gold");
  Status st = NormalizeLimit(no_rate);
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << st.message();
  EXPECT_TRUE(Has(st, "limit.bps")) << st.message();
}

TEST_F(RuleChecksTest, PrepareLimitSetTakesAMeter) {
  pb::Limit l;
  l.set_meter("bronze");
  l.set_bps(1'000'000);
  Status st = PrepareLimitSet(state_, l);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(l.name(), "meter/bronze");
}

TEST_F(RuleChecksTest, RulesOfTenantAndRulesUsingMeter) {
  AddRule(TenantRule("blue", "a", 1, ""));
  AddRule(TenantRule("blue", "b", 2, "", "allow,meter:gold"));
  AddRule(TenantRule("red", "c", 1, "", "redirect:vm3,meter:gold"));
  AddRule(TenantRule("red", "d", 2, "", "allow,meter:silver"));
  AddRule(GlobalRule("g", 1, "", "allow,meter:gold"));
  AddRule(GlobalRule("h", 2, ""));

  EXPECT_EQ(RulesOfTenant(state_, "blue"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(RulesOfTenant(state_, "red"), (std::vector<std::string>{"c", "d"}));
  EXPECT_TRUE(RulesOfTenant(state_, "green").empty());
  EXPECT_TRUE(RulesOfTenant(state_, "").empty()) << "global rules belong to no tenant";

  EXPECT_EQ(RulesUsingMeter(state_, "meter/gold"), (std::vector<std::string>{"b", "c", "g"}));
  EXPECT_EQ(RulesUsingMeter(state_, "meter/silver"), (std::vector<std::string>{"d"}));
  EXPECT_TRUE(RulesUsingMeter(state_, "meter/bronze").empty());
  EXPECT_TRUE(RulesUsingMeter(state_, "gold").empty()) << "the limit's name, not the meter's";
  EXPECT_TRUE(RulesUsingMeter(state_, "port/vm1/in").empty());
}

TEST(TenantDefaultPolicy, AllowOrDeny) {
  pb::Tenant t;
  t.set_name("blue");
  t.set_id(1);
  EXPECT_EQ(t.default_policy(), pb::RULE_POLICY_ALLOW);
  EXPECT_TRUE(ValidateTenant(t).ok());
  t.set_default_policy(pb::RULE_POLICY_DENY);
  Status st = ValidateTenant(t);
  EXPECT_TRUE(st.ok()) << st.message();

  t.set_default_policy(static_cast<pb::RulePolicy>(7));
  st = ValidateTenant(t);
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << st.message();
  EXPECT_EQ(st.message().rfind("tenant.default_policy:", 0), 0u) << st.message();
  EXPECT_TRUE(Has(st, "7")) << st.message();
}

}  // namespace
}  // namespace switchyard::controlplane
