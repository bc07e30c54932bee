#pragma once
// What the VLAN feature counts (registered in features/features.h).

#define SWITCHYARD_VLAN_DROP_REASONS(X)                                              \
  X(VLAN_NOT_ALLOWED, "vlan_not_allowed")   /* tag not configured on the port */     \
  X(UNTAGGED_ON_TRUNK, "untagged_on_trunk") /* trunk/uplink takes tagged only */     \
  X(VLAN_PUSH_FAILED, "vlan_push_failed")   /* no headroom / shared mbuf */

#define SWITCHYARD_VLAN_TENANT_COUNTERS(X)
