#pragma once
// Durable desired state behind one interface: an embedded SQLite database
// (sqlite_store.h) or a fleet's etcd cluster (fleet/etcd_store.h).
// Implementations are not thread-safe: the controller calls them with its
// mutation mutex held (and Load before serving).

#include <cstdint>
#include <string>
#include <vector>

#include "model/desired_state.h"
#include "model/status.h"
#include "switchyard/v1/control.pb.h"

namespace switchyard::controlplane {

class Store {
 public:
  virtual ~Store() = default;

  // Reads everything persisted. An empty store loads as generation 0.
  virtual Status Load(DesiredState& out) = 0;

  // Applies `changes` and sets the global generation, all in one
  // transaction: when it returns OK the change survives a crash; when it
  // fails nothing changed. On entry `generation` is the one proposed and the
  // upserted objects carry it; a store that numbers changes itself (etcd's
  // revision) returns its number in `generation` and stamps the objects
  // with it.
  virtual Status Commit(std::vector<pb::Change>& changes, uint64_t& generation) = 0;

  // Where the data lives, for status output ("/var/lib/switchyard/switchyard.db").
  virtual std::string Location() const = 0;

  // For status output: where, and whether the store answers.
  virtual void Describe(pb::StoreStatus& out) const {
    out.set_location(Location());
    out.set_reachable(true);
  }
};

}  // namespace switchyard::controlplane
