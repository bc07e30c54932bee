#pragma once
// Per-worker counters. Each worker writes only its own WorkerCounters (plain
// stores, no atomics, no sharing); readers on control threads sum over
// workers and accept a value that may be one burst old.

#include <array>
#include <cstdint>

#include "core/drop_reasons.h"
#include "core/limits.h"

namespace switchyard {

struct PortCounters {
  uint64_t rx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_bytes = 0;
  uint64_t rx_dropped = 0;
  uint64_t tx_dropped = 0;
  uint64_t flooded = 0;

  PortCounters& operator+=(const PortCounters& o) {
    rx_packets += o.rx_packets; rx_bytes += o.rx_bytes;
    tx_packets += o.tx_packets; tx_bytes += o.tx_bytes;
    rx_dropped += o.rx_dropped; tx_dropped += o.tx_dropped;
    flooded += o.flooded;
    return *this;
  }
  PortCounters& operator-=(const PortCounters& o) {
    rx_packets -= o.rx_packets; rx_bytes -= o.rx_bytes;
    tx_packets -= o.tx_packets; tx_bytes -= o.tx_bytes;
    rx_dropped -= o.rx_dropped; tx_dropped -= o.tx_dropped;
    flooded -= o.flooded;
    return *this;
  }
};

// One cache line per tenant (the fast path touches one tenant's line per
// run of packets, never two).
struct alignas(64) TenantCounters {
  uint64_t rx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t unicast = 0;
  uint64_t flooded = 0;
  uint64_t dropped = 0;
  uint64_t learned = 0;
  uint64_t moved = 0;
  uint64_t learn_limit = 0;

  TenantCounters& operator+=(const TenantCounters& o) {
    rx_packets += o.rx_packets; rx_bytes += o.rx_bytes;
    unicast += o.unicast; flooded += o.flooded; dropped += o.dropped;
    learned += o.learned; moved += o.moved; learn_limit += o.learn_limit;
    return *this;
  }
  TenantCounters& operator-=(const TenantCounters& o) {
    rx_packets -= o.rx_packets; rx_bytes -= o.rx_bytes;
    unicast -= o.unicast; flooded -= o.flooded; dropped -= o.dropped;
    learned -= o.learned; moved -= o.moved; learn_limit -= o.learn_limit;
    return *this;
  }
};

struct alignas(64) WorkerCounters {
  uint64_t polls = 0;
  uint64_t busy_polls = 0;
  uint64_t busy_cycles = 0;
  uint64_t packets = 0;
  uint64_t idle_sleeps = 0;
  std::array<uint64_t, kDropReasonCount> drops{};
  std::array<PortCounters, kMaxPorts> ports{};
  std::array<TenantCounters, kMaxTenantId + 1> tenants{};

  void Drop(DropReason r, uint16_t in_port, uint16_t tenant) {
    ++drops[static_cast<std::size_t>(r)];
    ++ports[in_port].rx_dropped;
    ++tenants[tenant].dropped;
  }
};

}  // namespace switchyard
