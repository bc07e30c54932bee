#pragma once
// The worker lcore loop: poll assigned RX queues, run the pipeline, flush
// TX, report RCU quiescence, back off when idle.

#include <atomic>
#include <cstdint>

#include "core/rcu_snapshot.h"
#include "core/worker_context.h"

namespace switchyard {

struct WorkerShared {
  SnapshotPublisher* publisher = nullptr;
  std::atomic<bool> stop{false};
  // After this many consecutive empty loops, sleep idle_sleep_us each loop
  // (0 = never sleep: benchmarks).
  uint32_t idle_sleep_us = 200;
  uint32_t idle_loops_before_sleep = 1024;
  uint64_t tsc_per_ms = 1;
};

struct WorkerArgs {
  WorkerShared* shared;
  WorkerContext* ctx;
};

// Entry point for rte_eal_remote_launch; `arg` is a WorkerArgs*.
int WorkerMain(void* arg);

}  // namespace switchyard
