// yardctl apply's planner: desired + current -> steps.
#include "plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace yardctl {
namespace {
namespace v1 = switchyard::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::Tenant T(std::string name, uint32_t id = 0, uint32_t vlan = 0) {
  v1::Tenant t;
  t.set_name(std::move(name));
  t.set_id(id);
  t.set_vlan(vlan);
  return t;
}

v1::Port Access(std::string name, std::string tenant) {
  v1::Port p;
  p.set_name(std::move(name));
  p.set_kind(v1::PORT_KIND_TAP);
  p.set_role(v1::PORT_ROLE_ACCESS);
  p.set_tenant(std::move(tenant));
  return p;
}

v1::Port Trunk(std::string name, std::vector<std::pair<uint32_t, std::string>> map) {
  v1::Port p;
  p.set_name(std::move(name));
  p.set_kind(v1::PORT_KIND_RING);
  p.set_role(v1::PORT_ROLE_TRUNK);
  for (auto& [vlan, tenant] : map) {
    auto* tv = p.add_trunk();
    tv->set_vlan(vlan);
    tv->set_tenant(tenant);
  }
  return p;
}

// What controld hands back: server-assigned fields filled in.
v1::Tenant Stored(v1::Tenant t, uint32_t id, uint64_t gen = 7) {
  if (t.id() == 0) t.set_id(id);
  t.set_generation(gen);
  return t;
}
v1::Port Stored(v1::Port p, uint64_t gen = 7) {
  if (p.kind() == v1::PORT_KIND_TAP && p.iface().empty()) p.set_iface(p.name());
  p.set_generation(gen);
  return p;
}

// The printed lines of a plan, the create halves of replaces included as
// "(create NAME)" so the order of everything is checked.
std::vector<std::string> Lines(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps) {
    std::string line = StepLine(s);
    if (line.empty()) {
      const char* what = s.object == PlanStep::Object::kTenant ? "tenant " : "port ";
      line = std::string("(create ") + what + s.name + ")";
    }
    out.push_back(line);
  }
  return out;
}

Plan MustPlan(const Topology& desired, const Topology& current, bool prune) {
  auto r = ComputePlan(desired, current, prune);
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? r.value() : Plan{};
}

TEST(ComputePlan, FromNothingCreatesTenantsBeforePorts) {
  Topology desired{{T("red"), T("blue", 0, 200)},
                   {Access("vm1", "red"), Trunk("up", {{10, "red"}, {20, "blue"}})}};
  Plan plan = MustPlan(desired, {}, false);
  EXPECT_THAT(Lines(plan),
              ElementsAre("+ tenant red", "+ tenant blue", "+ port vm1", "+ port up"));
  EXPECT_EQ(plan.created, 4);
  EXPECT_EQ(plan.replaced + plan.deleted + plan.unchanged, 0);
  EXPECT_EQ(plan.steps[1].tenant.vlan(), 200u);
  EXPECT_EQ(plan.steps[3].port.trunk_size(), 2);
  EXPECT_EQ(PlanSummary(plan, false),
            "apply: 4 created, 0 updated, 0 replaced, 0 deleted, 0 unchanged");
}

TEST(ComputePlan, SameStateIsUnchangedIgnoringServerFields) {
  v1::Port tap = Access("vm1", "red");
  tap.mutable_tap()->set_netns("ns1");
  tap.mutable_tap()->add_addresses("10.0.0.1/24");
  v1::Port bare = Access("vm2", "red");
  bare.mutable_tap();  // an empty kernel config is no kernel config
  Topology desired{{T("red"), T("blue", 5)},
                   {tap, bare, Trunk("up", {{20, "blue"}, {10, "red"}})}};
  Topology current{{Stored(T("blue", 5), 5), Stored(T("red"), 1)},
                   {Stored(Trunk("up", {{10, "red"}, {20, "blue"}})), Stored(tap),
                    Stored(Access("vm2", "red"))}};
  Plan plan = MustPlan(desired, current, true);
  EXPECT_TRUE(plan.empty()) << ::testing::PrintToString(Lines(plan));
  EXPECT_EQ(plan.unchanged, 5);
  EXPECT_EQ(PlanSummary(plan, false),
            "apply: 0 created, 0 updated, 0 replaced, 0 deleted, 5 unchanged");
}

TEST(ComputePlan, WithoutPruneOthersAreLeftAlone) {
  Topology desired{{T("red")}, {Access("vm1", "red")}};
  Topology current{{Stored(T("red"), 1), Stored(T("old"), 2)},
                   {Stored(Access("vm1", "red")), Stored(Access("gone", "old"))}};
  Plan plan = MustPlan(desired, current, false);
  EXPECT_TRUE(plan.empty());
  EXPECT_EQ(plan.unchanged, 2);
  EXPECT_EQ(plan.deleted, 0);
}

TEST(ComputePlan, PruneDeletesPortsBeforeTenants) {
  Topology desired{{T("red")}, {Access("vm1", "red")}};
  Topology current{{Stored(T("old"), 2), Stored(T("red"), 1)},
                   {Stored(Access("gone", "old")), Stored(Access("vm1", "red")),
                    Stored(Access("gone2", "red"))}};
  Plan plan = MustPlan(desired, current, true);
  EXPECT_THAT(Lines(plan), ElementsAre("- port gone", "- port gone2", "- tenant old"));
  EXPECT_EQ(plan.deleted, 3);
  EXPECT_EQ(plan.unchanged, 2);
}

TEST(ComputePlan, PortMovedToANewTenantIsUpdatedInPlaceAfterTheTenantExists) {
  v1::Port moved = Access("vm2", "blue");
  Topology desired{{T("red"), T("blue")}, {Access("vm1", "red"), moved}};
  Topology current{{Stored(T("red"), 1)},
                   {Stored(Access("vm1", "red")), Stored(Access("vm2", "red"))}};
  Plan plan = MustPlan(desired, current, false);
  EXPECT_THAT(Lines(plan), ElementsAre("+ tenant blue", "~ port vm2 (in place)"));
  EXPECT_EQ(plan.created, 1);
  EXPECT_EQ(plan.updated, 1);
  EXPECT_EQ(plan.replaced, 0);
  EXPECT_EQ(plan.unchanged, 2);
  EXPECT_EQ(plan.steps[1].op, PlanStep::Op::kUpdate);
  EXPECT_EQ(plan.steps[1].port.tenant(), "blue");
  EXPECT_EQ(plan.steps[1].port.generation(), 0u);
}

TEST(ComputePlan, DeviceDifferencesReplaceOthersUpdate) {
  v1::Port base = Access("p", "red");
  base.mutable_tap()->add_addresses("10.0.0.1/24");
  std::vector<v1::Port> replaced(7, base);
  replaced[0].set_kind(v1::PORT_KIND_NULL);
  replaced[0].clear_tap();
  replaced[1].set_iface("other");
  replaced[2].mutable_tap()->set_mtu(1400);
  replaced[3].mutable_tap()->set_netns("ns");
  replaced[4].mutable_tap()->add_addresses("10.0.0.2/24");
  replaced[5].clear_tap();
  replaced[6].set_devargs("x=1");
  for (const auto& v : replaced) {
    Topology desired{{T("red")}, {v}};
    Topology current{{Stored(T("red"), 1)}, {Stored(base)}};
    Plan plan = MustPlan(desired, current, false);
    EXPECT_EQ(plan.replaced, 1) << v.ShortDebugString();
  }
  std::vector<v1::Port> updated(3, base);
  updated[0].set_access_vlan(30);
  updated[1].set_tenant("blue");
  updated[2].set_role(v1::PORT_ROLE_UPLINK);
  updated[2].clear_tenant();
  for (const auto& v : updated) {
    Topology desired{{T("red"), T("blue")}, {v}};
    Topology current{{Stored(T("red"), 1), Stored(T("blue"), 2)}, {Stored(base)}};
    Plan plan = MustPlan(desired, current, false);
    EXPECT_EQ(plan.updated, 1) << v.ShortDebugString();
    EXPECT_EQ(plan.replaced, 0) << v.ShortDebugString();
  }
}

TEST(ComputePlan, TenantIdIsComparedOnlyWhenGiven) {
  Topology current{{Stored(T("red", 3), 3)}, {}};
  EXPECT_EQ(MustPlan({{T("red")}, {}}, current, false).unchanged, 1);
  EXPECT_EQ(MustPlan({{T("red", 3)}, {}}, current, false).unchanged, 1);
  EXPECT_EQ(MustPlan({{T("red", 4)}, {}}, current, false).replaced, 1);
  EXPECT_EQ(MustPlan({{T("red", 0, 100)}, {}}, current, false).updated, 1);
  EXPECT_EQ(MustPlan({{T("red", 3, 100)}, {}}, current, false).updated, 1);
}

TEST(ComputePlan, ChangedTenantIsUpdatedAndItsPortsStay) {
  // red's VLAN changes; its ports are not touched.
  Topology desired{{T("red", 0, 100), T("blue")},
                   {Access("vm1", "red"), Trunk("up", {{10, "blue"}, {20, "red"}})}};
  Topology current{{Stored(T("blue"), 1), Stored(T("red"), 2)},
                   {Stored(Access("vm1", "red")), Stored(Trunk("up", {{10, "blue"}, {20, "red"}}))}};
  Plan plan = MustPlan(desired, current, false);
  EXPECT_THAT(Lines(plan), ElementsAre("~ tenant red (in place)"));
  EXPECT_EQ(plan.steps[0].tenant.vlan(), 100u);
  EXPECT_EQ(plan.updated, 1);
  EXPECT_EQ(plan.unchanged, 3);
}

TEST(ComputePlan, ATenantKeepsItsDefaultPolicy) {
  // The file cannot say a default policy: an update or a replace must not
  // turn a tenant's deny back into allow.
  v1::Tenant red = Stored(T("red"), 2);
  red.set_default_policy(v1::RULE_POLICY_DENY);
  v1::Tenant blue = Stored(T("blue"), 1);
  blue.set_default_policy(v1::RULE_POLICY_DENY);
  Topology desired{{T("red", 0, 100), T("blue", 9)}, {}};
  Topology current{{blue, red}, {}};
  Plan plan = MustPlan(desired, current, false);
  ASSERT_THAT(Lines(plan), ElementsAre("~ tenant blue (replace)", "~ tenant red (in place)",
                                       "(create tenant blue)"));
  EXPECT_EQ(plan.steps[1].tenant.default_policy(), v1::RULE_POLICY_DENY);
  EXPECT_EQ(plan.steps[1].tenant.vlan(), 100u);
  EXPECT_EQ(plan.steps[2].tenant.default_policy(), v1::RULE_POLICY_DENY);
  EXPECT_EQ(plan.steps[2].tenant.id(), 9u);
}

TEST(ComputePlan, ReplacedTenantTakesItsPortsAlong) {
  // red's id changes: it must be re-created, and its ports with it.
  Topology desired{{T("red", 7), T("blue")},
                   {Access("vm1", "red"), Trunk("up", {{10, "blue"}, {20, "red"}}),
                    Access("vm3", "blue")}};
  Topology current{{Stored(T("blue"), 1), Stored(T("red"), 2)},
                   {Stored(Access("vm1", "red")), Stored(Trunk("up", {{10, "blue"}, {20, "red"}})),
                    Stored(Access("vm3", "blue"))}};
  Plan plan = MustPlan(desired, current, false);
  EXPECT_THAT(Lines(plan), ElementsAre("~ port vm1 (replace)", "~ port up (replace)",
                                       "~ tenant red (replace)", "(create tenant red)",
                                       "(create port vm1)", "(create port up)"));
  EXPECT_EQ(plan.replaced, 3);
  EXPECT_EQ(plan.unchanged, 2);
}

TEST(ComputePlan, ReplacedTenantUsedByAPortNotInTheFile) {
  Topology desired{{T("red", 5)}, {}};
  Topology current{{Stored(T("red"), 1)}, {Stored(Access("other", "red"))}};
  auto refused = ComputePlan(desired, current, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error(), HasSubstr("tenant red differs from the file in its id"));
  EXPECT_THAT(refused.error(), HasSubstr("port other, which is not in the file"));
  // With --prune the port goes anyway.
  Plan plan = MustPlan(desired, current, true);
  EXPECT_THAT(Lines(plan),
              ElementsAre("- port other", "~ tenant red (replace)", "(create tenant red)"));
}

TEST(ComputePlan, PrunedTenantGoesLastWhenAKeptPortLeavesIt) {
  // vm1 moves from old (pruned) to red: the update first, then old goes.
  Topology desired{{T("red")}, {Access("vm1", "red")}};
  Topology current{{Stored(T("old"), 2), Stored(T("red"), 1)}, {Stored(Access("vm1", "old"))}};
  Plan plan = MustPlan(desired, current, true);
  EXPECT_THAT(Lines(plan), ElementsAre("~ port vm1 (in place)", "- tenant old"));
}

TEST(ComputePlan, PortsMustUseTenantsThatWillExist) {
  Topology desired{{}, {Access("vm1", "red")}};
  auto nowhere = ComputePlan(desired, {}, false);
  ASSERT_FALSE(nowhere.ok());
  EXPECT_THAT(nowhere.error(), HasSubstr("port vm1 uses tenant 'red', which is neither"));
  Topology current{{Stored(T("red"), 1)}, {}};
  EXPECT_TRUE(ComputePlan(desired, current, false).ok());  // kept without --prune
  auto pruned = ComputePlan(desired, current, true);
  ASSERT_FALSE(pruned.ok());
  EXPECT_THAT(pruned.error(), HasSubstr("--prune would delete it"));
  Topology trunk{{T("red")}, {Trunk("up", {{10, "red"}, {20, "blue"}})}};
  EXPECT_THAT(ComputePlan(trunk, {}, false).error(), HasSubstr("tenant 'blue'"));
}

TEST(ComputePlan, MixedPlanOrder) {
  Topology desired{{T("a"), T("new")},
                   {Access("keep", "a"), Access("chg", "new"), Access("add", "a")}};
  Topology current{{Stored(T("a"), 1), Stored(T("zzz"), 2)},
                   {Stored(Access("chg", "a")), Stored(Access("keep", "a")),
                    Stored(Access("old", "zzz"))}};
  Plan plan = MustPlan(desired, current, true);
  EXPECT_THAT(Lines(plan), ElementsAre("- port old", "- tenant zzz", "+ tenant new",
                                       "~ port chg (in place)", "+ port add"));
  EXPECT_EQ(PlanSummary(plan, true),
            "apply --dry-run: 2 to create, 1 to update, 0 to replace, 2 to delete, 2 unchanged; "
            "nothing changed");
}

TEST(CurrentTopology, FromListReplies) {
  v1::ListTenantsReply tenants;
  *tenants.add_tenants() = T("red", 1);
  v1::ListPortsReply ports;
  *ports.add_ports()->mutable_port() = Access("vm1", "red");
  ports.mutable_ports(0)->set_error("down");
  Topology t = CurrentTopology(tenants, ports);
  ASSERT_EQ(t.tenants.size(), 1u);
  ASSERT_EQ(t.ports.size(), 1u);
  EXPECT_EQ(t.ports[0].name(), "vm1");
}

}  // namespace
}  // namespace yardctl

namespace yardctl {
namespace {

v1::Vtep V(const std::string& tenant, const std::string& remote) {
  v1::Vtep v;
  v.set_tenant(tenant);
  v.set_remote(remote);
  v.set_name(tenant + "@" + remote);
  return v;
}

std::vector<std::string> VtepLines(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps) {
    std::string line = StepLine(s);
    out.push_back(line.empty() ? "(create " + s.name + ")" : line);
  }
  return out;
}

TEST(ComputePlan, RemoteVtepsComeAfterTheirTenantAndGoBeforeIt) {
  v1::Tenant red = T("red");
  red.set_vni(5001);
  Topology want;
  want.tenants = {red};
  want.vteps = {V("red", "192.0.2.2")};
  Plan p = MustPlan(want, {}, false);
  EXPECT_THAT(VtepLines(p), ElementsAre("+ tenant red", "+ vtep red@192.0.2.2"));
  // Already there: unchanged. Another in controld: kept, or pruned first.
  Topology have;
  have.tenants = {Stored(red, 1)};
  have.vteps = {V("red", "192.0.2.2"), V("red", "192.0.2.3")};
  p = MustPlan(want, have, false);
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.unchanged, 2);
  p = MustPlan(want, have, true);
  EXPECT_THAT(VtepLines(p), ElementsAre("- vtep red@192.0.2.3"));
  // The tenant pruned: its VTEPs go before it.
  p = MustPlan(Topology{}, have, true);
  EXPECT_THAT(VtepLines(p),
              ElementsAre("- vtep red@192.0.2.2", "- vtep red@192.0.2.3", "- tenant red"));
}

TEST(ComputePlan, AReplacedTenantTakesItsVtepsAlong) {
  v1::Tenant red = T("red", 9);
  red.set_vni(5001);
  Topology want;
  want.tenants = {red};
  want.vteps = {V("red", "192.0.2.2")};
  Topology have;
  have.tenants = {Stored(T("red", 4), 4)};
  have.tenants[0].set_vni(5001);
  have.vteps = {V("red", "192.0.2.2")};
  Plan p = MustPlan(want, have, false);
  EXPECT_THAT(VtepLines(p), ElementsAre("~ vtep red@192.0.2.2 (replace)", "~ tenant red (replace)",
                                        "(create red)", "(create red@192.0.2.2)"));
  // One the file does not have would be lost: refused without --prune.
  have.vteps.push_back(V("red", "192.0.2.3"));
  auto refused = ComputePlan(want, have, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error(), HasSubstr("192.0.2.3"));
  // A VTEP of a tenant that will not exist.
  want.vteps.push_back(V("green", "192.0.2.4"));
  refused = ComputePlan(want, Topology{}, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error(), HasSubstr("green"));
}

TEST(ComputePlan, TheVtepAddressIsPartOfTheDevice) {
  v1::Port up;
  up.set_name("up0");
  up.set_kind(v1::PORT_KIND_AF_PACKET);
  up.set_iface("eth1");
  up.set_role(v1::PORT_ROLE_UPLINK);
  up.set_vtep_ip("192.0.2.1/24");
  Topology have;
  have.ports = {Stored(up)};
  have.ports[0].set_vtep_iface("vtep-up0");  // controld's default
  Topology want;
  want.ports = {up};
  EXPECT_TRUE(MustPlan(want, have, false).empty()) << "the interface name defaults as in controld";
  want.ports[0].set_gateway("192.0.2.254");
  Plan p = MustPlan(want, have, false);
  EXPECT_THAT(VtepLines(p), ElementsAre("~ port up0 (in place)"));
  want.ports[0].set_vtep_ip("192.0.2.9/24");
  p = MustPlan(want, have, false);
  EXPECT_THAT(VtepLines(p), ElementsAre("~ port up0 (replace)", "(create up0)"));
}

}  // namespace
}  // namespace yardctl
