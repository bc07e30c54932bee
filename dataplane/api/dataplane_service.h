#pragma once
// The switchyard.v1.Dataplane gRPC service: thin adapters from messages to
// Dataplane calls. gRPC handler threads.

#include <atomic>

#include "core/dataplane.h"
#include "switchyard/v1/dataplane.grpc.pb.h"

namespace switchyard {

class DataplaneService final : public v1::Dataplane::Service {
 public:
  explicit DataplaneService(Dataplane* dp) : dp_(dp) {}

  // Ends open WatchEvents streams (shutdown).
  void Shutdown() { shutting_down_.store(true); }

  grpc::Status Sync(grpc::ServerContext*, const v1::SyncRequest* req, v1::SyncReply* reply) override;
  grpc::Status Apply(grpc::ServerContext*, const v1::ApplyRequest* req,
                     v1::ApplyReply* reply) override;
  grpc::Status GetState(grpc::ServerContext*, const v1::GetStateRequest*,
                        v1::DataplaneState* reply) override;
  grpc::Status GetStats(grpc::ServerContext*, const v1::GetStatsRequest* req,
                        v1::Stats* reply) override;
  grpc::Status ListMacs(grpc::ServerContext*, const v1::ListMacsRequest* req,
                        v1::ListMacsReply* reply) override;
  grpc::Status FlushMacs(grpc::ServerContext*, const v1::FlushMacsRequest* req,
                         v1::FlushMacsReply* reply) override;
  grpc::Status Trace(grpc::ServerContext*, const v1::TraceRequest* req,
                     v1::TraceReply* reply) override;
  grpc::Status SetNextHops(grpc::ServerContext*, const v1::SetNextHopsRequest* req,
                           v1::SetNextHopsReply* reply) override;
  grpc::Status WatchEvents(grpc::ServerContext* ctx, const v1::WatchEventsRequest*,
                           grpc::ServerWriter<v1::Event>* writer) override;

 private:
  Dataplane* dp_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<int> watchers_{0};
};

}  // namespace switchyard
