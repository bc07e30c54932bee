#pragma once
// The configuration as both daemons hold it: the generation and every
// object by name. One ApplyChange serves controld (its desired state) and
// the dataplane (a delta on top of what it runs).
//
// The object kinds are listed once, in SWITCHYARD_OBJECT_KINDS:
//   X(Type, field, plural)
// `Type` is the proto message, `field` names its Change cases
// (upsert_<field>, delete_<field>), `plural` the repeated fields of
// SyncRequest and DataplaneState, the map below and controld's store
// table. Adding a kind (VTEP, limit, rule) is one line here and its proto
// messages; ApplyChange, the Sync and state messages, the comparison and
// the SQLite tables follow.

#include <cstdint>
#include <map>
#include <string>

#include "switchyard/v1/dataplane.pb.h"
#include "switchyard/v1/types.pb.h"

#define SWITCHYARD_OBJECT_KINDS(X) \
  X(Tenant, tenant, tenants)       \
  X(Port, port, ports)             \
  X(Vtep, vtep, vteps)             \
  X(Limit, limit, limits)          \
  X(Rule, rule, rules)

namespace switchyard {

struct ConfigState {
  uint64_t generation = 0;
#define SWITCHYARD_KIND_MAP(Type, field, plural) std::map<std::string, v1::Type> plural;
  SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_MAP)
#undef SWITCHYARD_KIND_MAP
};

// Applies one upsert or delete. Pure; any thread.
void ApplyChange(ConfigState& state, const v1::Change& change);

// Every object into `out`'s repeated fields (a SyncRequest or a
// DataplaneState), in name order.
template <typename Message>
void AddObjects(const ConfigState& state, Message* out) {
#define SWITCHYARD_KIND_ADD(Type, field, plural) \
  for (const auto& [name, obj] : state.plural) *out->add_##plural() = obj;
  SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_ADD)
#undef SWITCHYARD_KIND_ADD
}

// The objects of a SyncRequest or a DataplaneState, by name.
template <typename Message>
ConfigState ObjectsOf(const Message& in) {
  ConfigState state;
#define SWITCHYARD_KIND_READ(Type, field, plural) \
  for (const auto& obj : in.plural()) state.plural[obj.name()] = obj;
  SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_READ)
#undef SWITCHYARD_KIND_READ
  return state;
}

// True when both hold exactly the same objects, generation stamps included.
bool SameObjects(const ConfigState& a, const ConfigState& b);

// Stamps the object an upsert carries with `generation`.
void StampChange(v1::Change& change, uint64_t generation);

}  // namespace switchyard
