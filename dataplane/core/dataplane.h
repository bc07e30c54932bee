#pragma once
// The dataplane's control side: owns the ports, the workers, the MAC table
// and the current configuration, and turns configuration changes into
// published snapshots. Every public method runs on a control thread (gRPC
// handlers); mutations are serialised by one mutex.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/counters.h"
#include "core/event_bus.h"
#include "core/housekeeping.h"
#include "core/rcu_snapshot.h"
#include "core/snapshot_builder.h"
#include "core/trace.h"
#include "core/worker.h"
#include "features/l2/mac_table.h"
#include "features/limits/limit_builder.h"
#include "features/limits/limit_state.h"
#include "features/rules/rule_builder.h"
#include "features/rules/rule_flow_cache.h"
#include "ports/port_manager.h"
#include "ports/vhost_direct.h"
#include "switchyard/config_state.h"
#include "switchyard/v1/dataplane.pb.h"

struct rte_mempool;

namespace switchyard {

struct DataplaneOptions {
  std::vector<unsigned> worker_lcores;  // EAL lcore ids running workers
  uint32_t mac_capacity = 262144;
  uint32_t mac_aging_s = 300;
  uint32_t idle_sleep_us = 200;
  uint32_t mbufs = 32767;
  // Most memory one scope's compiled rules may take (0: no cap); a scope
  // that needs more is not compiled and its frames drop (rule_unavailable).
  size_t rule_scope_max_bytes = size_t{256} << 20;
};

class Dataplane {
 public:
  explicit Dataplane(const DataplaneOptions& opts);
  ~Dataplane();

  // Main thread: launch the workers on their lcores and the housekeeping thread.
  void Start();
  // Main thread, single-lcore mode: run the one worker on this thread until
  // RequestStop().
  void RunOnMainLcore();
  // Any thread: ask the workers to return.
  void RequestStop() { shared_.stop.store(true); }
  // Main thread: stop workers, then remove every port.
  void Stop();

  v1::SyncReply Sync(const v1::SyncRequest& req);
  // nullopt on success; otherwise why the delta was refused (generation).
  std::optional<std::string> Apply(const v1::ApplyRequest& req, v1::ApplyReply* reply);
  v1::DataplaneState State();
  v1::Stats GetStats(const v1::GetStatsRequest& req);
  // One page of learned MACs (see ListMacsRequest); an error message naming
  // the field for a bad page_size or page_token.
  static constexpr uint32_t kDefaultMacPage = 10000;
  static constexpr uint32_t kMaxMacPage = 20000;
  std::optional<std::string> ListMacs(const v1::ListMacsRequest& req, v1::ListMacsReply* reply);
  uint32_t FlushMacs(const v1::FlushMacsRequest& req);

  // The packet tracer (core/dataplane_trace.cc). Errors come back as a
  // code and a message naming the field.
  struct TraceError {
    enum Code { kInvalidArgument, kNotFound, kUnavailable } code;
    std::string message;
  };
  std::optional<TraceError> Trace(const v1::TraceRequest& req, v1::TraceReply* reply);

  // How each remote VTEP is reached (features/vxlan/vxlan_control.cc): the
  // whole set, replacing the last one; an error naming the field if an
  // entry is not an IPv4 address and a MAC (nothing changes then).
  std::optional<std::string> SetNextHops(const v1::SetNextHopsRequest& req);

  EventBus& events() { return events_; }
  v1::Hello MakeHello();
  uint16_t workers() const { return static_cast<uint16_t>(opts_.worker_lcores.size()); }

 private:
  // mu_ held. Bring the running configuration to the desired one.
  uint32_t Reconcile(const ConfigState& want,
                     google::protobuf::RepeatedPtrField<v1::PortError>* errors);
  // mu_ held (features/vxlan/vxlan_control.cc). The ports to run: the
  // desired ones and, for a running uplink with a vtep_ip, its kernel
  // interface.
  std::map<std::string, v1::Port> WithKernelPorts(const std::map<std::string, v1::Port>& ports) const;
  // mu_ held. Adds the kernel interface of each uplink with a vtep_ip that
  // runs without one.
  void AddKernelPorts(const std::map<std::string, v1::Port>& ports,
                      google::protobuf::RepeatedPtrField<v1::PortError>* errors);
  // mu_ held. Takes `want`'s Vtep objects: a slot for every new remote
  // address (its counters' base from `counters_now`), the slots of
  // addresses no tenant names any more freed (not given out again before
  // the next call, so the flush below can run first).
  struct VtepUpdate {
    bool changed = false;
    // (tenant id, slot) pairs that no longer hold: MACs to forget.
    std::vector<std::pair<uint16_t, uint16_t>> stale;
    bool Stale(uint16_t tenant, uint16_t slot) const {
      for (const auto& [t, s] : stale)
        if (t == tenant && s == slot) return true;
      return false;
    }
  };
  VtepUpdate UpdateVteps(const ConfigState& want,
                         const std::function<WorkerCounters&()>& counters_now);
  VxlanInputs VxlanInputsLocked() const;  // mu_ held
  // mu_ held (features/limits/limit_control.cc). Takes `want`'s Limit
  // objects: a slot for every new one (its state reset, its counters'
  // base from `counters_now`), the slots of removed ones freed. True if
  // any limit changed.
  bool UpdateLimits(const ConfigState& want, const std::function<WorkerCounters&()>& counters_now);
  LimitInputs LimitInputsLocked() const;  // mu_ held
  // mu_ held (features/rules/rule_control.cc). Takes `want`'s Rule
  // objects: a counter slot for every new one (its base from
  // `counters_now`), the slots of removed ones freed. True if any rule
  // changed.
  bool UpdateRules(const ConfigState& want, const std::function<WorkerCounters&()>& counters_now);
  RuleInputs RuleInputsLocked();  // mu_ held
  std::string RemoteName(uint16_t slot) const;  // mu_ held
  void Publish(uint64_t generation);
  // mu_ held. What the dataplane runs, as the shared configuration model.
  ConfigState RunningConfig() const;
  // Workers for a new port's RX queues, by queue id.
  std::vector<uint16_t> PlaceRxQueues(uint16_t queues) const;
  // Any control thread: remove matching MACs on the housekeeping thread;
  // how many were removed.
  uint32_t FlushWhere(const std::function<bool(const MacRecord&)>& match);
  void Tick();  // housekeeping thread
  uint64_t NowMs() const;
  // Sum of every worker's counters (1 MB: callers keep it on the heap).
  void SumCounters(WorkerCounters* out) const;
  std::optional<TraceError> TraceInject(const v1::TraceRequest& req, uint16_t port,
                                        uint16_t worker, v1::TraceReply* reply);
  std::optional<TraceError> TraceCapture(const v1::TraceRequest& req, uint16_t port,
                                         v1::TraceReply* reply);

  DataplaneOptions opts_;
  std::string instance_id_;
  std::chrono::steady_clock::time_point started_;
  rte_mempool* pool_ = nullptr;
  std::unique_ptr<SnapshotPublisher> publisher_;
  std::unique_ptr<MacTable> macs_;
  std::unique_ptr<VhostDevices> vhost_devices_;
  std::unique_ptr<MbufPools> pools_;  // before the port manager: it uses them
  std::unique_ptr<PortManager> port_manager_;
  std::unique_ptr<SharedTxLocks> tx_locks_;
  WorkerShared shared_;
  std::vector<std::unique_ptr<WorkerCounters>> counters_;
  std::vector<std::unique_ptr<WorkerCounters>> scratch_counters_;  // dry-run traces
  std::vector<std::unique_ptr<RuleFlowCache>> rule_flows_;
  std::vector<std::unique_ptr<WorkerContext>> contexts_;
  std::vector<WorkerArgs> worker_args_;
  Housekeeping housekeeping_;
  EventBus events_;
  bool running_ = false;

  std::mutex mu_;  // guards everything below
  uint64_t generation_ = 0;
  TenantMap tenants_;
  PortMap ports_;
  std::map<std::string, v1::Vtep> vteps_;
  std::map<uint32_t, uint16_t> vtep_slots_;    // remote address (network order) -> slot
  std::map<uint32_t, v1::NextHop> next_hops_;  // remote address -> how it is reached
  std::array<VtepCounters, kMaxRemoteVteps> vtep_base_{};  // as port_base_, per slot
  std::map<std::string, v1::Limit> limits_;
  std::map<std::string, uint16_t> limit_slots_;  // limit name -> slot
  std::unique_ptr<LimitStates> limit_states_ = std::make_unique<LimitStates>();
  std::array<LimitCounters, kMaxLimits> limit_base_{};
  std::map<std::string, v1::Rule> rules_;
  std::map<std::string, uint32_t> rule_slots_;  // rule name -> counter slot
  std::vector<RuleCounters> rule_base_ = std::vector<RuleCounters>(kMaxRules);
  RuleCache rule_cache_;  // the classifiers of the last snapshot built
  // Counter values at the moment a port id / tenant id was (re)assigned, so
  // a reused id starts from zero.
  std::array<PortCounters, kMaxPorts> port_base_{};
  std::vector<TenantCounters> tenant_base_;
  std::map<std::string, v1::LinkState> link_state_;  // housekeeping thread

  std::mutex trace_mu_;  // one trace at a time; never held with mu_
  switchyard::TraceCapture capture_;
};

}  // namespace switchyard
