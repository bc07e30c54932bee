#pragma once
// Every reason the dataplane drops a packet, one counter each. The X-macro
// keeps the enum, the names shown to operators and the counter array in step.

#include <cstdint>
#include <string_view>

#define SWITCHYARD_DROP_REASONS(X)                                              \
  X(RUNT, "runt")                     /* shorter than its Ethernet/VLAN header */ \
  X(SRC_MAC_MULTICAST, "src_mac_multicast") /* group bit set in the source */     \
  X(SRC_MAC_ZERO, "src_mac_zero")     /* all-zero source address */              \
  X(VLAN_NOT_ALLOWED, "vlan_not_allowed")   /* tag not configured on the port */ \
  X(UNTAGGED_ON_TRUNK, "untagged_on_trunk") /* trunk/uplink takes tagged only */ \
  X(PORT_NOT_CONFIGURED, "port_not_configured") /* RX on a port being removed */ \
  X(SAME_PORT, "same_port")           /* destination is the ingress port */      \
  X(STALE_MAC, "stale_mac")           /* entry points to a port out of tenant */ \
  X(FLOOD_NO_PORTS, "flood_no_ports") /* tenant has no other port */            \
  X(FLOOD_COPY_FAILED, "flood_copy_failed") /* mbuf pool empty */               \
  X(VLAN_PUSH_FAILED, "vlan_push_failed")   /* no headroom / shared mbuf */     \
  X(TX_FAILED, "tx_failed")           /* output queue full, or the PMD refused the frame */

namespace switchyard {

enum class DropReason : uint8_t {
#define SWITCHYARD_DROP_ENUM(name, str) name,
  SWITCHYARD_DROP_REASONS(SWITCHYARD_DROP_ENUM)
#undef SWITCHYARD_DROP_ENUM
      COUNT
};

constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::COUNT);

constexpr std::string_view DropReasonName(DropReason r) {
  constexpr std::string_view kNames[] = {
#define SWITCHYARD_DROP_NAME(name, str) str,
      SWITCHYARD_DROP_REASONS(SWITCHYARD_DROP_NAME)
#undef SWITCHYARD_DROP_NAME
  };
  return kNames[static_cast<std::size_t>(r)];
}

}  // namespace switchyard
