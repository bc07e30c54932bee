#pragma once
// What the L2 feature counts: its drop reasons and per-tenant counters
// (registered in features/features.h).

#define SWITCHYARD_L2_DROP_REASONS(X)                                           \
  X(SAME_PORT, "same_port")           /* destination is the ingress port */      \
  X(STALE_MAC, "stale_mac")           /* entry points to a port out of tenant */ \
  X(FLOOD_NO_PORTS, "flood_no_ports") /* tenant has no other port */

#define SWITCHYARD_L2_TENANT_COUNTERS(X)                                   \
  X(unicast)     /* forwarded to a known destination */                    \
  X(flooded)     /* broadcast, multicast or unknown unicast */             \
  X(learned)     /* new MAC entries */                                     \
  X(moved)       /* MAC moved between ports */                             \
  X(learn_limit) /* not learned: the tenant holds its mac_limit */         \
  X(learn_table_full) /* not learned: the MAC table is full */
