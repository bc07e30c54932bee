#include "api/dataplane_service.h"

#include <fmt/format.h>

#include "switchyard/rpc_limits.h"

namespace switchyard {

grpc::Status DataplaneService::Sync(grpc::ServerContext*, const v1::SyncRequest* req,
                                    v1::SyncReply* reply) {
  *reply = dp_->Sync(*req);
  return grpc::Status::OK;
}

grpc::Status DataplaneService::Apply(grpc::ServerContext*, const v1::ApplyRequest* req,
                                     v1::ApplyReply* reply) {
  if (auto err = dp_->Apply(*req, reply))
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, *err);
  return grpc::Status::OK;
}

grpc::Status DataplaneService::GetState(grpc::ServerContext*, const v1::GetStateRequest*,
                                        v1::DataplaneState* reply) {
  *reply = dp_->State();
  return grpc::Status::OK;
}

grpc::Status DataplaneService::GetStats(grpc::ServerContext*, const v1::GetStatsRequest* req,
                                        v1::Stats* reply) {
  *reply = dp_->GetStats(*req);
  return grpc::Status::OK;
}

grpc::Status DataplaneService::ListMacs(grpc::ServerContext*, const v1::ListMacsRequest* req,
                                        v1::ListMacsReply* reply) {
  if (auto err = dp_->ListMacs(*req, reply))
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, *err);
  return grpc::Status::OK;
}

grpc::Status DataplaneService::FlushMacs(grpc::ServerContext*, const v1::FlushMacsRequest* req,
                                         v1::FlushMacsReply* reply) {
  reply->set_flushed(dp_->FlushMacs(*req));
  return grpc::Status::OK;
}

grpc::Status DataplaneService::Trace(grpc::ServerContext*, const v1::TraceRequest* req,
                                     v1::TraceReply* reply) {
  auto err = dp_->Trace(*req, reply);
  if (!err) return grpc::Status::OK;
  switch (err->code) {
    case Dataplane::TraceError::kInvalidArgument:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, err->message);
    case Dataplane::TraceError::kNotFound:
      return grpc::Status(grpc::StatusCode::NOT_FOUND, err->message);
    case Dataplane::TraceError::kUnavailable:
      break;
  }
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, err->message);
}

grpc::Status DataplaneService::SetNextHops(grpc::ServerContext*, const v1::SetNextHopsRequest* req,
                                           v1::SetNextHopsReply*) {
  if (auto err = dp_->SetNextHops(*req))
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, *err);
  return grpc::Status::OK;
}

grpc::Status DataplaneService::WatchEvents(grpc::ServerContext* ctx, const v1::WatchEventsRequest*,
                                           grpc::ServerWriter<v1::Event>* writer) {
  // Each stream holds a handler thread for its lifetime: a bounded number.
  if (watchers_.fetch_add(1) >= kMaxEventStreams) {
    watchers_.fetch_sub(1);
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        fmt::format("too many event streams (at most {})", kMaxEventStreams));
  }
  struct Release {
    std::atomic<int>& n;
    ~Release() { n.fetch_sub(1); }
  } release{watchers_};
  EventBus& bus = dp_->events();
  uint64_t cursor = bus.Cursor();
  v1::Event hello;
  *hello.mutable_hello() = dp_->MakeHello();
  if (!writer->Write(hello)) return grpc::Status::OK;
  while (!ctx->IsCancelled() && !shutting_down_.load()) {
    for (const auto& e : bus.Wait(&cursor, std::chrono::milliseconds(200))) {
      if (!writer->Write(e)) return grpc::Status::OK;
    }
  }
  return grpc::Status::OK;
}

}  // namespace switchyard
