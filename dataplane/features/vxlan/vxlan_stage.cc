#include "features/vxlan/vxlan_stage.h"

#include <arpa/inet.h>

#include <fmt/format.h>
#include <rte_mbuf.h>

#include "core/parse_stage.h"
#include "core/trace.h"
#include "features/vxlan/vxlan_headers.h"

namespace switchyard {

namespace {

std::string FormatIp(uint32_t ip) {
  char buf[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &ip, buf, sizeof(buf));
  return buf;
}

// What the kernel sends on the VTEP interface leaves by the uplink as it is.
template <bool kTrace>
void FromKernel(const Snapshot& s, Burst& b) {
  const uint16_t uplink = s.vxlan.uplink_port;
  for (uint16_t r = 0; r < b.runs; ++r) {
    if (b.Decided(r)) continue;
    b.tenant[r] = kNoTenant;
    b.Unicast(r, uplink, b.tagged[r] ? b.vid[r] : 0);
    if constexpr (kTrace)
      b.trace->Add(r, "vxlan", fmt::format("from the VTEP interface: to the uplink {}",
                                           s.PortName(uplink)));
  }
}

// The burst from the uplink, rebuilt: runs that are not for the VTEP as
// they were, each VXLAN packet decapsulated (consecutive ones with one
// remote, one tenant and one inner header share a run again) or dropped.
template <bool kTrace>
void FromUnderlay(WorkerContext& w, const Snapshot& s, Burst& b) {
  using parse_detail::Header18;
  using parse_detail::kRunHeader;
  const VxlanSnapshot& vx = s.vxlan;
  WorkerCounters& c = *w.counters;
  Burst out;
  out.in_port = b.in_port;
  out.trace = b.trace;
  out.decapped = true;
  out.run_start[0] = 0;
  // The last run made here that the next packet may join: a decapsulated
  // run (with its leader's inner header) or a run to the kernel.
  enum class Open : uint8_t { kNone, kDecap, kKernel } open = Open::kNone;
  Header18 lead{};
  auto add = [&](rte_mbuf* m) {
    const uint16_t nr = out.runs++;
    out.pkts[out.count++] = m;
    out.run_start[nr + 1] = out.count;
    out.from_remote[nr] = kNoRemote;
    out.bytes[nr] = rte_pktmbuf_pkt_len(m);
    return nr;
  };
  auto extend = [&](rte_mbuf* m) {
    const uint16_t nr = static_cast<uint16_t>(out.runs - 1);
    out.pkts[out.count++] = m;
    out.run_start[nr + 1] = out.count;
    out.bytes[nr] += rte_pktmbuf_pkt_len(m);
  };
  auto to_kernel = [&](uint16_t r, rte_mbuf* m) {
    if (!kTrace && open == Open::kKernel) return extend(m);
    const uint16_t nr = add(m);
    out.src[nr] = b.src[r];
    out.dst[nr] = b.dst[r];
    out.vid[nr] = 0;
    out.tagged[nr] = false;
    out.ethertype[nr] = b.ethertype[r];
    out.tenant[nr] = kNoTenant;
    out.Unicast(nr, vx.kernel_port, 0);
    open = Open::kKernel;
    if constexpr (kTrace)
      b.trace->Add(nr, "vxlan", fmt::format("not VXLAN for {}: to the VTEP interface {}",
                                            FormatIp(vx.local_ip), s.PortName(vx.kernel_port)));
  };
  auto drop = [&](rte_mbuf* m, DropReason why, uint16_t tenant, std::string_view what) {
    const uint16_t nr = add(m);
    out.tenant[nr] = tenant;
    out.Drop(nr, why);
    open = Open::kNone;
    if constexpr (kTrace)
      b.trace->Add(nr, "vxlan", fmt::format("drop: {} ({})", DropReasonName(why), what));
    (void)what;
  };

  // The previous packet's (source, VNI) and what they gave: a burst from
  // the underlay is mostly one remote's traffic in one VNI.
  uint32_t last_ip = 0, last_vni = ~0u;
  uint16_t last_tenant = kNoTenant, last_slot = kNoRemote;
  for (uint16_t r = 0; r < b.runs; ++r) {
    // Decided already (malformed), or tagged: the VLAN tenants the uplink
    // also carries.
    if (b.Decided(r) || b.tagged[r] || b.vid[r] != 0) {
      out.AppendRun(b, r);
      open = Open::kNone;
      continue;
    }
    for (uint16_t p = b.run_start[r]; p < b.run_start[r + 1]; ++p) {
      rte_mbuf* m = b.pkts[p];
      if (b.ethertype[r] != kEtherTypeIpv4) {
        to_kernel(r, m);
        continue;
      }
      const bool csum_good =
          (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
      const uint32_t pkt_len = rte_pktmbuf_pkt_len(m);
      OuterResult o;
      if (likely(rte_pktmbuf_data_len(m) >= kVxlanEncapLen + kEthHeaderLen || m->next == nullptr)) {
        o = ClassifyOuter(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), pkt_len,
                          vx.local_ip, csum_good);
      } else {
        // A chain whose first segment is short: classified from a copy of
        // its first bytes; VXLAN then cannot be decapsulated in place.
        uint8_t head[kVxlanEncapLen + kEthHeaderLen];
        const uint32_t n = std::min<uint32_t>(pkt_len, sizeof(head));
        const auto* p = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, n, head));
        o = ClassifyOuter(p, n, pkt_len, vx.local_ip, csum_good);
        if (o.kind == OuterKind::kVxlan) {
          o.kind = OuterKind::kDrop;
          o.drop = DropReason::VXLAN_TRUNCATED;
        }
      }
      if (o.kind == OuterKind::kNotVxlan) {
        to_kernel(r, m);
        continue;
      }
      if (o.kind == OuterKind::kDrop) {
        drop(m, o.drop, kNoTenant, "outer headers");
        continue;
      }
      if (o.src_ip != last_ip || o.vni != last_vni) {
        const uint16_t tenant = vx.tenant_by_vni.Find(o.vni);
        if (tenant == U32Map::kEmpty || s.Tenant(tenant) == nullptr) {
          if constexpr (kTrace)
            drop(m, DropReason::VXLAN_UNKNOWN_VNI, kNoTenant, fmt::format("VNI {}", o.vni));
          else
            drop(m, DropReason::VXLAN_UNKNOWN_VNI, kNoTenant, {});
          continue;
        }
        const uint16_t slot = vx.remote_by_ip.Find(o.src_ip);
        if (slot == U32Map::kEmpty || !vx.remotes[slot].Serves(tenant)) {
          if constexpr (kTrace)
            drop(m, DropReason::VXLAN_UNKNOWN_SOURCE, tenant,
                 fmt::format("{} is not a remote VTEP of tenant {}", FormatIp(o.src_ip),
                             s.TenantName(tenant)));
          else
            drop(m, DropReason::VXLAN_UNKNOWN_SOURCE, tenant, {});
          continue;
        }
        last_ip = o.src_ip;
        last_vni = o.vni;
        last_tenant = tenant;
        last_slot = slot;
      }
      const uint16_t tenant = last_tenant, slot = last_slot;
      // The inner frame: padding after the outer packet cut, the outer
      // headers removed, the outer frame's RX offload flags forgotten.
      const uint32_t pad = pkt_len - kVxlanEncapLen - o.inner_len;
      if (unlikely(pad != 0)) rte_pktmbuf_trim(m, static_cast<uint16_t>(pad));
      rte_pktmbuf_adj(m, static_cast<uint16_t>(kVxlanEncapLen));
      m->ol_flags = 0;
      m->packet_type = 0;
      const uint8_t* inner = rte_pktmbuf_mtod(m, const uint8_t*);
      const uint16_t inner_seg = rte_pktmbuf_data_len(m);
      // A packet with the open run's remote, tenant and inner header
      // parses as its leader did: it joins the run.
      if (!kTrace && open == Open::kDecap && inner_seg >= kRunHeader &&
          out.from_remote[out.runs - 1] == slot && out.tenant[out.runs - 1] == tenant &&
          Header18::Load(inner) == lead) {
        extend(m);
        continue;
      }
      const ParseResult ip = ParseEthernet(inner, inner_seg);
      if (unlikely(ip.drop.has_value() || ip.l2.tagged)) {
        const DropReason why = !ip.drop                        ? DropReason::VXLAN_INNER_TAGGED
                               : *ip.drop == DropReason::RUNT ? DropReason::VXLAN_TRUNCATED
                                                              : *ip.drop;
        drop(m, why, tenant, "inner frame");
        continue;
      }
      const uint16_t nr = add(m);
      out.src[nr] = ip.l2.src;
      out.dst[nr] = ip.l2.dst;
      out.vid[nr] = 0;
      out.tagged[nr] = false;
      out.ethertype[nr] = ip.l2.ethertype;
      out.tenant[nr] = tenant;
      out.from_remote[nr] = slot;
      out.action[nr].verdict = Verdict::kUndecided;
      open = inner_seg >= kRunHeader ? Open::kDecap : Open::kNone;
      if (open == Open::kDecap) lead = Header18::Load(inner);
      if constexpr (kTrace)
        b.trace->Add(nr, "vxlan",
                     fmt::format("decapsulated from VTEP {}, VNI {} -> tenant {}: {} > {}, "
                                 "ethertype 0x{:04x}, {} bytes",
                                 FormatIp(o.src_ip), o.vni, s.TenantName(tenant),
                                 FormatMac(ip.l2.src), FormatMac(ip.l2.dst), ip.l2.ethertype,
                                 rte_pktmbuf_pkt_len(m)));
    }
  }
  // Counted per run: the remote's and the tenant's (classification, which
  // counts the tenant's RX otherwise, skips these runs).
  for (uint16_t nr = 0; nr < out.runs; ++nr) {
    const uint16_t slot = out.from_remote[nr];
    if (slot == kNoRemote || out.Decided(nr)) continue;
    const uint16_t n = out.RunLength(nr);
    VtepCounters& vc = c.vteps[slot];
    vc.decap_packets += n;
    vc.decap_bytes += out.bytes[nr];
    TenantCounters& tc = c.tenants[out.tenant[nr]];
    tc.vxlan_decap += n;
    tc.rx_packets += n;
    tc.rx_bytes += out.bytes[nr];
  }
  b = out;
}

}  // namespace

template <bool kTrace>
void VxlanUnderlay(WorkerContext& w, const Snapshot& s, Burst& b) {
  if (b.in_port == s.vxlan.kernel_port)
    FromKernel<kTrace>(s, b);
  else
    FromUnderlay<kTrace>(w, s, b);
}

template void VxlanUnderlay<false>(WorkerContext&, const Snapshot&, Burst&);
template void VxlanUnderlay<true>(WorkerContext&, const Snapshot&, Burst&);

}  // namespace switchyard
