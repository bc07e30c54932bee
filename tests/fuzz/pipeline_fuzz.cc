// Fuzzes the whole per-burst pipeline with untrusted frames: parse, VXLAN
// decap, classify, learn, lookup, VLAN edit, encap, flood. The properties:
// nothing crashes; every mbuf is either transmitted (left in a TX buffer)
// or freed, none leaks; no output frame is shorter than an Ethernet header;
// and tenants stay apart: every frame that leaves does so on a port that
// carries the tenant its ingress port and tag (or, on the VTEP uplink, its
// VNI and outer source) put it in (never on the ingress port), tagged as
// that port wants the tenant, or encapsulated with the tenant's VNI toward
// one of the tenant's remote VTEPs; what is not VXLAN on the uplink goes
// to its kernel interface only, and what comes from there to the uplink
// only. The tenant is worked out here, independently of the switch's
// parser, and rides in an mbuf field that copies keep.
//
// Input layout: byte 0 picks the ingress port (mod 6: 4 is the VTEP uplink,
// 5 its kernel interface), byte 1 the burst size (1..8), byte 2 how frames
// are cut into segments (bit i: frame i is a chain of 2 or 3), the rest is
// split into that many frames.
//
// Built two ways: with clang -fsanitize=fuzzer as a libFuzzer target
// (`-Dfuzzing=true`), and otherwise with a deterministic driver (main below)
// that runs a fixed number of generated and mutated inputs as a test.

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "core/pipeline.h"
#include "core/snapshot_builder.h"
#include "features/l2/mac_table.h"
#include "features/vxlan/vxlan_builder.h"
#include "testing/fixtures.h"

namespace {

using namespace switchyard;

struct Harness {
  rte_mempool* pool = nullptr;
  std::unique_ptr<testing::WorkerHarness> w;
  std::unique_ptr<Snapshot> snap;
  uint64_t now_ms = 0;

  Harness() {
    testing::InitEal("fuzz", 128);
    pool = rte_pktmbuf_pool_create("fuzz_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    static const rte_mbuf_dynfield kField = {"switchyard_fuzz_tenant", sizeof(uint16_t),
                                              alignof(uint16_t), 0};
    tenant_field = rte_mbuf_dynfield_register(&kField);
    if (tenant_field < 0) std::abort();
    w = std::make_unique<testing::WorkerHarness>(pool, 1024);
    // mac_limit 64 exercises the limit path; t1 also rides the uplink
    // tagged. Both have a VNI: t1's remote VTEP is 192.0.2.2 (resolved), t2's
    // 192.0.2.3 (unresolved).
    TenantMap tenants{{"t1", testing::MakeTenant("t1", 1, 501, 64)},
                      {"t2", testing::MakeTenant("t2", 2, 0, 64)}};
    tenants["t1"].set_vni(5001);
    tenants["t2"].set_vni(5002);
    PortMap ports;
    testing::AddPort(ports, testing::AccessPort("p0", 0, "t1"));
    testing::AddPort(ports, testing::AccessPort("p1", 1, "t1", 30));
    testing::AddPort(ports, testing::AccessPort("p2", 2, "t2"));
    auto trunk = testing::TrunkPort("p3", 3, {{100, "t1"}, {200, "t2"}});
    trunk.spec.set_kind(v1::PORT_KIND_PCI);  // the prefetching RX path
    testing::AddPort(ports, trunk);
    auto uplink = testing::UplinkPort("p4", 4);
    uplink.spec.set_vtep_ip("192.0.2.1/24");
    testing::AddPort(ports, uplink);
    PlacedPort kernel;
    kernel.spec.set_name("p4:vtep");
    kernel.port_id = 5;
    kernel.internal = true;
    testing::AddPort(ports, kernel);
    VxlanInputs vx;
    for (const auto& [t, remote, slot] : {std::tuple{"t1", "192.0.2.2", 0}, {"t2", "192.0.2.3", 1}}) {
      v1::Vtep v;
      v.set_tenant(t);
      v.set_remote(remote);
      v.set_name(std::string(t) + "@" + remote);
      vx.vteps[v.name()] = v;
      uint32_t ip = 0;
      ParseIpv4(remote, &ip);
      vx.slots[ip] = static_cast<uint16_t>(slot);
    }
    v1::NextHop nh;
    nh.set_remote("192.0.2.2");
    nh.set_mac("02:66:00:00:00:02");
    uint32_t ip2 = 0;
    ParseIpv4("192.0.2.2", &ip2);
    vx.next_hops[ip2] = nh;
    vx.underlay.uplink_present = vx.underlay.kernel_present = true;
    vx.underlay.uplink_port = 4;
    vx.underlay.kernel_port = 5;
    vx.underlay.mac = {0x02, 0x55, 0, 0, 0, 1};
    vx.underlay.vtep_ip = "192.0.2.1/24";
    snap = BuildSnapshot(1, tenants, ports, 1, nullptr, &vx);
    if (!snap->vxlan.enabled) std::abort();
  }

  // The markers for frames that belong to no tenant but the underlay's:
  // from the uplink to its kernel interface, and back.
  static constexpr uint16_t kToKernel = 0xfff0;
  static constexpr uint16_t kFromKernel = 0xfff1;

  static uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

  // Outer VXLAN (VNI, destination) of a frame, if it is IPv4/UDP 4789 with
  // the I flag; the inner frame at 50.
  struct Vxlan {
    bool is = false;
    uint32_t vni = 0;
    std::array<uint8_t, 4> src{}, dst{};
  };
  static Vxlan ReadVxlan(const uint8_t* f, size_t len) {
    Vxlan v;
    if (len < 64 || Be16(f + 12) != 0x0800 || f[14] != 0x45 || f[23] != 17 ||
        Be16(f + 36) != 4789 || (f[42] & 0x08) == 0)
      return v;
    v.is = true;
    v.vni = (uint32_t{f[46]} << 16) | (uint32_t{f[47]} << 8) | f[48];
    std::memcpy(v.src.data(), f + 26, 4);
    std::memcpy(v.dst.data(), f + 30, 4);
    return v;
  }
  static bool Ip(const std::array<uint8_t, 4>& a, uint8_t last) {
    return a[0] == 192 && a[1] == 0 && a[2] == 2 && a[3] == last;
  }

  int tenant_field = -1;  // mbuf dynfield: the tenant the frame entered

  uint16_t& Tenant(rte_mbuf* m) const { return *RTE_MBUF_DYNFIELD(m, tenant_field, uint16_t*); }

  // The tenant a frame belongs to, from the port's role and the outer tag
  // (802.1Q or 802.1ad; anything else is untagged): 0 if none.
  uint16_t ExpectedTenant(uint16_t in_port, const uint8_t* f, size_t len) const {
    if (len < 14) return kNoTenant;
    if (in_port == 5) return kFromKernel;
    const uint16_t type = static_cast<uint16_t>(f[12] << 8 | f[13]);
    uint16_t vid = 0;
    if (type == 0x8100 || type == 0x88a8) {
      if (len < 18) return kNoTenant;
      vid = static_cast<uint16_t>((f[14] << 8 | f[15]) & 0x0fff);
    } else if (in_port == 4) {
      // The VTEP uplink, untagged: VXLAN to 192.0.2.1 from the tenant's own
      // remote belongs to the tenant; anything else may only go to the
      // kernel interface (or nowhere).
      const Vxlan v = ReadVxlan(f, len);
      if (v.is && Ip(v.dst, 1) && v.vni == 5001 && Ip(v.src, 2)) return 1;
      if (v.is && Ip(v.dst, 1) && v.vni == 5002 && Ip(v.src, 3)) return 2;
      return kToKernel;
    }
    return snap->ports[in_port].IngressTenant(vid);
  }

  // A frame as a chain of `segs` segments cut at pseudo-random points (the
  // first may be shorter than an Ethernet header).
  rte_mbuf* Build(const uint8_t* d, size_t len, int segs, uint32_t cut_seed) {
    rte_mbuf* head = nullptr;
    size_t off = 0;
    for (int s = 0; s < segs; ++s) {
      size_t part = s + 1 == segs ? len - off : std::min(len - off, size_t{1 + (cut_seed >> (8 * s)) % 40});
      rte_mbuf* m = rte_pktmbuf_alloc(pool);
      if (m == nullptr) std::abort();
      if (part > 0) std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(part)), d + off, part);
      off += part;
      if (head == nullptr) {
        head = m;
      } else if (rte_pktmbuf_chain(head, m) != 0) {
        std::abort();
      }
    }
    return head;
  }

  void Run(const uint8_t* data, size_t size) {
    if (size < 3) return;
    const uint16_t in_port = data[0] % 6;
    const uint16_t n = static_cast<uint16_t>(1 + data[1] % 8);
    const uint8_t chained = data[2];
    data += 3;
    size -= 3;
    const unsigned avail_before = rte_mempool_avail_count(pool);
    rte_mbuf* pkts[8];
    size_t chunk = size / n;
    for (uint16_t i = 0; i < n; ++i) {
      const size_t len = std::min<size_t>(chunk, 1500);
      const uint8_t* f = data + i * chunk;
      const int segs = (chained >> i) & 1 ? 2 + (len + i) % 2 : 1;
      pkts[i] = Build(f, len, segs, static_cast<uint32_t>(len * 2654435761u + i));
      Tenant(pkts[i]) = ExpectedTenant(in_port, f, len);
    }
    now_ms += 700;  // age and refresh paths
    ProcessBurst(w->ctx, *snap, in_port, pkts, n, now_ms);
    if (now_ms % 7000 == 0) w->macs->Age(now_ms, 3000);
    for (uint16_t port = 0; port < w->ctx.tx.size(); ++port) {
      const TxBuffer& b = w->ctx.tx[port];
      for (uint16_t i = 0; i < b.count; ++i) {
        rte_mbuf* m = b.pkts[i];
        if (rte_pktmbuf_pkt_len(m) < 14) std::abort();
        const uint16_t t = Tenant(m);
        if (port == 5 || t == kToKernel || t == kFromKernel) {
          // The underlay's frames: uplink -> kernel interface -> uplink only.
          if ((port == 5) != (t == kToKernel) || (port == 4) != (t == kFromKernel)) {
            std::fprintf(stderr, "an underlay frame (%x) from port %u left on port %u\n", t,
                         in_port, port);
            std::abort();
          }
          continue;
        }
        const PortConfig& out = snap->ports[port];
        uint8_t outer[64];
        const auto* o = static_cast<const uint8_t*>(
            rte_pktmbuf_read(m, 0, std::min<uint32_t>(64, rte_pktmbuf_pkt_len(m)), outer));
        const Vxlan v = port == 4 ? ReadVxlan(o, std::min<uint32_t>(64, rte_pktmbuf_pkt_len(m)))
                                  : Vxlan{};
        if (v.is) {
          // Encapsulated: the tenant's VNI, toward its own remote, from us,
          // never a decapsulated frame going back out.
          const bool ok = Ip(v.src, 1) && ((t == 1 && v.vni == 5001 && Ip(v.dst, 2)) ||
                                           (t == 2 && v.vni == 5002 && Ip(v.dst, 3)));
          if (!ok || in_port == 4) {
            std::fprintf(stderr, "a frame of tenant %u from port %u left VNI %u\n", t, in_port,
                         v.vni);
            std::abort();
          }
          continue;
        }
        const uint16_t vid = out.present ? out.EgressVlan(t) : kNotMember;
        if (t == kNoTenant || vid == kNotMember || port == in_port) {
          std::fprintf(stderr, "a frame of tenant %u from port %u left on port %u\n", t, in_port,
                       port);
          std::abort();
        }
        uint8_t h[18];
        const auto* p = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, sizeof(h), h));
        if (vid != 0 && (p == nullptr || p[12] != 0x81 || p[13] != 0x00 ||
                         ((p[14] << 8 | p[15]) & 0x0fff) != vid)) {
          std::fprintf(stderr, "a frame of tenant %u left port %u without its tag %u\n", t, port,
                       vid);
          std::abort();
        }
      }
    }
    w->FreeTx();
    if (rte_mempool_avail_count(pool) != avail_before) {
      std::fprintf(stderr, "mbuf leak: %u before, %u after\n", avail_before,
                   rte_mempool_avail_count(pool));
      std::abort();
    }
  }
};

Harness& H() {
  static Harness h;
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  H().Run(data, size);
  return 0;
}

#ifndef SWITCHYARD_LIBFUZZER
// Deterministic driver: valid-looking frames (the MACs, tags and types the
// snapshot knows) mutated at random, plus pure noise.
int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 200000;
  std::mt19937 rng(12345);
  std::vector<uint8_t> in;
  for (int it = 0; it < iterations; ++it) {
    in.assign(3 + rng() % 400, 0);
    for (auto& b : in) b = static_cast<uint8_t>(rng());
    if (it % 4 != 0) {
      // Shape the first frame like Ethernet: a few MACs, maybe a known tag,
      // maybe a second one behind it (802.1Q, 802.1ad, the old 0x9100).
      size_t off = 3;
      if (in.size() >= off + 22) {
        static const uint8_t kMacs[4][6] = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
                                            {2, 0, 0, 0, 0, 1},
                                            {2, 0, 0, 0, 0, 2},
                                            {2, 0, 0, 0, 0, 3}};
        std::memcpy(&in[off], kMacs[rng() % 4], 6);
        std::memcpy(&in[off + 6], kMacs[1 + rng() % 3], 6);
        static const uint16_t kVids[] = {0, 30, 100, 200, 501, 999};
        static const uint16_t kTpids[] = {0x8100, 0x88a8, 0x9100};
        const int tags = static_cast<int>(rng() % 3);
        for (int t = 0; t < tags; ++t) {
          const uint16_t tpid = kTpids[rng() % 3];
          const uint16_t vid = kVids[rng() % 6];
          in[off + 12 + 4 * t] = static_cast<uint8_t>(tpid >> 8);
          in[off + 13 + 4 * t] = static_cast<uint8_t>(tpid);
          in[off + 14 + 4 * t] = static_cast<uint8_t>(vid >> 8);
          in[off + 15 + 4 * t] = static_cast<uint8_t>(vid);
        }
      }
      if (rng() % 3 != 0) in[2] = 0;  // mostly single segments
    }
    if (it % 5 == 1 && in.size() >= 3 + 64) {
      // One VXLAN frame on the uplink: from either remote (or a stranger),
      // to us (or not), in either VNI (or none), checksum right (mostly),
      // the inner frame shaped like the others, then a few bytes flipped.
      in[0] = 4;
      in[1] = 0;
      uint8_t* f = &in[3];
      const size_t len = in.size() - 3;
      static const uint8_t kLast[] = {2, 3, 9};
      static const uint32_t kVnis[] = {5001, 5002, 7};
      const uint8_t head[14] = {2, 0x55, 0, 0, 0, 1, 2, 0x66, 0, 0, 0, 2, 0x08, 0x00};
      std::memcpy(f, head, 14);
      uint8_t* ip = f + 14;
      std::memset(ip, 0, 36);
      ip[0] = 0x45;
      ip[2] = static_cast<uint8_t>((len - 14) >> 8);
      ip[3] = static_cast<uint8_t>(len - 14);
      ip[6] = 0x40;
      ip[8] = 64;
      ip[9] = 17;
      ip[12] = 192, ip[13] = 0, ip[14] = 2, ip[15] = kLast[rng() % 3];
      ip[16] = 192, ip[17] = 0, ip[18] = 2, ip[19] = rng() % 4 == 0 ? 7 : 1;
      uint32_t sum = 0;
      for (int i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1];
      while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
      const uint16_t ck = static_cast<uint16_t>(~sum ^ (rng() % 8 == 0 ? 1 : 0));
      ip[10] = static_cast<uint8_t>(ck >> 8);
      ip[11] = static_cast<uint8_t>(ck);
      uint8_t* udp = ip + 20;
      udp[0] = 0xc0;
      udp[2] = 0x12, udp[3] = 0xb5;  // 4789
      udp[4] = static_cast<uint8_t>((len - 34) >> 8);
      udp[5] = static_cast<uint8_t>(len - 34);
      udp[8] = rng() % 8 == 0 ? 0 : 0x08;
      const uint32_t vni = kVnis[rng() % 3];
      udp[12] = static_cast<uint8_t>(vni >> 16), udp[13] = static_cast<uint8_t>(vni >> 8);
      udp[14] = static_cast<uint8_t>(vni);
      uint8_t* inner = udp + 16;  // to a known MAC or broadcast, from a known one
      const uint8_t to = static_cast<uint8_t>(rng() % 4), from = static_cast<uint8_t>(1 + rng() % 3);
      for (int i = 0; i < 6; ++i) inner[i] = to == 0 ? 0xff : (i == 0 ? 2 : i == 5 ? to : 0);
      for (int i = 0; i < 6; ++i) inner[6 + i] = i == 0 ? 2 : i == 5 ? from : 0;
      inner[12] = 0x08, inner[13] = 0x00;
      for (int k = static_cast<int>(rng() % 3); k > 0; --k) f[rng() % len] ^= static_cast<uint8_t>(rng());
    }
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  std::printf("%d inputs, no crash, no leak\n", iterations);
  return 0;
}
#endif
