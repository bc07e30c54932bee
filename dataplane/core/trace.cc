#include "core/trace.h"

#include <fmt/format.h>

#include "core/snapshot.h"
#include "core/tx.h"
#include "core/worker_context.h"

namespace switchyard {

std::string FormatMac(MacKey m) {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", (m >> 40) & 0xff,
                     (m >> 32) & 0xff, (m >> 24) & 0xff, (m >> 16) & 0xff, (m >> 8) & 0xff,
                     m & 0xff);
}

}  // namespace switchyard

namespace switchyard {

void FinishTracedBurst(WorkerContext& w, const Snapshot& s, TraceLog& log) {
  uint64_t dirty = w.dirty;
  while (dirty != 0) {
    const uint16_t port = static_cast<uint16_t>(__builtin_ctzll(dirty));
    dirty &= dirty - 1;
    TxBuffer& b = w.tx[port];
    if (b.count == 0) continue;
    const uint16_t n = b.count;
    if (!log.commit) {
      log.Add(kTraceBurst, "tx",
              fmt::format("{}: {} packet{} not sent (dry run)", s.PortName(port), n,
                          n == 1 ? "" : "s"));
      rte_pktmbuf_free_bulk(b.pkts, n);
      b.count = 0;
      b.bytes = 0;
      continue;
    }
    const uint64_t dropped_before = w.counters->ports[port].tx_dropped;
    FlushPort(w, s, port);
    const uint64_t failed = w.counters->ports[port].tx_dropped - dropped_before;
    log.Add(kTraceBurst, "tx",
            failed == 0 ? fmt::format("{}: {} packet{} sent", s.PortName(port), n,
                                      n == 1 ? "" : "s")
                        : fmt::format("{}: {} of {} sent, {} dropped (tx_failed)",
                                      s.PortName(port), n - failed, n, failed));
  }
  w.dirty = 0;
}

}  // namespace switchyard
