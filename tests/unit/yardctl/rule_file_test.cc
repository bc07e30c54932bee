// yardctl rule apply's file format: a good file, and every kind of error
// names the file, the rule and the field.
#include "rule_file.h"

#include <chrono>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace yardctl {
namespace {
namespace v1 = switchyard::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kGood = R"(
rules:
  - name: web
    priority: 100
    match: "ip_proto=tcp,dst_port=80"
    action: "allow"
  - name: block-all       # no match: every frame
    priority: 0
    action: drop
  - name: to-fw
    priority: 200
    match: src_ip=10.0.0.0/8,ip_proto=udp,dst_port=1000-2000
    action: redirect:fw0,mirror:tap1
    tenant: red           # may be given; must agree with --tenant
  - name: everything
    priority: 1
    match: ""
    action: allow,meter:m1
)";

Parsed<v1::ReplaceRulesRequest> Parse(const std::string& text, const std::string& tenant = "red",
                                      bool global = false) {
  return ParseRuleFile(text, "rules.yaml", tenant, global);
}

TEST(ParseRuleFile, GoodFile) {
  auto r = Parse(kGood);
  ASSERT_TRUE(r.ok()) << r.error();
  const v1::ReplaceRulesRequest& req = r.value();
  EXPECT_EQ(req.tenant(), "red");
  EXPECT_FALSE(req.global());
  ASSERT_EQ(req.rules_size(), 4);

  const v1::Rule& web = req.rules(0);
  EXPECT_EQ(web.name(), "web");
  EXPECT_EQ(web.tenant(), "red") << "each rule gets the scope given";
  EXPECT_FALSE(web.global());
  EXPECT_EQ(web.priority(), 100u);
  EXPECT_EQ(web.match().ip_proto(), 6u);
  EXPECT_EQ(web.match().dst_port().min(), 80u);
  EXPECT_EQ(web.match().dst_port().max(), 80u);
  EXPECT_EQ(web.actions().verdict(), v1::RULE_VERDICT_ALLOW);

  const v1::Rule& all = req.rules(1);
  EXPECT_EQ(all.name(), "block-all");
  EXPECT_EQ(all.priority(), 0u);
  EXPECT_EQ(all.match().ByteSizeLong(), 0u);
  EXPECT_EQ(all.actions().verdict(), v1::RULE_VERDICT_DROP);

  const v1::Rule& fw = req.rules(2);
  EXPECT_EQ(fw.tenant(), "red");
  EXPECT_EQ(fw.match().src_ip(), "10.0.0.0/8");
  EXPECT_EQ(fw.match().ip_proto(), 17u);
  EXPECT_EQ(fw.match().dst_port().min(), 1000u);
  EXPECT_EQ(fw.match().dst_port().max(), 2000u);
  EXPECT_EQ(fw.actions().verdict(), v1::RULE_VERDICT_REDIRECT);
  EXPECT_EQ(fw.actions().redirect(), "fw0");
  EXPECT_EQ(fw.actions().mirror(), "tap1");

  EXPECT_EQ(req.rules(3).match().ByteSizeLong(), 0u);
  EXPECT_EQ(req.rules(3).actions().meter(), "m1");
}

TEST(ParseRuleFile, GlobalScope) {
  auto r = Parse("rules:\n  - {name: g1, priority: 5, action: drop, global: true}\n", "", true);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r.value().global());
  EXPECT_EQ(r.value().tenant(), "");
  ASSERT_EQ(r.value().rules_size(), 1);
  EXPECT_TRUE(r.value().rules(0).global());
  EXPECT_EQ(r.value().rules(0).tenant(), "");
}

TEST(ParseRuleFile, EmptyListReplacesWithNothing) {
  for (const char* text : {"rules: []\n", "rules:\n"}) {
    auto r = Parse(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.error();
    EXPECT_EQ(r.value().rules_size(), 0) << text;
    EXPECT_EQ(r.value().tenant(), "red");
  }
}

TEST(ParseRuleFile, UnknownKeyIsNamed) {
  auto r = Parse("rules:\n"
                 "  - name: web\n"
                 "    priority: 100\n"
                 "    action: allow\n"
                 "  - name: ssh\n"
                 "    priority: 100\n"
                 "    dport: 22\n"
                 "    action: drop\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: rule 2 (ssh): dport: unknown key"));
  EXPECT_THAT(r.error(), HasSubstr("name, priority, match, action"));

  r = Parse("rule:\n  - name: web\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: rule: unknown key"));
}

TEST(ParseRuleFile, MissingRulesKey) {
  auto r = Parse("{}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: no rules: key"));
  r = Parse("");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: empty file"));
  r = Parse("# nothing but a comment\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: empty file"));
}

TEST(ParseRuleFile, MissingName) {
  auto r = Parse("rules:\n"
                 "  - name: web\n"
                 "    priority: 1\n"
                 "    action: allow\n"
                 "  - priority: 100\n"
                 "    action: drop\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "rules.yaml: rule 2: name: required");
  r = Parse("rules:\n  - {name: '', priority: 1, action: allow}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "rules.yaml: rule 1: name: required");
}

TEST(ParseRuleFile, BadMatchNamesTheRule) {
  auto r = Parse("rules:\n"
                 "  - {name: a, priority: 1, action: allow}\n"
                 "  - {name: b, priority: 2, action: allow}\n"
                 "  - name: web\n"
                 "    priority: 100\n"
                 "    match: ip_proto=tcp,dport=80\n"
                 "    action: allow\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: rule 3 (web): match: unknown key 'dport'"));

  r = Parse("rules:\n  - {name: web, priority: 1, match: 'src_ip=10.0.0.300', action: allow}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: rule 1 (web): match: src_ip: '10.0.0.300'"));
}

TEST(ParseRuleFile, OtherFieldErrors) {
  struct Bad {
    const char* rule;
    const char* error;
  };
  for (const Bad& c : {
           Bad{"{name: w, priority: 70000, action: allow}", "rule 1 (w): priority: '70000'"},
           Bad{"{name: w, action: allow}", "rule 1 (w): priority: required"},
           Bad{"{name: w, priority: 1}", "rule 1 (w): action: required"},
           Bad{"{name: w, priority: 1, action: accept}", "rule 1 (w): action: unknown action 'accept'"},
           Bad{"{name: w, priority: 1, action: redirect}", "rule 1 (w): action: redirect: "},
           Bad{"{name: w, priority: 1, match: ~, action: allow}", "rule 1 (w): match: missing value"},
           Bad{"{name: w, priority: [1], action: allow}", "rule 1 (w): priority: expected a single value"},
           Bad{"{name: w, priority: 1, priority: 2, action: allow}", "rule 1 (w): priority: duplicate key"},
           Bad{"just-a-word", "rule 1: expected a map"},
       }) {
    auto r = Parse(fmt::format("rules:\n  - {}\n", c.rule));
    ASSERT_FALSE(r.ok()) << c.rule;
    EXPECT_THAT(r.error(), StartsWith(fmt::format("rules.yaml: {}", c.error))) << c.rule;
  }
}

TEST(ParseRuleFile, DuplicateNames) {
  auto r = Parse("rules:\n"
                 "  - {name: web, priority: 1, action: allow}\n"
                 "  - {name: ssh, priority: 2, action: allow}\n"
                 "  - {name: web, priority: 3, action: drop}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "rules.yaml: rule 3 (web): name: 'web' is already rule 1");
}

TEST(ParseRuleFile, WrongScope) {
  // The scope given: exactly one of --tenant and --global.
  EXPECT_THAT(Parse(kGood, "", false).error(), StartsWith("--tenant, --global: give exactly one"));
  EXPECT_THAT(Parse(kGood, "red", true).error(), StartsWith("--tenant, --global: give exactly one"));
  // A rule's own scope must agree with it.
  auto r = Parse(kGood, "blue");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: rule 3 (to-fw): tenant: 'red', but the file "
                                    "replaces tenant blue's rules (--tenant blue)"));
  r = Parse(kGood, "", true);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: rule 3 (to-fw): tenant: 'red', but the file "
                                    "replaces the global rules (--global)"));
  r = Parse("rules:\n  - {name: g, priority: 1, action: allow, global: true}\n", "red");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: rule 1 (g): global: true, but the file replaces "
                                    "tenant red's rules"));
  r = Parse("rules:\n  - {name: g, priority: 1, action: allow, global: maybe}\n", "", true);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: rule 1 (g): global: expected true or false"));
}

TEST(ParseRuleFile, YamlErrors) {
  auto r = Parse("rules:\n  - name: [unclosed\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: line "));
  r = Parse("rules: []\n---\nrules: []\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("more than one YAML document"));
  r = Parse("rules: {name: web}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: rules: expected a list, got a map"));
  r = Parse("- name: web\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), StartsWith("rules.yaml: expected a map with rules:"));
}

TEST(ParseRuleFile, TenThousandRules) {
  std::string text = "rules:\n";
  constexpr int kRules = 10000;
  for (int i = 0; i < kRules; ++i) {
    text += fmt::format(
        "  - name: r{}\n    priority: {}\n    match: ip_proto=tcp,dst_port={}\n    action: "
        "allow\n",
        i, i % 65536, i % 65536);
  }
  const auto start = std::chrono::steady_clock::now();
  auto r = Parse(text);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r.value().rules_size(), kRules);
  EXPECT_EQ(r.value().rules(9999).name(), "r9999");
  EXPECT_EQ(r.value().rules(9999).priority(), 9999u);
  EXPECT_EQ(r.value().rules(9999).match().dst_port().min(), 9999u);
  EXPECT_EQ(r.value().rules(9999).tenant(), "red");
  // Linear work takes well under a second; this only catches the quadratic.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(took).count(), 10000);

  // A duplicate at the very end is still found (and named).
  text += "  - {name: r17, priority: 1, action: drop}\n";
  r = Parse(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "rules.yaml: rule 10001 (r17): name: 'r17' is already rule 18");
}

}  // namespace
}  // namespace yardctl
