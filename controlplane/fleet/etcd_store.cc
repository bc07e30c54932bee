#include "fleet/etcd_store.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "switchyard/config_state.h"

namespace switchyard::controlplane {

namespace {

bool StartsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

etcdpb::Compare* AddCompare(etcdpb::TxnRequest& txn, const std::string& key, etcdpb::Compare::CompareTarget target,
                            etcdpb::Compare::CompareResult result, int64_t value) {
  etcdpb::Compare* c = txn.add_compare();
  c->set_key(key);
  c->set_target(target);
  c->set_result(result);
  if (target == etcdpb::Compare::CREATE) c->set_create_revision(value);
  else c->set_mod_revision(value);
  return c;
}

void AddPut(etcdpb::TxnRequest& txn, const std::string& key, const std::string& value) {
  auto* put = txn.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(value);
}

void AddDelete(etcdpb::TxnRequest& txn, const std::string& key) {
  txn.add_success()->mutable_request_delete_range()->set_key(key);
}

// The object an upsert carries, serialized without its generation.
std::string Blob(const pb::Change& change) {
#define SWITCHYARD_KIND_BLOB(Type, field, plural) \
  if (change.has_upsert_##field()) {              \
    v1::Type copy = change.upsert_##field();      \
    copy.clear_generation();                      \
    return copy.SerializeAsString();              \
  }
  SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_BLOB)
#undef SWITCHYARD_KIND_BLOB
  return {};
}

bool IsTenant(const pb::Change& c) { return c.has_upsert_tenant() || c.has_delete_tenant(); }

bool IsUpsert(const pb::Change& c) {
#define SWITCHYARD_KIND_UPSERT(Type, field, plural) \
  if (c.has_upsert_##field()) return true;
  SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_UPSERT)
#undef SWITCHYARD_KIND_UPSERT
  return false;
}

}  // namespace

Status CheckHostName(const std::string& host) {
  if (host.empty() || host.size() > 63 ||
      host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
          std::string::npos ||
      host == "." || host == "..") {
    return InvalidArgument("host '{}': must be 1..63 characters of [A-Za-z0-9_.-]", host);
  }
  return {};
}

FleetKeys::FleetKeys(std::string host, std::string root) : host_(std::move(host)), root_(std::move(root)) {}

std::string FleetKeys::KeyOf(const pb::Change& change) const {
  if (change.has_upsert_tenant()) return Tenants() + change.upsert_tenant().name();
  if (change.has_delete_tenant()) return Tenants() + change.delete_tenant();
#define SWITCHYARD_KIND_KEY(Type, field, plural)                                            \
  if (change.has_upsert_##field()) return Host() + #plural "/" + change.upsert_##field().name(); \
  if (change.has_delete_##field()) return Host() + #plural "/" + change.delete_##field();
  SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_KEY)
#undef SWITCHYARD_KIND_KEY
  return {};
}

bool FleetKeys::ChangeOf(const std::string& key, const std::string& value, bool deleted, pb::Change& out) const {
  out.Clear();
  if (StartsWith(key, Tenants())) {
    std::string name = key.substr(Tenants().size());
    if (name.empty() || name.find('/') != std::string::npos) return false;
    if (deleted) {
      out.set_delete_tenant(name);
      return true;
    }
    return out.mutable_upsert_tenant()->ParseFromString(value) && out.upsert_tenant().name() == name;
  }
  if (!StartsWith(key, Host())) return false;
  std::string rest = key.substr(Host().size());
  size_t slash = rest.find('/');
  if (slash == std::string::npos || slash + 1 == rest.size()) return false;
  std::string kind = rest.substr(0, slash), name = rest.substr(slash + 1);
#define SWITCHYARD_KIND_PARSE(Type, field, plural)                                                   \
  if (kind == #plural && kind != "tenants") {                                                       \
    if (deleted) {                                                                                   \
      out.set_delete_##field(name);                                                                  \
      return true;                                                                                   \
    }                                                                                                \
    return out.mutable_upsert_##field()->ParseFromString(value) && out.upsert_##field().name() == name; \
  }
  SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_PARSE)
#undef SWITCHYARD_KIND_PARSE
  return false;
}

bool FleetKeys::ParseMember(const std::string& key, std::string& tenant, std::string& host) const {
  if (!StartsWith(key, Members())) return false;
  std::string rest = key.substr(Members().size());
  size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string::npos || slash + 1 == rest.size()) return false;
  tenant = rest.substr(0, slash);
  host = rest.substr(slash + 1);
  return host.find('/') == std::string::npos;
}

std::set<std::string> EtcdStore::TenantsOf(const pb::Change& change) {
  std::set<std::string> out;
  if (change.has_upsert_port()) {
    out = TenantsOfPort(change.upsert_port());
  } else if (change.has_upsert_vtep()) {
    out.insert(change.upsert_vtep().tenant());
  } else if (change.has_upsert_limit() && !change.upsert_limit().tenant().empty()) {
    out.insert(change.upsert_limit().tenant());
  } else if (change.has_upsert_rule() && !change.upsert_rule().tenant().empty()) {
    out.insert(change.upsert_rule().tenant());
  }
  return out;
}

int64_t EtcdStore::ModRevision(const std::string& key) const {
  auto it = known_.find(key);
  return it != known_.end() && it->second.present ? it->second.revision : 0;
}

void EtcdStore::UseTenants(const std::string& key, std::set<std::string> tenants) {
  auto& used = uses_[key];
  for (const auto& t : used)
    if (--users_[t] == 0) users_.erase(t);
  for (const auto& t : tenants) ++users_[t];
  used = std::move(tenants);
  if (used.empty()) uses_.erase(key);
}

void EtcdStore::Record(const std::string& key, const pb::Change& change, int64_t revision) {
  known_[key] = {revision, IsUpsert(change)};
  if (IsTenant(change)) tenants_seen_ = std::max(tenants_seen_, revision);
  else UseTenants(key, TenantsOf(change));
}

Status EtcdStore::Load(DesiredState& out) {
  etcdpb::RangeResponse tenants, host;
  if (auto st = client_.RangePrefix(keys_.Tenants(), 0, tenants); !st.ok()) return st;
  const int64_t revision = tenants.header().revision();
  if (auto st = client_.RangePrefix(keys_.Host(), revision, host); !st.ok()) return st;
  DesiredState state;
  known_.clear();
  uses_.clear();
  users_.clear();
  for (const auto* range : {&tenants, &host}) {
    for (const auto& kv : range->kvs()) {
      pb::Change c;
      if (!keys_.ChangeOf(kv.key(), kv.value(), false, c)) {
        if (kv.key() != keys_.Lease()) spdlog::error("store: key {} holds no object; left alone", kv.key());
        continue;
      }
      StampChange(c, kv.mod_revision());
      ApplyChange(state, c);
      Record(kv.key(), c, kv.mod_revision());
    }
  }
  state.generation = static_cast<uint64_t>(revision);
  tenants_seen_ = revision;
  loaded_revision_ = revision;
  out = std::move(state);
  return {};
}

Status EtcdStore::Commit(std::vector<pb::Change>& changes, uint64_t& generation) {
  etcdpb::TxnRequest txn;
  bool tenants_changed = false;
  std::set<std::string> named, in_txn;
  std::vector<std::string> deleted_tenants;
  std::map<std::string, uint32_t> users = users_;
  for (const auto& c : changes) {
    const std::string key = keys_.KeyOf(c);
    if (key.empty()) return InvalidArgument("store: empty change");
    AddCompare(txn, key, etcdpb::Compare::MOD, etcdpb::Compare::EQUAL, ModRevision(key));
    if (IsUpsert(c)) AddPut(txn, key, Blob(c));
    else AddDelete(txn, key);
    if (IsTenant(c)) {
      tenants_changed = true;
      in_txn.insert(c.has_upsert_tenant() ? c.upsert_tenant().name() : c.delete_tenant());
      if (c.has_delete_tenant()) deleted_tenants.push_back(c.delete_tenant());
      continue;
    }
    auto old = uses_.find(key);
    if (old != uses_.end())
      for (const auto& t : old->second) --users[t];
    for (const auto& t : TenantsOf(c)) {
      ++users[t];
      named.insert(t);
    }
  }
  // The tenants this host's objects name are still there.
  for (const auto& t : named) {
    if (in_txn.count(t)) continue;
    if (ModRevision(keys_.Tenants() + t) == 0)
      return FailedPrecondition("tenant '{}' was deleted in the fleet; nothing was changed", t);
    AddCompare(txn, keys_.Tenants() + t, etcdpb::Compare::MOD, etcdpb::Compare::EQUAL,
                 ModRevision(keys_.Tenants() + t));
  }
  // No tenant moved since this controld last saw the tenant set.
  if (tenants_changed) {
    AddCompare(txn, keys_.Tenants(), etcdpb::Compare::MOD, etcdpb::Compare::LESS, tenants_seen_ + 1)
        ->set_range_end(PrefixEnd(keys_.Tenants()));
  }
  // A tenant goes only when no other host uses it (this host's own users
  // key goes in this Txn); if one does, the failure branch names them.
  for (const auto& t : deleted_tenants) {
    const std::string prefix = keys_.Users(t), mine = prefix + keys_.host();
    AddCompare(txn, prefix, etcdpb::Compare::CREATE, etcdpb::Compare::LESS, 1)->set_range_end(mine);
    AddCompare(txn, mine + std::string(1, '\0'), etcdpb::Compare::CREATE, etcdpb::Compare::LESS, 1)
        ->set_range_end(PrefixEnd(prefix));
    auto* r = txn.add_failure()->mutable_request_range();
    r->set_key(prefix);
    r->set_range_end(PrefixEnd(prefix));
    r->set_keys_only(true);
  }
  // The users index: this host's key for each tenant it starts or stops using.
  for (const auto& [t, n] : users) {
    const bool was = users_.count(t) != 0;
    if (n > 0 && !was) AddPut(txn, keys_.Users(t) + keys_.host(), "");
    if (n == 0 && was) AddDelete(txn, keys_.Users(t) + keys_.host());
  }

  etcdpb::TxnResponse reply;
  if (auto st = client_.Txn(txn, reply); !st.ok()) {
    if (st.message().find("too many operations") != std::string::npos)
      return InvalidArgument("{} ({} objects in one change: {} compares, {} writes; etcd's --max-txn-ops, 128 by "
                             "default, bounds each): split the change or raise that limit",
                             st.message(), changes.size(), txn.compare_size(), txn.success_size());
    return st;
  }
  if (!reply.succeeded()) {
    for (size_t i = 0; i < deleted_tenants.size() && static_cast<int>(i) < reply.responses_size(); ++i) {
      std::vector<std::string> hosts;
      for (const auto& kv : reply.responses(i).response_range().kvs()) {
        std::string h = kv.key().substr(keys_.Users(deleted_tenants[i]).size());
        if (h != keys_.host()) hosts.push_back(h);
      }
      if (!hosts.empty())
        return FailedPrecondition("tenant '{}' is in use on host {}: delete its ports, VTEPs, limits and rules there first",
                                  deleted_tenants[i], fmt::join(hosts, ", "));
    }
    return {grpc::StatusCode::ABORTED,
            "store: the fleet's state changed while this change was checked (another host wrote first); "
            "nothing was changed, try again"};
  }
  const int64_t revision = reply.header().revision();
  for (auto& c : changes) {
    StampChange(c, static_cast<uint64_t>(revision));
    Record(keys_.KeyOf(c), c, revision);
  }
  generation = static_cast<uint64_t>(revision);
  return {};
}

bool EtcdStore::ObserveEvent(const mvccpb::Event& event, pb::Change& out) {
  const auto& kv = event.kv();
  const bool deleted = event.type() == mvccpb::Event::DELETE;
  if (!keys_.ChangeOf(kv.key(), kv.value(), deleted, out)) {
    if (!deleted && kv.key() != keys_.Lease() &&
        (StartsWith(kv.key(), keys_.Tenants()) || StartsWith(kv.key(), keys_.Host())))
      spdlog::error("store: key {} holds no object; left alone", kv.key());
    return false;
  }
  auto it = known_.find(kv.key());
  if (it != known_.end() && it->second.revision >= kv.mod_revision()) return false;
  if (!deleted) StampChange(out, kv.mod_revision());
  Record(kv.key(), out, kv.mod_revision());
  return true;
}

void EtcdStore::Describe(pb::StoreStatus& out) const {
  out.set_location(Location());
  out.set_reachable(client_.reachable());
  if (!client_.reachable()) out.set_error(client_.last_error());
  out.set_host(keys_.host());
}

}  // namespace switchyard::controlplane
