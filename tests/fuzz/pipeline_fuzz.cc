// Fuzzes the whole per-burst pipeline with untrusted frames: parse, classify,
// learn, lookup, VLAN edit, flood. The properties: nothing crashes; every
// mbuf is either transmitted (left in a TX buffer) or freed, none leaks; no
// output frame is shorter than an Ethernet header; and tenants stay apart:
// every frame that leaves does so on a port that carries the tenant its
// ingress port and tag put it in (never on the ingress port), tagged as
// that port wants the tenant. The tenant is worked out here, independently
// of the switch's parser, and rides in an mbuf field that copies keep.
//
// Input layout: byte 0 picks the ingress port (mod 5), byte 1 the burst size
// (1..8), byte 2 how frames are cut into segments (bit i: frame i is a chain
// of 2 or 3), the rest is split into that many frames.
//
// Built two ways: with clang -fsanitize=fuzzer as a libFuzzer target
// (`-Dfuzzing=true`), and otherwise with a deterministic driver (main below)
// that runs a fixed number of generated and mutated inputs as a test.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "core/pipeline.h"
#include "core/snapshot_builder.h"
#include "features/l2/mac_table.h"
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
    // mac_limit 64 exercises the limit path; t1 also rides the uplink.
    TenantMap tenants{{"t1", testing::MakeTenant("t1", 1, 501, 64)},
                      {"t2", testing::MakeTenant("t2", 2, 0, 64)}};
    PortMap ports;
    testing::AddPort(ports, testing::AccessPort("p0", 0, "t1"));
    testing::AddPort(ports, testing::AccessPort("p1", 1, "t1", 30));
    testing::AddPort(ports, testing::AccessPort("p2", 2, "t2"));
    auto trunk = testing::TrunkPort("p3", 3, {{100, "t1"}, {200, "t2"}});
    trunk.spec.set_kind(v1::PORT_KIND_PCI);  // the prefetching RX path
    testing::AddPort(ports, trunk);
    testing::AddPort(ports, testing::UplinkPort("p4", 4));
    snap = BuildSnapshot(1, tenants, ports, 1);
  }

  int tenant_field = -1;  // mbuf dynfield: the tenant the frame entered

  uint16_t& Tenant(rte_mbuf* m) const { return *RTE_MBUF_DYNFIELD(m, tenant_field, uint16_t*); }

  // The tenant a frame belongs to, from the port's role and the outer tag
  // (802.1Q or 802.1ad; anything else is untagged): 0 if none.
  uint16_t ExpectedTenant(uint16_t in_port, const uint8_t* f, size_t len) const {
    if (len < 14) return kNoTenant;
    const uint16_t type = static_cast<uint16_t>(f[12] << 8 | f[13]);
    uint16_t vid = 0;
    if (type == 0x8100 || type == 0x88a8) {
      if (len < 18) return kNoTenant;
      vid = static_cast<uint16_t>((f[14] << 8 | f[15]) & 0x0fff);
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
    const uint16_t in_port = data[0] % 5;
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
        const PortConfig& out = snap->ports[port];
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
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  std::printf("%d inputs, no crash, no leak\n", iterations);
  return 0;
}
#endif
