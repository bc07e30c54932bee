#pragma once
// Building blocks for code that drives the pipeline in-process: unit tests,
// fuzzers and stage benchmarks. Header-only and never included by the
// daemon. Runs on the calling thread, which is EAL lcore 0.

#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "core/counters.h"
#include "core/snapshot_builder.h"
#include "core/worker_context.h"
#include "features/l2/mac_table.h"
#include "features/rules/rule_flow_cache.h"

namespace switchyard::testing {

// The first CPU this process may run on (taskset -c N): benchmarks pin
// EAL's lcore 0 there.
inline int FirstAllowedCpu() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) return c;
  return 0;
}

// A real EAL without hugepages, PCI or telemetry, on lcore 0 (`lcores` may
// pin it: "0@3"), with a file prefix of its own so several binaries run side
// by side. Exits on failure:
// nothing that needs it could run.
inline void InitEal(const char* program, unsigned memory_mb = 256,
                    const std::string& lcores = "0") {
  std::vector<std::string> args = {program, "--no-huge", "-m", std::to_string(memory_mb),
                                   "--no-pci", "--file-prefix",
                                   std::string(program) + "-" + std::to_string(getpid()),
                                   "--lcores", lcores, "--log-level", "*:error", "--no-telemetry"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
    std::fprintf(stderr, "%s: EAL initialisation failed\n", program);
    std::exit(1);
  }
}

inline v1::Tenant MakeTenant(const std::string& name, uint32_t id, uint32_t vlan = 0,
                             uint32_t mac_limit = 0) {
  v1::Tenant t;
  t.set_name(name);
  t.set_id(id);
  t.set_vlan(vlan);
  t.set_mac_limit(mac_limit);
  return t;
}

inline PlacedPort AccessPort(const std::string& name, uint16_t port_id, const std::string& tenant,
                             uint32_t vlan = 0) {
  PlacedPort p;
  p.spec.set_name(name);
  p.spec.set_role(v1::PORT_ROLE_ACCESS);
  p.spec.set_tenant(tenant);
  p.spec.set_access_vlan(vlan);
  p.port_id = port_id;
  return p;
}

inline PlacedPort TrunkPort(const std::string& name, uint16_t port_id,
                            std::initializer_list<std::pair<uint32_t, std::string>> vlans) {
  PlacedPort p;
  p.spec.set_name(name);
  p.spec.set_role(v1::PORT_ROLE_TRUNK);
  for (const auto& [vlan, tenant] : vlans) {
    auto* m = p.spec.add_trunk();
    m->set_vlan(vlan);
    m->set_tenant(tenant);
  }
  p.port_id = port_id;
  return p;
}

inline PlacedPort UplinkPort(const std::string& name, uint16_t port_id) {
  PlacedPort p;
  p.spec.set_name(name);
  p.spec.set_role(v1::PORT_ROLE_UPLINK);
  p.port_id = port_id;
  return p;
}

inline void AddPort(PortMap& ports, PlacedPort p) { ports[p.spec.name()] = std::move(p); }

// Overwrites `m` with a `len`-byte IPv4-typed frame, tagged with `vlan`
// (and priority `pcp`) unless vlan < 0. The rest is filled with `fill`.
inline void WriteFrame(rte_mbuf* m, uint64_t dst, uint64_t src, int vlan = -1,
                       uint16_t len = 64, uint8_t pcp = 0, uint8_t fill = 0) {
  rte_pktmbuf_reset(m);
  uint8_t* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, len));
  if (p == nullptr) return;
  std::memset(p, fill, len);
  for (int i = 0; i < 6; ++i) {
    p[i] = static_cast<uint8_t>(dst >> (8 * (5 - i)));
    p[6 + i] = static_cast<uint8_t>(src >> (8 * (5 - i)));
  }
  size_t off = 12;
  if (vlan >= 0) {
    p[12] = 0x81;
    p[13] = 0x00;
    p[14] = static_cast<uint8_t>((pcp << 5) | ((vlan >> 8) & 0x0f));
    p[15] = static_cast<uint8_t>(vlan & 0xff);
    off = 16;
  }
  p[off] = 0x08;
  p[off + 1] = 0x00;
}

// One worker's state (context, counters, MAC table) without an lcore: call
// ProcessBurst on it and read what it left in its TX buffers.
struct WorkerHarness {
  SharedTxLocks locks;
  std::unique_ptr<MacTable> macs;
  std::unique_ptr<WorkerCounters> counters = std::make_unique<WorkerCounters>();
  std::unique_ptr<RuleFlowCache> rule_flows = std::make_unique<RuleFlowCache>();
  WorkerContext ctx;

  WorkerHarness(rte_mempool* pool, uint32_t mac_capacity = 4096) {
    static int n = 0;
    std::string name = "harness_macs_" + std::to_string(n++);
    macs = std::make_unique<MacTable>(name.c_str(), mac_capacity);
    ctx.pool = pool;
    ctx.macs = macs.get();
    ctx.tx_locks = &locks;
    ctx.counters = counters.get();
    ctx.rule_flows = rule_flows.get();
  }
  ~WorkerHarness() { FreeTx(); }

  // Every path that buffers a packet keeps the buffer's byte count; a
  // mismatch aborts (unit tests and the fuzzer alike).
  static void CheckBytes(const TxBuffer& b, uint16_t port) {
    uint32_t bytes = 0;
    for (uint16_t i = 0; i < b.count; ++i) bytes += rte_pktmbuf_pkt_len(b.pkts[i]);
    if (b.bytes != bytes) {
      std::fprintf(stderr, "TX buffer of port %u counts %u bytes, holds %u\n", port, b.bytes,
                   bytes);
      std::abort();
    }
  }

  // Packets waiting on a port's TX buffer, taken out of it into `out`
  // (room for kTxBufferSize; no allocation). Returns how many.
  uint16_t TakeTx(uint16_t port, rte_mbuf** out) {
    TxBuffer& b = ctx.tx[port];
    CheckBytes(b, port);
    const uint16_t n = b.count;
    std::memcpy(out, b.pkts, n * sizeof(rte_mbuf*));
    b.count = 0;
    b.bytes = 0;
    ctx.dirty &= ~(uint64_t{1} << port);
    return n;
  }
  std::vector<rte_mbuf*> TakeTx(uint16_t port) {
    std::vector<rte_mbuf*> v(kTxBufferSize);
    v.resize(TakeTx(port, v.data()));
    return v;
  }
  void FreeTx() {
    for (auto& b : ctx.tx) {
      CheckBytes(b, static_cast<uint16_t>(&b - ctx.tx.data()));
      rte_pktmbuf_free_bulk(b.pkts, b.count);
      b.count = 0;
      b.bytes = 0;
    }
    ctx.dirty = 0;
  }
};

}  // namespace switchyard::testing
