#pragma once
// The desired state in a fleet's etcd (docs/fleet.md): tenants fleet-wide,
// every other object under its host, one key per object holding the
// serialized protobuf (its generation left out: an object's generation is
// its key's mod revision, the store's generation etcd's revision).
//
// Every Commit is one etcd Txn. Its compares make it atomic against the
// other hosts' writers: each key it writes is still at the revision this
// controld last saw; a change of tenants also requires that no tenant key
// moved since (so the checks against the tenant set, names, ids, VLANs and
// VNIs unique, held); an object that names a tenant requires that tenant to
// be still there; deleting a tenant requires that no other host still uses
// it. The users index (users/TENANT/HOST) is kept in the same Txn.
//
// Threads: like every Store, called with the controller's mutation mutex
// held; so is ObserveEvent (the fleet's watch applies its events under it).

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "fleet/etcd_client.h"
#include "store/store.h"

namespace switchyard::controlplane {

// The key layout under the root, "/switchyard/".
class FleetKeys {
 public:
  explicit FleetKeys(std::string host, std::string root = "/switchyard/");

  const std::string& host() const { return host_; }
  std::string Tenants() const { return root_ + "tenants/"; }
  std::string Host() const { return root_ + "hosts/" + host_ + "/"; }
  std::string Members() const { return root_ + "members/"; }
  std::string Member(const std::string& tenant, const std::string& host) const {
    return Members() + tenant + "/" + host;
  }
  std::string Users(const std::string& tenant) const { return root_ + "users/" + tenant + "/"; }
  std::string Lease() const { return Host() + "lease"; }

  // The key of the object an upsert or delete names.
  std::string KeyOf(const pb::Change& change) const;
  // A key under Tenants() or Host() as a change: an upsert of `value` (false
  // when it does not parse) or, with `deleted`, a delete. False for keys of
  // no object (the lease, other hosts, the indexes).
  bool ChangeOf(const std::string& key, const std::string& value, bool deleted, pb::Change& out) const;
  // members/TENANT/HOST -> tenant and host; false for other keys.
  bool ParseMember(const std::string& key, std::string& tenant, std::string& host) const;

 private:
  std::string host_;
  std::string root_;
};

// "name or the reason it is not one" for --host: 1..63 of [A-Za-z0-9_.-].
Status CheckHostName(const std::string& host);

class EtcdStore final : public Store {
 public:
  EtcdStore(EtcdClient& client, FleetKeys keys) : client_(client), keys_(std::move(keys)) {}

  // The tenants and this host's objects, at one revision.
  Status Load(DesiredState& out) override;
  Status Commit(std::vector<pb::Change>& changes, uint64_t& generation) override;
  std::string Location() const override { return client_.location(); }
  void Describe(pb::StoreStatus& out) const override;

  // The revision Load read at.
  int64_t loaded_revision() const { return loaded_revision_; }
  const FleetKeys& keys() const { return keys_; }

  // A watch event on a tenant or this host's key: true, with the change in
  // `out`, when it is news (newer than what this controld wrote or saw of
  // that key), which it then records.
  bool ObserveEvent(const mvccpb::Event& event, pb::Change& out);

 private:
  struct Known {
    int64_t revision = 0;  // the last put or delete seen
    bool present = false;
  };
  // Tenants named by the object a change upserts (port, trunk, VTEP, limit,
  // rule scope).
  static std::set<std::string> TenantsOf(const pb::Change& change);
  void Record(const std::string& key, const pb::Change& change, int64_t revision);
  int64_t ModRevision(const std::string& key) const;  // 0 when absent
  void UseTenants(const std::string& key, std::set<std::string> tenants);

  EtcdClient& client_;
  const FleetKeys keys_;
  int64_t loaded_revision_ = 0;
  int64_t tenants_seen_ = 0;  // the newest revision of any tenant key seen
  std::map<std::string, Known> known_;
  // This host's objects -> the tenants they name; and per tenant how many.
  std::map<std::string, std::set<std::string>> uses_;
  std::map<std::string, uint32_t> users_;
};

}  // namespace switchyard::controlplane
