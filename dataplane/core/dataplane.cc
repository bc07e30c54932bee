#include "core/dataplane.h"

#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <google/protobuf/util/message_differencer.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <spdlog/spdlog.h>

#include "features/limits/gcra.h"
#include "ports/devargs.h"
#include "ports/mbuf_pools.h"
#include "switchyard/mac_limits.h"

namespace switchyard {

namespace {

std::string NewInstanceId() {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  return fmt::format("{:016x}", gen());
}

// Configuration equality ignoring the generation stamp.
template <typename M>
bool SameConfig(M a, M b) {
  a.clear_generation();
  b.clear_generation();
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace

Dataplane::Dataplane(const DataplaneOptions& opts)
    : opts_(opts),
      instance_id_(NewInstanceId()),
      started_(std::chrono::steady_clock::now()),
      housekeeping_([this] { Tick(); }),
      tenant_base_(kMaxTenantId + 1) {
  if (opts_.worker_lcores.empty() || opts_.worker_lcores.size() > kMaxWorkers)
    throw std::runtime_error("need 1.." + std::to_string(kMaxWorkers) + " worker lcores");
  publisher_ = std::make_unique<SnapshotPublisher>(kMaxWorkers);
  pools_ = std::make_unique<MbufPools>(opts_.mbufs, workers(), [this] {
    if (running_) rte_rcu_qsbr_synchronize(publisher_->qsbr(), RTE_QSBR_THRID_INVALID);
  });
  pool_ = pools_->shared();
  macs_ = std::make_unique<MacTable>("switchyard_macs", opts_.mac_capacity);
  vhost_devices_ = std::make_unique<VhostDevices>(publisher_->qsbr());
  port_manager_ = std::make_unique<PortManager>(pools_.get(), workers(), vhost_devices_.get());
  tx_locks_ = std::make_unique<SharedTxLocks>();
  shared_.publisher = publisher_.get();
  shared_.idle_sleep_us = opts_.idle_sleep_us;
  shared_.tsc_per_ms = std::max<uint64_t>(1, rte_get_tsc_hz() / 1000);
  for (uint16_t i = 0; i < workers(); ++i) {
    rte_rcu_qsbr_thread_register(publisher_->qsbr(), i);
    counters_.push_back(std::make_unique<WorkerCounters>());
    auto ctx = std::make_unique<WorkerContext>();
    ctx->index = i;
    ctx->worker_count = workers();
    ctx->pool = pool_;
    ctx->macs = macs_.get();
    ctx->tx_locks = tx_locks_.get();
    ctx->vhost = vhost_devices_.get();
    ctx->counters = counters_.back().get();
    scratch_counters_.push_back(std::make_unique<WorkerCounters>());
    ctx->scratch_counters = scratch_counters_.back().get();
    rule_flows_.push_back(std::make_unique<RuleFlowCache>());
    ctx->rule_flows = rule_flows_.back().get();
    ctx->capture = &capture_;
    contexts_.push_back(std::move(ctx));
  }
  for (uint16_t i = 0; i < workers(); ++i)
    worker_args_.push_back(WorkerArgs{&shared_, contexts_[i].get()});
  Publish(0);
}

Dataplane::~Dataplane() {
  Stop();
  // Vhost link events wait on the workers' RCU variable: stop following
  // them before it goes.
  port_manager_.reset();
  vhost_devices_.reset();
  macs_.reset();
  pools_.reset();
  publisher_.reset();
}

void Dataplane::Start() {
  for (uint16_t i = 0; i < workers(); ++i) {
    unsigned lcore = opts_.worker_lcores[i];
    int rc = rte_eal_remote_launch(WorkerMain, &worker_args_[i], lcore);
    if (rc != 0) throw std::runtime_error(fmt::format("cannot launch worker on lcore {}", lcore));
    spdlog::info("worker {} running on lcore {}", i, lcore);
  }
  housekeeping_.Start();
  running_ = true;
}

void Dataplane::RunOnMainLcore() {
  housekeeping_.Start();
  running_ = true;
  spdlog::info("worker 0 running on the main lcore {}", rte_lcore_id());
  WorkerMain(&worker_args_[0]);
}

void Dataplane::Stop() {
  if (!running_) return;
  running_ = false;
  shared_.stop.store(true);
  rte_eal_mp_wait_lcore();
  housekeeping_.Stop();
  std::lock_guard<std::mutex> lk(mu_);
  for (auto& [name, placed] : ports_) port_manager_->Remove(placed.port_id);
  ports_.clear();
}

uint64_t Dataplane::NowMs() const { return rte_rdtsc() / shared_.tsc_per_ms; }

void Dataplane::Publish(uint64_t generation) {
  std::vector<std::string> problems;
  const VxlanInputs vxlan = VxlanInputsLocked();
  const LimitInputs limits = LimitInputsLocked();
  const RuleInputs rules = RuleInputsLocked();
  publisher_->Publish(
      BuildSnapshot(generation, tenants_, ports_, workers(), &problems, &vxlan, &limits, &rules));
  for (const auto& p : problems) spdlog::warn("config: {}", p);
}

std::vector<uint16_t> Dataplane::PlaceRxQueues(uint16_t queues) const {
  // Each queue to the worker polling the fewest queues so far; a port's own
  // queues land on different workers when there are enough.
  std::vector<uint32_t> load(workers(), 0);
  for (const auto& [name, placed] : ports_)
    for (uint16_t w : placed.rx_workers) ++load[w % workers()];
  std::vector<uint16_t> out;
  for (uint16_t q = 0; q < queues; ++q) {
    auto w = static_cast<uint16_t>(std::min_element(load.begin(), load.end()) - load.begin());
    ++load[w];
    out.push_back(w);
  }
  return out;
}

uint32_t Dataplane::Reconcile(const ConfigState& want,
                              google::protobuf::RepeatedPtrField<v1::PortError>* errors) {
  const TenantMap& tenants = want.tenants;
  uint32_t changed = 0;
  std::vector<uint16_t> flush_tenants;
  for (const auto& [name, old] : tenants_) {
    auto it = tenants.find(name);
    if (it == tenants.end() || it->second.id() != old.id() || it->second.vlan() != old.vlan() ||
        it->second.vni() != old.vni())
      flush_tenants.push_back(static_cast<uint16_t>(old.id()));
    if (it == tenants.end() || !SameConfig(it->second, old)) ++changed;
  }
  // Summed at most once, and only if an id is (re)assigned.
  std::unique_ptr<WorkerCounters> sum;
  auto counters_now = [&]() -> WorkerCounters& {
    if (!sum) {
      sum = std::make_unique<WorkerCounters>();
      SumCounters(sum.get());
    }
    return *sum;
  };
  for (const auto& [name, t] : tenants) {
    auto it = tenants_.find(name);
    if (it == tenants_.end() || it->second.id() != t.id()) {
      ++changed;
      if (t.id() <= kMaxTenantId) tenant_base_[t.id()] = counters_now().tenants[t.id()];
    }
  }

  // The desired ports and the kernel interfaces of those that have one.
  const std::map<std::string, v1::Port> desired = WithKernelPorts(want.ports);
  std::vector<PlacedPort> removed;
  std::vector<uint16_t> flush_ports;
  for (auto it = ports_.begin(); it != ports_.end();) {
    auto d = desired.find(it->first);
    if (d == desired.end() || !SameDevice(d->second, it->second.spec)) {
      removed.push_back(it->second);
      it = ports_.erase(it);
      ++changed;
      continue;
    }
    if (!SameConfig(d->second, it->second.spec)) {
      if (MembershipChanged(d->second, it->second.spec)) flush_ports.push_back(it->second.port_id);
      it->second.spec = d->second;
      ++changed;
    }
    ++it;
  }
  tenants_ = tenants;
  uint64_t reserved = 0;
  for (const auto& [name, t] : tenants_) reserved += EffectiveMacLimit(t.mac_limit());
  if (reserved > macs_->capacity())
    spdlog::warn("the tenants' MAC limits add up to {}, more than the MAC table's {} entries: "
                 "a tenant may not reach its limit (raise --mac-table-size)",
                 reserved, macs_->capacity());
  // Remote VTEPs: slots for new addresses, and what no longer applies.
  const VtepUpdate vteps = UpdateVteps(want, counters_now);
  if (vteps.changed) ++changed;
  if (UpdateLimits(want, counters_now)) ++changed;
  if (UpdateRules(want, counters_now)) ++changed;
  if (changed > 0) {
    // Workers stop using removed ports and remote VTEPs before the devices
    // and slots go away.
    Publish(generation_);
    for (const auto& p : removed) {
      spdlog::info("port {}: removing ethdev {}", p.spec.name(), p.port_id);
      port_manager_->Remove(p.port_id);
      flush_ports.push_back(p.port_id);
      link_state_.erase(p.spec.name());
    }
    if (!flush_ports.empty() || !flush_tenants.empty() || !vteps.stale.empty()) {
      FlushWhere([&](const MacRecord& r) {
        return std::find(flush_ports.begin(), flush_ports.end(), r.port) != flush_ports.end() ||
               std::find(flush_tenants.begin(), flush_tenants.end(), r.tenant) !=
                   flush_tenants.end() ||
               (IsRemoteDest(r.port) && vteps.Stale(r.tenant, RemoteSlot(r.port)));
      });
    }
  }

  for (const auto& [name, spec] : desired) {
    if (ports_.count(name) != 0) continue;
    std::string error;
    auto q = port_manager_->Add(spec, &error);
    if (!q) {
      spdlog::error("port {}: {}", name, error);
      auto* e = errors->Add();
      e->set_port(name);
      e->set_message(error);
      continue;
    }
    PlacedPort placed{spec, q->port_id, q->tx_queues, PlaceRxQueues(q->rx_queues), q->rx_pool};
    port_base_[q->port_id] = counters_now().ports[q->port_id];
    ports_[name] = placed;
    ++changed;
  }
  const size_t before = ports_.size();
  AddKernelPorts(want.ports, errors);
  changed += static_cast<uint32_t>(ports_.size() - before);
  generation_ = want.generation;
  Publish(want.generation);
  return changed;
}

v1::SyncReply Dataplane::Sync(const v1::SyncRequest& req) {
  std::lock_guard<std::mutex> lk(mu_);
  const ConfigState want = ObjectsOf(req);
  v1::SyncReply reply;
  ConfigState at = want;
  at.generation = req.generation();
  reply.set_changed(Reconcile(at, reply.mutable_port_errors()));
  reply.set_generation(generation_);
  spdlog::info("sync to generation {}: {} changed, {} port errors", generation_, reply.changed(),
               reply.port_errors_size());
  return reply;
}

ConfigState Dataplane::RunningConfig() const {
  ConfigState c;
  c.generation = generation_;
  c.tenants = tenants_;
  for (const auto& [name, placed] : ports_)
    if (!placed.internal) c.ports[name] = placed.spec;
  c.vteps = vteps_;
  c.limits = limits_;
  c.rules = rules_;
  return c;
}

std::optional<std::string> Dataplane::Apply(const v1::ApplyRequest& req, v1::ApplyReply* reply) {
  std::lock_guard<std::mutex> lk(mu_);
  if (req.base_generation() != generation_) {
    return fmt::format("dataplane is at generation {}, delta is based on {}", generation_,
                       req.base_generation());
  }
  ConfigState want = RunningConfig();
  for (const auto& c : req.changes()) ApplyChange(want, c);
  want.generation = req.generation();
  Reconcile(want, reply->mutable_port_errors());
  reply->set_generation(generation_);
  return std::nullopt;
}

v1::Hello Dataplane::MakeHello() {
  std::lock_guard<std::mutex> lk(mu_);
  v1::Hello h;
  h.set_instance_id(instance_id_);
  h.set_generation(generation_);
  h.set_mac_table_size(macs_->capacity());
  return h;
}

v1::DataplaneState Dataplane::State() {
  std::lock_guard<std::mutex> lk(mu_);
  v1::DataplaneState st;
  st.set_instance_id(instance_id_);
  st.set_generation(generation_);
  st.set_mac_table_size(macs_->capacity());
  st.set_mac_table_used(macs_->size());
  const MbufPools::Usage mb = pools_->usage();
  st.set_mbuf_pools(mb.pools);
  st.set_mbufs(mb.size);
  st.set_mbufs_in_use(mb.size - mb.available);
  AddObjects(RunningConfig(), &st);
  for (const auto& [ip, nh] : next_hops_) *st.add_next_hops() = nh;
  for (const auto& [name, placed] : ports_) {
    v1::PortStatus ps = port_manager_->Status(placed.port_id);
    ps.set_name(name);
    for (uint16_t w : placed.rx_workers) ps.add_rx_workers(opts_.worker_lcores[w % workers()]);
    *st.add_port_status() = ps;
  }
  st.set_workers(workers());
  st.set_uptime_ms(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - started_)
                                             .count()));
  st.set_mac_aging_s(opts_.mac_aging_s);
  st.set_version(SWITCHYARD_VERSION);
  return st;
}

void Dataplane::Tick() {
  macs_->Age(NowMs(), uint64_t{opts_.mac_aging_s} * 1000);
  limit_states_->Refresh(ScaledNow(rte_rdtsc()));
  std::vector<v1::Event> changes;
  {
    // A config change may be waiting on this thread (MAC flush) while
    // holding mu_: skip link polling this tick rather than deadlock.
    std::unique_lock<std::mutex> lk(mu_, std::try_to_lock);
    if (!lk.owns_lock()) return;
    for (const auto& [name, placed] : ports_) {
      v1::LinkState now = port_manager_->Link(placed.port_id);
      auto& last = link_state_[name];
      if (last == now) continue;
      last = now;
      v1::Event e;
      e.mutable_link()->set_port(name);
      e.mutable_link()->set_link(now);
      changes.push_back(e);
    }
  }
  for (const auto& e : changes) events_.Publish(e);
}

}  // namespace switchyard
