#pragma once
// The rate-limit feature's part of the Snapshot: each configured limit's
// buckets (scaled to the TSC) and slot, and which tenant has which limit.
// Ports carry theirs in PortConfig (limit_in, limit_out, storm). Built on
// a control thread (limit_builder.h), read by workers.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/drop_reasons.h"
#include "features/limits/gcra.h"
#include "features/limits/limit_defs.h"

namespace switchyard {

class LimitStates;

struct LimitRef {
  uint16_t slot = 0;
  // Red above `decision` (bytes) or `packets`; of the frames that pass,
  // green within `colour` when it is enabled (two-level limits), else all.
  GcraProfile decision;
  GcraProfile colour;
  GcraProfile packets;
  DropReason reason = DropReason::LIMIT_PORT_IN;
  std::string name;  // "port/vm1/in", for the tracer
};

// The storm classes, as indexes of PortConfig::storm.
enum class StormIndex : uint8_t { kBroadcast = 0, kMulticast = 1, kUnknown = 2 };

struct LimitSnapshot {
  std::vector<LimitRef> limits;
  std::vector<uint16_t> tenant_limit;  // by tenant id: an index into limits, or kNoLimit
  bool any_tenant = false;             // some tenant has a limit
  std::map<std::string, uint16_t> meters;  // named meters (flow rules' meter:NAME): index
  LimitStates* states = nullptr;

  uint16_t TenantLimit(uint16_t tenant) const {
    return tenant < tenant_limit.size() ? tenant_limit[tenant] : kNoLimit;
  }
};

}  // namespace switchyard
