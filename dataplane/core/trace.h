#pragma once
// The packet tracer's record: what each stage decided for each packet of a
// traced burst. Stages append to it only in the traced instantiation of the
// pipeline (ProcessBurst<true>), which the worker runs for injected packets
// and for bursts from a port under capture; the fast path never sees it.
// Formatting happens on the worker, in those bursts only.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <rte_mbuf.h>

#include "core/eth_parse.h"

namespace switchyard {

struct TraceStep {
  uint16_t pkt;       // index in the traced burst
  std::string stage;  // "parse", "vlan", "l2", "egress", "tx"
  std::string verdict;
};

struct TraceLog {
  // false: a dry run. Stages decide as usual but nothing is learned and
  // nothing is transmitted (the egress step edits, then frees).
  bool commit = true;
  std::vector<TraceStep> steps;
  void Add(uint16_t pkt, const char* stage, std::string verdict) {
    steps.push_back(TraceStep{pkt, stage, std::move(verdict)});
  }
};

// One injected packet, handed from a control thread to a worker through
// WorkerContext::trace_job. The worker takes the job (exchange to null),
// runs it and sets `done`; the control thread may take back a job no
// worker took yet (compare-exchange), else it waits for `done`.
struct TraceJob {
  uint16_t port = 0;
  rte_mbuf* pkt = nullptr;  // owned by the worker once taken
  TraceLog log;
  std::atomic<bool> done{false};
};

// Trails of real packets from a port under capture (WorkerContext::
// capture_port). Workers append under the mutex, in traced bursts only.
struct TraceCapture {
  std::mutex mu;
  uint32_t wanted = 0;
  std::vector<TraceLog> bursts;
  uint32_t packets = 0;  // traced so far, over all bursts
};

std::string FormatMac(MacKey m);

}  // namespace switchyard

namespace switchyard {

struct Snapshot;
struct WorkerContext;

// Step index meaning "the whole burst" (the TX step works per port).
constexpr uint16_t kTraceBurst = 0xffff;

// After a traced burst: flush what the stages left in the TX buffers
// (log.commit) or free it (a dry run), adding a "tx" step per port.
void FinishTracedBurst(WorkerContext& w, const Snapshot& s, TraceLog& log);

}  // namespace switchyard
