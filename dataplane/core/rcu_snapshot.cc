#include "core/rcu_snapshot.h"

#include <stdexcept>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

namespace switchyard {

SnapshotPublisher::SnapshotPublisher(uint32_t max_threads) {
  size_t sz = rte_rcu_qsbr_get_memsize(max_threads);
  qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("switchyard_qsbr", sz, RTE_CACHE_LINE_SIZE));
  if (qsbr_ == nullptr || rte_rcu_qsbr_init(qsbr_, max_threads) != 0)
    throw std::runtime_error("cannot allocate the RCU QSBR variable");
  current_.store(new Snapshot(), std::memory_order_release);
}

SnapshotPublisher::~SnapshotPublisher() {
  delete current_.load();
  rte_free(qsbr_);
}

void SnapshotPublisher::Synchronize() { rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID); }

void SnapshotPublisher::Publish(std::unique_ptr<Snapshot> next) {
  const Snapshot* old = current_.exchange(next.release(), std::memory_order_acq_rel);
  Synchronize();
  delete old;
}

}  // namespace switchyard
