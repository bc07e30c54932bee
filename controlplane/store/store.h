#pragma once
// Durable desired state behind one interface (SQLite now, etcd later).
// Implementations are not thread-safe: the controller calls them with its
// mutation mutex held (and Load before serving).

#include <cstdint>
#include <string>
#include <vector>

#include "model/desired_state.h"
#include "model/status.h"

namespace switchyard::controlplane {

class Store {
 public:
  virtual ~Store() = default;

  // Reads everything persisted. An empty store loads as generation 0.
  virtual Status Load(DesiredState& out) = 0;

  // Applies `changes` and sets the global generation, all in one
  // transaction: when it returns OK the change survives a crash; when it
  // fails nothing changed. Upserted objects carry their own generation.
  virtual Status Commit(uint64_t generation, const std::vector<pb::Change>& changes) = 0;

  // Where the data lives, for status output ("/var/lib/switchyard/switchyard.db").
  virtual std::string Location() const = 0;
};

}  // namespace switchyard::controlplane
