#include "features/l2/l2_stage.h"

#include <cstring>

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
  const uint16_t n = b.runs;
  for (uint16_t r = 0; r < n; ++r) b.keys[n + r] = MakeMacHashKey(b.tenant[r], b.dst[r]);
  // Consecutive equal keys (e.g. runs of one source to several
  // destinations) cost one lookup: the answer the bulk lookup would give
  // each of them.
  MacHashKey uniq[2 * kBurstSize];
  uint32_t u = 0;
  uniq[0] = b.keys[0];
  b.slot[0] = 0;
  for (uint32_t i = 1; i < 2u * n; ++i) {
    if (b.keys[i] != uniq[u]) uniq[++u] = b.keys[i];
    b.slot[i] = static_cast<uint8_t>(u);
  }
  const uint32_t nu = u + 1;
  LookupCache& lc = w.lookup_cache[in_port];
  const uint64_t generation = w.macs->Generation();  // before the lookup
  bool cached = nu <= kLookupCacheKeys && lc.n == nu && lc.generation == generation;
  for (uint32_t i = 0; cached && i < nu; ++i) cached = lc.keys[i] == uniq[i];
  if (cached) {
    b.hits = lc.hits;
    for (uint32_t i = 0; i < nu; ++i) b.uniq_values[i] = lc.values[i];
  } else {
    b.hits = w.macs->LookupBulk(uniq, nu, b.uniq_values);
    if (nu <= kLookupCacheKeys) {
      lc.generation = generation;
      lc.n = nu;
      lc.hits = b.hits;
      for (uint32_t i = 0; i < nu; ++i) {
        lc.keys[i] = uniq[i];
        lc.values[i] = b.uniq_values[i];
      }
    }
  }

  // What each packet of a run would do is what its first packet does: the
  // later ones find the entry as the lookup left it (a move or a refresh
  // writes the same value again; a new source was learned already).
  WorkerCounters& c = *w.counters;
  MacHashKey last_learned = ~MacHashKey{0};
  for (uint16_t r = 0; r < n; ++r) {
    const MacHashKey key = b.keys[r];
    const uint16_t tenant = b.tenant[r];
    if (b.SrcHit(r)) {
      uint64_t v = b.SrcValue(r);
      if (unlikely(ValuePort(v) != in_port)) {
        if (w.macs->Upsert(key, PackMacValue(in_port, now_ms)))
          c.tenants[tenant].moved += b.RunLength(r);
      } else if (unlikely(now_ms - ValueSeenMs(v) >= kRefreshMs)) {
        w.macs->Upsert(key, PackMacValue(in_port, now_ms));
      }
      continue;
    }
    // Several runs of one new source in a burst: learn it once.
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
  // The TX buffer being appended to, its count and bytes kept in registers
  // and written back before anything else may touch the buffers (flood,
  // flush).
  TxBuffer* tb = nullptr;
  uint16_t tb_port = 0, tb_count = 0;
  uint32_t tb_bytes = 0;
  auto sync_tx = [&] {
    if (tb != nullptr) {
      tb->count = tb_count;
      tb->bytes = tb_bytes;
    }
    tb = nullptr;
  };
  auto drop_run = [&](uint16_t r, DropReason why) {
    for (uint16_t p = b.run_start[r]; p < b.run_start[r + 1]; ++p) {
      c.Drop(why, in_port, b.tenant[r]);
      rte_pktmbuf_free(b.pkts[p]);
    }
  };
  // One decision per run (the same destination key and tag state).
  for (uint16_t r = 0; r < b.runs; ++r) {
    const uint16_t tenant = b.tenant[r];
    const bool tagged = b.tagged[r];
    if (MacIsGroup(b.dst[r]) || !b.DstHit(r)) {
      sync_tx();
      for (uint16_t p = b.run_start[r]; p < b.run_start[r + 1]; ++p)
        Flood(w, s, in_port, tenant, b.pkts[p], tagged);
      continue;
    }
    const uint16_t out = ValuePort(b.DstValue(r));
    if (unlikely(out == in_port)) {
      drop_run(r, DropReason::SAME_PORT);
      continue;
    }
    const PortConfig& oc = s.ports[out];
    const uint16_t vid = oc.present ? oc.EgressVlan(tenant) : kNotMember;
    if (unlikely(vid == kNotMember)) {
      drop_run(r, DropReason::STALE_MAC);
      continue;
    }
    // Enqueue (core/tx.h), with the count and bytes in registers.
    if (tb == nullptr || tb_port != out) {
      sync_tx();
      tb = &w.tx[out];
      tb_port = out;
      tb_count = tb->count;
      tb_bytes = tb->bytes;
      w.dirty |= uint64_t{1} << out;
    }
    // The whole run fits in the buffer, so its bytes are added at once
    // (a buffer fills within one burst only through flood copies).
    if (unlikely(tb_count + b.RunLength(r) > kTxBufferSize)) {
      tb->count = tb_count;
      tb->bytes = tb_bytes;
      FlushPort(w, s, out);
      tb_count = 0;
      tb_bytes = 0;
    }
    // One edit for the whole run, so each case is its own tight loop; with
    // no edit the run's mbuf pointers are copied as a block.
    const uint16_t begin = b.run_start[r], end = b.run_start[r + 1];
    rte_mbuf** const out_pkts = tb->pkts;
    uint32_t unicast = end - begin;
    int32_t bytes = static_cast<int32_t>(b.bytes[r]);
    switch (EgressEdit(tagged, vid)) {
      case VlanEdit::kNone:
        std::memcpy(out_pkts + tb_count, b.pkts + begin, unicast * sizeof(rte_mbuf*));
        tb_count = static_cast<uint16_t>(tb_count + unicast);
        break;
      case VlanEdit::kStrip:
        for (uint16_t p = begin; p < end; ++p) {
          rte_mbuf* m = b.pkts[p];
          VlanStrip(m);
          out_pkts[tb_count++] = m;
        }
        bytes -= static_cast<int32_t>(kVlanTagLen * unicast);
        break;
      case VlanEdit::kRewrite:
        for (uint16_t p = begin; p < end; ++p) {
          rte_mbuf* m = b.pkts[p];
          VlanRewrite(m, vid);
          out_pkts[tb_count++] = m;
        }
        break;
      case VlanEdit::kPush:
        unicast = 0;
        for (uint16_t p = begin; p < end; ++p) {
          rte_mbuf* m = b.pkts[p];
          if (unlikely(!VlanPush(m, vid))) {
            bytes -= static_cast<int32_t>(rte_pktmbuf_pkt_len(m));  // unedited
            c.Drop(DropReason::VLAN_PUSH_FAILED, in_port, tenant);
            rte_pktmbuf_free(m);
            continue;
          }
          ++unicast;
          out_pkts[tb_count++] = m;
        }
        bytes += static_cast<int32_t>(kVlanTagLen * unicast);
        break;
    }
    tb_bytes += static_cast<uint32_t>(bytes);
    c.tenants[tenant].unicast += unicast;
  }
  sync_tx();
}

}  // namespace switchyard
