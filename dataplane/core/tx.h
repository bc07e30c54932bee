#pragma once
// Buffered TX: stages append packets per output port; the worker flushes
// after each RX burst. Runs on worker lcores only.

#include <rte_ethdev.h>

#include "core/snapshot.h"
#include "core/worker_context.h"
#include "ports/vhost_direct.h"

namespace switchyard {

inline void FlushPort(WorkerContext& w, const Snapshot& s, uint16_t port) {
  TxBuffer& b = w.tx[port];
  if (b.count == 0) return;
  const PortConfig& pc = s.ports[port];
  // A queue per worker (no division) unless the port has fewer.
  uint16_t queue = w.index < pc.tx_queues ? w.index
                                          : static_cast<uint16_t>(w.index % pc.tx_queues);
  bool shared = pc.tx_queues < w.worker_count;
  uint64_t bytes = b.bytes;
  if (shared) rte_spinlock_lock(&w.tx_locks->locks[port][queue]);
  uint16_t sent = pc.vhost ? VhostTxBurst(*w.vhost, port, queue, b.pkts, b.count)
                           : rte_eth_tx_burst(port, queue, b.pkts, b.count);
  if (shared) rte_spinlock_unlock(&w.tx_locks->locks[port][queue]);
  PortCounters& pcnt = w.counters->ports[port];
  if (unlikely(sent < b.count)) {
    uint16_t unsent = static_cast<uint16_t>(b.count - sent);
    for (uint16_t i = sent; i < b.count; ++i) bytes -= rte_pktmbuf_pkt_len(b.pkts[i]);
    rte_pktmbuf_free_bulk(&b.pkts[sent], unsent);
    pcnt.tx_dropped += unsent;
    w.counters->drops[static_cast<std::size_t>(DropReason::TX_FAILED)] += unsent;
  }
  pcnt.tx_packets += sent;
  pcnt.tx_bytes += bytes;
  b.count = 0;
  b.bytes = 0;
}

inline void FlushAll(WorkerContext& w, const Snapshot& s) {
  uint64_t dirty = w.dirty;
  while (dirty != 0) {
    uint16_t port = static_cast<uint16_t>(__builtin_ctzll(dirty));
    dirty &= dirty - 1;
    FlushPort(w, s, port);
  }
  w.dirty = 0;
}

inline void Enqueue(WorkerContext& w, const Snapshot& s, uint16_t port, rte_mbuf* m) {
  TxBuffer& b = w.tx[port];
  w.dirty |= uint64_t{1} << port;
  b.pkts[b.count++] = m;
  b.bytes += rte_pktmbuf_pkt_len(m);
  if (unlikely(b.count == kTxBufferSize)) FlushPort(w, s, port);
}

}  // namespace switchyard
