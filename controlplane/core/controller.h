#pragma once
// The control plane's domain operations: validate → bump generation →
// persist → push to the dataplane. One instance per controld. The gRPC
// service (api/) and tests call these; they never touch store or reconciler
// directly.
//
// Threads: public methods run on gRPC handler threads. All mutations are
// serialized by mu_ (the "mutation mutex"), which the reconciler thread also
// takes while it syncs, so the dataplane sees one ordered stream of writes.

#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kernel/kernel.h"
#include "model/checks.h"
#include "model/desired_state.h"
#include "model/status.h"
#include "reconcile/reconciler.h"
#include "store/store.h"
#include "switchyard/v1/control.pb.h"
#include "underlay/resolver.h"

namespace switchyard::controlplane {

class Controller {
 public:
  struct Options {
    std::string dataplane_socket;
    std::chrono::milliseconds retry{100};
    std::chrono::milliseconds rpc_timeout{10000};
    PathPolicy paths;
    std::chrono::milliseconds underlay_interval{1000};  // resolver passes
  };

  // `store`, `kernel` and `underlay` must outlive the controller. Without
  // `underlay` no next hop is resolved (remote VTEPs stay unresolved).
  Controller(Store& store, Kernel& kernel, Options options, UnderlayKernel* underlay = nullptr);
  ~Controller();

  Status Init();  // loads the store; call before Start
  void Start();   // starts the reconciler thread
  void Stop();

  Status CreateTenant(pb::Tenant tenant, pb::Tenant& out);
  // Changes an existing tenant in place (see PrepareTenantUpdate).
  Status UpdateTenant(pb::Tenant tenant, pb::Tenant& out);
  Status DeleteTenant(const std::string& name, uint64_t& generation);
  Status GetTenant(const std::string& name, pb::Tenant& out) const;
  std::vector<pb::Tenant> ListTenants() const;

  Status CreatePort(pb::Port port, pb::PortView& out);
  // Changes an existing port in place: the device stays (no link flap, a
  // vhost guest stays connected, a tap keeps its namespace and addresses).
  Status UpdatePort(pb::Port port, pb::PortView& out);
  Status DeletePort(const std::string& name, uint64_t& generation);
  Status GetPort(const std::string& name, pb::PortView& out) const;
  std::vector<pb::PortView> ListPorts() const;
  std::vector<pb::Port> DesiredPorts() const;  // without asking the dataplane

  // Creates or changes in place.
  Status SetLimit(pb::Limit limit, pb::Limit& out);
  Status ClearLimit(pb::Limit target, uint64_t& generation);
  std::vector<pb::LimitView> ListLimits(const std::string& port, const std::string& tenant) const;

  // Flow rules (docs/flow-rules.md).
  Status CreateRule(pb::Rule rule, pb::Rule& out);
  Status UpdateRule(pb::Rule rule, pb::Rule& out);
  Status DeleteRule(const std::string& name, uint64_t& generation);
  Status GetRule(const std::string& name, pb::RuleView& out) const;
  // `tenant` or `global` select a scope; neither: every rule.
  std::vector<pb::RuleView> ListRules(const std::string& tenant, bool global) const;
  // One generation: the dataplane goes from the old set to the new one at once.
  Status ReplaceRules(const RuleScope& scope, std::vector<pb::Rule> rules,
                      pb::ReplaceRulesReply& out);

  Status CreateVtep(pb::Vtep vtep, pb::Vtep& out);
  Status DeleteVtep(const std::string& tenant, const std::string& remote, uint64_t& generation);
  // With what the underlay resolver and the dataplane know of each.
  std::vector<pb::VtepView> ListVteps(const std::string& tenant) const;

  // Live state, proxied to the dataplane. UNAVAILABLE when not connected.
  Status ListMacs(const pb::ListMacsRequest& req, pb::ListMacsReply& out) const;
  Status FlushMacs(const pb::FlushMacsRequest& req, pb::FlushMacsReply& out) const;
  Status GetStats(const pb::GetStatsRequest& req, pb::Stats& out) const;
  void GetStatus(pb::Status& out) const;
  // The packet tracer, proxied; waits as long as a capture may take.
  Status Trace(const pb::TraceRequest& req, pb::TraceReply& out) const;

  DesiredState Desired() const;  // a copy, for tests and status
  // Calls `fn` with the desired state, under the mutation mutex.
  void Inspect(const std::function<void(const DesiredState&)>& fn) const;

  // The fleet (fleet/fleet.h) plugs in here; set before Start.
  struct FleetHooks {
    std::function<void()> changed;                         // after every commit, mutation mutex held
    std::function<bool(const std::string& vtep)> derived;  // a VTEP the fleet computed
    std::function<void(pb::StoreStatus&)> describe;        // the fleet's part of the status
  };
  void SetFleetHooks(FleetHooks hooks);
  // Changes that come from the store itself (the fleet's watch) or are
  // derived from it: `fn` computes them from the desired state under the
  // mutation mutex, and may set the generation they are at (in: the one
  // passed here); they are applied and pushed, not stored. The generation
  // moves to theirs when they change something and theirs is newer.
  using ExternalChanges = std::function<std::vector<pb::Change>(const DesiredState&, uint64_t& generation)>;
  void ApplyExternal(const ExternalChanges& fn, uint64_t generation);
  Reconciler& reconciler() { return reconciler_; }

 private:
  // mu_ held. Stamps upserts with the next generation, persists, updates the
  // in-memory state and pushes. On a store failure nothing changed.
  Status CommitLocked(std::vector<pb::Change> changes, Reconciler::PushResult& push);
  // Dataplane live state; false when not connected or the call failed.
  bool FetchState(pb::DataplaneState& state) const;
  std::vector<pb::PortView> JoinPorts(const std::vector<pb::Port>& ports) const;
  // Rule counters from the dataplane into `views` (left out when it is not
  // connected).
  void JoinRuleCounters(std::vector<pb::RuleView>& views) const;

  Store& store_;
  Kernel& kernel_;
  const Options options_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();

  mutable std::mutex mu_;
  DesiredState desired_;
  Reconciler reconciler_;  // its thread uses the members above
  std::unique_ptr<UnderlayResolver> resolver_;  // null without an UnderlayKernel
  FleetHooks fleet_;
};

}  // namespace switchyard::controlplane
