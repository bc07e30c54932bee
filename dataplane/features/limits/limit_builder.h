#pragma once
// Builds the rate-limit part of the Snapshot from the Limit objects: each
// limit's buckets scaled to the TSC, its slot (stable: its state lives
// there), and where it applies (a port's IN, OUT or storm limits, a
// tenant's aggregate). Pure (no DPDK calls): unit-tested directly. Control
// threads.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "features/limits/limit_snapshot.h"
#include "switchyard/v1/types.pb.h"

namespace switchyard {

struct Snapshot;
struct PlacedPort;

struct LimitInputs {
  std::map<std::string, v1::Limit> limits;  // by name
  std::map<std::string, uint16_t> slots;    // limit name -> slot
  uint64_t tsc_hz = 0;
  LimitStates* states = nullptr;
};

// The buckets of one limit (bytes for bit rates, packets for `pps`): the
// defaults filled in (docs/rate-limits.md). Exposed for the tests.
struct LimitBuckets {
  GcraProfile decision, colour, packets;
};
LimitBuckets BucketsOf(const v1::Limit& l, uint64_t tsc_hz);

// A LimitRef with the buckets of `l` (slot 0, no name or reason): what
// BuildLimits starts each limit from, and what the tests and meter_bench
// meter against.
LimitRef LimitRefOf(const v1::Limit& l, uint64_t tsc_hz);

// Fills s->limits and the ports' and tenants' limit fields. `ports` and
// `tenants` are what the snapshot was built from; limits naming what is not
// there are left out (`problems` gets a line each).
void BuildLimits(const LimitInputs& in, const std::map<std::string, v1::Tenant>& tenants,
                 const std::map<std::string, PlacedPort>& ports, Snapshot* s,
                 std::vector<std::string>* problems);

}  // namespace switchyard
