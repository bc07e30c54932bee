#pragma once
// The learned MAC table: one lock-free rte_hash keyed by (tenant, MAC).
//
// Threads: workers look up and learn concurrently (lock-free readers,
// RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD for the rare insert); aging and
// flushes run on the housekeeping thread, which is registered with EAL so the
// hash's per-lcore free-slot cache works for it. Deleted slots are reused
// only after every worker reported quiescence (rte_hash_rcu_qsbr_add), so a
// worker that just read an entry never sees it recycled under it.
//
// The value is packed into the hash's data word: bits 0..15 the port id,
// bits 16..63 the time it was last seen in milliseconds, so a refresh or a
// MAC move is one atomic data update.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "core/limits.h"
#include "features/l2/eth_parse.h"

struct rte_hash;
struct rte_rcu_qsbr;

namespace switchyard {

using MacHashKey = uint64_t;

inline MacHashKey MakeMacHashKey(uint16_t tenant, MacKey mac) {
  return (uint64_t{tenant} << 48) | mac;
}
inline uint16_t KeyTenant(MacHashKey k) { return static_cast<uint16_t>(k >> 48); }
inline MacKey KeyMac(MacHashKey k) { return k & 0xffffffffffffULL; }

inline uint64_t PackMacValue(uint16_t port, uint64_t now_ms) { return (now_ms << 16) | port; }
inline uint16_t ValuePort(uint64_t v) { return static_cast<uint16_t>(v & 0xffff); }
inline uint64_t ValueSeenMs(uint64_t v) { return v >> 16; }

struct MacRecord {
  uint16_t tenant;
  MacKey mac;
  uint16_t port;
  uint64_t seen_ms;
};

class MacTable {
 public:
  // `qsbr` may be null (unit tests with no concurrent readers).
  MacTable(const char* name, uint32_t capacity, rte_rcu_qsbr* qsbr);
  ~MacTable();
  MacTable(const MacTable&) = delete;
  MacTable& operator=(const MacTable&) = delete;

  // Worker: look up `n` (<= 64) keys; values[i] valid where hit bit i set.
  uint64_t LookupBulk(const MacHashKey* keys, uint32_t n, uint64_t* values) const;
  // Worker: insert or update. False when the table is full.
  bool Upsert(MacHashKey key, uint64_t value);

  // Housekeeping thread: remove entries not seen for `max_age_ms`, and
  // recount entries per tenant. Returns how many were removed.
  uint32_t Age(uint64_t now_ms, uint64_t max_age_ms);
  // Housekeeping thread: remove entries matching the predicate.
  uint32_t Remove(const std::function<bool(const MacRecord&)>& match);
  // Any control thread: visit every entry (may miss or repeat entries that
  // change meanwhile; fine for display).
  void ForEach(const std::function<void(const MacRecord&)>& fn) const;

  // Entries per tenant as of the last learn/age; workers bump on learn and
  // check against the tenant's limit. Not exact under races between workers
  // learning the same new MAC; Age() recounts exactly.
  uint32_t TenantCount(uint16_t tenant) const {
    return tenant_count_[tenant].load(std::memory_order_relaxed);
  }
  void CountLearned(uint16_t tenant) {
    tenant_count_[tenant].fetch_add(1, std::memory_order_relaxed);
  }
  uint32_t capacity() const { return capacity_; }

  // Bumped after every change to the table (learn, move, refresh, delete),
  // with release order: a worker that read generation G before a lookup may
  // reuse that lookup's answer for as long as the generation is still G.
  uint64_t Generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  void Changed() { generation_.fetch_add(1, std::memory_order_release); }

  rte_hash* hash_ = nullptr;
  uint32_t capacity_;
  // Own cache line: read by every worker per burst, written only on change.
  alignas(64) std::atomic<uint64_t> generation_{0};
  char pad_[64 - sizeof(std::atomic<uint64_t>)];
  std::unique_ptr<std::atomic<uint32_t>[]> tenant_count_;
};

}  // namespace switchyard
