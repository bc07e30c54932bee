#include "core/egress.h"

#include <cstring>

#include <fmt/format.h>

#include "core/trace.h"
#include "core/tx.h"
#include "features/limits/limit_stage.h"
#include "features/vlan/vlan_stage.h"
#include "features/vxlan/vxlan_encap.h"
#include "features/vxlan/vxlan_stage.h"

namespace switchyard {

namespace {

std::string EditName(bool tagged, uint16_t vid) {
  switch (EgressEdit(tagged, vid)) {
    case VlanEdit::kNone: return tagged ? fmt::format("tagged {}", vid) : "untagged";
    case VlanEdit::kStrip: return "tag stripped";
    case VlanEdit::kRewrite: return fmt::format("tag rewritten to {}", vid);
    case VlanEdit::kPush: return fmt::format("tag {} pushed", vid);
  }
  return "";
}

// A flood's trail in traced bursts; nothing at all in the fast path.
template <bool kTrace>
struct TraceText {};
template <>
struct TraceText<true> {
  std::string text;
};

void DropRun(WorkerContext& w, Burst& b, uint16_t r) {
  const DropReason why = b.action[r].verdict == Verdict::kDrop ? b.action[r].drop
                                                                 : DropReason::COUNT;
  // Every run is decided before egress; an undecided one would be a bug in
  // a stage, counted as the first reason rather than leaked.
  const DropReason counted = why == DropReason::COUNT ? DropReason::RUNT : why;
  const uint16_t begin = b.run_start[r], end = b.run_start[r + 1];
  w.counters->Drop(counted, b.in_port, b.tenant[r], end - begin);
  rte_pktmbuf_free_bulk(b.pkts + begin, end - begin);
}

// The trail of an encapsulated copy.
std::string EncapText(const Snapshot& s, uint16_t slot, uint16_t tenant, bool sent,
                      DropReason why, uint16_t sport) {
  const RemoteVtep* rv = s.vxlan.Remote(slot);
  const std::string name = rv != nullptr ? rv->name : fmt::format("#{}", slot);
  if (!sent) return fmt::format("VTEP {}: drop: {}{}", name, DropReasonName(why),
                                rv != nullptr && !rv->resolved ? " (" + rv->next_hop + ")" : "");
  return fmt::format("VTEP {} via {}, VNI {}, UDP source port {}", name, rv->next_hop,
                     s.vxlan.Vni(tenant), sport);
}

// The mirror copies flow rules asked for (features/rules), made before
// any edit of the originals: each copy gets the mirror port's own tag for
// the tenant (the rule stage sets a mirror only on a port that carries it,
// under this snapshot).
template <bool kTrace>
void MirrorRuns(WorkerContext& w, const Snapshot& s, Burst& b) {
  WorkerCounters& c = *w.counters;
  for (uint16_t r = 0; r < b.runs; ++r) {
    const uint16_t mp = b.action[r].mirror;
    if (mp == kNoMirror) continue;
    const uint16_t tenant = b.tenant[r];
    const bool tagged = b.tagged[r];
    const uint16_t vid = s.ports[mp].EgressVlan(tenant);
    for (uint16_t p = b.run_start[r]; p < b.run_start[r + 1]; ++p) {
      rte_mbuf* copy = rte_pktmbuf_copy(b.pkts[p], w.pool, 0, UINT32_MAX);
      if (unlikely(copy == nullptr)) {
        c.Drop(DropReason::RULE_MIRROR_FAILED, b.in_port, tenant);
        if constexpr (kTrace) b.trace->Add(r, "egress", "mirror copy failed (no mbuf)");
        continue;
      }
      if (unlikely(!VlanEgress(copy, tagged, vid))) {
        c.Drop(DropReason::VLAN_PUSH_FAILED, b.in_port, tenant);
        rte_pktmbuf_free(copy);
        continue;
      }
      if constexpr (kTrace)
        b.trace->Add(r, "egress", fmt::format("mirror copy to {} ({})", s.PortName(mp), EditName(tagged, vid)));
      Enqueue(w, s, mp, copy);
    }
  }
}

// One packet to every other port of its tenant and, unless it came from
// one (split horizon), every remote VTEP of the tenant: the original to
// the last destination, copies to the others (each with its own tag edit
// or encapsulation).
template <bool kTrace>
void FloodPacket(WorkerContext& w, const Snapshot& s, Burst& b, uint16_t r, rte_mbuf* m) {
  WorkerCounters& c = *w.counters;
  const uint16_t in_port = b.in_port, tenant = b.tenant[r];
  const bool tagged = b.tagged[r];
  const auto& ports = s.tenants[tenant].flood_ports;
  const std::vector<uint16_t>* remotes =
      VxlanFloodsToRemotes(s, b) ? s.vxlan.Remotes(tenant) : nullptr;
  uint32_t left = remotes != nullptr ? static_cast<uint32_t>(remotes->size()) : 0;
  for (uint16_t p : ports) left += p != in_port;
  // The L2 stage decides flood_no_ports under the same snapshot, so this is
  // unreachable; kept so that a stage bug cannot leak the mbuf.
  if (unlikely(left == 0)) {
    c.Drop(DropReason::FLOOD_NO_PORTS, in_port, tenant);
    rte_pktmbuf_free(m);
    return;
  }
  c.ports[in_port].flooded++;
  c.tenants[tenant].flooded++;
  [[maybe_unused]] TraceText<kTrace> trail;
  // The packet for the next destination: the original for the last one.
  auto next = [&]() -> rte_mbuf* {
    if (--left == 0) return m;
    rte_mbuf* copy = rte_pktmbuf_copy(m, w.pool, 0, UINT32_MAX);
    if (unlikely(copy == nullptr)) c.Drop(DropReason::FLOOD_COPY_FAILED, in_port, tenant);
    return copy;
  };
  // A flow rule's tag (features/rules), else each port's own.
  const uint16_t set_vlan = b.rule_edits ? b.action[r].set_vlan : kKeepVlan;
  for (const uint16_t out : ports) {
    if (out == in_port) continue;
    const uint16_t vid = set_vlan != kKeepVlan ? set_vlan : s.ports[out].EgressVlan(tenant);
    rte_mbuf* pkt = next();
    if (unlikely(pkt == nullptr)) {
      if constexpr (kTrace) trail.text += fmt::format("; {}: copy failed (no mbuf)", s.PortName(out));
      continue;
    }
    const uint16_t out_limit = s.ports[out].limit_out;
    if (unlikely(out_limit != kNoLimit)) {
      int32_t unused = 0;
      if (EgressLimit(w, s, out_limit, b.Tsc(), in_port, tenant, tagged, &pkt, 1, &unused) == 0) {
        if constexpr (kTrace)
          trail.text += fmt::format("; {}: red at {}", s.PortName(out), s.limits.limits[out_limit].name);
        continue;
      }
    }
    if (unlikely(!VlanEgress(pkt, tagged, vid))) {
      c.Drop(DropReason::VLAN_PUSH_FAILED, in_port, tenant);
      rte_pktmbuf_free(pkt);
      if constexpr (kTrace) trail.text += fmt::format("; {}: tag push failed", s.PortName(out));
      continue;
    }
    if constexpr (kTrace)
      trail.text += fmt::format("{}{} ({})", trail.text.empty() ? "" : ", ", s.PortName(out),
                                EditName(tagged, vid));
    Enqueue(w, s, out, pkt);
  }
  if (remotes != nullptr) {
    for (const uint16_t slot : *remotes) {
      rte_mbuf* pkt = next();
      if (unlikely(pkt == nullptr)) {
        if constexpr (kTrace) trail.text += fmt::format("; VTEP #{}: copy failed (no mbuf)", slot);
        continue;
      }
      const uint16_t up_limit = s.ports[s.vxlan.uplink_port].limit_out;
      if (unlikely(up_limit != kNoLimit)) {
        int32_t unused = 0;
        if (EgressLimit(w, s, up_limit, b.Tsc(), in_port, tenant, tagged, &pkt, 1, &unused) == 0) {
          if constexpr (kTrace)
            trail.text += fmt::format("; VTEP #{}: red at {}", slot, s.limits.limits[up_limit].name);
          continue;
        }
      }
      DropReason why{};
      [[maybe_unused]] uint16_t sport = 0;
      [[maybe_unused]] const bool sent = VxlanEncapAndSend(
          w, s, in_port, tenant, tagged, pkt, EncapTarget(s, tenant, slot), &why, &sport);
      if constexpr (kTrace)
        trail.text += fmt::format("{}{}", trail.text.empty() ? "" : ", ",
                                  EncapText(s, slot, tenant, sent, why, sport));
    }
  }
  if constexpr (kTrace) b.trace->Add(r, "egress", "flood to " + trail.text);
}

// A run toward one remote VTEP: the target looked up once, each packet
// encapsulated and queued on the uplink, the counters added once.
template <bool kTrace>
void EncapRun(WorkerContext& w, const Snapshot& s, Burst& b, uint16_t r) {
  WorkerCounters& c = *w.counters;
  const uint16_t tenant = b.tenant[r], begin = b.run_start[r], end = b.run_start[r + 1];
  const EncapTarget t(s, tenant, b.action[r].remote);
  if (unlikely(t.rv == nullptr)) {
    if (t.why == DropReason::VXLAN_UNRESOLVED) c.vteps[t.slot].unresolved += end - begin;
    c.Drop(t.why, b.in_port, tenant, end - begin);
    rte_pktmbuf_free_bulk(b.pkts + begin, end - begin);
    if constexpr (kTrace) b.trace->Add(r, "egress", EncapText(s, t.slot, tenant, false, t.why, 0));
    return;
  }
  const bool tagged = b.tagged[r];
  const uint16_t uplink = s.vxlan.uplink_port;
  uint32_t sent = 0;
  uint64_t bytes = 0;
  uint16_t stop = end;
  if (unlikely(s.ports[uplink].limit_out != kNoLimit)) {
    int32_t unused = 0;
    stop = static_cast<uint16_t>(begin + EgressLimit(w, s, s.ports[uplink].limit_out, b.Tsc(), b.in_port,
                                                     tenant, tagged, b.pkts + begin, end - begin,
                                                     &unused));
    if constexpr (kTrace)
      if (stop == begin) b.trace->Add(r, "egress", "drop: red at " + s.limits.limits[s.ports[uplink].limit_out].name);
  }
  for (uint16_t p = begin; p < stop; ++p) {
    rte_mbuf* m = b.pkts[p];
    DropReason why{};
    uint16_t sport = 0;
    if (unlikely(!Encapsulate(m, tagged, t, &why, &sport))) {
      c.Drop(why, b.in_port, tenant);
      rte_pktmbuf_free(m);
      if constexpr (kTrace) b.trace->Add(r, "egress", EncapText(s, t.slot, tenant, false, why, 0));
      continue;
    }
    ++sent;
    bytes += rte_pktmbuf_pkt_len(m);
    Enqueue(w, s, uplink, m);
    if constexpr (kTrace)
      b.trace->Add(r, "egress", "encapsulated to " + EncapText(s, t.slot, tenant, true, why, sport));
  }
  VtepCounters& vc = c.vteps[t.slot];
  vc.encap_packets += sent;
  vc.encap_bytes += bytes;
  c.tenants[tenant].vxlan_encap += sent;
}

}  // namespace

template <bool kTrace>
void EgressStage(WorkerContext& w, const Snapshot& s, Burst& b) {
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
  if (unlikely(b.rule_edits)) MirrorRuns<kTrace>(w, s, b);
  for (uint16_t r = 0; r < b.runs; ++r) {
    const RunAction& a = b.action[r];
    if (unlikely(a.verdict != Verdict::kUnicast)) {
      if (a.verdict == Verdict::kFlood) {
        sync_tx();
        for (uint16_t p = b.run_start[r]; p < b.run_start[r + 1]; ++p)
          FloodPacket<kTrace>(w, s, b, r, b.pkts[p]);
      } else if (a.verdict == Verdict::kRemote) {
        sync_tx();
        EncapRun<kTrace>(w, s, b, r);
      } else {
        if constexpr (kTrace)
          b.trace->Add(r, "egress",
                       fmt::format("drop: {}", a.verdict == Verdict::kDrop
                                                   ? DropReasonName(a.drop)
                                                   : std::string_view("undecided")));
        DropRun(w, b, r);
      }
      continue;
    }
    const uint16_t tenant = b.tenant[r];
    const bool tagged = b.tagged[r];
    const uint16_t out = a.out_port;
    const uint16_t vid = unlikely(b.rule_edits) && a.set_vlan != kKeepVlan ? a.set_vlan : a.out_vlan;
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
    const uint16_t begin = b.run_start[r];
    uint16_t end = b.run_start[r + 1];
    rte_mbuf** const out_pkts = tb->pkts;
    int32_t bytes = static_cast<int32_t>(b.bytes[r]);
    // The output port's limit (features/limits) first: its red frames go.
    const uint16_t out_limit = s.ports[out].limit_out;
    if (unlikely(out_limit != kNoLimit))
      end = static_cast<uint16_t>(begin + EgressLimit(w, s, out_limit, b.Tsc(), b.in_port, tenant, tagged,
                                                      b.pkts + begin, end - begin, &bytes));
    uint32_t unicast = end - begin;
    const VlanEdit edit = EgressEdit(tagged, vid);
    switch (edit) {
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
            c.Drop(DropReason::VLAN_PUSH_FAILED, b.in_port, tenant);
            rte_pktmbuf_free(m);
            continue;
          }
          ++unicast;
          out_pkts[tb_count++] = m;
        }
        bytes += static_cast<int32_t>(kVlanTagLen * unicast);
        break;
    }
    if constexpr (kTrace)
      b.trace->Add(r, "egress", unicast != 0 ? fmt::format("unicast to {} ({})", s.PortName(out),
                                                           EditName(tagged, vid))
                                : end == begin && out_limit != kNoLimit
                                    ? "drop: red at " + s.limits.limits[out_limit].name
                                    : std::string("drop: vlan_push_failed"));
    tb_bytes += static_cast<uint32_t>(bytes);
    c.tenants[tenant].unicast += unicast;
  }
  sync_tx();
}

template void EgressStage<false>(WorkerContext&, const Snapshot&, Burst&);
template void EgressStage<true>(WorkerContext&, const Snapshot&, Burst&);

}  // namespace switchyard
