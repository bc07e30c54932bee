#include "rule_file.h"

#include <algorithm>
#include <array>
#include <optional>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "requests.h"
#include "yaml_input.h"

namespace yardctl {
namespace v1 = switchyard::v1;

namespace {

// Thrown inside this file only; ParseRuleFile turns it into an error.
struct RuleFileError {
  std::string message;
};

[[noreturn]] void Fail(std::string message) { throw RuleFileError{std::move(message)}; }

constexpr std::array<std::string_view, 6> kRuleKeys = {"name",   "priority", "match",
                                                       "action", "tenant",   "global"};

std::string What(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return fmt::format("'{}'", n.Scalar());
    default: return "nothing";
  }
}

// A single value as text; `at` names it in the error.
std::string Scalar(const YAML::Node& n, const std::string& at) {
  if (n.IsScalar()) return n.Scalar();
  if (n.IsNull()) Fail(fmt::format("{}: missing value", at));
  Fail(fmt::format("{}: expected a single value, got {}", at, What(n)));
}

std::string KnownKeys() {
  std::string out;
  for (std::string_view k : kRuleKeys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

// The scope given on the command line, in words, for a disagreeing rule.
std::string ScopeWords(const std::string& tenant, bool global) {
  if (global) return "the file replaces the global rules (--global)";
  return fmt::format("the file replaces tenant {}'s rules (--tenant {})", tenant, tenant);
}

// Rule `index` (0-based) of the list.
v1::Rule ReadRule(const YAML::Node& node, size_t index, const std::string& tenant, bool global) {
  const std::string where = fmt::format("rule {}", index + 1);
  if (!node.IsMap()) {
    Fail(fmt::format("{}: expected a map (name, priority, match, action), got {}", where,
                     What(node)));
  }
  // The keys first, and the name, so that every other error names the rule.
  std::vector<std::pair<std::string, YAML::Node>> entries;
  std::string name;
  bool has_name = false;
  for (const auto& kv : node) {
    std::string key = Scalar(kv.first, where + ": key");
    if (key == "name" && !has_name) {
      name = Scalar(kv.second, where + ": name");
      has_name = true;
    }
    entries.emplace_back(std::move(key), kv.second);
  }
  const std::string label = name.empty() ? where : fmt::format("{} ({})", where, name);
  if (name.empty()) Fail(fmt::format("{}: name: required", where));

  RuleArgs a;
  a.name = name;
  a.tenant = tenant;
  a.global = global;
  a.path = label;
  std::array<bool, kRuleKeys.size()> seen{};
  for (const auto& [key, value] : entries) {
    const auto known = std::find(kRuleKeys.begin(), kRuleKeys.end(), key);
    if (known == kRuleKeys.end())
      Fail(fmt::format("{}: {}: unknown key (known: {})", label, key, KnownKeys()));
    bool& once = seen[static_cast<size_t>(known - kRuleKeys.begin())];
    if (once) Fail(fmt::format("{}: {}: duplicate key", label, key));
    once = true;
    const std::string at = fmt::format("{}: {}", label, key);
    if (key == "priority") {
      a.priority = Scalar(value, at);
      if (a.priority.empty()) Fail(fmt::format("{}: required", at));
    } else if (key == "match") {
      if (value.IsNull())
        Fail(fmt::format("{}: missing value (\"\" matches every frame; so does no match key)", at));
      a.match = Scalar(value, at);
    } else if (key == "action") {
      a.action = Scalar(value, at);
    } else if (key == "tenant") {
      const std::string t = Scalar(value, at);
      if (global || t != tenant)
        Fail(fmt::format("{}: '{}', but {}", at, t, ScopeWords(tenant, global)));
    } else if (key == "global") {
      const std::string text = Scalar(value, at);
      bool g = false;
      if (!YAML::convert<bool>::decode(value, g))
        Fail(fmt::format("{}: expected true or false, got '{}'", at, text));
      if (g != global) Fail(fmt::format("{}: {}, but {}", at, text, ScopeWords(tenant, global)));
    }
  }
  if (a.priority.empty()) Fail(fmt::format("{}: priority: required (0..65535, the higher wins)", label));
  if (a.action.empty())
    Fail(fmt::format("{}: action: required (allow, drop or redirect:PORT, ...)", label));
  auto rule = BuildRule(a);
  if (!rule.ok()) Fail(rule.error());
  return rule.value();
}


}  // namespace

Parsed<v1::ReplaceRulesRequest> ParseRuleFile(const std::string& text, const std::string& file_label,
                                              const std::string& tenant, bool global) {
  using R = Parsed<v1::ReplaceRulesRequest>;
  if (tenant.empty() == !global)
    return R::Error("--tenant, --global: give exactly one (whose rules the file replaces)");
  auto fail = [&file_label](const std::string& message) {
    return R::Error(fmt::format("{}: {}", file_label, message));
  };

  auto loaded = LoadOneDocument(text);
  if (!loaded.ok()) return fail(loaded.error());
  const std::optional<YAML::Node>& doc = loaded.value();
  if (!doc || doc->IsNull()) return fail("empty file (expected rules: and a list of rules)");

  v1::ReplaceRulesRequest req;
  req.set_tenant(tenant);
  req.set_global(global);
  try {
    const YAML::Node& root = *doc;
    if (!root.IsMap()) Fail(fmt::format("expected a map with rules:, got {}", What(root)));
    std::optional<YAML::Node> rules;
    for (const auto& kv : root) {
      const std::string key = Scalar(kv.first, "key");
      if (key != "rules") Fail(fmt::format("{}: unknown key (known: rules)", key));
      if (rules) Fail("rules: duplicate key");
      rules.emplace(kv.second);
    }
    if (!rules) Fail("no rules: key (expected rules: and a list of rules)");
    if (!rules->IsNull()) {
      if (!rules->IsSequence()) Fail(fmt::format("rules: expected a list, got {}", What(*rules)));
      req.mutable_rules()->Reserve(static_cast<int>(rules->size()));
      // Where each name was first given (1-based), for duplicates.
      std::unordered_map<std::string, size_t> first;
      first.reserve(rules->size());
      size_t i = 0;
      const YAML::Node& list = *rules;
      for (const auto& item : list) {
        v1::Rule rule = ReadRule(item, i, tenant, global);
        auto [it, fresh] = first.emplace(rule.name(), i + 1);
        if (!fresh) {
          Fail(fmt::format("rule {} ({}): name: '{}' is already rule {}", i + 1, rule.name(),
                           rule.name(), it->second));
        }
        *req.add_rules() = std::move(rule);
        ++i;
      }
    }
  } catch (const RuleFileError& e) {
    return fail(e.message);
  } catch (const YAML::Exception& e) {
    return fail(e.what());
  }
  return R::Ok(std::move(req));
}

}  // namespace yardctl
