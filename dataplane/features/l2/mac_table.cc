#include "features/l2/mac_table.h"

#include <stdexcept>
#include <string>
#include <vector>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

namespace switchyard {

MacTable::MacTable(const char* name, uint32_t capacity, rte_rcu_qsbr* qsbr)
    : capacity_(capacity), tenant_count_(new std::atomic<uint32_t>[kMaxTenantId + 1]) {
  for (uint32_t i = 0; i <= kMaxTenantId; ++i) tenant_count_[i].store(0);
  rte_hash_parameters params{};
  params.name = name;
  params.entries = capacity;
  params.key_len = sizeof(MacHashKey);
  params.hash_func = rte_hash_crc;
  params.hash_func_init_val = 0;
  params.socket_id = static_cast<int>(rte_socket_id());
  params.extra_flag =
      RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD;
  hash_ = rte_hash_create(&params);
  if (hash_ == nullptr) {
    throw std::runtime_error(std::string("rte_hash_create(") + name + ") failed: " +
                             rte_strerror(rte_errno));
  }
  if (qsbr != nullptr) {
    rte_hash_rcu_config cfg{};
    cfg.v = qsbr;
    cfg.mode = RTE_HASH_QSBR_MODE_DQ;
    if (rte_hash_rcu_qsbr_add(hash_, &cfg) != 0) {
      rte_hash_free(hash_);
      throw std::runtime_error("rte_hash_rcu_qsbr_add failed");
    }
  }
}

MacTable::~MacTable() { rte_hash_free(hash_); }

uint64_t MacTable::LookupBulk(const MacHashKey* keys, uint32_t n, uint64_t* values) const {
  const void* key_ptrs[RTE_HASH_LOOKUP_BULK_MAX];
  void* data[RTE_HASH_LOOKUP_BULK_MAX];
  for (uint32_t i = 0; i < n; ++i) key_ptrs[i] = &keys[i];
  uint64_t hits = 0;
  rte_hash_lookup_bulk_data(hash_, key_ptrs, n, &hits, data);
  for (uint32_t i = 0; i < n; ++i) values[i] = reinterpret_cast<uintptr_t>(data[i]);
  return hits;
}

bool MacTable::Upsert(MacHashKey key, uint64_t value) {
  const bool ok = rte_hash_add_key_data(hash_, &key, reinterpret_cast<void*>(value)) == 0;
  Changed();
  return ok;
}

void MacTable::ForEach(const std::function<void(const MacRecord&)>& fn) const {
  const void* key;
  void* data;
  uint32_t next = 0;
  while (rte_hash_iterate(hash_, &key, &data, &next) >= 0) {
    MacHashKey k = *static_cast<const MacHashKey*>(key);
    uint64_t v = reinterpret_cast<uintptr_t>(data);
    fn(MacRecord{KeyTenant(k), KeyMac(k), ValuePort(v), ValueSeenMs(v)});
  }
}

uint32_t MacTable::Remove(const std::function<bool(const MacRecord&)>& match) {
  std::vector<MacHashKey> doomed;
  ForEach([&](const MacRecord& r) {
    if (match(r)) doomed.push_back(MakeMacHashKey(r.tenant, r.mac));
  });
  uint32_t removed = 0;
  for (MacHashKey k : doomed) {
    const int32_t rc = rte_hash_del_key(hash_, &k);
    Changed();
    if (rc >= 0) {
      ++removed;
      // Workers fetch_add on the same counter meanwhile: decrement
      // atomically (never below zero) so none of their learns is lost.
      std::atomic<uint32_t>& count = tenant_count_[KeyTenant(k)];
      uint32_t c = count.load(std::memory_order_relaxed);
      while (c > 0 && !count.compare_exchange_weak(c, c - 1, std::memory_order_relaxed)) {
      }
    }
  }
  return removed;
}

uint32_t MacTable::Age(uint64_t now_ms, uint64_t max_age_ms) {
  uint32_t removed = Remove([&](const MacRecord& r) {
    return now_ms > r.seen_ms && now_ms - r.seen_ms > max_age_ms;
  });
  std::vector<uint32_t> counts(kMaxTenantId + 1, 0);
  ForEach([&](const MacRecord& r) { ++counts[r.tenant]; });
  for (uint32_t t = 0; t <= kMaxTenantId; ++t)
    tenant_count_[t].store(counts[t], std::memory_order_relaxed);
  return removed;
}

}  // namespace switchyard
