#pragma once
// What the rate-limit feature counts: its drop reasons (registered in
// features/features.h) and its per-limit counters (core/counters.h keeps
// them per worker, reported as LimitCounters).

#include <cstdint>

namespace switchyard {
// Limits are numbered by slot, stable while a limit exists: its bucket
// state (limit_state.h) lives in that slot across configuration changes.
constexpr uint16_t kMaxLimits = 4096;
constexpr uint16_t kNoLimit = 0xffff;
}  // namespace switchyard

#define SWITCHYARD_LIMIT_DROP_REASONS(X)                                             \
  X(LIMIT_PORT_IN, "limit_port_in")       /* red at the ingress port's limit */     \
  X(LIMIT_PORT_OUT, "limit_port_out")     /* red at the output port's limit */      \
  X(LIMIT_TENANT, "limit_tenant")         /* red at the tenant's aggregate limit */ \
  X(STORM_BROADCAST, "storm_broadcast")   /* red at the port's broadcast limit */   \
  X(STORM_MULTICAST, "storm_multicast")   /* red at the port's multicast limit */   \
  X(STORM_UNKNOWN, "storm_unknown")       /* red at the port's unknown-unicast limit */ \
  X(LIMIT_METER, "limit_meter")           /* red at a flow rule's meter */

#define SWITCHYARD_LIMIT_TENANT_COUNTERS(X)

// X(field): a uint64 per limit, named as the LimitCounters proto field.
#define SWITCHYARD_LIMIT_COUNTERS(X) \
  X(green_packets)                   \
  X(green_bytes)                     \
  X(yellow_packets)                  \
  X(yellow_bytes)                    \
  X(red_packets)                     \
  X(red_bytes)
