#include "fleet/etcd_client.h"

#include <arpa/inet.h>

#include <fmt/ranges.h>

namespace switchyard::controlplane {

std::string PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

Status ParseEtcdUrl(const std::string& url, std::vector<std::string>& endpoints) {
  constexpr std::string_view kScheme = "etcd://";
  if (url.rfind(kScheme, 0) != 0) return InvalidArgument("store '{}': must be etcd://HOST:PORT[,HOST:PORT...]", url);
  std::vector<std::string> out;
  std::string rest = url.substr(kScheme.size());
  size_t start = 0;
  while (start <= rest.size()) {
    size_t comma = rest.find(',', start);
    std::string ep = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t colon = ep.rfind(':');
    if (ep.empty() || colon == std::string::npos || colon == 0 || colon + 1 == ep.size())
      return InvalidArgument("store '{}': endpoint '{}' must be HOST:PORT", url, ep);
    std::string host = ep.substr(0, colon), port = ep.substr(colon + 1);
    if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 || std::stoul(port) == 0 ||
        std::stoul(port) > 65535)
      return InvalidArgument("store '{}': endpoint '{}': port must be 1..65535", url, ep);
    if (host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
        std::string::npos)
      return InvalidArgument("store '{}': endpoint '{}': host must be a name or an IPv4 address", url, ep);
    out.push_back(ep);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.size() > 1) {
    for (const auto& ep : out) {
      in_addr a{};
      if (inet_pton(AF_INET, ep.substr(0, ep.rfind(':')).c_str(), &a) != 1)
        return InvalidArgument("store '{}': with several endpoints each must be IPV4:PORT ('{}' is not)", url, ep);
    }
  }
  endpoints = std::move(out);
  return {};
}

EtcdClient::EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout)
    : location_(fmt::format("etcd://{}", fmt::join(endpoints, ","))), timeout_(timeout) {
  // Addresses go to gRPC's ipv4: resolver (no DNS re-resolution to wait
  // for when etcd comes back); a name to dns:.
  in_addr a{};
  const std::string first = endpoints[0].substr(0, endpoints[0].rfind(':'));
  std::string target = inet_pton(AF_INET, first.c_str(), &a) == 1 ? fmt::format("ipv4:{}", fmt::join(endpoints, ","))
                                                                   : "dns:///" + endpoints[0];
  grpc::ChannelArguments args;
  // Every endpoint is tried in turn; a dead member is skipped.
  args.SetLoadBalancingPolicyName("round_robin");
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // A half-open connection (a partition) is found by pings, not by waiting
  // for the next event; etcd accepts pings every 5 s or slower.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  channel_ = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  kv_ = etcdpb::KV::NewStub(channel_);
  watch_ = etcdpb::Watch::NewStub(channel_);
  lease_ = etcdpb::Lease::NewStub(channel_);
}

void EtcdClient::SetDeadline(grpc::ClientContext& ctx) const {
  ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
}

void EtcdClient::Report(const grpc::Status& st) {
  std::lock_guard lock(mu_);
  // An answer that is an error of etcd's (a failed compare is not one) still
  // means etcd is there.
  reachable_ = st.ok() || (st.error_code() != grpc::StatusCode::UNAVAILABLE &&
                           st.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED);
  if (!st.ok()) last_error_ = st.error_message();
  else last_error_.clear();
}

bool EtcdClient::reachable() const {
  std::lock_guard lock(mu_);
  return reachable_;
}

std::string EtcdClient::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

Status EtcdClient::Check(const grpc::Status& st, const char* what) {
  Report(st);
  if (st.ok()) return {};
  if (st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return {grpc::StatusCode::UNAVAILABLE,
            fmt::format("store {}: etcd did not answer in time ({}): the change may or may not have been made; "
                        "the watch will show which",
                        location_, what)};
  }
  if (st.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return {grpc::StatusCode::UNAVAILABLE,
            fmt::format("store {}: etcd unreachable, nothing was changed (the dataplane keeps its state): {}: {}",
                        location_, what, st.error_message())};
  }
  return {st.error_code(), fmt::format("store {}: {}: {}", location_, what, st.error_message())};
}

Status EtcdClient::RangePrefix(const std::string& prefix, int64_t revision, etcdpb::RangeResponse& out) {
  etcdpb::RangeRequest req;
  req.set_key(prefix);
  req.set_range_end(PrefixEnd(prefix));
  req.set_revision(revision);
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  return Check(kv_->Range(&ctx, req, &out), "range");
}

Status EtcdClient::Txn(const etcdpb::TxnRequest& req, etcdpb::TxnResponse& out) {
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  return Check(kv_->Txn(&ctx, req, &out), "transaction");
}

Status EtcdClient::Grant(int64_t ttl_seconds, int64_t& id) {
  etcdpb::LeaseGrantRequest req;
  req.set_ttl(ttl_seconds);
  etcdpb::LeaseGrantResponse reply;
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  if (auto st = Check(lease_->LeaseGrant(&ctx, req, &reply), "lease grant"); !st.ok()) return st;
  if (!reply.error().empty()) return Unavailable("store {}: lease grant: {}", location_, reply.error());
  id = reply.id();
  return {};
}

Status EtcdClient::TimeToLive(int64_t id, int64_t& ttl) {
  etcdpb::LeaseTimeToLiveRequest req;
  req.set_id(id);
  etcdpb::LeaseTimeToLiveResponse reply;
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  if (auto st = Check(lease_->LeaseTimeToLive(&ctx, req, &reply), "lease time-to-live"); !st.ok()) return st;
  ttl = reply.ttl();
  return {};
}

Status EtcdClient::KeepAlive(int64_t id, int64_t& ttl) {
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  auto stream = lease_->LeaseKeepAlive(&ctx);
  etcdpb::LeaseKeepAliveRequest req;
  req.set_id(id);
  etcdpb::LeaseKeepAliveResponse reply;
  if (!stream->Write(req) || !stream->Read(&reply)) {
    stream->WritesDone();
    return Check(stream->Finish(), "lease keepalive");
  }
  stream->WritesDone();
  ctx.TryCancel();
  stream->Finish();
  Report(grpc::Status::OK);
  ttl = reply.ttl();
  return {};
}

}  // namespace switchyard::controlplane
