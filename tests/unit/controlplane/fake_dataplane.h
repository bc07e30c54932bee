#pragma once
// An in-process stand-in for switchyard-dataplane: a real grpc::Server on a
// unix socket implementing Dataplane::Service with the documented semantics
// (Sync replaces, Apply checks base_generation, a fresh instance starts empty
// at generation 0 with a new instance id) and a record of the calls it got.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "switchyard/v1/dataplane.grpc.pb.h"

namespace switchyard::controlplane::testing {

namespace pb = ::switchyard::v1;

class FakeDataplane final : public pb::Dataplane::Service {
 public:
  explicit FakeDataplane(std::string socket) : socket_(std::move(socket)) {}
  ~FakeDataplane() override { Stop(); }

  // Comes up as a new instance: empty, generation 0, fresh instance id.
  void Start();
  // Goes away like a killed process: streams end, the socket disappears.
  void Stop();

  // Ports whose creation the fake reports as a PortError.
  void FailPort(const std::string& name, const std::string& message);
  // Pretends some other writer moved the dataplane to `generation`.
  void ForceGeneration(uint64_t generation);
  // The next `n` writes (Sync or Apply) stall for `stall` and then fail
  // (UNAVAILABLE) without changing anything: a dataplane that hangs.
  void FailNextWrites(int n, std::chrono::milliseconds stall);

  struct Calls {
    int sync = 0;
    int apply = 0;
    int apply_refused = 0;  // FAILED_PRECONDITION on base mismatch
    int get_state = 0;
    int watch = 0;
    int set_next_hops = 0;
  };
  Calls calls() const;
  uint64_t generation() const;
  std::string instance_id() const;
  std::set<std::string> port_names() const;
  std::set<std::string> tenant_names() const;
  // The last SetNextHops of this instance, by remote.
  std::map<std::string, pb::NextHop> next_hops() const;

  grpc::Status Sync(grpc::ServerContext*, const pb::SyncRequest*, pb::SyncReply*) override;
  grpc::Status Apply(grpc::ServerContext*, const pb::ApplyRequest*, pb::ApplyReply*) override;
  grpc::Status GetState(grpc::ServerContext*, const pb::GetStateRequest*, pb::DataplaneState*) override;
  grpc::Status GetStats(grpc::ServerContext*, const pb::GetStatsRequest*, pb::Stats*) override;
  grpc::Status ListMacs(grpc::ServerContext*, const pb::ListMacsRequest*, pb::ListMacsReply*) override;
  grpc::Status FlushMacs(grpc::ServerContext*, const pb::FlushMacsRequest*, pb::FlushMacsReply*) override;
  grpc::Status SetNextHops(grpc::ServerContext*, const pb::SetNextHopsRequest*, pb::SetNextHopsReply*) override;
  grpc::Status WatchEvents(grpc::ServerContext*, const pb::WatchEventsRequest*,
                           grpc::ServerWriter<pb::Event>*) override;

 private:
  // mu_ held. Adds or refuses one port.
  void UpsertPortLocked(const pb::Port& port, google::protobuf::RepeatedPtrField<pb::PortError>* errors);

  const std::string socket_;
  std::unique_ptr<grpc::Server> server_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;
  std::string instance_id_;
  uint64_t generation_ = 0;
  std::map<std::string, pb::Tenant> tenants_;
  std::map<std::string, pb::Port> ports_;
  std::map<std::string, pb::NextHop> next_hops_;
  std::map<std::string, std::string> fail_ports_;
  Calls calls_;
  int fail_writes_ = 0;
  std::chrono::milliseconds fail_stall_{0};
  // mu_ held: true when this write is one to fail (after the stall, with
  // mu_ released meanwhile).
  bool FailThisWrite(std::unique_lock<std::mutex>& lock);
  int instances_ = 0;
};

}  // namespace switchyard::controlplane::testing
