#include "switchyard/config_state.h"

#include <google/protobuf/util/message_differencer.h>

namespace switchyard {

void ApplyChange(ConfigState& state, const v1::Change& change) {
#define SWITCHYARD_KIND_APPLY(Type, field, plural)                      \
  case v1::Change::kUpsert##Type:                                       \
    state.plural[change.upsert_##field().name()] = change.upsert_##field(); \
    return;                                                             \
  case v1::Change::kDelete##Type:                                       \
    state.plural.erase(change.delete_##field());                        \
    return;
  switch (change.change_case()) {
    SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_APPLY)
    case v1::Change::CHANGE_NOT_SET:
      return;
  }
#undef SWITCHYARD_KIND_APPLY
}

void StampChange(v1::Change& change, uint64_t generation) {
#define SWITCHYARD_KIND_STAMP(Type, field, plural) \
  if (change.has_upsert_##field()) change.mutable_upsert_##field()->set_generation(generation);
  SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_STAMP)
#undef SWITCHYARD_KIND_STAMP
}

namespace {

template <typename T>
bool SameMap(const std::map<std::string, T>& a, const std::map<std::string, T>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, obj] : a) {
    auto it = b.find(name);
    if (it == b.end()) return false;
    if (!google::protobuf::util::MessageDifferencer::Equals(obj, it->second)) return false;
  }
  return true;
}

}  // namespace

bool SameObjects(const ConfigState& a, const ConfigState& b) {
#define SWITCHYARD_KIND_SAME(Type, field, plural) \
  if (!SameMap(a.plural, b.plural)) return false;
  SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_SAME)
#undef SWITCHYARD_KIND_SAME
  return true;
}

}  // namespace switchyard
