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

// Packets of one RX burst that survived parsing and classification.
struct L2Burst {
  uint16_t count = 0;
  rte_mbuf* pkts[kBurstSize];
  uint16_t tenant[kBurstSize];
  bool tagged[kBurstSize];   // a tag is in the frame's bytes
  MacKey dst[kBurstSize];
  // keys[0..count) sources, keys[count..2*count) destinations.
  MacHashKey keys[2 * kBurstSize];
  uint64_t values[2 * kBurstSize];
  uint64_t hits = 0;

  void Add(rte_mbuf* m, uint16_t t, const ParsedL2& l2) {
    pkts[count] = m;
    tenant[count] = t;
    tagged[count] = l2.tagged;
    dst[count] = l2.dst;
    keys[count] = MakeMacHashKey(t, l2.src);
    ++count;
  }
  bool DstHit(uint16_t i) const { return (hits >> (count + i)) & 1; }
  bool SrcHit(uint16_t i) const { return (hits >> i) & 1; }
};

// One bulk lookup of every source and destination, then learning.
void L2LookupAndLearn(WorkerContext& w, const Snapshot& s, uint16_t in_port, L2Burst& b,
                      uint64_t now_ms);

// Unicast to the learned port or flood to the tenant; consumes every packet.
void L2Forward(WorkerContext& w, const Snapshot& s, uint16_t in_port, L2Burst& b);

}  // namespace switchyard
