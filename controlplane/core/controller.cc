#include "core/controller.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <map>

#include "model/checks.h"
#include "model/validate.h"
#include "switchyard/mac_limits.h"

#ifndef SWITCHYARD_VERSION
#define SWITCHYARD_VERSION "dev"
#endif

namespace switchyard::controlplane {

namespace {

uint64_t MillisSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

// Runs one read RPC against the connected dataplane.
template <typename Call>
Status CallDataplane(const Reconciler& reconciler, std::chrono::milliseconds timeout, Call call) {
  auto stub = reconciler.Stub();
  if (!stub) return reconciler.NotConnected();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  grpc::Status st = call(*stub, &ctx);
  if (!st.ok()) return Status(st.error_code(), "dataplane: " + st.error_message());
  return {};
}

}  // namespace

Controller::Controller(Store& store, Kernel& kernel, Options options, UnderlayKernel* underlay)
    : store_(store),
      kernel_(kernel),
      options_(std::move(options)),
      reconciler_({options_.dataplane_socket, options_.retry, options_.rpc_timeout}, &kernel_,
                  [this](const std::function<void(const DesiredState&)>& fn) {
                    std::lock_guard lock(mu_);
                    fn(desired_);
                  }) {
  if (underlay != nullptr) {
    resolver_ = std::make_unique<UnderlayResolver>(
        UnderlayResolver::Options{options_.underlay_interval, options_.rpc_timeout}, underlay,
        &reconciler_, [this](const std::function<void(const DesiredState&)>& fn) {
          std::lock_guard lock(mu_);
          fn(desired_);
        });
  }
}

Controller::~Controller() { Stop(); }

Status Controller::Init() {
  std::lock_guard lock(mu_);
  if (auto st = store_.Load(desired_); !st.ok()) return st;
  spdlog::info("store {}: generation {}, {} tenants, {} ports", store_.Location(), desired_.generation,
               desired_.tenants.size(), desired_.ports.size());
  return {};
}

void Controller::Start() {
  reconciler_.Start();
  if (resolver_) resolver_->Start();
}
void Controller::Stop() {
  if (resolver_) resolver_->Stop();
  reconciler_.Stop();
}

DesiredState Controller::Desired() const {
  std::lock_guard lock(mu_);
  return desired_;
}

void Controller::Inspect(const std::function<void(const DesiredState&)>& fn) const {
  std::lock_guard lock(mu_);
  fn(desired_);
}

void Controller::SetFleetHooks(FleetHooks hooks) {
  std::lock_guard lock(mu_);
  fleet_ = std::move(hooks);
}

void Controller::ApplyExternal(const ExternalChanges& fn, uint64_t generation) {
  std::lock_guard lock(mu_);
  std::vector<pb::Change> changes = fn(desired_, generation);
  if (changes.empty()) return;  // the generation moves with what the dataplane gets
  desired_.generation = std::max(desired_.generation, generation);
  for (const auto& c : changes) ApplyChange(desired_, c);
  auto push = reconciler_.Push(desired_, changes);
  if (resolver_) resolver_->Poke();
  spdlog::info("store: {} change(s) from the fleet at generation {}{}", changes.size(), desired_.generation,
               push.delivered ? "" : " (the dataplane gets them at the next sync)");
}

Status Controller::CommitLocked(std::vector<pb::Change> changes, Reconciler::PushResult& push) {
  uint64_t generation = desired_.generation + 1;
  for (auto& c : changes) StampChange(c, generation);
  if (auto st = store_.Commit(changes, generation); !st.ok()) {
    spdlog::error("commit of generation {} failed: {}", generation, st.message());
    return st;
  }
  for (const auto& c : changes) ApplyChange(desired_, c);
  desired_.generation = generation;
  push = reconciler_.Push(desired_, changes);
  if (resolver_) resolver_->Poke();  // a port or remote VTEP may have changed
  if (fleet_.changed) fleet_.changed();
  if (!push.delivered) spdlog::info("generation {} stored; the dataplane gets it at the next sync", generation);
  return {};
}

Status Controller::CreateTenant(pb::Tenant tenant, pb::Tenant& out) {
  std::lock_guard lock(mu_);
  if (auto st = PrepareTenantCreate(desired_, tenant, reconciler_.GetSnapshot().mac_table_size); !st.ok()) return st;
  std::vector<pb::Change> changes(1);
  *changes[0].mutable_upsert_tenant() = tenant;
  Reconciler::PushResult push;
  if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;
  out = desired_.tenants.at(tenant.name());
  spdlog::info("tenant {} created (id {}, generation {})", out.name(), out.id(), out.generation());
  return {};
}

Status Controller::UpdateTenant(pb::Tenant tenant, pb::Tenant& out) {
  std::lock_guard lock(mu_);
  if (auto st = PrepareTenantUpdate(desired_, tenant, reconciler_.GetSnapshot().mac_table_size); !st.ok()) return st;
  std::vector<pb::Change> changes(1);
  *changes[0].mutable_upsert_tenant() = tenant;
  Reconciler::PushResult push;
  if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;
  out = desired_.tenants.at(tenant.name());
  spdlog::info("tenant {} updated (generation {})", out.name(), out.generation());
  return {};
}

Status Controller::DeleteTenant(const std::string& name, uint64_t& generation) {
  std::lock_guard lock(mu_);
  if (auto st = CheckTenantDelete(desired_, name); !st.ok()) return st;
  // Its limit goes with it, in the same generation.
  std::vector<pb::Change> changes;
  for (const auto& limit : LimitsOf(desired_, "", name)) changes.emplace_back().set_delete_limit(limit);
  for (const auto& rule : RulesOfTenant(desired_, name)) changes.emplace_back().set_delete_rule(rule);
  changes.emplace_back().set_delete_tenant(name);
  Reconciler::PushResult push;
  if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;
  generation = desired_.generation;
  spdlog::info("tenant {} deleted (generation {})", name, generation);
  return {};
}

Status Controller::GetTenant(const std::string& name, pb::Tenant& out) const {
  std::lock_guard lock(mu_);
  auto it = desired_.tenants.find(name);
  if (it == desired_.tenants.end()) return NotFound("tenant '{}' not found", name);
  out = it->second;
  return {};
}

std::vector<pb::Tenant> Controller::ListTenants() const {
  std::lock_guard lock(mu_);
  std::vector<pb::Tenant> out;
  for (const auto& [name, t] : desired_.tenants) out.push_back(t);
  return out;
}

Status Controller::CreatePort(pb::Port port, pb::PortView& out) {
  pb::Port created;
  {
    std::lock_guard lock(mu_);
    if (auto st = PreparePortCreate(desired_, kernel_, options_.paths, port); !st.ok()) return st;
    std::vector<pb::Change> changes(1);
    *changes[0].mutable_upsert_port() = port;
    Reconciler::PushResult push;
    if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;

    auto err = push.port_errors.find(port.name());
    if (push.delivered && err != push.port_errors.end()) {
      // The dataplane refused it: undo, as a new generation so both sides
      // keep moving forward.
      std::vector<pb::Change> undo(1);
      undo[0].set_delete_port(port.name());
      Reconciler::PushResult undo_push;
      if (auto st = CommitLocked(std::move(undo), undo_push); !st.ok()) {
        spdlog::error("port {}: rollback failed: {}", port.name(), st.message());
      }
      return FailedPrecondition("dataplane could not add port {}: {}", port.name(), err->second);
    }
    created = desired_.ports.at(port.name());
  }
  spdlog::info("port {} created (generation {})", created.name(), created.generation());
  out = JoinPorts({created}).front();
  return {};
}

Status Controller::UpdatePort(pb::Port port, pb::PortView& out) {
  pb::Port updated;
  {
    std::lock_guard lock(mu_);
    if (auto st = PreparePortUpdate(desired_, kernel_, port); !st.ok()) return st;
    std::vector<pb::Change> changes(1);
    *changes[0].mutable_upsert_port() = port;
    Reconciler::PushResult push;
    if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;
    updated = desired_.ports.at(port.name());
  }
  spdlog::info("port {} updated (generation {})", updated.name(), updated.generation());
  out = JoinPorts({updated}).front();
  return {};
}

Status Controller::DeletePort(const std::string& name, uint64_t& generation) {
  std::lock_guard lock(mu_);
  if (auto st = CheckPortDelete(desired_, name); !st.ok()) return st;
  // Its limits go with it, in the same generation.
  std::vector<pb::Change> changes;
  for (const auto& limit : LimitsOf(desired_, name, "")) changes.emplace_back().set_delete_limit(limit);
  changes.emplace_back().set_delete_port(name);
  Reconciler::PushResult push;
  if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;
  generation = desired_.generation;
  spdlog::info("port {} deleted (generation {})", name, generation);
  return {};
}

Status Controller::SetLimit(pb::Limit limit, pb::Limit& out) {
  std::lock_guard lock(mu_);
  if (auto st = PrepareLimitSet(desired_, limit); !st.ok()) return st;
  std::vector<pb::Change> changes(1);
  *changes[0].mutable_upsert_limit() = limit;
  Reconciler::PushResult push;
  if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;
  out = desired_.limits.at(limit.name());
  spdlog::info("limit {} set (generation {})", out.name(), out.generation());
  return {};
}

Status Controller::ClearLimit(pb::Limit target, uint64_t& generation) {
  std::lock_guard lock(mu_);
  if (auto st = LimitTarget(target); !st.ok()) return st;
  if (!desired_.limits.count(target.name())) return NotFound("limit {} not set", target.name());
  if (auto users = RulesUsingMeter(desired_, target.name()); !users.empty())
    return FailedPrecondition("limit {} is the meter of rule{} {}", target.name(),
                              users.size() > 1 ? "s" : "", fmt::join(users, ", "));
  std::vector<pb::Change> changes(1);
  changes[0].set_delete_limit(target.name());
  Reconciler::PushResult push;
  if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;
  generation = desired_.generation;
  spdlog::info("limit {} cleared (generation {})", target.name(), generation);
  return {};
}

std::vector<pb::LimitView> Controller::ListLimits(const std::string& port,
                                                  const std::string& tenant) const {
  std::vector<pb::LimitView> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, l] : desired_.limits) {
      if ((!port.empty() && l.port() != port) || (!tenant.empty() && l.tenant() != tenant)) continue;
      pb::LimitView& view = out.emplace_back();
      *view.mutable_limit() = l;
      view.set_basis(
          "Ethernet frame as the VM sent or receives it (MACs to the end of the payload): no "
          "preamble, inter-frame gap or FCS, no VLAN tag, no VXLAN headers");
    }
  }
  if (out.empty()) return out;
  pb::Stats stats;
  if (!CallDataplane(reconciler_, options_.rpc_timeout,
                     [&](pb::Dataplane::Stub& stub, grpc::ClientContext* ctx) {
                       return stub.GetStats(ctx, pb::GetStatsRequest(), &stats);
                     }).ok())
    return out;
  for (auto& view : out)
    for (const auto& c : stats.limits())
      if (c.limit() == view.limit().name()) *view.mutable_counters() = c;
  return out;
}

Status Controller::CreateRule(pb::Rule rule, pb::Rule& out) {
  std::lock_guard lock(mu_);
  if (auto st = PrepareRule(desired_, rule, false); !st.ok()) return st;
  std::vector<pb::Change> changes(1);
  *changes[0].mutable_upsert_rule() = rule;
  Reconciler::PushResult push;
  if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;
  out = desired_.rules.at(rule.name());
  spdlog::info("rule {} created (generation {})", out.name(), out.generation());
  return {};
}

Status Controller::UpdateRule(pb::Rule rule, pb::Rule& out) {
  std::lock_guard lock(mu_);
  if (auto st = PrepareRule(desired_, rule, true); !st.ok()) return st;
  std::vector<pb::Change> changes(1);
  *changes[0].mutable_upsert_rule() = rule;
  Reconciler::PushResult push;
  if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;
  out = desired_.rules.at(rule.name());
  spdlog::info("rule {} updated (generation {})", out.name(), out.generation());
  return {};
}

Status Controller::DeleteRule(const std::string& name, uint64_t& generation) {
  std::lock_guard lock(mu_);
  if (!desired_.rules.count(name)) return NotFound("rule '{}' not found", name);
  std::vector<pb::Change> changes(1);
  changes[0].set_delete_rule(name);
  Reconciler::PushResult push;
  if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;
  generation = desired_.generation;
  spdlog::info("rule {} deleted (generation {})", name, generation);
  return {};
}

void Controller::JoinRuleCounters(std::vector<pb::RuleView>& views) const {
  if (views.empty()) return;
  pb::GetStatsRequest req;
  req.set_rules(true);
  pb::Stats stats;
  if (!CallDataplane(reconciler_, options_.rpc_timeout,
                     [&](pb::Dataplane::Stub& stub, grpc::ClientContext* ctx) {
                       return stub.GetStats(ctx, req, &stats);
                     }).ok())
    return;
  std::map<std::string, const pb::RuleCounters*> by_name;
  for (const auto& c : stats.rules()) by_name[c.rule()] = &c;
  for (auto& view : views)
    if (auto it = by_name.find(view.rule().name()); it != by_name.end())
      *view.mutable_counters() = *it->second;
}

Status Controller::GetRule(const std::string& name, pb::RuleView& out) const {
  std::vector<pb::RuleView> views(1);
  {
    std::lock_guard lock(mu_);
    auto it = desired_.rules.find(name);
    if (it == desired_.rules.end()) return NotFound("rule '{}' not found", name);
    *views[0].mutable_rule() = it->second;
  }
  JoinRuleCounters(views);
  out = std::move(views[0]);
  return {};
}

std::vector<pb::RuleView> Controller::ListRules(const std::string& tenant, bool global) const {
  std::vector<pb::RuleView> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, r] : desired_.rules) {
      if (global && !r.global()) continue;
      if (!tenant.empty() && (r.global() || r.tenant() != tenant)) continue;
      *out.emplace_back().mutable_rule() = r;
    }
  }
  JoinRuleCounters(out);
  return out;
}

Status Controller::ReplaceRules(const RuleScope& scope, std::vector<pb::Rule> rules,
                                pb::ReplaceRulesReply& out) {
  std::lock_guard lock(mu_);
  std::vector<pb::Change> changes;
  RuleReplaceCounts counts;
  if (auto st = PrepareRuleReplace(desired_, scope, rules, changes, counts); !st.ok()) return st;
  if (!changes.empty()) {
    Reconciler::PushResult push;
    if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;
  }
  out.set_generation(desired_.generation);
  out.set_added(counts.added);
  out.set_changed(counts.changed);
  out.set_removed(counts.removed);
  out.set_unchanged(counts.unchanged);
  spdlog::info("rules of {} replaced: {} added, {} changed, {} removed, {} unchanged (generation {})",
               scope.Name(), counts.added, counts.changed, counts.removed, counts.unchanged,
               desired_.generation);
  return {};
}

Status Controller::CreateVtep(pb::Vtep vtep, pb::Vtep& out) {
  std::lock_guard lock(mu_);
  if (auto st = PrepareVtepCreate(desired_, vtep); !st.ok()) return st;
  std::vector<pb::Change> changes(1);
  *changes[0].mutable_upsert_vtep() = vtep;
  Reconciler::PushResult push;
  if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;
  out = desired_.vteps.at(vtep.name());
  spdlog::info("vtep {} created (generation {})", out.name(), out.generation());
  return {};
}

Status Controller::DeleteVtep(const std::string& tenant, const std::string& remote, uint64_t& generation) {
  std::lock_guard lock(mu_);
  std::string name;
  if (auto st = FindVtep(desired_, tenant, remote, name); !st.ok()) return st;
  if (fleet_.derived && fleet_.derived(name))
    return FailedPrecondition("vtep {}: computed from the fleet's membership (a host with a port in tenant '{}'); "
                              "it goes when that host leaves the tenant",
                              name, tenant);
  std::vector<pb::Change> changes(1);
  changes[0].set_delete_vtep(name);
  Reconciler::PushResult push;
  if (auto st = CommitLocked(std::move(changes), push); !st.ok()) return st;
  generation = desired_.generation;
  spdlog::info("vtep {} deleted (generation {})", name, generation);
  return {};
}

std::vector<pb::VtepView> Controller::ListVteps(const std::string& tenant) const {
  std::vector<pb::VtepView> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, v] : desired_.vteps) {
      if (!tenant.empty() && v.tenant() != tenant) continue;
      pb::VtepView& view = out.emplace_back();
      *view.mutable_vtep() = v;
      auto t = desired_.tenants.find(v.tenant());
      if (t != desired_.tenants.end()) view.set_vni(t->second.vni());
    }
  }
  if (out.empty()) return out;
  const auto hops = resolver_ ? resolver_->NextHops() : std::map<std::string, pb::NextHop>{};
  pb::Stats stats;
  const bool live = CallDataplane(reconciler_, options_.rpc_timeout,
                                  [&](pb::Dataplane::Stub& stub, grpc::ClientContext* ctx) {
                                    return stub.GetStats(ctx, pb::GetStatsRequest(), &stats);
                                  }).ok();
  for (auto& view : out) {
    const std::string& remote = view.vtep().remote();
    if (auto it = hops.find(remote); it != hops.end()) *view.mutable_next_hop() = it->second;
    if (!live) continue;
    for (const auto& c : stats.vteps())
      if (c.remote() == remote) *view.mutable_counters() = c;
  }
  return out;
}

bool Controller::FetchState(pb::DataplaneState& state) const {
  bool ok = CallDataplane(reconciler_, options_.rpc_timeout, [&](pb::Dataplane::Stub& stub, grpc::ClientContext* ctx) {
              return stub.GetState(ctx, pb::GetStateRequest(), &state);
            }).ok();
  if (!ok) return false;
  // A tap's link is its kernel side, which may live in another namespace
  // where the dataplane cannot see it: ask the kernel there.
  for (const auto& port : state.ports()) {
    if (port.kind() != pb::PORT_KIND_TAP) continue;
    const std::string& iface = port.iface().empty() ? port.name() : port.iface();
    for (auto& ps : *state.mutable_port_status()) {
      if (ps.name() == port.name()) ps.set_link(kernel_.TapLink(iface, port.tap().netns()));
    }
  }
  return true;
}

std::vector<pb::PortView> Controller::JoinPorts(const std::vector<pb::Port>& ports) const {
  pb::DataplaneState state;
  bool live = FetchState(state);
  auto errors = reconciler_.GetSnapshot().port_errors;
  std::vector<pb::PortView> views;
  for (const auto& port : ports) {
    pb::PortView& view = views.emplace_back();
    *view.mutable_port() = port;
    if (live) {
      for (const auto& ps : state.port_status()) {
        if (ps.name() == port.name()) *view.mutable_status() = ps;
      }
    }
    if (auto it = errors.find(port.name()); it != errors.end()) view.set_error(it->second);
  }
  return views;
}

Status Controller::GetPort(const std::string& name, pb::PortView& out) const {
  pb::Port port;
  {
    std::lock_guard lock(mu_);
    auto it = desired_.ports.find(name);
    if (it == desired_.ports.end()) return NotFound("port '{}' not found", name);
    port = it->second;
  }
  out = JoinPorts({port}).front();
  return {};
}

std::vector<pb::PortView> Controller::ListPorts() const { return JoinPorts(DesiredPorts()); }

std::vector<pb::Port> Controller::DesiredPorts() const {
  std::vector<pb::Port> ports;
  std::lock_guard lock(mu_);
  for (const auto& [name, p] : desired_.ports) ports.push_back(p);
  return ports;
}

Status Controller::ListMacs(const pb::ListMacsRequest& req, pb::ListMacsReply& out) const {
  return CallDataplane(reconciler_, options_.rpc_timeout, [&](pb::Dataplane::Stub& stub, grpc::ClientContext* ctx) {
    return stub.ListMacs(ctx, req, &out);
  });
}

Status Controller::FlushMacs(const pb::FlushMacsRequest& req, pb::FlushMacsReply& out) const {
  return CallDataplane(reconciler_, options_.rpc_timeout, [&](pb::Dataplane::Stub& stub, grpc::ClientContext* ctx) {
    return stub.FlushMacs(ctx, req, &out);
  });
}

Status Controller::GetStats(const pb::GetStatsRequest& req, pb::Stats& out) const {
  return CallDataplane(reconciler_, options_.rpc_timeout, [&](pb::Dataplane::Stub& stub, grpc::ClientContext* ctx) {
    return stub.GetStats(ctx, req, &out);
  });
}

Status Controller::Trace(const pb::TraceRequest& req, pb::TraceReply& out) const {
  // A capture waits for packets up to its timeout (default 10 s, the
  // dataplane enforces the bounds).
  const auto wait = std::chrono::milliseconds(req.packet().empty() ? (req.timeout_ms() ? req.timeout_ms() : 10000) : 0);
  return CallDataplane(reconciler_, options_.rpc_timeout + wait, [&](pb::Dataplane::Stub& stub, grpc::ClientContext* ctx) {
    return stub.Trace(ctx, req, &out);
  });
}

void Controller::GetStatus(pb::Status& out) const {
  {
    std::lock_guard lock(mu_);
    out.set_generation(desired_.generation);
    out.set_tenants(static_cast<uint32_t>(desired_.tenants.size()));
    out.set_ports(static_cast<uint32_t>(desired_.ports.size()));
    uint64_t reserved = 0;
    for (const auto& [name, t] : desired_.tenants) reserved += EffectiveMacLimit(t.mac_limit());
    out.mutable_dataplane()->set_mac_table_reserved(reserved);
  }
  out.set_version(SWITCHYARD_VERSION);
  out.set_db(store_.Location());
  store_.Describe(*out.mutable_store());
  if (fleet_.describe) fleet_.describe(*out.mutable_store());
  out.set_uptime_ms(MillisSince(started_));

  auto snap = reconciler_.GetSnapshot();
  pb::DataplaneStatus& dp = *out.mutable_dataplane();
  dp.set_socket(reconciler_.socket());
  dp.set_full_syncs(snap.full_syncs);
  dp.set_last_error(snap.last_error);
  dp.set_out_of_sync(snap.out_of_sync);
  dp.set_failed_attempts(snap.failed_attempts);
  dp.set_next_retry_ms(static_cast<uint64_t>(snap.next_retry_ms));
  // Connected means the event stream is up; a dataplane that does not answer
  // GetState in time (hung) shows what controld last knew of it.
  dp.set_connected(snap.connected);
  dp.set_instance_id(snap.instance_id);
  dp.set_generation(snap.generation);
  pb::DataplaneState state;
  if (!snap.connected || !FetchState(state)) return;
  dp.set_instance_id(state.instance_id());
  dp.set_generation(state.generation());
  // An older generation with the same objects is in sync too (a fleet
  // host's controld restarted at a newer etcd revision).
  bool same = state.generation() == out.generation();
  if (!same && state.generation() < out.generation()) {
    std::lock_guard lock(mu_);
    same = SameConfig(desired_, state);
  }
  dp.set_in_sync(!snap.out_of_sync && same);
  dp.set_workers(state.workers());
  dp.set_uptime_ms(state.uptime_ms());
  dp.set_version(state.version());
  dp.set_ports_total(static_cast<uint32_t>(state.port_status_size()));
  uint32_t up = 0;
  for (const auto& ps : state.port_status()) up += ps.link() == pb::LINK_STATE_UP;
  dp.set_ports_up(up);
  dp.set_mac_table_size(state.mac_table_size());
  dp.set_mac_table_used(state.mac_table_used());
  dp.set_mbuf_pools(state.mbuf_pools());
  dp.set_mbufs(state.mbufs());
  dp.set_mbufs_in_use(state.mbufs_in_use());
}

}  // namespace switchyard::controlplane
