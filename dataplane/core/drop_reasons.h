#pragma once
// Every reason the dataplane drops a packet, one counter each. The core's
// own reasons are listed here, each feature's in its folder (registered in
// features/features.h); the X-macro keeps the enum, the names shown to
// operators and the counter array in step.

#include <cstdint>
#include <string_view>

#include "features/features.h"

#define SWITCHYARD_CORE_DROP_REASONS(X)                                          \
  X(RUNT, "runt")                     /* shorter than its Ethernet/VLAN header */ \
  X(SRC_MAC_MULTICAST, "src_mac_multicast") /* group bit set in the source */     \
  X(SRC_MAC_ZERO, "src_mac_zero")     /* all-zero source address */              \
  X(PRIORITY_TAG_STACKED, "priority_tag_stacked") /* VID-0 tag with a tag behind */ \
  X(PORT_NOT_CONFIGURED, "port_not_configured") /* RX on a port being removed */ \
  X(FLOOD_COPY_FAILED, "flood_copy_failed") /* mbuf pool empty: a flood copy */  \
  X(TX_FAILED, "tx_failed")           /* output queue full, or the PMD refused the frame */

#define SWITCHYARD_DROP_REASONS(X) \
  SWITCHYARD_CORE_DROP_REASONS(X)  \
  SWITCHYARD_FEATURE_DROP_REASONS(X)

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
