#pragma once
// One scope's classifier (features/rules): the rules of a tenant, or the
// global ones, compiled with rte_acl into two contexts, one for IPv4 and
// non-IP frames, one for IPv6 (each holds the rules that can match its
// frames; a rule of no family is in both). Built on a control thread,
// immutable once built, shared by the snapshots whose rules are the same
// (a rule change rebuilds only its scope), freed with the last of them.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "features/rules/rule_key.h"
#include "switchyard/rule_syntax.h"

struct rte_acl_ctx;

namespace switchyard {

// A rule as the classifier sees it: its match with in_port as a port id.
struct AclRule {
  rules::Match match;
  int32_t in_port = -1;  // -1: any
  uint32_t priority = 0;
  uint32_t result = 0;  // returned for frames it decides (1.., 0 = none)
};

class AclClassifier {
 public:
  // Compiles `rules` into at most `max_bytes` of run-time tables per
  // context (0: no cap; rte_acl splits the rules over more tries to fit);
  // null and `*error` when rte_acl fails (memory, or the cap).
  static std::unique_ptr<AclClassifier> Build(const std::vector<AclRule>& rules, std::string* error,
                                              size_t max_bytes = 0);
  ~AclClassifier();
  AclClassifier(const AclClassifier&) = delete;
  AclClassifier& operator=(const AclClassifier&) = delete;

  // results[i]: the result of the highest-priority rule matching keys[i],
  // or 0. All keys of one family. Worker lcores.
  void Classify(KeyFamily family, const uint8_t** keys, uint32_t* results, uint32_t n) const;

  size_t rules() const { return rules_; }
  // Bytes rte_acl holds for both contexts (rte_acl_dump's view: the built
  // tries and transition tables).
  size_t memory() const { return memory_; }

 private:
  AclClassifier() = default;
  rte_acl_ctx* ctx_[2] = {nullptr, nullptr};
  size_t rules_ = 0;
  size_t memory_ = 0;
};

}  // namespace switchyard
