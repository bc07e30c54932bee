#pragma once
// A worker's exact-match cache of rule decisions (features/rules): the
// decision the classifiers took for a key (its tenant included), valid
// while the snapshot's rules part is the one it was taken under. A port's
// traffic is mostly a few flows burst after burst; a hit costs a hash and a
// 64-byte compare where rte_acl walks every trie of the scope. Direct
// mapped; some misses overwrite. One worker lcore each.

#include <array>
#include <cstdint>
#include <cstring>

#include <rte_prefetch.h>

#include "features/rules/rule_key.h"

namespace switchyard {

struct RuleEntry;

// What the rules decided for one packet.
enum class RuleOutcome : uint8_t { kNone, kRule, kDefaultAllow, kDefaultDeny, kMalformed, kUnavailable };

// No initializers: a worker's arrays of them are filled as they are used.
struct RuleDecision {
  RuleOutcome outcome;
  const RuleEntry* rule;  // kRule: in a table of the snapshot decided under
  bool operator==(const RuleDecision& o) const { return outcome == o.outcome && rule == o.rule; }
};

struct RuleFlowCache {
  static constexpr uint32_t kEntries = 4096;  // a power of two
  // One miss in kInsertEvery is cached: a flow that lasts gets in after a
  // few bursts, while traffic of ever new flows (a scan) neither evicts the
  // flows that last nor spends a store per packet.
  static constexpr uint32_t kInsertEvery = 8;
  struct Entry {
    uint64_t generation = 0;  // RulesSnapshot::generation; 0 empty
    RuleDecision decision{RuleOutcome::kNone, nullptr};
    RuleKey key;
  };
  // A signature per entry (the hash's high bits, never 0), read first: a
  // miss costs one load from this 16 KiB array, not two lines of an entry.
  std::array<uint32_t, kEntries> sig{};
  std::array<Entry, kEntries> entries{};
  uint64_t hits = 0, misses = 0;
  uint32_t skipped = 0;  // misses since the last insert

  static uint64_t Hash(const RuleKey& k) {
    uint64_t q[8];
    std::memcpy(q, &k, sizeof q);
    static_assert(sizeof q == sizeof k);
    uint64_t h = q[0] * 0x9e3779b97f4a7c15ull + q[1] * 0xc2b2ae3d27d4eb4full + q[2] * 0x165667b19e3779f9ull +
                 q[3] * 0x27d4eb2f165667c5ull + q[4] * 0x94d049bb133111ebull + q[5] * 0xbf58476d1ce4e5b9ull +
                 q[6] * 0xd6e8feb86659fd93ull + q[7] * 0xff51afd7ed558ccdull;
    return h ^ (h >> 31);
  }
  static uint32_t Slot(uint64_t h) { return static_cast<uint32_t>(h) & (kEntries - 1); }
  static uint32_t Sig(uint64_t h) { return static_cast<uint32_t>(h >> 32) | 1; }

  void Prefetch(uint64_t h) const {
    rte_prefetch0(&sig[Slot(h)]);
    rte_prefetch0(&entries[Slot(h)]);
  }
  // The decision cached for `k` under `generation`, or null.
  const RuleDecision* Find(uint64_t h, const RuleKey& k, uint64_t generation) const {
    const uint32_t slot = Slot(h);
    if (sig[slot] != Sig(h)) return nullptr;
    const Entry& e = entries[slot];
    if (e.generation != generation || std::memcmp(&e.key, &k, sizeof k) != 0) return nullptr;
    return &e.decision;
  }
  void Put(uint64_t h, const RuleKey& k, uint64_t generation, RuleDecision d) {
    if (++skipped < kInsertEvery) return;
    skipped = 0;
    const uint32_t slot = Slot(h);
    sig[slot] = Sig(h);
    Entry& e = entries[slot];
    e.key = k;
    e.generation = generation;
    e.decision = d;
  }
};

}  // namespace switchyard
