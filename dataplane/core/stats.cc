// Read-side of the dataplane: counters. Control threads.

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <fmt/format.h>

#include "core/dataplane.h"
#include "core/trace.h"

namespace switchyard {

namespace {

// A counter struct into its proto message: each X-macro field into the
// uint64 field of the same name (core/counters.h; counters_test checks
// that every name has one).
template <typename Message>
void SetCounter(Message* msg, const char* name, uint64_t value) {
  const auto* field = Message::descriptor()->FindFieldByName(name);
  if (field != nullptr) msg->GetReflection()->SetUInt64(msg, field, value);
}

}  // namespace

void PortCountersToProto(const PortCounters& c, v1::PortCounters* out) {
#define SWITCHYARD_SET(f) SetCounter(out, #f, c.f);
  SWITCHYARD_PORT_COUNTERS(SWITCHYARD_SET)
#undef SWITCHYARD_SET
}

void TenantCountersToProto(const TenantCounters& c, v1::TenantCounters* out) {
#define SWITCHYARD_SET(f) SetCounter(out, #f, c.f);
  SWITCHYARD_TENANT_COUNTERS(SWITCHYARD_SET)
#undef SWITCHYARD_SET
}

void VtepCountersToProto(const VtepCounters& c, v1::VtepCounters* out) {
#define SWITCHYARD_SET(f) SetCounter(out, #f, c.f);
  SWITCHYARD_VTEP_COUNTERS(SWITCHYARD_SET)
#undef SWITCHYARD_SET
}

void LimitCountersToProto(const LimitCounters& c, v1::LimitCounters* out) {
#define SWITCHYARD_SET(f) SetCounter(out, #f, c.f);
  SWITCHYARD_LIMIT_COUNTERS(SWITCHYARD_SET)
#undef SWITCHYARD_SET
}

void RuleCountersToProto(const RuleCounters& c, v1::RuleCounters* out) {
#define SWITCHYARD_SET(f) SetCounter(out, #f, c.f);
  SWITCHYARD_RULE_COUNTERS(SWITCHYARD_SET)
#undef SWITCHYARD_SET
}

void Dataplane::SumCounters(WorkerCounters* out) const {
  WorkerCounters& sum = *out;
  sum.drops.fill(0);
  sum.ports.fill(PortCounters{});
  sum.tenants.fill(TenantCounters{});
  sum.vteps.fill(VtepCounters{});
  sum.limits.fill(LimitCounters{});
  sum.rules.fill(RuleCounters{});
  for (const auto& c : counters_) {
    for (std::size_t i = 0; i < kDropReasonCount; ++i) sum.drops[i] += c->drops[i];
    for (std::size_t p = 0; p < kMaxPorts; ++p) sum.ports[p] += c->ports[p];
    for (std::size_t t = 0; t <= kMaxTenantId; ++t) sum.tenants[t] += c->tenants[t];
    for (std::size_t v = 0; v < kMaxRemoteVteps; ++v) sum.vteps[v] += c->vteps[v];
    for (std::size_t l = 0; l < kMaxLimits; ++l) sum.limits[l] += c->limits[l];
    for (std::size_t r = 0; r < kMaxRules; ++r) sum.rules[r] += c->rules[r];
  }
}

v1::Stats Dataplane::GetStats(const v1::GetStatsRequest& req) {
  auto sum = std::make_unique<WorkerCounters>();
  SumCounters(sum.get());
  std::lock_guard<std::mutex> lk(mu_);
  v1::Stats out;
  out.set_tsc_hz(rte_get_tsc_hz());
  if (req.tenant().empty()) {
    for (const auto& [name, placed] : ports_) {
      if (!req.port().empty() && req.port() != name) continue;
      PortCounters c = sum->ports[placed.port_id];
      c -= port_base_[placed.port_id];
      auto* pc = out.add_ports();
      pc->set_port(name);
      PortCountersToProto(c, pc);
      rte_eth_stats hw{};
      if (rte_eth_stats_get(placed.port_id, &hw) == 0) {
        pc->set_hw_rx_missed(hw.imissed);
        pc->set_hw_rx_nombuf(hw.rx_nombuf);
        pc->set_hw_rx_errors(hw.ierrors);
        pc->set_hw_tx_errors(hw.oerrors);
      }
    }
  }
  if (req.port().empty()) {
    for (const auto& [name, t] : tenants_) {
      if (!req.tenant().empty() && req.tenant() != name) continue;
      if (t.id() == 0 || t.id() > kMaxTenantId) continue;
      TenantCounters c = sum->tenants[t.id()];
      c -= tenant_base_[t.id()];
      auto* tc = out.add_tenants();
      tc->set_tenant(name);
      TenantCountersToProto(c, tc);
      tc->set_macs(macs_->TenantCount(static_cast<uint16_t>(t.id())));
    }
  }
  if (req.port().empty() && req.tenant().empty()) {
    for (const auto& [name, slot] : limit_slots_) {
      LimitCounters c = sum->limits[slot];
      c -= limit_base_[slot];
      auto* lc = out.add_limits();
      lc->set_limit(name);
      LimitCountersToProto(c, lc);
    }
    if (req.rules()) {
      for (const auto& [name, slot] : rule_slots_) {
        RuleCounters c = sum->rules[slot];
        c -= rule_base_[slot];
        auto* rc = out.add_rules();
        rc->set_rule(name);
        RuleCountersToProto(c, rc);
      }
    }
    for (const auto& [ip, slot] : vtep_slots_) {
      VtepCounters c = sum->vteps[slot];
      c -= vtep_base_[slot];
      auto* vc = out.add_vteps();
      vc->set_remote(RemoteName(slot));
      VtepCountersToProto(c, vc);
    }
    for (std::size_t i = 0; i < kDropReasonCount; ++i) {
      auto* d = out.add_drops();
      d->set_reason(std::string(DropReasonName(static_cast<DropReason>(i))));
      d->set_packets(sum->drops[i]);
    }
    for (uint16_t i = 0; i < workers(); ++i) {
      const WorkerCounters& c = *counters_[i];
      auto* w = out.add_workers();
      w->set_lcore(opts_.worker_lcores[i]);
      w->set_polls(c.polls);
      w->set_busy_polls(c.busy_polls);
      w->set_busy_cycles(c.busy_cycles);
      w->set_packets(c.packets);
      w->set_idle_sleeps(c.idle_sleeps);
    }
  }
  return out;
}

}  // namespace switchyard
