#pragma once
// What the flow-rule feature counts: its drop reasons (registered in
// features/features.h) and its per-rule counters (core/counters.h keeps
// them per worker, reported as RuleCounters).

#include <cstdint>

namespace switchyard {
// Rules are numbered by slot, stable while a rule exists (its counters).
constexpr uint32_t kMaxRules = 131072;
// RunAction::mirror when there is no mirror copy; RunAction::set_vlan
// when the output port's own tag applies.
constexpr uint16_t kNoMirror = 0xffff;
constexpr uint16_t kKeepVlan = 0xffff;
}  // namespace switchyard

#define SWITCHYARD_RULE_DROP_REASONS(X)                                                     \
  X(RULE_DROP, "rule_drop")                   /* a rule's verdict: drop */                  \
  X(RULE_DEFAULT_DENY, "rule_default_deny")   /* no rule matched; the tenant denies */      \
  X(RULE_TARGET_NOT_MEMBER, "rule_target_not_member") /* redirect to a port without the tenant */ \
  X(RULE_MIRROR_NOT_MEMBER, "rule_mirror_not_member") /* a mirror copy not made: the port lacks the tenant */ \
  X(RULE_MIRROR_FAILED, "rule_mirror_failed") /* a mirror copy not made: no mbuf */         \
  X(RULE_UNAVAILABLE, "rule_unavailable")     /* the scope's rules could not be compiled: fail closed */ \
  X(L3_MALFORMED, "l3_malformed")             /* an IPv4/IPv6 header a rule could not read */

#define SWITCHYARD_RULE_TENANT_COUNTERS(X)

// X(field): a uint64 per rule, named as the RuleCounters proto field.
#define SWITCHYARD_RULE_COUNTERS(X) \
  X(packets)                        \
  X(bytes)
