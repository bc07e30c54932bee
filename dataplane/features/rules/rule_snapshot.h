#pragma once
// The flow-rule feature's part of the Snapshot: per scope (the global
// rules, each tenant's) its classifier, shared between snapshots while the
// scope's matches do not change, and its rules' actions resolved against
// this snapshot (port ids, tags, meters). Built on a control thread
// (rule_builder.h), read by workers.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "features/limits/limit_defs.h"
#include "features/rules/rule_acl.h"
#include "features/rules/rule_defs.h"

namespace switchyard {

enum class RuleVerdict : uint8_t { kAllow, kDrop, kRedirect };

// A rule's actions, as the stage applies them.
struct RuleEntry {
  uint32_t slot = 0;  // its counters
  RuleVerdict verdict = RuleVerdict::kAllow;
  uint16_t redirect = 0;            // kRedirect: the port id
  bool redirect_present = true;     // false: the port is not running
  uint16_t mirror = kNoMirror;      // port id, or kNoMirror
  uint16_t meter = kNoLimit;        // index into Snapshot::limits.limits
  uint16_t set_vlan = kKeepVlan;    // a tag (1..4094), 0 strip, or kKeepVlan
  bool global = false;
  // Allow with no other action: packets of such rules (and of the default
  // allow) keep their run whole, each counted on its own rule.
  bool plain_allow = false;
  uint32_t priority = 0;
  std::string name;  // for the tracer
};

struct RuleTable {
  // result r: entries[r - 1]. Null: the scope's rules could not be
  // compiled, and its frames drop (rule_unavailable) rather than pass
  // unfiltered.
  std::shared_ptr<const AclClassifier> acl;
  std::vector<RuleEntry> entries;
};

struct RulesSnapshot {
  std::shared_ptr<const RuleTable> global;        // null: no global rules
  std::vector<std::shared_ptr<const RuleTable>> tenant;  // by tenant id; null: none
  std::vector<uint8_t> deny;   // by tenant id: the default policy is deny
  std::vector<uint8_t> uses;   // by tenant id: has rules or denies
  bool any = false;            // global rules, or some tenant uses rules
  // Unique to each build of this part (never 0 once built): a worker's
  // flow cache holds decisions taken under one generation only.
  uint64_t generation = 0;

  bool Uses(uint16_t t) const { return global != nullptr || (t < uses.size() && uses[t]); }
  const RuleTable* Tenant(uint16_t t) const { return t < tenant.size() ? tenant[t].get() : nullptr; }
  bool Deny(uint16_t t) const { return t < deny.size() && deny[t]; }
};

}  // namespace switchyard
