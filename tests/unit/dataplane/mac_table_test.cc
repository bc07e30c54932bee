// The MAC table on its own: capacity, updates, removal, a table filled far
// enough that inserts must move entries, and lock-free readers racing with
// a writer that inserts, moves and deletes.

#include "features/l2/mac_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "eal_env.h"

namespace switchyard {
namespace {

MacHashKey Key(uint32_t i, uint16_t tenant = 1) {
  return MakeMacHashKey(tenant, 0x020000000000ULL + i);
}

std::string Name() {
  static int n = 0;
  return "mac_table_test_" + std::to_string(n++);
}

bool Get(const MacTable& t, MacHashKey k, uint64_t* v) { return t.LookupBulk(&k, 1, v) != 0; }

TEST(MacTable, InsertUpdateLookupUpToCapacity) {
  MacTable t(Name().c_str(), 1000);
  for (uint32_t i = 0; i < 1000; ++i) ASSERT_TRUE(t.Upsert(Key(i), PackMacValue(i % 7, i)));
  EXPECT_FALSE(t.Upsert(Key(5000), PackMacValue(1, 1))) << "beyond capacity";
  EXPECT_TRUE(t.Upsert(Key(3), PackMacValue(9, 77))) << "an update needs no new slot";
  uint64_t v = 0;
  ASSERT_TRUE(Get(t, Key(3), &v));
  EXPECT_EQ(ValueDest(v), 9);
  EXPECT_EQ(ValueSeenMs(v), 77u);
  EXPECT_FALSE(Get(t, Key(5000), &v));
  EXPECT_FALSE(Get(t, Key(3, 2), &v)) << "the same MAC in another tenant is another key";
  // Bulk: hit bits and values per key.
  MacHashKey keys[64];
  uint64_t values[64];
  for (uint32_t i = 0; i < 64; ++i) keys[i] = Key(i * 31 % 2000);  // about half unknown
  const uint64_t hits = t.LookupBulk(keys, 64, values);
  for (uint32_t i = 0; i < 64; ++i) {
    const uint32_t id = i * 31 % 2000;
    ASSERT_EQ((hits >> i) & 1, id < 1000 ? 1u : 0u) << id;
    if (id < 1000 && id != 3) {
      EXPECT_EQ(ValueDest(values[i]), id % 7);
    }
  }
}

TEST(MacTable, FullTableMovesEntriesAndKeepsThemAll) {
  // Capacity 30,000 in 3-slot buckets sized for 2/3 occupancy at capacity:
  // many inserts find both their buckets full and must move entries.
  const uint32_t n = 30000;
  MacTable t(Name().c_str(), n);
  std::mt19937_64 rng(7);
  std::vector<MacHashKey> keys;
  for (uint32_t i = 0; i < n; ++i) keys.push_back(MakeMacHashKey(1 + rng() % 100, rng() >> 16));
  uint32_t stored = 0;
  for (uint32_t i = 0; i < n; ++i) stored += t.Upsert(keys[i], PackMacValue(i & 0xff, i)) ? 1 : 0;
  EXPECT_GE(stored, n * 99 / 100) << "cuckoo moves keep the table usable near capacity";
  uint32_t found = 0, right = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t v;
    if (Get(t, keys[i], &v)) {
      ++found;
      right += ValueSeenMs(v) == i ? 1 : 0;
    }
  }
  EXPECT_EQ(found, stored);
  EXPECT_EQ(right, stored);
  uint32_t listed = 0;
  t.ForEach([&](const MacRecord&) { ++listed; });
  EXPECT_EQ(listed, stored);
}

TEST(MacTable, RemoveAndAge) {
  MacTable t(Name().c_str(), 100);
  for (uint32_t i = 0; i < 10; ++i) ASSERT_TRUE(t.Upsert(Key(i), PackMacValue(1, 1000 + i * 100)));
  EXPECT_EQ(t.TenantCount(1), 10u);
  EXPECT_EQ(t.Remove([](const MacRecord& r) { return r.mac == 0x020000000000ULL + 2; }), 1u);
  EXPECT_EQ(t.TenantCount(1), 9u);
  // Seen at 1000..1900; at 2500 with max age 700, those seen before 1800 go.
  EXPECT_EQ(t.Age(2500, 700), 7u);
  EXPECT_EQ(t.TenantCount(1), 2u);
  uint64_t v;
  EXPECT_TRUE(Get(t, Key(8), &v));
  EXPECT_TRUE(Get(t, Key(9), &v));
  EXPECT_FALSE(Get(t, Key(7), &v));
  // Freed slots are reused.
  for (uint32_t i = 100; i < 198; ++i) EXPECT_TRUE(t.Upsert(Key(i), PackMacValue(1, 1))) << i;
}

// A tenant at its limit is refused, and the refusal changes nothing: no
// generation bump (the workers' lookup caches stay valid), no entry.
// A full table is told apart from a full tenant; another tenant still
// learns while one is at its limit.
TEST(MacTable, TenantLimitRefusesWithoutChangingAnything) {
  MacTable t(Name().c_str(), 30);
  for (uint32_t i = 0; i < 10; ++i)
    ASSERT_EQ(t.Learn(Key(i), PackMacValue(1, 1), 10, true), LearnResult::kInserted) << i;
  const uint64_t gen = t.Generation();
  for (uint32_t i = 10; i < 1000; ++i)
    ASSERT_EQ(t.Learn(Key(i), PackMacValue(1, 1), 10, true), LearnResult::kTenantFull) << i;
  // Without the lock-free pre-check (a caller whose lookup hit), the same
  // answer from under the lock.
  EXPECT_EQ(t.Learn(Key(2000), PackMacValue(1, 1), 10, false), LearnResult::kTenantFull);
  EXPECT_EQ(t.Generation(), gen) << "a refused insert must not invalidate lookups";
  EXPECT_EQ(t.TenantCount(1), 10u);
  EXPECT_EQ(t.size(), 10u);
  // At its limit a tenant still refreshes and moves what it has.
  EXPECT_EQ(t.Learn(Key(3), PackMacValue(2, 5), 10, false), LearnResult::kUpdated);
  EXPECT_EQ(t.TenantCount(1), 10u);
  // Another tenant learns; the table, not the tenant, runs out at 30.
  for (uint32_t i = 0; i < 20; ++i)
    ASSERT_EQ(t.Learn(Key(i, 2), PackMacValue(1, 1), 100, true), LearnResult::kInserted) << i;
  EXPECT_EQ(t.Learn(Key(20, 2), PackMacValue(1, 1), 100, true), LearnResult::kTableFull);
  EXPECT_EQ(t.Learn(Key(21, 2), PackMacValue(1, 1), 100, false), LearnResult::kTableFull);
  EXPECT_EQ(t.TenantCount(2), 20u);
  // Removing frees the tenant's share again.
  EXPECT_EQ(t.Remove([](const MacRecord& r) { return r.tenant == 1 && r.mac == KeyMac(Key(4)); }), 1u);
  EXPECT_EQ(t.TenantCount(1), 9u);
  EXPECT_EQ(t.Learn(Key(500), PackMacValue(1, 1), 10, true), LearnResult::kInserted);
}

// Workers learning one tenant's new MACs at once, while the housekeeping
// thread ages entries: the tenant never holds more than its limit, and its
// count is exactly what the table holds (aging does not overwrite counts
// that workers change meanwhile).
TEST(MacTable, TenantCountExactUnderConcurrentLearnAndAge) {
  const uint32_t limit = 500;
  MacTable t(Name().c_str(), 4096);
  std::atomic<bool> stop{false};
  std::atomic<uint32_t> over{0};
  auto learner = [&](uint32_t base) {
    for (uint32_t i = 0; i < 200000 && !stop.load(std::memory_order_relaxed); ++i) {
      // seen_ms = i % 4: aging at "now" 10 with max age 7 removes seen 0, 1 and 2.
      t.Learn(Key(base + i), PackMacValue(1, i % 4), limit, true);
      if (t.TenantCount(1) > limit) ++over;
    }
  };
  std::thread a(learner, 0), b(learner, 1u << 24);
  for (int round = 0; round < 2000; ++round) t.Age(10, 7);
  stop = true;
  a.join();
  b.join();
  uint32_t held = 0;
  t.ForEach([&](const MacRecord& r) { held += r.tenant == 1 ? 1 : 0; });
  EXPECT_LE(held, limit);
  EXPECT_EQ(t.TenantCount(1), held);
  EXPECT_EQ(t.size(), held);
  EXPECT_EQ(over.load(), 0u);
}

// Readers must find every stable key with its value while a writer churns
// other keys through the same buckets (inserts that move entries, deletes).
TEST(MacTable, ReadersNeverMissStableKeysUnderChurn) {
  // 16,384 entries fill 8,192 three-slot buckets to 2/3: inserts often move entries.
  const uint32_t stable = 2000, churn = 14384;
  MacTable t(Name().c_str(), stable + churn);
  for (uint32_t i = 0; i < stable; ++i) ASSERT_TRUE(t.Upsert(Key(i), PackMacValue(5, i)));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> misses{0}, wrong{0}, lookups{0};
  auto reader = [&] {
    std::mt19937 rng(1);
    MacHashKey keys[32];
    uint64_t values[32];
    while (!stop.load(std::memory_order_relaxed)) {
      for (auto& k : keys) k = Key(rng() % stable);
      const uint64_t hits = t.LookupBulk(keys, 32, values);
      for (uint32_t i = 0; i < 32; ++i) {
        if (!((hits >> i) & 1)) {
          ++misses;
        } else if (ValueDest(values[i]) != 5 || ValueSeenMs(values[i]) != KeyMac(keys[i]) - 0x020000000000ULL) {
          ++wrong;
        }
      }
      lookups += 32;
    }
  };
  // A listing (ForEach) under the same churn pairs every key with its own
  // value: stable keys on port 5 with their index, churn keys on port 6.
  std::atomic<uint64_t> listed{0}, mispaired{0};
  auto lister = [&] {
    while (!stop.load(std::memory_order_relaxed)) {
      t.ForEach([&](const MacRecord& rec) {
        const uint64_t id = rec.mac - 0x020000000000ULL;
        const bool ok = id < stable ? rec.port == 5 && rec.seen_ms == id
                                    : id >= 100000 && rec.port == 6 && rec.seen_ms == 1;
        if (!ok) ++mispaired;
        ++listed;
      });
    }
  };
  std::thread r(reader), l(lister);
  std::mt19937 rng(2);
  for (int round = 0; round < 100; ++round) {
    for (uint32_t i = 0; i < churn; ++i) t.Upsert(Key(100000 + round * churn + i), PackMacValue(6, 1));
    t.Remove([](const MacRecord& rec) { return rec.port == 6; });
  }
  stop = true;
  r.join();
  l.join();
  EXPECT_GT(listed.load(), 0u);
  EXPECT_EQ(mispaired.load(), 0u);
  EXPECT_GT(lookups.load(), 0u);
  EXPECT_EQ(misses.load(), 0u);
  EXPECT_EQ(wrong.load(), 0u);
}

}  // namespace
}  // namespace switchyard
