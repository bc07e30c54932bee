#include "features/rules/rule_stage.h"

#include <cstring>

#include <fmt/format.h>

#include "core/trace.h"
#include "features/limits/limit_stage.h"
#include "features/rules/rule_flow_cache.h"
#include "features/rules/rule_key.h"

namespace switchyard {

namespace {

using Outcome = RuleOutcome;
using Decision = RuleDecision;

// Classifies packets `pkts` (indexes into keys) of one scope; the matched
// ones get their rule, the others are left as they are. A scope that could
// not be compiled decides all of them: rule_unavailable.
void ClassifyScope(const RuleTable& table, const RuleKey* keys, const KeyFamily* family,
                   const uint16_t* pkts, uint16_t n, Decision* out) {
  if (unlikely(table.acl == nullptr)) {
    for (uint16_t i = 0; i < n; ++i) out[pkts[i]] = Decision{Outcome::kUnavailable, nullptr};
    return;
  }
  const uint8_t* data[2][kBurstSize];
  uint16_t index[2][kBurstSize];
  uint16_t count[2] = {0, 0};
  for (uint16_t i = 0; i < n; ++i) {
    const uint16_t p = pkts[i];
    const auto f = static_cast<uint8_t>(family[p]);
    data[f][count[f]] = reinterpret_cast<const uint8_t*>(&keys[p]);
    index[f][count[f]++] = p;
  }
  for (uint8_t f = 0; f < 2; ++f) {
    if (count[f] == 0) continue;
    uint32_t results[kBurstSize];
    table.acl->Classify(static_cast<KeyFamily>(f), data[f], results, count[f]);
    for (uint16_t i = 0; i < count[f]; ++i)
      if (results[i] != 0) out[index[f][i]] = Decision{Outcome::kRule, &table.entries[results[i] - 1]};
  }
}

// Allows and does nothing else (the default allow included).
bool PlainAllow(const Decision& d) {
  return d.outcome == Outcome::kDefaultAllow || (d.outcome == Outcome::kRule && d.rule->plain_allow);
}

std::string RuleText(const Snapshot& s, const RuleEntry& e) {
  std::string text = fmt::format("{} rule {} (priority {}): ", e.global ? "global" : "tenant",
                                 e.name, e.priority);
  switch (e.verdict) {
    case RuleVerdict::kAllow: text += "allow"; break;
    case RuleVerdict::kDrop: text += "drop"; break;
    case RuleVerdict::kRedirect:
      text += "redirect to " + (e.redirect_present ? s.PortName(e.redirect) : std::string("(port not running)"));
      break;
  }
  if (e.mirror != kNoMirror) text += ", mirror to " + s.PortName(e.mirror);
  if (e.meter != kNoLimit) text += ", meter " + s.limits.limits[e.meter].name;
  if (e.set_vlan == 0) text += ", strip tag";
  else if (e.set_vlan != kKeepVlan) text += fmt::format(", set tag {}", e.set_vlan);
  return text;
}

}  // namespace

template <bool kTrace>
void RuleStageRun(WorkerContext& w, const Snapshot& s, Burst& b) {
  const RulesSnapshot& rs = s.rules;
  RuleKey keys[kBurstSize];
  KeyFamily family[kBurstSize];
  Decision dec[kBurstSize];
  uint16_t subject[kBurstSize];  // packets to classify
  uint16_t n = 0;
  bool any = false;
  // Pass 1: a packet whose key bytes equal the previous packet's of its run
  // takes that one's decision without a key; the others get their key.
  // Pass 2: a keyed packet whose key (tenant included) equals the last
  // classified one's takes its decision (comparing in a second pass, not
  // right after the narrow stores that wrote the key, spares a
  // store-forwarding stall). So a burst of one flow is classified once.
  // A burst none of whose runs is subject to rules costs one test per run.
  for (uint16_t r = 0; r < b.runs && !any; ++r) any = !b.Decided(r) && rs.Uses(b.tenant[r]);
  if (!any) return;
  uint8_t same_as[kBurstSize];  // 0xff: decided by itself
  uint16_t keyed[kBurstSize];      // the packets with a key
  uint16_t nkeyed = 0;
  // A uniform run's packets all take its first packet's decision (the
  // others' entries in dec[] are not filled until a split needs them).
  bool uniform[kBurstSize];
  for (uint16_t r = 0; r < b.runs; ++r) {
    const uint16_t begin = b.run_start[r], end = b.run_start[r + 1];
    uniform[r] = true;
    same_as[begin] = 0xff;
    if (b.Decided(r) || !rs.Uses(b.tenant[r])) {
      dec[begin] = Decision{Outcome::kNone, nullptr};
      continue;
    }
    const uint32_t l3 = kEthHeaderLen + (b.tagged[r] ? kVlanTagLen : 0);
    const KeyBytes* bytes = nullptr;  // for comparing with packet `root`
    uint16_t root = begin;
    for (uint16_t p = begin; p < end; ++p) {
      if (bytes != nullptr && SameKeyBytes(*bytes, b.pkts[root], b.pkts[p])) {
        same_as[p] = static_cast<uint8_t>(root);
        continue;
      }
      same_as[p] = 0xff;
      uniform[r] = uniform[r] && p == begin;
      if (unlikely(!ExtractKey(b.pkts[p], b.in_port, b.vid[r], b.ethertype[r], l3, &keys[p], &family[p]))) {
        dec[p] = Decision{Outcome::kMalformed, nullptr};
        bytes = nullptr;
        continue;
      }
      dec[p] = Decision{Outcome::kNone, nullptr};
      keys[p].tenant = b.tenant[r];
      keyed[nkeyed++] = p;
      root = p;
      bytes = KeyBytesFor(b.pkts[p], b.ethertype[r], b.tagged[r]);
    }
  }
  int last = -1;
  for (uint16_t i = 0; i < nkeyed; ++i) {
    const uint16_t p = keyed[i];
    // The key holds the tenant, and the family follows from its EtherType.
    if (last >= 0 && std::memcmp(&keys[p], &keys[last], sizeof(RuleKey)) == 0) {
      same_as[p] = static_cast<uint8_t>(last);
      continue;
    }
    subject[n++] = p;
    last = p;
  }
  // The flow cache answers for the keys it holds; the others are
  // classified and cached (a traced packet is always classified).
  RuleFlowCache* cache = kTrace || rs.generation == 0 ? nullptr : w.rule_flows;
  uint64_t hash[kBurstSize];
  uint16_t missed[kBurstSize];
  uint16_t nmissed = 0;
  if (cache != nullptr && n != 0) {
    for (uint16_t i = 0; i < n; ++i) {  // the entries' loads overlap
      const uint16_t p = subject[i];
      hash[p] = RuleFlowCache::Hash(keys[p]);
      cache->Prefetch(hash[p]);
    }
    for (uint16_t i = 0; i < n; ++i) {
      const uint16_t p = subject[i];
      if (const Decision* hit = cache->Find(hash[p], keys[p], rs.generation)) dec[p] = *hit;
      else missed[nmissed++] = p;
    }
    cache->hits += n - nmissed;
    cache->misses += nmissed;
    std::copy(missed, missed + nmissed, subject);
    n = nmissed;
  }
  // Global rules first, then each tenant's for what they left.
  if (rs.global != nullptr && n != 0) ClassifyScope(*rs.global, keys, family, subject, n, dec);
  uint16_t left[kBurstSize];
  uint16_t nleft = 0;
  for (uint16_t i = 0; i < n; ++i)
    if (dec[subject[i]].outcome == Outcome::kNone) left[nleft++] = subject[i];
  while (nleft != 0) {
    // The packets of one tenant (nearly always all of them).
    const uint16_t tenant = keys[left[0]].tenant;
    uint16_t mine[kBurstSize], rest[kBurstSize];
    uint16_t nmine = 0, nrest = 0;
    for (uint16_t i = 0; i < nleft; ++i) {
      if (keys[left[i]].tenant == tenant) mine[nmine++] = left[i];
      else rest[nrest++] = left[i];
    }
    if (const RuleTable* t = rs.Tenant(tenant)) ClassifyScope(*t, keys, family, mine, nmine, dec);
    const Decision fallback{rs.Deny(tenant) ? Outcome::kDefaultDeny : Outcome::kDefaultAllow, nullptr};
    for (uint16_t i = 0; i < nmine; ++i)
      if (dec[mine[i]].outcome == Outcome::kNone) dec[mine[i]] = fallback;
    std::copy(rest, rest + nrest, left);
    nleft = nrest;
  }
  if (cache != nullptr)
    for (uint16_t i = 0; i < nmissed; ++i) cache->Put(hash[missed[i]], keys[missed[i]], rs.generation, dec[missed[i]]);
  // Each packet's decision from the one it shares (same_as[p] < p: final).
  for (uint16_t r = 0; r < b.runs; ++r) {
    const uint16_t begin = b.run_start[r], end = uniform[r] ? begin + 1 : b.run_start[r + 1];
    for (uint16_t p = begin; p < end; ++p)
      if (same_as[p] != 0xff) dec[p] = dec[same_as[p]];
  }
  // A run stays whole when its packets took one decision (and no meter
  // needs them one by one), or when each packet's is to allow with no other
  // action (counted per packet); otherwise every packet becomes its run.
  bool split = false, edits = false;
  bool allow_mixed[kBurstSize];
  for (uint16_t r = 0; r < b.runs && !split; ++r) {
    const uint16_t begin = b.run_start[r], end = b.run_start[r + 1];
    const Decision d = dec[begin];
    allow_mixed[r] = false;
    if (d.outcome == Outcome::kNone) continue;
    bool same = true, plain = PlainAllow(d);
    if (!uniform[r]) {
      for (uint16_t p = begin + 1; p < end; ++p) {
        same = same && dec[p] == d;
        plain = plain && PlainAllow(dec[p]);
      }
    }
    allow_mixed[r] = !same && plain;
    split = !same && !plain;
    if (d.rule != nullptr && d.rule->meter != kNoLimit && end - begin > 1) split = true;
  }
  if (split) {
    for (uint16_t r = 0; r < b.runs; ++r)
      if (uniform[r]) std::fill(dec + b.run_start[r] + 1, dec + b.run_start[r + 1], dec[b.run_start[r]]);
    b.SplitRuns();
  }
  // Whole runs took one decision, or several plain allows: one test each.
  for (uint16_t r = 0; r < b.runs; ++r) {
    const Decision& d = dec[b.run_start[r]];
    edits = edits || (d.rule != nullptr && (d.rule->mirror != kNoMirror || d.rule->set_vlan != kKeepVlan));
  }
  if (edits) {
    b.rule_edits = true;
    for (uint16_t r = 0; r < b.runs; ++r) {
      b.action[r].mirror = kNoMirror;
      b.action[r].set_vlan = kKeepVlan;
    }
  }
  WorkerCounters& c = *w.counters;
  for (uint16_t r = 0; r < b.runs; ++r) {
    const Decision d = dec[b.run_start[r]];
    const uint16_t tenant = b.tenant[r];
    if (!split && allow_mixed[r]) {
      for (uint16_t p = b.run_start[r]; p < b.run_start[r + 1]; ++p) {
        if (dec[p].rule == nullptr) continue;  // the default allow
        RuleCounters& rc = c.rules[dec[p].rule->slot];
        ++rc.packets;
        rc.bytes += rte_pktmbuf_pkt_len(b.pkts[p]);
      }
      continue;
    }
    switch (d.outcome) {
      case Outcome::kNone: continue;
      case Outcome::kMalformed:
        if constexpr (kTrace) b.trace->Add(r, "rules", "drop: l3_malformed (an IP header the rules cannot read)");
        b.Drop(r, DropReason::L3_MALFORMED);
        continue;
      case Outcome::kUnavailable:
        if constexpr (kTrace)
          b.trace->Add(r, "rules", "drop: rule_unavailable (the rules of this scope could not be compiled)");
        b.Drop(r, DropReason::RULE_UNAVAILABLE);
        continue;
      case Outcome::kDefaultDeny:
        if constexpr (kTrace) b.trace->Add(r, "rules", "no rule matched: default policy deny: drop");
        b.Drop(r, DropReason::RULE_DEFAULT_DENY);
        continue;
      case Outcome::kDefaultAllow:
        if constexpr (kTrace) b.trace->Add(r, "rules", "no rule matched: default policy allow");
        continue;
      case Outcome::kRule: break;
    }
    const RuleEntry& e = *d.rule;
    if constexpr (kTrace) b.trace->Add(r, "rules", RuleText(s, e));
    RuleCounters& rc = c.rules[e.slot];
    rc.packets += b.RunLength(r);
    rc.bytes += b.bytes[r];
    if (e.mirror != kNoMirror) {
      if (s.ports[e.mirror].EgressVlan(tenant) != kNotMember) {
        b.action[r].mirror = e.mirror;
      } else {
        c.Drop(DropReason::RULE_MIRROR_NOT_MEMBER, b.in_port, tenant, b.RunLength(r));
        if constexpr (kTrace)
          b.trace->Add(r, "rules", fmt::format("no mirror copy: {} does not carry {}", s.PortName(e.mirror),
                                               s.TenantName(tenant)));
      }
    }
    if (e.verdict == RuleVerdict::kDrop) {
      b.Drop(r, DropReason::RULE_DROP);
      continue;
    }
    if (e.meter != kNoLimit && MeterWholeRun<kTrace>(w, s, b, r, e.meter) == 0) {
      b.Drop(r, DropReason::LIMIT_METER);
      continue;
    }
    if (e.verdict == RuleVerdict::kRedirect) {
      const uint16_t vid = e.redirect_present ? s.ports[e.redirect].EgressVlan(tenant) : kNotMember;
      if (vid == kNotMember) {
        if constexpr (kTrace)
          b.trace->Add(r, "rules", "drop: rule_target_not_member (the port does not carry " +
                                       s.TenantName(tenant) + ")");
        b.Drop(r, DropReason::RULE_TARGET_NOT_MEMBER);
        continue;
      }
      b.Unicast(r, e.redirect, e.set_vlan != kKeepVlan ? e.set_vlan : vid);
      continue;
    }
    if (e.set_vlan != kKeepVlan) b.action[r].set_vlan = e.set_vlan;
  }
}

template void RuleStageRun<false>(WorkerContext&, const Snapshot&, Burst&);
template void RuleStageRun<true>(WorkerContext&, const Snapshot&, Burst&);

}  // namespace switchyard
