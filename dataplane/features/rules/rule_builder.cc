#include "features/rules/rule_builder.h"

#include <atomic>
#include <functional>

#include <fmt/format.h>

#include "core/snapshot.h"
#include "core/snapshot_builder.h"

namespace switchyard {

namespace {

using Ports = std::map<std::string, PlacedPort>;

RuleEntry EntryOf(const v1::Rule& r, uint32_t slot, const Ports& ports, const Snapshot& s,
                  const std::function<void(const std::string&)>& note) {
  RuleEntry e;
  e.slot = slot;
  e.global = r.global();
  e.priority = r.priority();
  e.name = r.name();
  const v1::RuleActions& a = r.actions();
  switch (a.verdict()) {
    case v1::RULE_VERDICT_DROP: e.verdict = RuleVerdict::kDrop; break;
    case v1::RULE_VERDICT_REDIRECT: {
      e.verdict = RuleVerdict::kRedirect;
      const int32_t id = RunningPortId(ports, s, a.redirect());
      e.redirect_present = id >= 0;
      e.redirect = static_cast<uint16_t>(std::max(id, 0));
      if (id < 0) note(fmt::format("rule {}: redirect port '{}' not running", r.name(), a.redirect()));
      break;
    }
    default: break;
  }
  if (!a.mirror().empty()) {
    const int32_t id = RunningPortId(ports, s, a.mirror());
    if (id >= 0) e.mirror = static_cast<uint16_t>(id);
    else note(fmt::format("rule {}: mirror port '{}' not running", r.name(), a.mirror()));
  }
  if (!a.meter().empty()) {
    auto m = s.limits.meters.find(a.meter());
    if (m != s.limits.meters.end()) e.meter = m->second;
    else note(fmt::format("rule {}: meter '{}' unknown", r.name(), a.meter()));
  }
  if (a.has_set_vlan()) e.set_vlan = static_cast<uint16_t>(a.set_vlan());
  if (a.strip_vlan()) e.set_vlan = 0;
  e.plain_allow = e.verdict == RuleVerdict::kAllow && e.mirror == kNoMirror && e.meter == kNoLimit &&
                  e.set_vlan == kKeepVlan;
  return e;
}

// One scope's table: the classifier from the cache when its inputs are
// unchanged, else compiled.
std::shared_ptr<const RuleTable> BuildScope(const std::string& key,
                                            const std::vector<const v1::Rule*>& rules,
                                            const RuleInputs& in, const Ports& ports,
                                            const Snapshot& s,
                                            const std::function<void(const std::string&)>& note,
                                            std::map<std::string, RuleCache::Entry>* next) {
  auto table = std::make_shared<RuleTable>();
  std::vector<AclRule> acl;
  std::string fingerprint;
  for (const v1::Rule* r : rules) {
    auto slot = in.slots->find(r->name());
    if (slot == in.slots->end()) {
      note("rule " + r->name() + ": no counter slot");
      continue;
    }
    AclRule ar;
    if (auto e = rules::ParseMatch(r->match(), &ar.match)) {
      note("rule " + r->name() + ": " + *e);
      continue;
    }
    if (!r->match().in_port().empty()) {
      ar.in_port = RunningPortId(ports, s, r->match().in_port());
      if (ar.in_port < 0) {  // matches nothing while its port is not there
        note(fmt::format("rule {}: in_port '{}' not running", r->name(), r->match().in_port()));
        continue;
      }
    }
    ar.priority = r->priority();
    ar.result = static_cast<uint32_t>(table->entries.size() + 1);
    table->entries.push_back(EntryOf(*r, slot->second, ports, s, note));
    fingerprint += r->match().SerializeAsString();
    fingerprint += fmt::format("|{}|{}\n", ar.priority, ar.in_port);
    acl.push_back(std::move(ar));
  }
  if (acl.empty()) return nullptr;  // entries and acl grow together
  RuleCache::Entry entry;
  entry.fingerprint = std::move(fingerprint);
  const RuleCache::Entry* cached = nullptr;
  if (in.cache != nullptr)
    if (auto it = in.cache->scopes.find(key); it != in.cache->scopes.end()) cached = &it->second;
  if (cached != nullptr && cached->fingerprint == entry.fingerprint) {
    entry.acl = cached->acl;
  } else {
    std::string error;
    std::shared_ptr<const AclClassifier> built = AclClassifier::Build(acl, &error, in.max_scope_bytes);
    if (!built) {
      // Fail closed: a tenant whose drop rules are missing must not pass
      // what they stop. The next build tries again.
      note(fmt::format("rules of {}: not compiled, its frames drop (rule_unavailable): {}",
                       key.empty() ? "global" : key, error));
      return table;
    }
    if (in.cache != nullptr) ++in.cache->compiles;
    entry.acl = std::move(built);
  }
  table->acl = entry.acl;
  (*next)[key] = std::move(entry);
  return table;
}

}  // namespace

void BuildRules(const RuleInputs& in, const std::map<std::string, v1::Tenant>& tenants,
                const Ports& ports, Snapshot* s, std::vector<std::string>* problems) {
  auto note = [&](const std::string& msg) {
    if (problems != nullptr) problems->push_back(msg);
  };
  RulesSnapshot& rs = s->rules;
  const size_t ids = s->tenants.size();
  rs.tenant.assign(ids, nullptr);
  rs.deny.assign(ids, 0);
  rs.uses.assign(ids, 0);
  std::vector<const v1::Rule*> global;
  std::map<std::string, std::vector<const v1::Rule*>> by_tenant;
  for (const auto& [name, r] : *in.rules) {
    if (r.global()) global.push_back(&r);
    else by_tenant[r.tenant()].push_back(&r);
  }
  std::map<std::string, RuleCache::Entry> next;
  if (!global.empty()) rs.global = BuildScope("", global, in, ports, *s, note, &next);
  for (const auto& [name, t] : tenants) {
    if (t.id() == 0 || t.id() >= ids) continue;
    const auto id = static_cast<uint16_t>(t.id());
    rs.deny[id] = t.default_policy() == v1::RULE_POLICY_DENY;
    auto it = by_tenant.find(name);
    if (it != by_tenant.end()) rs.tenant[id] = BuildScope(name, it->second, in, ports, *s, note, &next);
    rs.uses[id] = rs.deny[id] || rs.tenant[id] != nullptr;
    rs.any = rs.any || rs.uses[id];
  }
  for (const auto& [tenant, list] : by_tenant)
    if (!tenants.count(tenant)) note("rules of tenant '" + tenant + "': tenant unknown");
  rs.any = rs.any || rs.global != nullptr;
  // Only the scopes this build used stay cached: a classifier of a scope
  // that changed is freed with the last snapshot holding it.
  if (in.cache != nullptr) in.cache->scopes = std::move(next);
  static std::atomic<uint64_t> generations{0};
  rs.generation = ++generations;
}

}  // namespace switchyard
