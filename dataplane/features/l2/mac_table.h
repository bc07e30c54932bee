#pragma once
// The learned MAC table: a cuckoo hash keyed by (tenant, MAC), each 64-byte
// bucket holding three (key, value) pairs, so a lookup reads one cache line
// (rte_hash reads a bucket, then the key in a separate key store: two
// dependent cache misses per lookup once the table outgrows the cache).
//
// Threads: workers look up lock-free and learn concurrently; aging and
// flushes run on the housekeeping thread. Every write (insert, move,
// refresh, delete) takes one spinlock; learning is rare next to lookups.
// An insert that will be refused (the tenant at its limit, the table full)
// is refused before the lock, and changes nothing: a tenant flooding new
// source MACs past its limit neither contends for the lock nor invalidates
// the workers' lookup caches.
//
// Capacity is shared, limits are per tenant: each tenant may hold up to its
// limit, counted exactly (under the write lock). The control plane admits a
// tenant only if the limits of all tenants together fit the capacity, so a
// tenant's limit is also its guarantee: no other tenant can fill its share.
// Readers never lock: each bucket has a sequence number (odd while a writer
// changes it) and a reader retries a bucket that changed under it. An
// insert that must make room moves entries to their other bucket, writing
// the destination before clearing the source, and a table-wide move count
// makes a reader retry a miss that raced with moves.
//
// The value is packed into 64 bits: bits 0..15 where the MAC lives (a
// MacDest), bits 16..63 the time it was last seen in milliseconds, so a
// refresh or a MAC move is one atomic store. Key 0 (tenant 0, MAC 0) marks a free slot: tenant ids start
// at 1.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <rte_spinlock.h>

#include "core/limits.h"
#include "core/eth_parse.h"

namespace switchyard {

using MacHashKey = uint64_t;

inline MacHashKey MakeMacHashKey(uint16_t tenant, MacKey mac) {
  return (uint64_t{tenant} << 48) | mac;
}
inline uint16_t KeyTenant(MacHashKey k) { return static_cast<uint16_t>(k >> 48); }
inline MacKey KeyMac(MacHashKey k) { return k & 0xffffffffffffULL; }

// Where a learned MAC lives: a local port id (below kMaxPorts) or, with
// kRemoteDest set, a remote VTEP (VXLAN: the low bits are its slot,
// features/vxlan/vxlan_snapshot.h).
using MacDest = uint16_t;
constexpr MacDest kRemoteDest = 0x8000;
inline bool IsRemoteDest(MacDest d) { return (d & kRemoteDest) != 0; }
inline MacDest RemoteDest(uint16_t slot) { return static_cast<MacDest>(kRemoteDest | slot); }
inline uint16_t RemoteSlot(MacDest d) { return static_cast<uint16_t>(d & ~kRemoteDest); }

inline uint64_t PackMacValue(MacDest dest, uint64_t now_ms) { return (now_ms << 16) | dest; }
inline MacDest ValueDest(uint64_t v) { return static_cast<MacDest>(v & 0xffff); }
inline uint64_t ValueSeenMs(uint64_t v) { return v >> 16; }

// What a learn did.
enum class LearnResult : uint8_t {
  kUpdated,     // the key was there: its value changed (a refresh or a move)
  kInserted,    // a new entry
  kTenantFull,  // not inserted: the tenant holds its limit
  kTableFull,   // not inserted: no room in the table
};
inline bool Stored(LearnResult r) { return r == LearnResult::kUpdated || r == LearnResult::kInserted; }

struct MacRecord {
  uint16_t tenant;
  MacKey mac;
  uint16_t port;
  uint64_t seen_ms;
};

class MacTable {
 public:
  // Room for `capacity` entries (the memory is allocated up front).
  MacTable(const char* name, uint32_t capacity);
  ~MacTable();
  MacTable(const MacTable&) = delete;
  MacTable& operator=(const MacTable&) = delete;

  // Worker: look up `n` (<= 64) keys; values[i] valid where hit bit i set.
  uint64_t LookupBulk(const MacHashKey* keys, uint32_t n, uint64_t* values) const;
  // Worker: store `value` under `key`. A new key is inserted only while its
  // tenant holds fewer than `limit` entries and the table has room.
  // `expect_new` says the caller's lookup missed: then a refusal is decided
  // without the lock (the common case of a tenant flooding new MACs).
  LearnResult Learn(MacHashKey key, uint64_t value, uint32_t limit, bool expect_new);
  // Learn with no tenant limit (tests, benchmarks). False when refused.
  bool Upsert(MacHashKey key, uint64_t value) {
    return Stored(Learn(key, value, UINT32_MAX, false));
  }

  // Housekeeping thread: remove entries not seen for `max_age_ms`. Returns
  // how many were removed.
  uint32_t Age(uint64_t now_ms, uint64_t max_age_ms);
  // Housekeeping thread: remove entries matching the predicate.
  uint32_t Remove(const std::function<bool(const MacRecord&)>& match);
  // Any control thread: visit every entry (may miss or repeat entries that
  // change meanwhile; fine for display).
  void ForEach(const std::function<void(const MacRecord&)>& fn) const;
  // The same, one bucket at a time (0 .. bucket_count() - 1), for listings
  // in pages that resume at a bucket.
  void ForEachInBucket(uint64_t bucket, const std::function<void(const MacRecord&)>& fn) const;
  uint64_t bucket_count() const { return mask_ + 1; }

  // Entries of a tenant, exact: changed only under the write lock, by the
  // insert or removal that changes the table.
  uint32_t TenantCount(uint16_t tenant) const {
    return tenant_count_[tenant].load(std::memory_order_relaxed);
  }
  uint32_t capacity() const { return capacity_; }
  uint32_t size() const { return size_.load(std::memory_order_relaxed); }

  // Bumped after every change to the table (learn, move, refresh, delete),
  // with release order: a worker that read generation G before a lookup may
  // reuse that lookup's answer for as long as the generation is still G.
  uint64_t Generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  void Changed() { generation_.fetch_add(1, std::memory_order_release); }

  static constexpr uint32_t kBucketSlots = 3;
  struct Slot {
    std::atomic<uint64_t> key{0};
    std::atomic<uint64_t> value{0};
  };
  struct alignas(64) Bucket {
    std::atomic<uint64_t> seq{0};
    Slot slot[kBucketSlots];
  };
  static_assert(sizeof(Bucket) == 64);

  // splitmix64's finalizer: every key bit moves both bucket choices.
  static uint64_t Mix(uint64_t k) {
    k ^= k >> 30;
    k *= 0xbf58476d1ce4e5b9ULL;
    k ^= k >> 27;
    k *= 0x94d049bb133111ebULL;
    k ^= k >> 31;
    return k;
  }
  // The key's first (which = 0) or second bucket; never the same one.
  uint64_t BucketOf(MacHashKey key, int which) const {
    const uint64_t h = Mix(key);
    const uint64_t b1 = h & mask_;
    if (which == 0) return b1;
    const uint64_t b2 = (h >> 32) & mask_;
    return b2 == b1 ? b1 ^ 1 : b2;
  }
  void CopyBucket(uint64_t b, MacHashKey* keys, uint64_t* values) const;
  bool ReadBucket(uint64_t b, MacHashKey key, uint64_t* value) const;
  void WriteSlot(uint64_t b, uint32_t i, MacHashKey key, uint64_t value);
  bool FreeSlotFor(MacHashKey key, uint64_t* bucket, uint32_t* slot);
  uint32_t Sweep(const std::function<bool(const MacRecord&)>& match);

  Bucket* buckets_ = nullptr;
  uint64_t mask_ = 0;
  uint32_t capacity_;
  std::atomic<uint32_t> size_{0};  // entries; written under write_lock_
  rte_spinlock_t write_lock_;
  // Bumped before and after a chain of moves (odd while one runs).
  std::atomic<uint64_t> moves_{0};
  // Own cache line: read by every worker per burst, written only on change.
  alignas(64) std::atomic<uint64_t> generation_{0};
  char pad_[64 - sizeof(std::atomic<uint64_t>)];
  std::unique_ptr<std::atomic<uint32_t>[]> tenant_count_;  // written under write_lock_
};

}  // namespace switchyard
