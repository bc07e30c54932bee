#pragma once
// A host of a fleet on etcd (docs/fleet.md): follows the fleet's desired
// state with a watch, publishes this host's membership of tenants with a
// lease, and computes the tenants' flood lists (remote VTEPs) from the
// other hosts' membership: no VTEP is typed by hand.
//
// Threads: a watch thread reads one etcd Watch stream with three watches
// (the tenants, this host's objects, every host's membership) and applies
// what it brings through Controller::ApplyExternal; a lease thread keeps the
// lease alive and writes this host's membership keys whenever what this
// host uses changes (the controller pokes it after every commit). Lock
// order: the controller's mutation mutex, then Fleet::mu_.

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "core/controller.h"
#include "fleet/etcd_client.h"
#include "fleet/etcd_store.h"

namespace switchyard::controlplane {

class Fleet {
 public:
  struct Options {
    std::chrono::seconds lease_ttl{10};   // a dead host leaves the flood lists after this
    std::chrono::milliseconds retry{1000};  // etcd unreachable: try again after this
  };

  // `client`, `store` and `controller` must outlive the fleet.
  Fleet(EtcdClient& client, EtcdStore& store, Controller& controller, Options options);
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // After Controller::Init, before Controller::Start: reads the membership
  // at the store's revision, computes the flood lists, and takes over this
  // host's lease when it is still alive (a restart then rewrites nothing).
  Status Init();
  void Start();  // again after Stop: resumes from where the watch was
  void Stop();   // idempotent; leaves the lease to expire (the dataplane still forwards)

  // The local VTEP address (the port with a vtep_ip, without its length);
  // empty when this host has none.
  static std::string LocalVtep(const DesiredState& desired);

 private:
  struct Member {
    std::string ip;
    int64_t created = 0;  // the key's create revision: the computed VTEP's generation
  };

  void WatchLoop();
  // One stream: false when a watch's revision was compacted (then Reload).
  bool WatchOnce();
  Status Reload();
  void OnResponse(const etcdpb::WatchResponse& resp);
  bool ApplyMember(const mvccpb::Event& event);  // mu_ held
  // Every member as read at `revision`; the watches resume after it. mu_ held.
  void SetMembers(const etcdpb::RangeResponse& members, int64_t revision);
  // The flood lists from the membership: changes to this host's computed
  // VTEPs. Mutation mutex held; takes mu_.
  std::vector<pb::Change> ComputeVteps(const DesiredState& desired);
  void Recompute(uint64_t generation);

  void LeaseLoop();
  Status EnsureLease();
  Status Publish();

  EtcdClient& client_;
  EtcdStore& store_;
  Controller& controller_;
  const Options options_;
  const FleetKeys& keys_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool poked_ = true;
  std::map<std::string, std::map<std::string, Member>> members_;  // tenant -> host -> member
  std::set<std::string> computed_;                                 // VTEP names this fleet made
  std::map<std::string, std::string> published_;                  // tenant -> ip, under lease_id_
  int64_t lease_id_ = 0;
  uint32_t peers_ = 0;
  int64_t revision_ = 0;               // the newest revision the watch delivered
  std::array<int64_t, 3> next_{};      // per watch: the revision to resume from
  std::shared_ptr<grpc::ClientContext> watch_ctx_;
  std::thread watch_thread_;
  std::thread lease_thread_;
};

}  // namespace switchyard::controlplane
