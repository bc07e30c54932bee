// Cross-object rules of flow rules (model/checks.h).
#include <map>
#include <set>

#include <google/protobuf/util/message_differencer.h>

#include "model/checks.h"
#include "model/validate.h"
#include "switchyard/rule_syntax.h"

namespace switchyard::controlplane {

namespace {

bool PortCarries(const DesiredState& state, const pb::Port& p, const std::string& tenant) {
  switch (p.role()) {
    case pb::PORT_ROLE_ACCESS: return p.tenant() == tenant;
    case pb::PORT_ROLE_TRUNK:
      for (const auto& tv : p.trunk())
        if (tv.tenant() == tenant) return true;
      return false;
    case pb::PORT_ROLE_UPLINK: {
      auto it = state.tenants.find(tenant);
      return it != state.tenants.end() && it->second.vlan() != 0;
    }
    default: return false;
  }
}

Status CheckPortRef(const DesiredState& state, const pb::Rule& r, const char* field,
                    const std::string& port) {
  if (port.empty()) return {};
  auto it = state.ports.find(port);
  if (it == state.ports.end()) return NotFound("rule.{}: port '{}' does not exist", field, port);
  if (!r.global() && !PortCarries(state, it->second, r.tenant()))
    return FailedPrecondition("rule.{}: port '{}' does not carry tenant '{}' (a tenant's rules stay "
                              "inside the tenant)",
                              field, port, r.tenant());
  return {};
}

// What a rule names exists; the field rules first. `parsed` gets its match.
Status CheckRule(const DesiredState& state, pb::Rule& r, rules::Match* parsed) {
  if (auto st = NormalizeRule(r, parsed); !st.ok()) return st;
  if (!r.global() && !state.tenants.count(r.tenant()))
    return NotFound("rule.tenant: tenant '{}' does not exist", r.tenant());
  if (auto st = CheckPortRef(state, r, "match.in_port", r.match().in_port()); !st.ok()) return st;
  if (auto st = CheckPortRef(state, r, "actions.redirect", r.actions().redirect()); !st.ok()) return st;
  if (auto st = CheckPortRef(state, r, "actions.mirror", r.actions().mirror()); !st.ok()) return st;
  if (!r.actions().meter().empty() && !state.limits.count("meter/" + r.actions().meter()))
    return NotFound("rule.actions.meter: no meter '{}' (yardctl limit set --meter {} ...)",
                    r.actions().meter(), r.actions().meter());
  return {};
}

struct Parsed {
  const pb::Rule* rule;
  rules::Match match;
};

Status OverlapError(const pb::Rule& a, const pb::Rule& b) {
  return FailedPrecondition(
      "rule.match: rules '{}' and '{}' ({}, priority {}) can match the same frame: give one "
      "another priority or make the matches disjoint",
      a.name(), b.name(), a.global() ? "global" : "tenant " + a.tenant(), a.priority());
}

// Any two of `group` (one scope, one priority) that can overlap.
Status CheckGroup(const std::vector<Parsed>& group) {
  for (size_t i = 0; i < group.size(); ++i)
    for (size_t j = i + 1; j < group.size(); ++j)
      if (rules::CanOverlap(group[i].match, group[j].match))
        return OverlapError(*group[i].rule, *group[j].rule);
  return {};
}

size_t CountScope(const DesiredState& state, const RuleScope& scope) {
  size_t n = 0;
  for (const auto& [name, r] : state.rules) n += scope.Holds(r);
  return n;
}

RuleScope ScopeOf(const pb::Rule& r) { return RuleScope{r.tenant(), r.global()}; }

}  // namespace

Status PrepareRule(const DesiredState& state, pb::Rule& rule, bool update) {
  rules::Match mine;
  if (auto st = CheckRule(state, rule, &mine); !st.ok()) return st;
  auto existing = state.rules.find(rule.name());
  if (!update && existing != state.rules.end())
    return AlreadyExists("rule.name: rule '{}' already exists ({})", rule.name(),
                         ScopeOf(existing->second).Name());
  if (update && existing == state.rules.end()) return NotFound("rule '{}' not found", rule.name());
  const RuleScope scope = ScopeOf(rule);
  const bool moves = !update || !scope.Holds(existing->second);
  if (moves && CountScope(state, scope) >= kMaxRulesPerScope)
    return {grpc::StatusCode::RESOURCE_EXHAUSTED,
            fmt::format("rule: {} holds at most {} rules", scope.Name(), kMaxRulesPerScope)};
  if (!update && state.rules.size() >= kMaxRules)
    return {grpc::StatusCode::RESOURCE_EXHAUSTED,
            fmt::format("rule: the switch holds at most {} rules", kMaxRules)};
  for (const auto& [name, other] : state.rules) {
    if (name == rule.name() || !scope.Holds(other) || other.priority() != rule.priority()) continue;
    rules::Match theirs;
    if (rules::ParseMatch(other.match(), &theirs)) continue;
    if (rules::CanOverlap(mine, theirs)) return OverlapError(rule, other);
  }
  return {};
}

Status PrepareRuleReplace(const DesiredState& state, const RuleScope& scope,
                          std::vector<pb::Rule>& rules, std::vector<pb::Change>& changes,
                          RuleReplaceCounts& counts) {
  if (scope.global == !scope.tenant.empty())
    return InvalidArgument("rules: give exactly one of tenant and global");
  if (!scope.global) {
    if (auto st = ValidateName("tenant", scope.tenant); !st.ok()) return st;
    if (!state.tenants.count(scope.tenant)) return NotFound("tenant: tenant '{}' does not exist", scope.tenant);
  }
  if (rules.size() > kMaxRulesPerScope)
    return {grpc::StatusCode::RESOURCE_EXHAUSTED,
            fmt::format("rules: {} holds at most {} rules, got {}", scope.Name(), kMaxRulesPerScope,
                        rules.size())};
  std::set<std::string> names;
  std::map<uint32_t, std::vector<Parsed>> by_priority;
  for (size_t i = 0; i < rules.size(); ++i) {
    pb::Rule& r = rules[i];
    if (r.tenant().empty() && !r.global()) {
      r.set_tenant(scope.tenant);
      r.set_global(scope.global);
    }
    auto where = [&](const Status& st) {
      return Status{st.code(), fmt::format("rules[{}] ({}): {}", i, r.name(), st.message())};
    };
    if (!scope.Holds(r))
      return InvalidArgument("rules[{}] ({}): rule.tenant: the rule's scope is not {}", i, r.name(),
                             scope.Name());
    rules::Match match;
    if (auto st = CheckRule(state, r, &match); !st.ok()) return where(st);
    if (!names.insert(r.name()).second)
      return InvalidArgument("rules[{}] ({}): rule.name: given twice", i, r.name());
    auto existing = state.rules.find(r.name());
    if (existing != state.rules.end() && !scope.Holds(existing->second))
      return where(AlreadyExists("rule.name: rule '{}' already exists ({})", r.name(),
                                 ScopeOf(existing->second).Name()));
    by_priority[r.priority()].push_back(Parsed{&r, std::move(match)});
  }
  for (const auto& [priority, group] : by_priority)
    if (auto st = CheckGroup(group); !st.ok()) return st;
  size_t others = 0;
  for (const auto& [name, r] : state.rules) others += !scope.Holds(r);
  if (others + rules.size() > kMaxRules)
    return {grpc::StatusCode::RESOURCE_EXHAUSTED,
            fmt::format("rules: the switch holds at most {} rules", kMaxRules)};
  for (const auto& [name, r] : state.rules) {
    if (!scope.Holds(r) || names.count(name)) continue;
    changes.emplace_back().set_delete_rule(name);
    ++counts.removed;
  }
  for (const auto& r : rules) {
    auto existing = state.rules.find(r.name());
    if (existing != state.rules.end()) {
      pb::Rule old = existing->second;
      old.clear_generation();
      if (google::protobuf::util::MessageDifferencer::Equals(old, r)) {
        ++counts.unchanged;
        continue;
      }
      ++counts.changed;
    } else {
      ++counts.added;
    }
    *changes.emplace_back().mutable_upsert_rule() = r;
  }
  return {};
}

std::vector<std::string> RulesOfTenant(const DesiredState& state, const std::string& tenant) {
  std::vector<std::string> out;
  for (const auto& [name, r] : state.rules)
    if (!r.global() && r.tenant() == tenant) out.push_back(name);
  return out;
}

std::vector<std::string> RulesUsingMeter(const DesiredState& state, const std::string& limit) {
  std::vector<std::string> out;
  for (const auto& [name, r] : state.rules)
    if (!r.actions().meter().empty() && "meter/" + r.actions().meter() == limit) out.push_back(name);
  return out;
}

}  // namespace switchyard::controlplane
