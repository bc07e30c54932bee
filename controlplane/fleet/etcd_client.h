#pragma once
// A thin client of etcd's v3 gRPC API (the KV, Watch and Lease services
// compiled from etcd's own .proto files): one channel to the cluster, calls
// with a deadline, and whether the last call reached etcd.
//
// Threads: any; gRPC stubs are thread-safe, the health fields are guarded.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"
#include "model/status.h"

namespace switchyard::controlplane {

namespace etcdpb = ::etcdserverpb;

// The end of the range of keys starting with `prefix` (etcd's range_end).
std::string PrefixEnd(const std::string& prefix);

// "etcd://HOST:PORT[,HOST:PORT...]" -> the endpoints, or an error naming
// what is wrong. Several endpoints must be IPv4 literals (gRPC's ipv4:
// resolver); one may be a host name.
Status ParseEtcdUrl(const std::string& url, std::vector<std::string>& endpoints);

class EtcdClient {
 public:
  EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout);

  // Every key under `prefix` at `revision` (0: the newest), keys and values.
  Status RangePrefix(const std::string& prefix, int64_t revision, etcdpb::RangeResponse& out);
  Status Txn(const etcdpb::TxnRequest& req, etcdpb::TxnResponse& out);
  Status Grant(int64_t ttl_seconds, int64_t& id);
  // The lease's remaining TTL; -1 when it expired or never existed.
  Status TimeToLive(int64_t id, int64_t& ttl);
  // One keepalive round trip; `ttl` is 0 when the lease is gone.
  Status KeepAlive(int64_t id, int64_t& ttl);

  // For the watch stream, which its owner drives.
  etcdpb::Watch::Stub& watch() { return *watch_; }
  // A context with this client's deadline.
  void SetDeadline(grpc::ClientContext& ctx) const;

  const std::string& location() const { return location_; }  // "etcd://..."
  // Reports whether etcd answered; any thread (the watch reports here too).
  void Report(const grpc::Status& st);
  bool reachable() const;
  std::string last_error() const;

 private:
  Status Check(const grpc::Status& st, const char* what);

  const std::string location_;
  const std::chrono::milliseconds timeout_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdpb::KV::Stub> kv_;
  std::unique_ptr<etcdpb::Watch::Stub> watch_;
  std::unique_ptr<etcdpb::Lease::Stub> lease_;

  mutable std::mutex mu_;
  bool reachable_ = false;
  std::string last_error_ = "not contacted yet";
};

}  // namespace switchyard::controlplane
