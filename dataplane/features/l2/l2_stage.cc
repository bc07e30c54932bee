#include "features/l2/l2_stage.h"

#include "core/tx.h"
#include "features/vlan/vlan_stage.h"

namespace switchyard {

namespace {

// A refresh rewrites the entry only this often, so a busy flow does not
// keep a cache line bouncing between workers.
constexpr uint64_t kRefreshMs = 1000;
constexpr uint32_t kDefaultMacLimit = 65536;

void Flood(WorkerContext& w, const Snapshot& s, uint16_t in_port, uint16_t tenant,
           rte_mbuf* m, bool tagged) {
  WorkerCounters& c = *w.counters;
  const TenantConfig& t = *s.Tenant(tenant);
  // The original goes to the last destination; earlier ones get copies,
  // since each may need a different tag edit.
  int last = -1;
  for (int i = static_cast<int>(t.flood_ports.size()) - 1; i >= 0; --i) {
    if (t.flood_ports[i] != in_port) {
      last = i;
      break;
    }
  }
  if (last < 0) {
    c.Drop(DropReason::FLOOD_NO_PORTS, in_port, tenant);
    rte_pktmbuf_free(m);
    return;
  }
  c.ports[in_port].flooded++;
  c.tenants[tenant].flooded++;
  for (int i = 0; i <= last; ++i) {
    uint16_t out = t.flood_ports[i];
    if (out == in_port) continue;
    rte_mbuf* pkt = m;
    if (i != last) {
      pkt = rte_pktmbuf_copy(m, w.pool, 0, UINT32_MAX);
      if (unlikely(pkt == nullptr)) {
        ++c.drops[static_cast<std::size_t>(DropReason::FLOOD_COPY_FAILED)];
        continue;
      }
    }
    if (unlikely(!VlanEgress(pkt, tagged, s.ports[out].EgressVlan(tenant)))) {
      ++c.drops[static_cast<std::size_t>(DropReason::VLAN_PUSH_FAILED)];
      rte_pktmbuf_free(pkt);
      continue;
    }
    Enqueue(w, s, out, pkt);
  }
}

}  // namespace

void L2LookupAndLearn(WorkerContext& w, const Snapshot& s, uint16_t in_port, L2Burst& b,
                      uint64_t now_ms) {
  const uint16_t n = b.count;
  for (uint16_t i = 0; i < n; ++i) b.keys[n + i] = MakeMacHashKey(b.tenant[i], b.dst[i]);
  b.hits = w.macs->LookupBulk(b.keys, 2u * n, b.values);

  WorkerCounters& c = *w.counters;
  MacHashKey last_learned = ~MacHashKey{0};
  for (uint16_t i = 0; i < n; ++i) {
    const MacHashKey key = b.keys[i];
    const uint16_t tenant = b.tenant[i];
    if (b.SrcHit(i)) {
      uint64_t v = b.values[i];
      if (unlikely(ValuePort(v) != in_port)) {
        if (w.macs->Upsert(key, PackMacValue(in_port, now_ms))) c.tenants[tenant].moved++;
      } else if (unlikely(now_ms - ValueSeenMs(v) >= kRefreshMs)) {
        w.macs->Upsert(key, PackMacValue(in_port, now_ms));
      }
      continue;
    }
    // Several packets of one new source in a burst: learn it once.
    if (key == last_learned) continue;
    last_learned = key;
    uint32_t limit = s.tenants[tenant].mac_limit;
    if (limit == 0) limit = kDefaultMacLimit;
    if (w.macs->TenantCount(tenant) >= limit) {
      c.tenants[tenant].learn_limit++;
      continue;
    }
    if (w.macs->Upsert(key, PackMacValue(in_port, now_ms))) {
      w.macs->CountLearned(tenant);
      c.tenants[tenant].learned++;
    } else {
      c.tenants[tenant].learn_limit++;  // table full
    }
  }
}

void L2Forward(WorkerContext& w, const Snapshot& s, uint16_t in_port, L2Burst& b) {
  WorkerCounters& c = *w.counters;
  for (uint16_t i = 0; i < b.count; ++i) {
    rte_mbuf* m = b.pkts[i];
    const uint16_t tenant = b.tenant[i];
    if (MacIsGroup(b.dst[i]) || !b.DstHit(i)) {
      Flood(w, s, in_port, tenant, m, b.tagged[i]);
      continue;
    }
    const uint16_t out = ValuePort(b.values[b.count + i]);
    if (unlikely(out == in_port)) {
      c.Drop(DropReason::SAME_PORT, in_port, tenant);
      rte_pktmbuf_free(m);
      continue;
    }
    const PortConfig& oc = s.ports[out];
    const uint16_t vid = oc.present ? oc.EgressVlan(tenant) : kNotMember;
    if (unlikely(vid == kNotMember)) {
      c.Drop(DropReason::STALE_MAC, in_port, tenant);
      rte_pktmbuf_free(m);
      continue;
    }
    if (unlikely(!VlanEgress(m, b.tagged[i], vid))) {
      c.Drop(DropReason::VLAN_PUSH_FAILED, in_port, tenant);
      rte_pktmbuf_free(m);
      continue;
    }
    c.tenants[tenant].unicast++;
    Enqueue(w, s, out, m);
  }
}

}  // namespace switchyard
