#include "features/limits/limit_builder.h"

#include <algorithm>

#include "core/limits.h"
#include "core/snapshot.h"
#include "core/snapshot_builder.h"

namespace switchyard {

namespace {

// 10 ms of a rate: the default burst.
constexpr uint64_t kDefaultBurstMs = 10;
constexpr uint64_t kMinBurstBytes = 3036;  // two full-size frames
constexpr uint64_t kMinBurstPackets = 32;  // a burst of the switch's

uint64_t Default(uint64_t given, uint64_t rate, uint64_t floor) {
  if (given != 0) return given;
  return std::max(floor, rate * kDefaultBurstMs / 1000);
}

}  // namespace

LimitBuckets BucketsOf(const v1::Limit& l, uint64_t tsc_hz) {
  LimitBuckets b;
  const uint64_t cir = l.bps() / 8;  // bytes/s
  const uint64_t cbs = Default(l.burst_bytes(), cir, kMinBurstBytes);
  if (l.peak_bps() != 0) {
    // Two rate: red above the peak, yellow above the committed rate.
    const uint64_t pir = l.peak_bps() / 8;
    const uint64_t pbs = Default(l.peak_burst_bytes(), pir, cbs);
    b.decision = GcraProfile::Of(pir, pbs, tsc_hz);
    if (cir != 0) b.colour = GcraProfile::Of(cir, cbs, tsc_hz);
  } else if (cir != 0) {
    // Single rate: green within the committed burst, yellow within the
    // excess burst besides, red beyond both.
    b.decision = GcraProfile::Of(cir, cbs + l.excess_burst_bytes(), tsc_hz);
    if (l.excess_burst_bytes() != 0) b.colour = GcraProfile::Of(cir, cbs, tsc_hz);
  }
  if (l.pps() != 0)
    b.packets = GcraProfile::Of(l.pps(), Default(l.burst_packets(), l.pps(), kMinBurstPackets), tsc_hz);
  return b;
}

LimitRef LimitRefOf(const v1::Limit& l, uint64_t tsc_hz) {
  const LimitBuckets b = BucketsOf(l, tsc_hz);
  LimitRef ref;
  ref.decision = b.decision;
  ref.colour = b.colour;
  ref.packets = b.packets;
  return ref;
}

void BuildLimits(const LimitInputs& in, const std::map<std::string, v1::Tenant>& tenants,
                 const std::map<std::string, PlacedPort>& ports, Snapshot* s,
                 std::vector<std::string>* problems) {
  auto note = [&](const std::string& msg) {
    if (problems != nullptr) problems->push_back(msg);
  };
  LimitSnapshot& ls = s->limits;
  ls.states = in.states;
  ls.tenant_limit.assign(s->tenants.size(), kNoLimit);
  for (const auto& [name, l] : in.limits) {
    auto slot = in.slots.find(name);
    if (slot == in.slots.end() || in.states == nullptr) {
      note("limit " + name + ": no slot");
      continue;
    }
    LimitRef ref = LimitRefOf(l, in.tsc_hz);
    ref.slot = slot->second;
    ref.name = name;
    const auto index = static_cast<uint16_t>(ls.limits.size());
    if (!l.meter().empty()) {
      ref.reason = DropReason::LIMIT_METER;
      ls.meters[l.meter()] = index;
      ls.limits.push_back(std::move(ref));
      continue;
    }
    if (!l.tenant().empty()) {
      auto t = tenants.find(l.tenant());
      if (t == tenants.end() || t->second.id() == 0 || t->second.id() >= ls.tenant_limit.size()) {
        note("limit " + name + ": tenant '" + l.tenant() + "' unknown");
        continue;
      }
      ref.reason = DropReason::LIMIT_TENANT;
      ls.tenant_limit[t->second.id()] = index;
      ls.any_tenant = true;
      ls.limits.push_back(std::move(ref));
      continue;
    }
    const int32_t port_id = RunningPortId(ports, *s, l.port());
    if (port_id < 0) {
      note("limit " + name + ": port '" + l.port() + "' not running");
      continue;
    }
    PortConfig& pc = s->ports[port_id];
    if (l.direction() == v1::LIMIT_DIRECTION_OUT) {
      ref.reason = DropReason::LIMIT_PORT_OUT;
      pc.limit_out = index;
    } else if (l.storm() == v1::STORM_CLASS_NONE) {
      ref.reason = DropReason::LIMIT_PORT_IN;
      pc.limit_in = index;
    } else {
      const auto cls = l.storm() == v1::STORM_CLASS_BROADCAST   ? StormIndex::kBroadcast
                       : l.storm() == v1::STORM_CLASS_MULTICAST ? StormIndex::kMulticast
                                                                : StormIndex::kUnknown;
      ref.reason = cls == StormIndex::kBroadcast   ? DropReason::STORM_BROADCAST
                   : cls == StormIndex::kMulticast ? DropReason::STORM_MULTICAST
                                                   : DropReason::STORM_UNKNOWN;
      pc.storm[static_cast<size_t>(cls)] = index;
      pc.has_storm = true;
    }
    ls.limits.push_back(std::move(ref));
  }
}

}  // namespace switchyard
