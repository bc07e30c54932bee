#pragma once
// Per-worker counters. Each worker writes only its own WorkerCounters (plain
// stores, no atomics, no sharing); readers on control threads sum over
// workers and accept a value that may be one burst old.
//
// Each counter is defined once, in an X-macro: its struct field, the sums,
// the protobuf field it is reported in (a uint64 of the same name in
// PortCounters / TenantCounters, set by name in core/stats.cc; a unit test
// checks that both lists agree) and yardctl's column (from the proto field)
// all follow from that line.

#include <array>
#include <cstdint>

#include "core/drop_reasons.h"
#include "core/limits.h"
#include "features/features.h"

// X(field)
#define SWITCHYARD_PORT_COUNTERS(X)                                        \
  X(rx_packets)                                                            \
  X(rx_bytes)                                                              \
  X(tx_packets)                                                            \
  X(tx_bytes)                                                              \
  X(rx_dropped) /* dropped by the switch after RX, any reason (see drops) */ \
  X(tx_dropped) /* the TX queue did not take it */                         \
  X(flooded)    /* received here and flooded */

#define SWITCHYARD_CORE_TENANT_COUNTERS(X) \
  X(rx_packets)                            \
  X(rx_bytes)                              \
  X(dropped)

#define SWITCHYARD_TENANT_COUNTERS(X) \
  SWITCHYARD_CORE_TENANT_COUNTERS(X)  \
  SWITCHYARD_FEATURE_TENANT_COUNTERS(X)

namespace switchyard {

#define SWITCHYARD_COUNTER_FIELD(f) uint64_t f = 0;
#define SWITCHYARD_COUNTER_ADD(f) f += o.f;
#define SWITCHYARD_COUNTER_SUB(f) f -= o.f;

struct PortCounters {
  SWITCHYARD_PORT_COUNTERS(SWITCHYARD_COUNTER_FIELD)
  PortCounters& operator+=(const PortCounters& o) {
    SWITCHYARD_PORT_COUNTERS(SWITCHYARD_COUNTER_ADD)
    return *this;
  }
  PortCounters& operator-=(const PortCounters& o) {
    SWITCHYARD_PORT_COUNTERS(SWITCHYARD_COUNTER_SUB)
    return *this;
  }
};

// One cache line per tenant while the counters fit (the fast path touches
// one tenant's line per run of packets, never two).
struct alignas(64) TenantCounters {
  SWITCHYARD_TENANT_COUNTERS(SWITCHYARD_COUNTER_FIELD)
  TenantCounters& operator+=(const TenantCounters& o) {
    SWITCHYARD_TENANT_COUNTERS(SWITCHYARD_COUNTER_ADD)
    return *this;
  }
  TenantCounters& operator-=(const TenantCounters& o) {
    SWITCHYARD_TENANT_COUNTERS(SWITCHYARD_COUNTER_SUB)
    return *this;
  }
};

struct VtepCounters {
  SWITCHYARD_VTEP_COUNTERS(SWITCHYARD_COUNTER_FIELD)
  VtepCounters& operator+=(const VtepCounters& o) {
    SWITCHYARD_VTEP_COUNTERS(SWITCHYARD_COUNTER_ADD)
    return *this;
  }
  VtepCounters& operator-=(const VtepCounters& o) {
    SWITCHYARD_VTEP_COUNTERS(SWITCHYARD_COUNTER_SUB)
    return *this;
  }
};

struct LimitCounters {
  SWITCHYARD_LIMIT_COUNTERS(SWITCHYARD_COUNTER_FIELD)
  LimitCounters& operator+=(const LimitCounters& o) {
    SWITCHYARD_LIMIT_COUNTERS(SWITCHYARD_COUNTER_ADD)
    return *this;
  }
  LimitCounters& operator-=(const LimitCounters& o) {
    SWITCHYARD_LIMIT_COUNTERS(SWITCHYARD_COUNTER_SUB)
    return *this;
  }
};

struct RuleCounters {
  SWITCHYARD_RULE_COUNTERS(SWITCHYARD_COUNTER_FIELD)
  RuleCounters& operator+=(const RuleCounters& o) {
    SWITCHYARD_RULE_COUNTERS(SWITCHYARD_COUNTER_ADD)
    return *this;
  }
  RuleCounters& operator-=(const RuleCounters& o) {
    SWITCHYARD_RULE_COUNTERS(SWITCHYARD_COUNTER_SUB)
    return *this;
  }
};

#undef SWITCHYARD_COUNTER_FIELD
#undef SWITCHYARD_COUNTER_ADD
#undef SWITCHYARD_COUNTER_SUB

struct alignas(64) WorkerCounters {
  uint64_t polls = 0;
  uint64_t busy_polls = 0;
  uint64_t busy_cycles = 0;
  uint64_t packets = 0;
  uint64_t idle_sleeps = 0;
  std::array<uint64_t, kDropReasonCount> drops{};
  std::array<PortCounters, kMaxPorts> ports{};
  std::array<TenantCounters, kMaxTenantId + 1> tenants{};
  std::array<VtepCounters, kMaxRemoteVteps> vteps{};  // by remote VTEP slot
  std::array<LimitCounters, kMaxLimits> limits{};     // by limit slot
  std::array<RuleCounters, kMaxRules> rules{};        // by rule slot (2 MB)

  // One dropped packet: the reason, the ingress port and the tenant (which
  // may be kNoTenant: dropped before classification).
  void Drop(DropReason r, uint16_t in_port, uint16_t tenant, uint64_t packets = 1) {
    drops[static_cast<std::size_t>(r)] += packets;
    ports[in_port].rx_dropped += packets;
    tenants[tenant].dropped += packets;
  }
};

}  // namespace switchyard

namespace switchyard::v1 {
class PortCounters;
class TenantCounters;
class VtepCounters;
class LimitCounters;
class RuleCounters;
}  // namespace switchyard::v1

namespace switchyard {
// Control threads (core/stats.cc): every counter into its proto field.
void PortCountersToProto(const PortCounters& c, v1::PortCounters* out);
void TenantCountersToProto(const TenantCounters& c, v1::TenantCounters* out);
void VtepCountersToProto(const VtepCounters& c, v1::VtepCounters* out);
void LimitCountersToProto(const LimitCounters& c, v1::LimitCounters* out);
void RuleCountersToProto(const RuleCounters& c, v1::RuleCounters* out);
}  // namespace switchyard
