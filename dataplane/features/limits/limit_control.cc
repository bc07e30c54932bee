// The rate-limit feature's control side: each limit's slot (where its
// bucket state lives, kept while the limit exists and changes), and the
// inputs of the limits part of each snapshot. Methods of Dataplane;
// control threads, under the Dataplane's mutex.

#include <rte_cycles.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "core/dataplane.h"
#include "features/limits/gcra.h"

namespace switchyard {

bool Dataplane::UpdateLimits(const ConfigState& want,
                             const std::function<WorkerCounters&()>& counters_now) {
  bool changed = limits_.size() != want.limits.size();
  for (const auto& [name, l] : want.limits) {
    auto it = limits_.find(name);
    changed = changed || it == limits_.end() ||
              it->second.SerializeAsString() != l.SerializeAsString();
  }
  // A new limit takes a slot no limit of the running snapshot has (its
  // state is reset now, while no worker meters it); the slots of limits
  // that go are free for the next call, after the publish that drops them.
  std::vector<bool> used(kMaxLimits, false);
  for (const auto& [name, slot] : limit_slots_) used[slot] = true;
  for (const auto& [name, l] : want.limits) {
    if (limit_slots_.count(name) != 0) continue;
    auto free = std::find(used.begin(), used.end(), false);
    if (free == used.end()) {
      spdlog::error("limit {}: all {} limit slots are in use: not applied", name, kMaxLimits);
      continue;
    }
    const auto slot = static_cast<uint16_t>(free - used.begin());
    *free = true;
    limit_states_->Reset(slot, ScaledNow(rte_rdtsc()));
    limit_base_[slot] = counters_now().limits[slot];
    limit_slots_[name] = slot;
  }
  for (auto it = limit_slots_.begin(); it != limit_slots_.end();)
    it = want.limits.count(it->first) == 0 ? limit_slots_.erase(it) : std::next(it);
  limits_ = want.limits;
  return changed;
}

LimitInputs Dataplane::LimitInputsLocked() const {
  LimitInputs in;
  in.limits = limits_;
  in.slots = limit_slots_;
  in.tsc_hz = rte_get_tsc_hz();
  in.states = limit_states_.get();
  return in;
}

}  // namespace switchyard
