#pragma once
// MAC table sizes both daemons agree on. A tenant's mac_limit is reserved
// for it: the dataplane's table holds every tenant's limit at once, which
// the control plane checks when a tenant is created or changed.

#include <cstdint>

namespace switchyard {

// The dataplane's --mac-table-size unless set (32 MiB of buckets).
inline constexpr uint32_t kDefaultMacTableSize = 1048576;
// A tenant's limit when its mac_limit is 0.
inline constexpr uint32_t kDefaultMacLimit = 4096;

inline uint32_t EffectiveMacLimit(uint32_t mac_limit) {
  return mac_limit != 0 ? mac_limit : kDefaultMacLimit;
}

}  // namespace switchyard
