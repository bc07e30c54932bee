#pragma once
// What the VXLAN feature counts: its drop reasons and per-tenant counters
// (registered in features/features.h), and its per remote VTEP counters
// (core/counters.h keeps them per worker, reported as VtepCounters).

#include <cstdint>

namespace switchyard {
// Remote VTEPs are numbered by slot, stable while a remote is configured:
// a learned MAC behind a remote VTEP stores kRemoteDest | slot.
constexpr uint16_t kMaxRemoteVteps = 1024;
constexpr uint16_t kNoRemote = 0xffff;
}  // namespace switchyard

#define SWITCHYARD_VXLAN_DROP_REASONS(X)                                                        \
  X(VXLAN_TRUNCATED, "vxlan_truncated")       /* headers cut short, or lengths disagree */     \
  X(VXLAN_IP_OPTIONS, "vxlan_ip_options")     /* outer IPv4 header with options */             \
  X(VXLAN_FRAGMENT, "vxlan_fragment")         /* outer IPv4 fragment to the local VTEP */      \
  X(VXLAN_BAD_CHECKSUM, "vxlan_bad_checksum") /* outer IPv4 header checksum wrong */           \
  X(VXLAN_BAD_FLAGS, "vxlan_bad_flags")       /* VXLAN header without the I flag */            \
  X(VXLAN_UNKNOWN_VNI, "vxlan_unknown_vni")   /* no tenant has the VNI */                      \
  X(VXLAN_WRONG_DST, "vxlan_wrong_dst")       /* UDP 4789 to another address */                \
  X(VXLAN_UNKNOWN_SOURCE, "vxlan_unknown_source") /* not a remote VTEP of the VNI's tenant */   \
  X(VXLAN_INNER_TAGGED, "vxlan_inner_tagged") /* inner frame with a VLAN tag (RFC 7348 4.1) */ \
  X(VXLAN_TOO_BIG, "vxlan_too_big")           /* encapsulated, above the underlay MTU */       \
  X(VXLAN_UNRESOLVED, "vxlan_unresolved")     /* the remote VTEP's next hop is unknown */      \
  X(VXLAN_NO_HEADROOM, "vxlan_no_headroom")   /* no room before the frame for the headers */   \
  X(VXLAN_REMOTE_TO_REMOTE, "vxlan_remote_to_remote") /* VTEP to VTEP: split horizon */

#define SWITCHYARD_VXLAN_TENANT_COUNTERS(X) \
  X(vxlan_encap) /* packets sent encapsulated, flood copies included */ \
  X(vxlan_decap) /* packets received encapsulated */

// X(field): a uint64 per remote VTEP, named as the VtepCounters proto field.
#define SWITCHYARD_VTEP_COUNTERS(X)                                  \
  X(encap_packets) /* sent to it, flood copies included */          \
  X(encap_bytes)   /* the encapsulated frames' bytes */             \
  X(decap_packets) /* received from it */                           \
  X(decap_bytes)   /* the inner frames' bytes */                    \
  X(unresolved)    /* not sent: its next hop is not resolved */
