#include "features/l2/l2_stage.h"

#include <fmt/format.h>

#include "core/trace.h"
#include "features/l2/mac_table.h"
#include "features/vxlan/vxlan_stage.h"

namespace switchyard {

namespace {

// A refresh rewrites the entry only this often, so a busy flow does not
// keep a cache line bouncing between workers.
constexpr uint64_t kRefreshMs = 1000;

// The keys of the burst's undecided runs, consecutive equal ones folded:
// key i's answer is uniq_values[slot[i]], hit bit slot[i] of hits.
struct Lookup {
  uint16_t live[kBurstSize];  // run index of each undecided run
  uint16_t n = 0;
  MacHashKey keys[2 * kBurstSize];  // [0, n) sources, [n, 2n) destinations
  uint8_t slot[2 * kBurstSize];
  uint64_t uniq_values[2 * kBurstSize];
  uint64_t hits = 0;

  bool SrcHit(uint16_t i) const { return (hits >> slot[i]) & 1; }
  bool DstHit(uint16_t i) const { return (hits >> slot[n + i]) & 1; }
  uint64_t SrcValue(uint16_t i) const { return uniq_values[slot[i]]; }
  uint64_t DstValue(uint16_t i) const { return uniq_values[slot[n + i]]; }
};

void LookupKeys(WorkerContext& w, uint16_t in_port, Lookup& l) {
  const uint16_t n = l.n;
  // Consecutive equal keys (e.g. runs of one source to several
  // destinations) cost one lookup: the answer the bulk lookup would give
  // each of them.
  MacHashKey uniq[2 * kBurstSize];
  uint32_t u = 0;
  uniq[0] = l.keys[0];
  l.slot[0] = 0;
  for (uint32_t i = 1; i < 2u * n; ++i) {
    if (l.keys[i] != uniq[u]) uniq[++u] = l.keys[i];
    l.slot[i] = static_cast<uint8_t>(u);
  }
  const uint32_t nu = u + 1;
  LookupCache& lc = w.lookup_cache[in_port];
  const uint64_t generation = w.macs->Generation();  // before the lookup
  bool cached = nu <= kLookupCacheKeys && lc.n == nu && lc.generation == generation;
  for (uint32_t i = 0; cached && i < nu; ++i) cached = lc.keys[i] == uniq[i];
  if (cached) {
    l.hits = lc.hits;
    for (uint32_t i = 0; i < nu; ++i) l.uniq_values[i] = lc.values[i];
    return;
  }
  l.hits = w.macs->LookupBulk(uniq, nu, l.uniq_values);
  if (nu <= kLookupCacheKeys) {
    lc.generation = generation;
    lc.n = nu;
    lc.hits = l.hits;
    for (uint32_t i = 0; i < nu; ++i) {
      lc.keys[i] = uniq[i];
      lc.values[i] = l.uniq_values[i];
    }
  }
}

// Where run r's source lives: the ingress port, or (decapsulated) the
// remote VTEP it came from.
inline MacDest Here(const Burst& b, uint16_t r) {
  const uint16_t from = b.FromRemote(r);
  return from == kNoRemote ? b.in_port : RemoteDest(from);
}

std::string DestName(const Snapshot& s, MacDest d) {
  if (IsRemoteDest(d)) {
    const RemoteVtep* rv = s.vxlan.Remote(RemoteSlot(d));
    return rv != nullptr ? "remote VTEP " + rv->name : fmt::format("remote VTEP #{}", RemoteSlot(d));
  }
  return s.PortName(d);
}

}  // namespace

template <bool kTrace>
void L2Stage(WorkerContext& w, const Snapshot& s, Burst& b, uint64_t now_ms) {
  const uint16_t in_port = b.in_port;
  Lookup l;
  for (uint16_t r = 0; r < b.runs; ++r)
    if (!b.Decided(r)) l.live[l.n++] = r;
  const uint16_t n = l.n;
  if (n == 0) return;
  for (uint16_t i = 0; i < n; ++i) {
    const uint16_t r = l.live[i];
    l.keys[i] = MakeMacHashKey(b.tenant[r], b.src[r]);
    l.keys[n + i] = MakeMacHashKey(b.tenant[r], b.dst[r]);
  }
  LookupKeys(w, in_port, l);

  // Learning. What each packet of a run would do is what its first packet
  // does: the later ones find the entry as the lookup left it (a move or a
  // refresh writes the same value again; a new source was learned already).
  // A dry-run trace learns nothing.
  bool learn = true;
  if constexpr (kTrace) learn = b.trace->commit;
  WorkerCounters& c = *w.counters;
  MacHashKey last_learned = ~MacHashKey{0};
  for (uint16_t i = 0; i < n; ++i) {
    const uint16_t r = l.live[i];
    const MacHashKey key = l.keys[i];
    const uint16_t tenant = b.tenant[r];
    // Where the source lives: the ingress port, or the remote VTEP a
    // decapsulated frame came from.
    const MacDest here = Here(b, r);
    if (l.SrcHit(i)) {
      const uint64_t v = l.SrcValue(i);
      if (unlikely(ValueDest(v) != here)) {
        if constexpr (kTrace)
          b.trace->Add(r, "l2", fmt::format("source {} moves from {} to {}{}",
                                            FormatMac(b.src[r]), DestName(s, ValueDest(v)),
                                            DestName(s, here), learn ? "" : " (dry run: not)"));
        if (learn && Stored(w.macs->Learn(key, PackMacValue(here, now_ms),
                                          s.tenants[tenant].mac_limit, false)))
          c.tenants[tenant].moved += b.RunLength(r);
      } else {
        if constexpr (kTrace)
          b.trace->Add(r, "l2", fmt::format("source {} known on {}", FormatMac(b.src[r]),
                                            DestName(s, here)));
        if (learn && unlikely(now_ms - ValueSeenMs(v) >= kRefreshMs))
          w.macs->Learn(key, PackMacValue(here, now_ms), s.tenants[tenant].mac_limit, false);
      }
      continue;
    }
    // Several runs of one new source in a burst: learn it once.
    if (key == last_learned) continue;
    last_learned = key;
    const uint32_t limit = s.tenants[tenant].mac_limit;
    if (!learn) {
      if constexpr (kTrace)
        b.trace->Add(r, "l2", w.macs->TenantCount(tenant) >= limit
                                  ? fmt::format("source {} unknown: not learned (tenant {} has "
                                                "its {} MACs; dry run)",
                                                FormatMac(b.src[r]), s.TenantName(tenant), limit)
                                  : fmt::format("source {} unknown: would be learned on {} (dry run)",
                                                FormatMac(b.src[r]), DestName(s, here)));
      continue;
    }
    const LearnResult res = w.macs->Learn(key, PackMacValue(here, now_ms), limit, true);
    switch (res) {
      case LearnResult::kInserted: c.tenants[tenant].learned++; break;
      case LearnResult::kUpdated: break;  // another worker learned it meanwhile
      case LearnResult::kTenantFull: c.tenants[tenant].learn_limit++; break;
      case LearnResult::kTableFull: c.tenants[tenant].learn_table_full++; break;
    }
    if constexpr (kTrace) {
      std::string what;
      switch (res) {
        case LearnResult::kInserted:
        case LearnResult::kUpdated:
          what = fmt::format("source {} learned on {}", FormatMac(b.src[r]), DestName(s, here));
          break;
        case LearnResult::kTenantFull:
          what = fmt::format("source {} not learned: tenant {} has its {} MACs",
                             FormatMac(b.src[r]), s.TenantName(tenant), limit);
          break;
        case LearnResult::kTableFull:
          what = fmt::format("source {} not learned: MAC table full", FormatMac(b.src[r]));
          break;
      }
      b.trace->Add(r, "l2", what);
    }
  }

  // Decisions, one per run (the same destination key and tag state).
  for (uint16_t i = 0; i < n; ++i) {
    const uint16_t r = l.live[i];
    const uint16_t tenant = b.tenant[r];
    const MacDest here = Here(b, r);
    if (MacIsGroup(b.dst[r]) || !l.DstHit(i)) {
      const auto& flood = s.tenants[tenant].flood_ports;
      // Remote VTEPs get a copy unless it came from the underlay (split
      // horizon; see VxlanFloodsToRemotes).
      const bool others = flood.size() > 1 || (flood.size() == 1 && flood[0] != in_port) ||
                          (VxlanFloodsToRemotes(s, b) && s.vxlan.Remotes(tenant) != nullptr);
      if (unlikely(!others)) {
        b.Drop(r, DropReason::FLOOD_NO_PORTS);
      } else {
        b.Flood(r);
      }
      if constexpr (kTrace)
        b.trace->Add(r, "l2",
                     fmt::format("destination {} {}: {}", FormatMac(b.dst[r]),
                                 MacIsGroup(b.dst[r]) ? "is a group address" : "unknown",
                                 others ? "flood" : "no other port in the tenant"));
      continue;
    }
    const MacDest dest = ValueDest(l.DstValue(i));
    // Never back where it came from: the remote VTEP, or the port (a
    // decapsulated frame does not leave by the uplink it arrived on either).
    if (unlikely(dest == here || dest == in_port)) {
      b.Drop(r, DropReason::SAME_PORT);
      if constexpr (kTrace)
        b.trace->Add(r, "l2", fmt::format("destination {} is {} {}", FormatMac(b.dst[r]),
                                          dest == in_port ? "on the ingress port"
                                                          : "behind the VTEP it came from,",
                                          DestName(s, dest)));
      continue;
    }
    if (IsRemoteDest(dest)) {
      // Behind a remote VTEP (features/vxlan): still one of the tenant's,
      // and never relayed from one VTEP to another (split horizon).
      const RemoteVtep* rv = s.vxlan.Remote(RemoteSlot(dest));
      const bool from_remote = IsRemoteDest(here);
      if (unlikely(!from_remote && in_port == s.vxlan.uplink_port && s.vxlan.enabled)) {
        // Tagged in on the uplink, to go back out of it encapsulated: the
        // uplink never gets back what arrived on it.
        b.Drop(r, DropReason::SAME_PORT);
        if constexpr (kTrace)
          b.trace->Add(r, "l2", fmt::format("destination {} behind {}, out of the uplink it came "
                                            "in on", FormatMac(b.dst[r]), DestName(s, dest)));
        continue;
      }
      if (unlikely(from_remote || rv == nullptr || !rv->Serves(tenant))) {
        b.Drop(r, from_remote ? DropReason::VXLAN_REMOTE_TO_REMOTE : DropReason::STALE_MAC);
        if constexpr (kTrace)
          b.trace->Add(r, "l2", fmt::format("destination {} behind {}: {}", FormatMac(b.dst[r]),
                                            DestName(s, dest),
                                            from_remote ? "not relayed from a remote VTEP"
                                                        : "no longer a VTEP of the tenant"));
        continue;
      }
      b.Remote(r, RemoteSlot(dest));
      if constexpr (kTrace)
        b.trace->Add(r, "l2", fmt::format("destination {} behind {}: encapsulate",
                                          FormatMac(b.dst[r]), DestName(s, dest)));
      continue;
    }
    const PortConfig* oc = &s.ports[dest];
    const uint16_t vid = oc != nullptr && oc->present ? oc->EgressVlan(tenant) : kNotMember;
    if (unlikely(vid == kNotMember)) {
      b.Drop(r, DropReason::STALE_MAC);
      if constexpr (kTrace)
        b.trace->Add(r, "l2", fmt::format("destination {} on {}, which no longer carries "
                                          "tenant {}", FormatMac(b.dst[r]), DestName(s, dest),
                                          s.TenantName(tenant)));
      continue;
    }
    b.Unicast(r, dest, vid);
    if constexpr (kTrace)
      b.trace->Add(r, "l2", fmt::format("destination {} on {}: unicast", FormatMac(b.dst[r]),
                                        s.PortName(dest)));
  }
}

template void L2Stage<false>(WorkerContext&, const Snapshot&, Burst&, uint64_t);
template void L2Stage<true>(WorkerContext&, const Snapshot&, Burst&, uint64_t);

}  // namespace switchyard
