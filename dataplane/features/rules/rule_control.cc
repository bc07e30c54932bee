// The flow-rule feature's control side: each rule's counter slot (kept
// while the rule exists and changes) and the inputs of the rules part of
// each snapshot. Methods of Dataplane; control threads, under the
// Dataplane's mutex.

#include <spdlog/spdlog.h>

#include <vector>

#include "core/dataplane.h"

namespace switchyard {

bool Dataplane::UpdateRules(const ConfigState& want,
                            const std::function<WorkerCounters&()>& counters_now) {
  bool changed = rules_.size() != want.rules.size();
  for (const auto& [name, r] : want.rules) {
    auto it = rules_.find(name);
    changed = changed || it == rules_.end() ||
              it->second.SerializeAsString() != r.SerializeAsString();
  }
  if (!changed) return false;
  // A new rule takes a slot no rule of the running snapshot has; the slots
  // of rules that go are free for the next call, after the publish that
  // drops them.
  std::vector<bool> used(kMaxRules, false);
  for (const auto& [name, slot] : rule_slots_) used[slot] = true;
  uint32_t next = 0;
  for (const auto& [name, r] : want.rules) {
    if (rule_slots_.count(name) != 0) continue;
    while (next < kMaxRules && used[next]) ++next;
    if (next == kMaxRules) {
      spdlog::error("rule {}: all {} rule slots are in use: not applied", name, kMaxRules);
      continue;
    }
    used[next] = true;
    rule_base_[next] = counters_now().rules[next];
    rule_slots_[name] = next;
  }
  for (auto it = rule_slots_.begin(); it != rule_slots_.end();)
    it = want.rules.count(it->first) == 0 ? rule_slots_.erase(it) : std::next(it);
  rules_ = want.rules;
  return true;
}

RuleInputs Dataplane::RuleInputsLocked() {
  RuleInputs in;
  in.rules = &rules_;
  in.slots = &rule_slots_;
  in.cache = &rule_cache_;
  in.max_scope_bytes = opts_.rule_scope_max_bytes;
  return in;
}

}  // namespace switchyard
