#include "core/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>
#include <spdlog/spdlog.h>

#include "core/pipeline.h"
#include "core/trace.h"
#include "core/tx.h"
#include "ports/vhost_direct.h"

namespace switchyard {

namespace {

// -Dworker_profile=true: where a busy poll's cycles go (RX burst, the
// pipeline, the TX flush), logged when the worker stops. Two more TSC reads
// per busy poll, so never in a normal build.
#if SWITCHYARD_WORKER_PROFILE
struct StageCycles {
  uint64_t rx = 0, processing = 0, tx = 0, packets = 0;
  uint64_t mark = 0;
  void Start(uint64_t t0) { mark = t0; }
  void Lap(uint64_t& into) {
    const uint64_t t = rte_rdtsc();
    into += t - mark;
    mark = t;
  }
  void Report(uint16_t worker) const {
    if (packets == 0) return;
    const double p = static_cast<double>(packets);
    spdlog::info("worker {} stage cycles per packet: rx {:.1f} processing {:.1f} tx {:.1f} "
                 "({} packets)", worker, rx / p, processing / p, tx / p, packets);
  }
};
#else
struct StageCycles {
  uint64_t rx = 0, processing = 0, tx = 0, packets = 0;
  void Start(uint64_t) {}
  void Lap(uint64_t&) {}
  void Report(uint16_t) const {}
};
#endif

// A burst from a port under capture: traced, then flushed as usual; its
// trail is kept while the capture still wants packets.
void CaptureBurst(WorkerContext& w, const Snapshot& s, uint16_t port, rte_mbuf** pkts,
                  uint16_t n, uint64_t now_ms) {
  TraceLog log;
  TraceBurst(w, s, port, pkts, n, now_ms, &log);
  FinishTracedBurst(w, s, log);
  std::lock_guard<std::mutex> lk(w.capture->mu);
  if (w.capture->packets < w.capture->wanted) {
    w.capture->packets += n;
    w.capture->bursts.push_back(std::move(log));
  }
  if (w.capture->packets >= w.capture->wanted) w.capture_port.store(kNoCapture);
}

// An injected packet (TraceJob): traced under the snapshot this worker
// holds; a dry run counts into scratch counters, so it changes nothing.
void RunTraceJob(WorkerContext& w, const Snapshot& s, uint64_t now_ms) {
  TraceJob* job = w.trace_job.exchange(nullptr, std::memory_order_acq_rel);
  if (job == nullptr) return;
  WorkerCounters* real = w.counters;
  if (!job->log.commit && w.scratch_counters != nullptr) w.counters = w.scratch_counters;
  TraceBurst(w, s, job->port, &job->pkt, 1, now_ms, &job->log);
  FinishTracedBurst(w, s, job->log);
  w.counters = real;
  job->done.store(true, std::memory_order_release);
}

}  // namespace

static_assert(kBurstSize <= kVhostMaxBurst);

int WorkerMain(void* arg) {
  auto* args = static_cast<WorkerArgs*>(arg);
  WorkerShared& sh = *args->shared;
  WorkerContext& w = *args->ctx;
  WorkerCounters& c = *w.counters;
  rte_rcu_qsbr* qsbr = sh.publisher->qsbr();
  rte_mbuf* pkts[kBurstSize];
  uint32_t idle_loops = 0;
  StageCycles stages;

  rte_rcu_qsbr_thread_online(qsbr, w.index);
  // One TSC read per poll, at its end: a poll starts where the previous one
  // ended (plus a few cycles of loop bookkeeping, which a busy poll's count
  // then includes). An rdtsc costs tens of cycles, as much as an empty poll.
  uint64_t last_tsc = rte_rdtsc();
  while (!sh.stop.load(std::memory_order_relaxed)) {
    const Snapshot* s = sh.publisher->Current();
    uint32_t received = 0;
    uint64_t now_ms = 0;  // one division per loop, at its first busy poll
    const uint16_t capture_port = w.capture_port.load(std::memory_order_relaxed);
    for (const RxQueueRef& q : s->worker_rx[w.index]) {
      const uint64_t t0 = last_tsc;
      const uint16_t n =
          q.vhost ? VhostRxBurst(*w.vhost, q.port_id, q.queue_id, q.pool != nullptr ? q.pool : w.pool,
                                 pkts, kBurstSize)
                  : rte_eth_rx_burst(q.port_id, q.queue_id, pkts, kBurstSize);
      ++c.polls;
      if (n == 0) {
        last_tsc = rte_rdtsc();
        continue;
      }
      if (now_ms == 0) now_ms = t0 / sh.tsc_per_ms;
      stages.Start(t0);
      stages.Lap(stages.rx);
      if (unlikely(q.port_id == capture_port)) {
        CaptureBurst(w, *s, q.port_id, pkts, n, now_ms);
      } else {
        ProcessBurst(w, *s, q.port_id, pkts, n, now_ms);
        stages.Lap(stages.processing);
        FlushAll(w, *s);
      }
      stages.Lap(stages.tx);
      stages.packets += n;
      ++c.busy_polls;
      c.packets += n;
      last_tsc = rte_rdtsc();
      c.busy_cycles += last_tsc - t0;
      received += n;
    }
    if (unlikely(w.trace_job.load(std::memory_order_relaxed) != nullptr)) {
      RunTraceJob(w, *s, rte_rdtsc() / sh.tsc_per_ms);
      last_tsc = rte_rdtsc();
    }
    // `s` must not be used past this point.
    rte_rcu_qsbr_quiescent(qsbr, w.index);

    if (received != 0 || sh.idle_sleep_us == 0) {
      idle_loops = 0;
      continue;
    }
    if (++idle_loops < sh.idle_loops_before_sleep) {
      rte_pause();
      last_tsc = rte_rdtsc();  // idle: the next poll starts after the pause
      continue;
    }
    // Sleeping offline: a config publish need not wait for us.
    rte_rcu_qsbr_thread_offline(qsbr, w.index);
    rte_delay_us_sleep(sh.idle_sleep_us);
    rte_rcu_qsbr_thread_online(qsbr, w.index);
    ++c.idle_sleeps;
    last_tsc = rte_rdtsc();
  }
  rte_rcu_qsbr_thread_offline(qsbr, w.index);
  stages.Report(w.index);
  return 0;
}

}  // namespace switchyard
