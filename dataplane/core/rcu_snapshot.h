#pragma once
// Publishes immutable Snapshots to the workers through one atomic pointer.
// Publish() runs on a control thread: it swaps the pointer, waits until every
// online worker has reported a quiescent state (so none can still hold the
// old snapshot), then frees the old one. Workers read with Current() and
// report quiescence once per loop iteration.

#include <atomic>
#include <cstdint>
#include <memory>

#include "core/snapshot.h"

struct rte_rcu_qsbr;

namespace switchyard {

class SnapshotPublisher {
 public:
  explicit SnapshotPublisher(uint32_t max_threads);
  ~SnapshotPublisher();
  SnapshotPublisher(const SnapshotPublisher&) = delete;
  SnapshotPublisher& operator=(const SnapshotPublisher&) = delete;

  rte_rcu_qsbr* qsbr() const { return qsbr_; }

  // Worker lcore: valid until the caller's next quiescent report.
  const Snapshot* Current() const { return current_.load(std::memory_order_acquire); }

  // Control thread (one at a time): replace and reclaim.
  void Publish(std::unique_ptr<Snapshot> next);

  // Control thread: wait for every online worker to pass a quiescent state.
  void Synchronize();

 private:
  rte_rcu_qsbr* qsbr_ = nullptr;
  std::atomic<const Snapshot*> current_;
};

}  // namespace switchyard
