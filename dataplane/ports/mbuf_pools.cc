#include "ports/mbuf_pools.h"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/limits.h"
#include "core/worker_context.h"

namespace switchyard {

namespace {

// Per-lcore cache of a port's pool: each worker may hold up to 1.5 times
// this many buffers in its cache.
constexpr uint32_t kPortPoolCache = 64;
constexpr uint32_t kSharedPoolCache = 256;

}  // namespace

MbufPools::MbufPools(uint32_t shared_size, uint16_t workers, std::function<void()> quiesce)
    : workers_(workers), quiesce_(std::move(quiesce)) {
  shared_ = rte_pktmbuf_pool_create("sy_mbufs", shared_size, kSharedPoolCache, 0,
                                    RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  if (shared_ == nullptr)
    throw std::runtime_error(fmt::format("cannot create a pool of {} mbufs: {} (raise --memory)",
                                         shared_size, rte_strerror(rte_errno)));
}

MbufPools::~MbufPools() {
  for (rte_mempool* p : live_) rte_mempool_free(p);
  for (rte_mempool* p : retired_) rte_mempool_free(p);
  rte_mempool_free(shared_);
}

uint32_t MbufPools::PortPoolSize(uint16_t rx_queues, uint16_t rx_desc, bool prefilled,
                                 uint32_t kept) const {
  uint32_t n = prefilled ? uint32_t{rx_queues} * rx_desc : 0;
  n += std::min<uint32_t>(kept, UINT32_MAX / 2);  // too many fails at create
  n += uint32_t{rx_queues} * 4 * kBurstSize;                    // bursts being received
  n += uint32_t{workers_} * (kTxBufferSize + kPortPoolCache * 3 / 2);  // TX buffers, caches
  n += 512;  // in the destinations' TX rings
  return n;
}

rte_mempool* MbufPools::Create(uint32_t size, std::string* error) {
  Reap();
  const std::string name = fmt::format("sy_rx_{}", serial_++);
  rte_mempool* p = rte_pktmbuf_pool_create(name.c_str(), size, kPortPoolCache, 0,
                                           RTE_MBUF_DEFAULT_BUF_SIZE,
                                           static_cast<int>(rte_socket_id()));
  if (p == nullptr) {
    *error = fmt::format("cannot create a pool of {} mbufs for the port: {} (raise --memory)",
                         size, rte_strerror(rte_errno));
    return nullptr;
  }
  live_.push_back(p);
  return p;
}

void MbufPools::Retire(rte_mempool* pool) {
  if (pool == nullptr) return;
  auto it = std::find(live_.begin(), live_.end(), pool);
  if (it == live_.end()) return;
  live_.erase(it);
  retired_.push_back(pool);
  Reap();
}

void MbufPools::Reap() {
  std::vector<rte_mempool*> done;
  for (auto it = retired_.begin(); it != retired_.end();) {
    if (rte_mempool_full(*it)) {
      done.push_back(*it);
      it = retired_.erase(it);
    } else {
      ++it;
    }
  }
  if (done.empty()) return;
  // The last buffer is counted back as it enters a cache; the worker that
  // put it there may still be finishing that call.
  if (quiesce_) quiesce_();
  for (rte_mempool* p : done) rte_mempool_free(p);
}

MbufPools::Usage MbufPools::usage() const {
  Usage u;
  auto add = [&](const rte_mempool* p) {
    ++u.pools;
    u.size += p->size;
    u.available += rte_mempool_avail_count(p);
  };
  add(shared_);
  for (const rte_mempool* p : live_) add(p);
  for (const rte_mempool* p : retired_) add(p);
  return u;
}

}  // namespace switchyard
