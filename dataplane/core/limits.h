#pragma once
// Compile-time sizes shared by the fast path and the control side.

#include <cstdint>

#include <rte_build_config.h>

namespace switchyard {

// Tenant ids are 1..kMaxTenantId; 0 means "no tenant" in lookup tables.
constexpr uint16_t kMaxTenantId = 16383;
constexpr uint16_t kNoTenant = 0;
constexpr uint16_t kMaxPorts = RTE_MAX_ETHPORTS;
constexpr uint16_t kVlanCount = 4096;
// Egress VLAN value meaning "this port does not carry the tenant".
constexpr uint16_t kNotMember = 0xffff;
constexpr uint16_t kBurstSize = 32;
constexpr uint16_t kMaxWorkers = 64;

}  // namespace switchyard
