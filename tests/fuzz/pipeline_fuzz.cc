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

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include "core/pipeline.h"
#include "core/snapshot_builder.h"
#include "features/l2/mac_table.h"

namespace {

using namespace switchyard;

struct Harness {
  rte_mempool* pool = nullptr;
  std::unique_ptr<MacTable> macs;
  std::unique_ptr<WorkerCounters> counters;
  SharedTxLocks locks;
  WorkerContext ctx;
  std::unique_ptr<Snapshot> snap;
  uint64_t now_ms = 0;

  Harness() {
    std::string prefix = "fuzz-" + std::to_string(getpid());
    std::vector<std::string> args = {"fuzz", "--no-huge", "-m", "128", "--no-pci",
                                     "--file-prefix", prefix, "--lcores", "0",
                                     "--log-level", "*:error", "--no-telemetry"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      std::fprintf(stderr, "EAL init failed\n");
      std::abort();
    }
    pool = rte_pktmbuf_pool_create("fuzz_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    macs = std::make_unique<MacTable>("fuzz_macs", 1024, nullptr);
    counters = std::make_unique<WorkerCounters>();
    ctx.pool = pool;
    ctx.macs = macs.get();
    ctx.tx_locks = &locks;
    ctx.counters = counters.get();

    TenantMap tenants;
    for (uint32_t id : {1u, 2u}) {
      v1::Tenant t;
      t.set_name("t" + std::to_string(id));
      t.set_id(id);
      t.set_vlan(id == 1 ? 501 : 0);
      t.set_mac_limit(64);  // exercise the limit path
      tenants[t.name()] = t;
    }
    PortMap ports;
    auto access = [&](uint16_t pid, const char* tenant, uint32_t vlan) {
      PlacedPort p;
      p.spec.set_name("p" + std::to_string(pid));
      p.spec.set_role(v1::PORT_ROLE_ACCESS);
      p.spec.set_tenant(tenant);
      p.spec.set_access_vlan(vlan);
      p.port_id = pid;
      ports[p.spec.name()] = p;
    };
    access(0, "t1", 0);
    access(1, "t1", 30);
    access(2, "t2", 0);
    PlacedPort trunk;
    trunk.spec.set_name("p3");
    trunk.spec.set_role(v1::PORT_ROLE_TRUNK);
    auto* m = trunk.spec.add_trunk();
    m->set_vlan(100);
    m->set_tenant("t1");
    m = trunk.spec.add_trunk();
    m->set_vlan(200);
    m->set_tenant("t2");
    trunk.port_id = 3;
    ports["p3"] = trunk;
    PlacedPort up;
    up.spec.set_name("p4");
    up.spec.set_role(v1::PORT_ROLE_UPLINK);
    up.port_id = 4;
    ports["p4"] = up;
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
    ProcessBurst(ctx, *snap, in_port, pkts, n, now_ms);
    if (now_ms % 7000 == 0) macs->Age(now_ms, 3000);
    for (auto& b : ctx.tx) {
      for (uint16_t i = 0; i < b.count; ++i) {
        if (rte_pktmbuf_data_len(b.pkts[i]) < 14) std::abort();
        rte_pktmbuf_free(b.pkts[i]);
      }
      b.count = 0;
    }
    ctx.dirty = 0;
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
