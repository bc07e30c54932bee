// Fuzzes the whole per-burst pipeline with untrusted frames: parse, classify,
// learn, lookup, VLAN edit, flood. The property: nothing crashes, every mbuf
// is either transmitted (left in a TX buffer) or freed, none leaks, and no
// output frame is shorter than an Ethernet header.
//
// Input layout: byte 0 picks the ingress port (mod 5), byte 1 the burst size
// (1..8), the rest is split into that many frames.
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

  void Run(const uint8_t* data, size_t size) {
    if (size < 2) return;
    const uint16_t in_port = data[0] % 5;
    const uint16_t n = static_cast<uint16_t>(1 + data[1] % 8);
    data += 2;
    size -= 2;
    const unsigned avail_before = rte_mempool_avail_count(pool);
    rte_mbuf* pkts[8];
    size_t chunk = size / n;
    for (uint16_t i = 0; i < n; ++i) {
      pkts[i] = rte_pktmbuf_alloc(pool);
      size_t len = std::min<size_t>(chunk, 1500);
      if (len > 0) std::memcpy(rte_pktmbuf_append(pkts[i], static_cast<uint16_t>(len)), data + i * chunk, len);
    }
    now_ms += 700;  // age and refresh paths
    ProcessBurst(w->ctx, *snap, in_port, pkts, n, now_ms);
    if (now_ms % 7000 == 0) w->macs->Age(now_ms, 3000);
    for (const TxBuffer& b : w->ctx.tx) {
      for (uint16_t i = 0; i < b.count; ++i) {
        if (rte_pktmbuf_data_len(b.pkts[i]) < 14) std::abort();
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
    in.assign(2 + rng() % 400, 0);
    for (auto& b : in) b = static_cast<uint8_t>(rng());
    if (it % 4 != 0) {
      // Shape the first frame like Ethernet: a few MACs, maybe a known tag.
      size_t off = 2;
      if (in.size() >= off + 18) {
        static const uint8_t kMacs[4][6] = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
                                            {2, 0, 0, 0, 0, 1},
                                            {2, 0, 0, 0, 0, 2},
                                            {2, 0, 0, 0, 0, 3}};
        std::memcpy(&in[off], kMacs[rng() % 4], 6);
        std::memcpy(&in[off + 6], kMacs[1 + rng() % 3], 6);
        static const uint16_t kVids[] = {0, 30, 100, 200, 501, 999};
        if (rng() % 2) {
          uint16_t vid = kVids[rng() % 6];
          in[off + 12] = 0x81;
          in[off + 13] = 0x00;
          in[off + 14] = static_cast<uint8_t>(vid >> 8);
          in[off + 15] = static_cast<uint8_t>(vid);
        }
      }
    }
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  std::printf("%d inputs, no crash, no leak\n", iterations);
  return 0;
}
#endif
