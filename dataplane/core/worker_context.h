#pragma once
// State a worker lcore owns: its counters and its per-port TX buffers.
// Nothing here is touched by any other thread except the counters, which
// control threads read (never write).

#include <array>
#include <atomic>
#include <cstdint>

#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include "core/counters.h"
#include "core/limits.h"

namespace switchyard {

class MacTable;
class VhostDevices;
struct TraceJob;
struct TraceCapture;
struct RuleFlowCache;

constexpr uint16_t kNoCapture = 0xffff;

constexpr uint16_t kTxBufferSize = 64;

struct TxBuffer {
  uint16_t count = 0;
  // Sum of the buffered packets' lengths, kept as they are appended (the
  // forwarding stage knows them per run), so a flush need not walk every
  // mbuf again just to count bytes.
  uint32_t bytes = 0;
  rte_mbuf* pkts[kTxBufferSize];
};

// Locks for TX queues shared by several workers (ports with fewer TX queues
// than workers, e.g. vhost-user with one queue pair). Indexed [port][queue].
struct SharedTxLocks {
  std::array<std::array<rte_spinlock_t, kMaxWorkers>, kMaxPorts> locks;
  SharedTxLocks() {
    for (auto& p : locks)
      for (auto& l : p) rte_spinlock_init(&l);
  }
};

// The last MAC lookup of a burst from one input port, reused while the
// table's generation is unchanged and the next burst asks for the same keys
// (a port's traffic is often the same few flows, burst after burst).
constexpr uint32_t kLookupCacheKeys = 4;
struct LookupCache {
  uint64_t generation = ~uint64_t{0};
  uint32_t n = 0;
  uint64_t hits = 0;
  uint64_t keys[kLookupCacheKeys];
  uint64_t values[kLookupCacheKeys];
};

struct WorkerContext {
  uint16_t index = 0;        // 0..workers-1, also the RCU thread id
  uint16_t worker_count = 1;
  rte_mempool* pool = nullptr;   // for flood copies
  MacTable* macs = nullptr;
  SharedTxLocks* tx_locks = nullptr;
  const VhostDevices* vhost = nullptr;  // for ports with PortConfig::vhost
  WorkerCounters* counters = nullptr;
  RuleFlowCache* rule_flows = nullptr;  // optional (features/rules)
  std::array<TxBuffer, kMaxPorts> tx{};
  std::array<LookupCache, kMaxPorts> lookup_cache{};
  // Bit per port with buffered packets, so a flush touches only those.
  uint64_t dirty = 0;
  static_assert(kMaxPorts <= 64);

  // The tracer (core/trace.h), read once per worker loop. A control thread
  // hands over one injected packet at a time; bursts received on
  // `capture_port` are traced into `capture`.
  std::atomic<TraceJob*> trace_job{nullptr};
  std::atomic<uint16_t> capture_port{kNoCapture};
  TraceCapture* capture = nullptr;
  // A dry-run trace counts here, so it changes no real counter.
  WorkerCounters* scratch_counters = nullptr;
};

}  // namespace switchyard
