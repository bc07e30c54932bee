#pragma once
// L2 stage of the pipeline: source learning, destination lookup, unicast
// forwarding and flooding within the tenant. Runs on worker lcores.

#include <cstdint>

#include <rte_mbuf.h>

#include "core/limits.h"
#include "core/snapshot.h"
#include "core/worker_context.h"
#include "features/l2/eth_parse.h"
#include "features/l2/mac_table.h"

namespace switchyard {

// Packets of one RX burst that survived parsing and classification, in
// runs: consecutive packets with the same header (so the same tenant, MACs
// and tag) share one parse, one lookup and one forwarding decision. Run r is
// pkts[run_start[r] .. run_start[r + 1]). A burst of one flow is one run.
struct L2Burst {
  uint16_t count = 0;  // packets
  uint16_t runs = 0;
  rte_mbuf* pkts[kBurstSize];
  uint16_t run_start[kBurstSize + 1];
  // Per run.
  uint16_t tenant[kBurstSize];
  bool tagged[kBurstSize];   // a tag is in the frames' bytes
  MacKey dst[kBurstSize];
  uint32_t bytes[kBurstSize];  // the run's packets' lengths, summed
  // keys[0..runs) sources, keys[runs..2*runs) destinations.
  MacHashKey keys[2 * kBurstSize];
  // Consecutive equal keys are looked up once: key i's result is
  // uniq_values[slot[i]], hit bit slot[i] of hits.
  uint8_t slot[2 * kBurstSize];
  uint64_t uniq_values[2 * kBurstSize];
  uint64_t hits = 0;

  // A new run starting with packet `first`.
  void NewRun(uint16_t first, uint16_t t, const ParsedL2& l2) {
    run_start[runs] = first;
    tenant[runs] = t;
    tagged[runs] = l2.tagged;
    dst[runs] = l2.dst;
    keys[runs] = MakeMacHashKey(t, l2.src);
    ++runs;
  }
  // The burst is complete with `packets` packets.
  void Close(uint16_t packets) {
    count = packets;
    run_start[runs] = packets;
  }
  uint16_t RunLength(uint16_t r) const {
    return static_cast<uint16_t>(run_start[r + 1] - run_start[r]);
  }
  bool SrcHit(uint16_t r) const { return (hits >> slot[r]) & 1; }
  bool DstHit(uint16_t r) const { return (hits >> slot[runs + r]) & 1; }
  uint64_t SrcValue(uint16_t r) const { return uniq_values[slot[r]]; }
  uint64_t DstValue(uint16_t r) const { return uniq_values[slot[runs + r]]; }
};

// One bulk lookup of every distinct run of source and destination keys,
// then learning.
void L2LookupAndLearn(WorkerContext& w, const Snapshot& s, uint16_t in_port, L2Burst& b,
                      uint64_t now_ms);

// Unicast to the learned port or flood to the tenant; consumes every packet.
void L2Forward(WorkerContext& w, const Snapshot& s, uint16_t in_port, L2Burst& b);

}  // namespace switchyard
