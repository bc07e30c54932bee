#pragma once
// Builds the flow-rule part of the Snapshot from the Rule objects: per
// scope a classifier (compiled only when the scope's matches changed: the
// cache keeps the last build of each) and the rules' actions resolved to
// this snapshot's ports and meters. Control threads; compiling calls
// rte_acl (EAL memory).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "features/rules/rule_snapshot.h"
#include "switchyard/v1/types.pb.h"

namespace switchyard {

struct Snapshot;
struct PlacedPort;

// The classifiers of the last build, by scope ("" global, else the
// tenant's name), with what they were compiled from.
struct RuleCache {
  struct Entry {
    std::string fingerprint;
    std::shared_ptr<const AclClassifier> acl;
  };
  std::map<std::string, Entry> scopes;
  uint64_t compiles = 0;  // classifiers compiled so far
};

// Not copied: a switch may hold 100,000 rules.
struct RuleInputs {
  const std::map<std::string, v1::Rule>* rules = nullptr;  // by name
  const std::map<std::string, uint32_t>* slots = nullptr;  // rule name -> counter slot
  RuleCache* cache = nullptr;  // optional
  size_t max_scope_bytes = 0;  // per scope's classifier; 0 no cap
};

// Fills s->rules. Runs after the limits part (a rule's meter is one of
// them). Rules naming what is not there match nothing or lose that action
// (`problems` gets a line each).
void BuildRules(const RuleInputs& in, const std::map<std::string, v1::Tenant>& tenants,
                const std::map<std::string, PlacedPort>& ports, Snapshot* s,
                std::vector<std::string>* problems);

}  // namespace switchyard
