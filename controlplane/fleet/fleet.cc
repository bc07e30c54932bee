#include "fleet/fleet.h"

#include <arpa/inet.h>

#include <spdlog/spdlog.h>

#include "model/desired_state.h"

namespace switchyard::controlplane {

namespace {

constexpr int64_t kTenantsWatch = 1, kHostWatch = 2, kMembersWatch = 3;
constexpr int kMaxTxnOps = 100;  // etcd refuses more than 128 by default

bool ValidIpv4(const std::string& ip) {
  in_addr a{};
  return inet_pton(AF_INET, ip.c_str(), &a) == 1;
}

// Tenants with a VNI that a port of this host uses.
std::set<std::string> UsedVxlanTenants(const DesiredState& desired) {
  std::set<std::string> out;
  for (const auto& [name, p] : desired.ports) {
    for (const auto& t : TenantsOfPort(p)) {
      auto it = desired.tenants.find(t);
      if (it != desired.tenants.end() && it->second.vni() != 0) out.insert(t);
    }
  }
  return out;
}

}  // namespace

std::string Fleet::LocalVtep(const DesiredState& desired) {
  for (const auto& [name, p] : desired.ports)
    if (!p.vtep_ip().empty()) return VtepAddress(p);
  return {};
}

Fleet::Fleet(EtcdClient& client, EtcdStore& store, Controller& controller, Options options)
    : client_(client), store_(store), controller_(controller), options_(options), keys_(store.keys()) {
  controller_.SetFleetHooks({
      .changed =
          [this] {
            std::lock_guard lock(mu_);
            poked_ = true;
            cv_.notify_all();
          },
      .derived =
          [this](const std::string& vtep) {
            std::lock_guard lock(mu_);
            return computed_.count(vtep) != 0;
          },
      .describe =
          [this](pb::StoreStatus& out) {
            std::lock_guard lock(mu_);
            out.set_revision(static_cast<uint64_t>(revision_));
            out.set_lease_id(lease_id_);
            out.set_peers(peers_);
          },
  });
}

Fleet::~Fleet() {
  Stop();
  controller_.SetFleetHooks({});
}

Status Fleet::Init() {
  const int64_t revision = store_.loaded_revision();
  etcdpb::RangeResponse members, lease;
  if (auto st = client_.RangePrefix(keys_.Members(), revision, members); !st.ok()) return st;
  if (auto st = client_.RangePrefix(keys_.Lease(), revision, lease); !st.ok()) return st;
  {
    std::lock_guard lock(mu_);
    SetMembers(members, revision);
  }
  // A lease that is still alive is this host's again: its keys stay as they are.
  for (const auto& kv : lease.kvs()) {
    if (kv.key() != keys_.Lease()) continue;
    int64_t id = 0, ttl = -1;
    try {
      id = std::stoll(kv.value());
    } catch (const std::exception&) {
      break;
    }
    if (client_.TimeToLive(id, ttl).ok() && ttl > 0) {
      std::lock_guard lock(mu_);
      lease_id_ = id;
      for (const auto& [tenant, hosts] : members_) {
        auto it = hosts.find(keys_.host());
        if (it != hosts.end()) published_[tenant] = it->second.ip;
      }
      spdlog::info("fleet: host {} keeps lease {:x} ({} s left)", keys_.host(), id, ttl);
    }
  }
  Recompute(static_cast<uint64_t>(revision));
  return {};
}

void Fleet::Start() {
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  watch_thread_ = std::thread([this] { WatchLoop(); });
  lease_thread_ = std::thread([this] { LeaseLoop(); });
}

void Fleet::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (watch_ctx_) watch_ctx_->TryCancel();
    cv_.notify_all();
  }
  if (watch_thread_.joinable()) watch_thread_.join();
  if (lease_thread_.joinable()) lease_thread_.join();
}

void Fleet::SetMembers(const etcdpb::RangeResponse& members, int64_t revision) {
  members_.clear();
  for (const auto& kv : members.kvs()) {
    mvccpb::Event e;
    e.set_type(mvccpb::Event::PUT);
    *e.mutable_kv() = kv;
    ApplyMember(e);
  }
  revision_ = std::max(revision_, revision);
  next_.fill(revision + 1);
}

bool Fleet::ApplyMember(const mvccpb::Event& event) {
  std::string tenant, host;
  if (!keys_.ParseMember(event.kv().key(), tenant, host)) return false;
  if (event.type() == mvccpb::Event::DELETE) {
    auto it = members_.find(tenant);
    if (it == members_.end() || it->second.erase(host) == 0) return false;
    if (it->second.empty()) members_.erase(it);
    return true;
  }
  if (!ValidIpv4(event.kv().value())) {
    spdlog::error("fleet: {} holds '{}', not an IPv4 address; left out", event.kv().key(), event.kv().value());
    return false;
  }
  members_[tenant][host] = {event.kv().value(), event.kv().create_revision()};
  return true;
}

std::vector<pb::Change> Fleet::ComputeVteps(const DesiredState& desired) {
  std::lock_guard lock(mu_);
  const std::string local = LocalVtep(desired);
  std::map<std::string, pb::Vtep> want;
  std::set<std::string> peers;
  if (!local.empty()) {
    for (const auto& tenant : UsedVxlanTenants(desired)) {
      auto it = members_.find(tenant);
      if (it == members_.end()) continue;
      for (const auto& [host, m] : it->second) {
        if (host == keys_.host() || m.ip == local) continue;
        pb::Vtep v;
        v.set_name(tenant + "@" + m.ip);
        v.set_tenant(tenant);
        v.set_remote(m.ip);
        v.set_generation(static_cast<uint64_t>(m.created));
        want[v.name()] = v;
        peers.insert(host);
      }
    }
  }
  peers_ = static_cast<uint32_t>(peers.size());
  std::vector<pb::Change> changes;
  for (auto it = computed_.begin(); it != computed_.end();) {
    if (want.count(*it)) {
      ++it;
      continue;
    }
    if (desired.vteps.count(*it)) changes.emplace_back().set_delete_vtep(*it);
    it = computed_.erase(it);
  }
  for (const auto& [name, v] : want) {
    auto have = desired.vteps.find(name);
    if (have == desired.vteps.end()) {
      *changes.emplace_back().mutable_upsert_vtep() = v;
      computed_.insert(name);
    }
    // Present already: computed before (the same key, the same stamp), or an
    // operator's own VTEP, which stays the operator's.
  }
  return changes;
}

void Fleet::Recompute(uint64_t generation) {
  controller_.ApplyExternal([this](const DesiredState& d, uint64_t&) { return ComputeVteps(d); }, generation);
}

void Fleet::OnResponse(const etcdpb::WatchResponse& resp) {
  const int64_t id = resp.watch_id();
  if (id < kTenantsWatch || id > kMembersWatch) return;
  const uint64_t revision = static_cast<uint64_t>(resp.header().revision());
  bool members_changed = false;
  if (id == kMembersWatch) {
    std::lock_guard lock(mu_);
    for (const auto& e : resp.events()) members_changed |= ApplyMember(e);
  } else if (resp.events_size() > 0) {
    controller_.ApplyExternal(
        [&](const DesiredState& desired, uint64_t&) {
          std::vector<pb::Change> changes;
          for (const auto& e : resp.events()) {
            pb::Change c;
            if (!store_.ObserveEvent(e, c)) continue;
            if (c.has_upsert_vtep()) {
              std::lock_guard lock(mu_);
              computed_.erase(c.upsert_vtep().name());  // the store's: an operator's own
            }
            if (c.has_delete_tenant() && !PortsUsingTenant(desired, c.delete_tenant()).empty()) {
              spdlog::error("fleet: tenant {} deleted in etcd while ports of host {} use it; kept here",
                            c.delete_tenant(), keys_.host());
              continue;
            }
            changes.push_back(std::move(c));
          }
          return changes;
        },
        revision);
    members_changed = true;  // a tenant's VNI or this host's ports may have changed
  }
  {
    std::lock_guard lock(mu_);
    int64_t& next = next_[id - 1];
    for (const auto& e : resp.events()) next = std::max(next, e.kv().mod_revision() + 1);
    if (resp.events_size() == 0 && !resp.created()) next = std::max(next, resp.header().revision() + 1);
    revision_ = std::max(revision_, resp.header().revision());
    if (members_changed) poked_ = true;
    cv_.notify_all();
  }
  if (members_changed) Recompute(revision);
}

bool Fleet::WatchOnce() {
  auto ctx = std::make_shared<grpc::ClientContext>();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return true;
    watch_ctx_ = ctx;
  }
  // A member that lost its leader (a minority partition) refuses the
  // watch instead of holding it open without events.
  ctx->AddMetadata("hasleader", "true");
  auto stream = client_.watch().Watch(ctx.get());
  const std::array<std::string, 3> prefixes = {keys_.Tenants(), keys_.Host(), keys_.Members()};
  bool ok = true;
  for (int64_t i = 0; i < 3 && ok; ++i) {
    etcdpb::WatchRequest req;
    auto* create = req.mutable_create_request();
    create->set_key(prefixes[i]);
    create->set_range_end(PrefixEnd(prefixes[i]));
    {
      std::lock_guard lock(mu_);
      create->set_start_revision(next_[i]);
    }
    create->set_watch_id(i + 1);
    create->set_progress_notify(true);
    ok = stream->Write(req);
  }
  bool compacted = false;
  etcdpb::WatchResponse resp;
  while (ok && stream->Read(&resp)) {
    client_.Report(grpc::Status::OK);
    if (resp.compact_revision() != 0) {
      spdlog::warn("fleet: etcd compacted past revision {}: reading the whole state again", resp.compact_revision());
      compacted = true;
      break;
    }
    if (resp.canceled()) {
      spdlog::warn("fleet: watch {} canceled: {}", resp.watch_id(), resp.cancel_reason());
      break;
    }
    OnResponse(resp);
  }
  ctx->TryCancel();
  grpc::Status st = stream->Finish();
  {
    std::lock_guard lock(mu_);
    watch_ctx_.reset();
    if (stopping_) return true;
  }
  if (!compacted) {
    if (st.ok() || st.error_code() == grpc::StatusCode::CANCELLED)
      st = grpc::Status(grpc::StatusCode::UNAVAILABLE, "watch stream ended");
    client_.Report(st);
    spdlog::warn("fleet: watch on {} broke: {}; resuming from its last revision", client_.location(),
                 st.error_message());
  }
  return !compacted;
}

Status Fleet::Reload() {
  DesiredState loaded;
  Status st;
  controller_.ApplyExternal(
      [&](const DesiredState& desired, uint64_t& generation) {
        std::vector<pb::Change> changes;
        st = store_.Load(loaded);
        if (!st.ok()) return changes;
        generation = loaded.generation;
        // Everything the store holds now, and deletes for what it no longer
        // does (computed VTEPs are not the store's).
        std::set<std::string> computed;
        {
          std::lock_guard lock(mu_);
          computed = computed_;
        }
#define SWITCHYARD_KIND_DIFF(Type, field, plural)                                           \
  for (const auto& [name, obj] : loaded.plural) {                                           \
    auto it = desired.plural.find(name);                                                    \
    if (it == desired.plural.end() || it->second.SerializeAsString() != obj.SerializeAsString()) \
      *changes.emplace_back().mutable_upsert_##field() = obj;                               \
  }                                                                                         \
  for (const auto& [name, obj] : desired.plural)                                            \
    if (!loaded.plural.count(name) && !(#plural == std::string("vteps") && computed.count(name))) \
      changes.emplace_back().set_delete_##field(name);
        SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_DIFF)
#undef SWITCHYARD_KIND_DIFF
        return changes;
      },
      0);
  if (!st.ok()) return st;
  etcdpb::RangeResponse members;
  if (auto rst = client_.RangePrefix(keys_.Members(), store_.loaded_revision(), members); !rst.ok()) return rst;
  {
    std::lock_guard lock(mu_);
    SetMembers(members, store_.loaded_revision());
    poked_ = true;  // what this host uses may have changed: publish again
    cv_.notify_all();
  }
  Recompute(static_cast<uint64_t>(store_.loaded_revision()));
  return {};
}

void Fleet::WatchLoop() {
  bool reload = false;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
    }
    if (reload) {
      if (auto st = Reload(); !st.ok()) {
        spdlog::warn("fleet: re-reading the state failed: {}", st.message());
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, options_.retry, [this] { return stopping_; });
        continue;
      }
      reload = false;
    }
    reload = !WatchOnce();
    if (!reload) {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.retry, [this] { return stopping_; });
    }
  }
}

Status Fleet::EnsureLease() {
  {
    std::lock_guard lock(mu_);
    if (lease_id_ != 0) return {};
  }
  int64_t id = 0;
  if (auto st = client_.Grant(options_.lease_ttl.count(), id); !st.ok()) return st;
  etcdpb::TxnRequest txn;
  auto* put = txn.add_success()->mutable_request_put();
  put->set_key(keys_.Lease());
  put->set_value(std::to_string(id));
  put->set_lease(id);
  etcdpb::TxnResponse reply;
  if (auto st = client_.Txn(txn, reply); !st.ok()) return st;
  std::lock_guard lock(mu_);
  lease_id_ = id;
  published_.clear();  // every membership key again, under the new lease
  poked_ = true;
  spdlog::info("fleet: host {} holds lease {:x} (ttl {} s)", keys_.host(), id, options_.lease_ttl.count());
  return {};
}

Status Fleet::Publish() {
  std::map<std::string, std::string> want;
  controller_.Inspect([&](const DesiredState& desired) {
    const std::string local = LocalVtep(desired);
    if (local.empty()) return;
    for (const auto& t : UsedVxlanTenants(desired)) want[t] = local;
  });
  std::map<std::string, std::string> published;
  int64_t lease = 0;
  {
    std::lock_guard lock(mu_);
    published = published_;
    lease = lease_id_;
  }
  std::vector<etcdpb::RequestOp> ops;
  for (const auto& [t, ip] : want) {
    auto it = published.find(t);
    if (it != published.end() && it->second == ip) continue;
    etcdpb::RequestOp op;
    op.mutable_request_put()->set_key(keys_.Member(t, keys_.host()));
    op.mutable_request_put()->set_value(ip);
    op.mutable_request_put()->set_lease(lease);
    ops.push_back(std::move(op));
  }
  for (const auto& [t, ip] : published) {
    if (want.count(t)) continue;
    etcdpb::RequestOp op;
    op.mutable_request_delete_range()->set_key(keys_.Member(t, keys_.host()));
    ops.push_back(std::move(op));
  }
  for (size_t i = 0; i < ops.size(); i += kMaxTxnOps) {
    etcdpb::TxnRequest txn;
    for (size_t j = i; j < std::min(ops.size(), i + kMaxTxnOps); ++j) *txn.add_success() = ops[j];
    etcdpb::TxnResponse reply;
    if (auto st = client_.Txn(txn, reply); !st.ok()) {
      if (st.code() == grpc::StatusCode::NOT_FOUND) {
        // The lease is gone (it expired while etcd could not be reached):
        // a new one, and every key again.
        std::lock_guard lock(mu_);
        lease_id_ = 0;
      }
      return st;
    }
  }
  std::lock_guard lock(mu_);
  if (lease_id_ == lease) published_ = want;
  return {};
}

void Fleet::LeaseLoop() {
  const auto keepalive = std::chrono::duration_cast<std::chrono::milliseconds>(options_.lease_ttl) / 3;
  auto next_keepalive = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
    }
    Status st = EnsureLease();
    if (st.ok() && std::chrono::steady_clock::now() >= next_keepalive) {
      int64_t id = 0, ttl = 0;
      {
        std::lock_guard lock(mu_);
        id = lease_id_;
      }
      st = client_.KeepAlive(id, ttl);
      if (st.ok() && ttl <= 0) {
        spdlog::warn("fleet: lease {:x} expired; taking a new one", id);
        std::lock_guard lock(mu_);
        lease_id_ = 0;
        continue;
      }
      if (st.ok()) next_keepalive = std::chrono::steady_clock::now() + keepalive;
    }
    if (st.ok()) {
      bool poked = false;
      {
        std::lock_guard lock(mu_);
        poked = poked_;
        poked_ = false;
      }
      if (poked) {
        Recompute(0);
        st = Publish();
        if (!st.ok()) {
          std::lock_guard lock(mu_);
          poked_ = true;  // still to publish, after `retry`
        }
      }
    }
    if (!st.ok()) spdlog::debug("fleet: {}", st.message());
    std::unique_lock lock(mu_);
    if (st.ok()) cv_.wait_for(lock, keepalive, [this] { return stopping_ || poked_; });
    else cv_.wait_for(lock, options_.retry, [this] { return stopping_; });
  }
}

}  // namespace switchyard::controlplane
