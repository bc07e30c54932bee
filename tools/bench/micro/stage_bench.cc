// Stage micro-benchmarks: what each fast-path stage costs per packet, in
// TSC cycles, measured in-process on crafted bursts of 32 packets.
//
//   taskset -c 1 build-bench/tools/bench/stage_bench            (human table)
//   tools/bench/run.py micro                                   (JSON + table)
//
// Every benchmark reports `cyc/pkt`: rte_rdtsc() cycles spent in the measured
// call(s) only, divided by the packets they handled. Resetting mbufs between
// bursts (a pushed tag must be taken off again) is outside the measured
// region.

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "core/pipeline.h"
#include "core/snapshot_builder.h"
#include "core/eth_parse.h"
#include "features/l2/mac_table.h"
#include "features/limits/gcra.h"
#include "features/limits/limit_builder.h"
#include "features/limits/limit_state.h"
#include "features/rules/rule_acl.h"
#include "features/rules/rule_builder.h"
#include "features/vlan/vlan_stage.h"
#include "features/vxlan/vxlan_headers.h"
#include "testing/fixtures.h"

namespace switchyard {
namespace {

constexpr uint16_t kBurst = kBurstSize;
// Sources kMacA + i live on the ingress port, destinations kMacB + i on the
// egress port.
constexpr uint64_t kMacA = 0x02aa00000000;
constexpr uint64_t kMacB = 0x02bb00000000;

rte_mempool* Pool() {
  static rte_mempool* p =
      rte_pktmbuf_pool_create("bench_pool", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  return p;
}

void WriteFrame(rte_mbuf* m, uint64_t dst, uint64_t src, int vlan) {
  testing::WriteFrame(m, dst, src, vlan);
}

// Ports: 0 access red, 1 access red, 2 trunk 100=red. Tenant red = 1.
struct Fixture : testing::WorkerHarness {
  std::unique_ptr<Snapshot> snap;

  explicit Fixture(uint32_t capacity = 4096) : WorkerHarness(Pool(), capacity) {
    TenantMap tenants{{"red", testing::MakeTenant("red", 1, 0, 1u << 20)}};
    PortMap ports;
    testing::AddPort(ports, testing::AccessPort("p0", 0, "red"));
    testing::AddPort(ports, testing::AccessPort("p1", 1, "red"));
    testing::AddPort(ports, testing::TrunkPort("p2", 2, {{100, "red"}}));
    snap = BuildSnapshot(1, tenants, ports, 1);
  }
  void Learn(uint64_t mac, uint16_t port) {
    macs->Upsert(MakeMacHashKey(1, mac), PackMacValue(port, 1000));
  }
};

void Report(benchmark::State& state, uint64_t cycles, uint64_t packets) {
  state.counters["cyc/pkt"] = packets ? static_cast<double>(cycles) / packets : 0.0;
  state.SetItemsProcessed(static_cast<int64_t>(packets));
}

// --- parse ------------------------------------------------------------------

void BM_Parse(benchmark::State& state) {
  std::vector<std::array<uint8_t, 64>> frames(kBurst);
  for (uint16_t i = 0; i < kBurst; ++i) {
    auto& f = frames[i];
    f.fill(0);
    for (int b = 0; b < 6; ++b) {
      f[b] = static_cast<uint8_t>(kMacB >> (8 * (5 - b)));
      f[6 + b] = static_cast<uint8_t>((kMacA + i) >> (8 * (5 - b)));
    }
    if (state.range(0)) {
      f[12] = 0x81; f[13] = 0x00; f[14] = 0; f[15] = 100; f[16] = 0x08;
    } else {
      f[12] = 0x08;
    }
  }
  uint64_t cycles = 0, packets = 0;
  for (auto _ : state) {
    uint64_t t0 = rte_rdtsc();
    for (uint16_t i = 0; i < kBurst; ++i) {
      ParseResult r = ParseEthernet(frames[i].data(), 64);
      benchmark::DoNotOptimize(r);
    }
    cycles += rte_rdtsc() - t0;
    packets += kBurst;
  }
  Report(state, cycles, packets);
}
BENCHMARK(BM_Parse)->ArgName("tagged")->Arg(0)->Arg(1);

// --- classify ---------------------------------------------------------------

void BM_Classify(benchmark::State& state) {
  Fixture f;
  const PortConfig& pc = f.snap->ports[state.range(0) ? 2 : 0];
  ParsedL2 l2;
  l2.vid = state.range(0) ? 100 : 0;
  l2.tagged = state.range(0) != 0;
  uint64_t cycles = 0, packets = 0;
  for (auto _ : state) {
    uint64_t t0 = rte_rdtsc();
    for (uint16_t i = 0; i < kBurst; ++i) {
      DropReason why;
      benchmark::DoNotOptimize(l2);
      uint16_t t = ClassifyIngress(pc, l2.vid, &why);
      benchmark::DoNotOptimize(t);
    }
    cycles += rte_rdtsc() - t0;
    packets += kBurst;
  }
  Report(state, cycles, packets);
}
BENCHMARK(BM_Classify)->ArgName("trunk")->Arg(0)->Arg(1);

// --- MAC table lookup ---------------------------------------------------------
// A table holding N entries; each burst looks up 32 sources (all the same, as
// in one flow) and 32 destinations spread uniformly over all N entries: the
// same 2x32-key bulk lookup the L2 stage does.

void BM_Lookup(benchmark::State& state) {
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  MacTable macs(("bench_lookup_" + std::to_string(n)).c_str(), std::max<uint32_t>(2 * n, 4096));
  for (uint32_t i = 0; i < n; ++i) macs.Upsert(MakeMacHashKey(1, 0x020100000000ULL + i), 1);
  std::mt19937_64 rng(42);
  constexpr uint32_t kKeys = 1 << 16;
  std::vector<MacHashKey> dsts(kKeys);
  for (auto& k : dsts) k = MakeMacHashKey(1, 0x020100000000ULL + rng() % n);
  MacHashKey keys[2 * kBurst];
  uint64_t values[2 * kBurst];
  uint64_t cycles = 0, packets = 0, hits = 0;
  uint32_t pos = 0;
  for (auto _ : state) {
    for (uint16_t i = 0; i < kBurst; ++i) {
      keys[i] = MakeMacHashKey(1, 0x020100000000ULL);
      keys[kBurst + i] = dsts[(pos + i) & (kKeys - 1)];
    }
    pos += kBurst;
    uint64_t t0 = rte_rdtsc();
    uint64_t h = macs.LookupBulk(keys, 2 * kBurst, values);
    cycles += rte_rdtsc() - t0;
    hits += __builtin_popcountll(h);
    packets += kBurst;
  }
  if (hits != 2 * packets) state.SkipWithError("lookups missed");
  Report(state, cycles, packets);
}
BENCHMARK(BM_Lookup)->ArgName("macs")->Arg(1000)->Arg(100000)->Arg(1000000);

// --- the memory floor ------------------------------------------------------------
// Not a stage: what this machine charges for one 64-byte read at a random
// line of a 64 MB region (the MAC table's size for 2M entries), the reads
// independent of each other, with the next read's line prefetched `ahead`
// reads earlier (0: none; the core still overlaps the misses it can). The
// MAC sweep's growth is measured against it (docs/performance.md).

void BM_RandomRead(benchmark::State& state) {
  const size_t bytes = static_cast<size_t>(state.range(0)) << 20;
  const uint32_t ahead = static_cast<uint32_t>(state.range(1));
  const size_t lines = bytes / 64;
  std::vector<uint64_t> mem(bytes / sizeof(uint64_t), 1);
  std::mt19937_64 rng(7);
  constexpr uint32_t kReads = 1 << 16;
  std::vector<uint32_t> at(kReads);
  for (auto& a : at) a = static_cast<uint32_t>(rng() % lines);
  uint64_t cycles = 0, reads = 0, sum = 0;
  uint32_t pos = 0;
  for (auto _ : state) {
    const uint64_t t0 = rte_rdtsc();
    for (uint32_t i = 0; i < kBurst; ++i, ++pos) {
      if (ahead != 0) rte_prefetch0(&mem[at[(pos + ahead) & (kReads - 1)] * 8]);
      sum += mem[at[pos & (kReads - 1)] * 8];
    }
    cycles += rte_rdtsc() - t0;
    reads += kBurst;
  }
  benchmark::DoNotOptimize(sum);
  Report(state, cycles, reads);
}
BENCHMARK(BM_RandomRead)->ArgNames({"mb", "ahead"})->Args({64, 0})->Args({64, 32})->Args({1, 0});

// --- learn --------------------------------------------------------------------
// Inserting new (tenant, MAC) keys, one per packet, into a table that is
// emptied again (unmeasured) every 64K inserts.

void BM_Learn(benchmark::State& state) {
  constexpr uint32_t kBatch = 1 << 16;
  MacTable macs("bench_learn", 4 * kBatch);
  uint64_t cycles = 0, packets = 0;
  uint32_t in_table = 0;
  uint64_t next = 0x020200000000ULL;
  for (auto _ : state) {
    if (in_table + kBurst > kBatch) {
      macs.Remove([](const MacRecord&) { return true; });
      in_table = 0;
    }
    uint64_t t0 = rte_rdtsc();
    for (uint16_t i = 0; i < kBurst; ++i) macs.Upsert(MakeMacHashKey(1, next++), 1);
    cycles += rte_rdtsc() - t0;
    in_table += kBurst;
    packets += kBurst;
  }
  Report(state, cycles, packets);
}
BENCHMARK(BM_Learn);

// Times ProcessBurst on bursts of kBurst packets from `in`, every one of
// which must leave by `out`: before each burst (outside the timing),
// `write(pkts, first)` rewrites the frames, `first` counting the packets
// of earlier bursts. Reports cyc/pkt.
template <class Write>
void TimeForwarding(benchmark::State& state, testing::WorkerHarness& h, const Snapshot& snap,
                    uint16_t in, uint16_t out, const char* not_forwarded, Write write) {
  rte_mbuf* pkts[kBurst];
  rte_mbuf* got[kTxBufferSize];
  if (rte_pktmbuf_alloc_bulk(Pool(), pkts, kBurst) != 0) {
    state.SkipWithError("mbuf alloc");
    return;
  }
  uint64_t cycles = 0, packets = 0;
  for (auto _ : state) {
    write(pkts, static_cast<uint32_t>(packets));
    uint64_t t0 = rte_rdtsc();
    ProcessBurst(h.ctx, snap, in, pkts, kBurst, 1000);
    cycles += rte_rdtsc() - t0;
    packets += kBurst;
    if (h.TakeTx(out, got) != kBurst) {
      state.SkipWithError(not_forwarded);
      break;
    }
    std::memcpy(pkts, got, sizeof(pkts));
  }
  rte_pktmbuf_free_bulk(pkts, kBurst);
  Report(state, cycles, packets);
}

// --- the whole pipeline (parse, classify, lookup+learn, forward, tag edit) ---
// Known unicast A -> B, 32 packets per burst. TX is the per-port buffer only
// (no PMD): the packets are taken back out of it after each burst.
//   access -> access : no tag edit
//   access -> trunk  : push VLAN 100
//   trunk  -> access : pop

enum class Path { kAccessAccess = 0, kPush = 1, kPop = 2 };

void BM_Pipeline(benchmark::State& state) {
  const auto path = static_cast<Path>(state.range(0));
  const uint32_t flows = static_cast<uint32_t>(state.range(1));
  Fixture f;
  const uint16_t in = path == Path::kPop ? 2 : 0;
  const uint16_t out = path == Path::kAccessAccess ? 1 : path == Path::kPush ? 2 : 0;
  const int in_vlan = path == Path::kPop ? 100 : -1;
  // `flows` destination MACs, all learned on `out`; sources learned on `in`.
  for (uint32_t i = 0; i < flows; ++i) {
    f.Learn(kMacB + i, out);
    f.Learn(kMacA + i, in);
  }
  TimeForwarding(state, f, *f.snap, in, out, "packets not forwarded", [&](rte_mbuf** pkts, uint32_t first) {
    for (uint16_t i = 0; i < kBurst; ++i) {
      const uint32_t fl = (first + i) % flows;
      WriteFrame(pkts[i], kMacB + fl, kMacA + fl, in_vlan);
    }
  });
}
BENCHMARK(BM_Pipeline)
    ->ArgNames({"path", "flows"})
    ->Args({static_cast<int>(Path::kAccessAccess), 1})
    ->Args({static_cast<int>(Path::kAccessAccess), 32})
    ->Args({static_cast<int>(Path::kPush), 1})
    ->Args({static_cast<int>(Path::kPop), 1});

// --- VXLAN (features/vxlan) ----------------------------------------------------
// Red (VNI 5001) reaches remote VTEP 192.0.2.2 through the uplink; blue has
// no VNI. Ports: 0 red access, 1 the VTEP uplink, 2 its kernel interface,
// 3 and 4 blue access.
//   encap : red access -> a MAC behind the remote, every packet encapsulated
//   decap : VXLAN from the remote -> red access, every packet decapsulated
//   blue  : blue access -> access on the same switch: a tenant without a VNI
//           (compare BM_Pipeline access -> access)

enum class VxlanPath { kEncap = 0, kDecap = 1, kPlainTenant = 2 };

uint32_t Ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  const uint8_t bytes[4] = {a, b, c, d};
  uint32_t v;
  std::memcpy(&v, bytes, 4);
  return v;
}

void BM_Vxlan(benchmark::State& state) {
  const auto path = static_cast<VxlanPath>(state.range(0));
  const uint32_t flows = static_cast<uint32_t>(state.range(1));
  testing::WorkerHarness h(Pool());
  auto red = testing::MakeTenant("red", 1, 0, 1u << 20);
  red.set_vni(5001);
  TenantMap tenants{{"red", red}, {"blue", testing::MakeTenant("blue", 2, 0, 1u << 20)}};
  PortMap ports;
  testing::AddPort(ports, testing::AccessPort("p0", 0, "red"));
  PlacedPort up = testing::UplinkPort("up0", 1);
  up.spec.set_vtep_ip("192.0.2.1/24");
  testing::AddPort(ports, up);
  PlacedPort k;
  k.spec.set_name("up0:vtep");
  k.port_id = 2;
  k.internal = true;
  testing::AddPort(ports, k);
  testing::AddPort(ports, testing::AccessPort("p3", 3, "blue"));
  testing::AddPort(ports, testing::AccessPort("p4", 4, "blue"));
  VxlanInputs vx;
  v1::Vtep v;
  v.set_name("red@192.0.2.2");
  v.set_tenant("red");
  v.set_remote("192.0.2.2");
  vx.vteps[v.name()] = v;
  vx.slots[Ipv4(192, 0, 2, 2)] = 0;
  v1::NextHop nh;
  nh.set_remote("192.0.2.2");
  nh.set_via("192.0.2.2");
  nh.set_mac("02:66:00:00:00:02");
  vx.next_hops[Ipv4(192, 0, 2, 2)] = nh;
  vx.underlay.uplink_present = vx.underlay.kernel_present = true;
  vx.underlay.uplink_port = 1;
  vx.underlay.kernel_port = 2;
  vx.underlay.mac = {0x02, 0x55, 0, 0, 0, 1};
  vx.underlay.vtep_ip = "192.0.2.1/24";
  auto snap = BuildSnapshot(1, tenants, ports, 1, nullptr, &vx);
  const uint16_t tenant = path == VxlanPath::kPlainTenant ? 2 : 1;
  const uint16_t in = path == VxlanPath::kEncap ? 0 : path == VxlanPath::kDecap ? 1 : 3;
  const uint16_t out = path == VxlanPath::kEncap ? 1 : path == VxlanPath::kDecap ? 0 : 4;
  for (uint32_t i = 0; i < flows; ++i) {
    const MacDest dst_at = path == VxlanPath::kEncap ? RemoteDest(0) : out;
    const MacDest src_at = path == VxlanPath::kDecap ? RemoteDest(0) : in;
    h.macs->Upsert(MakeMacHashKey(tenant, kMacB + i), PackMacValue(dst_at, 1000));
    h.macs->Upsert(MakeMacHashKey(tenant, kMacA + i), PackMacValue(src_at, 1000));
  }
  // The remote's outer headers toward us, for the decap frames.
  const uint8_t remote_mac[6] = {0x02, 0x66, 0, 0, 0, 2}, our_mac[6] = {0x02, 0x55, 0, 0, 0, 1};
  const EncapTemplate from_remote =
      MakeEncapTemplate(our_mac, remote_mac, Ipv4(192, 0, 2, 2), Ipv4(192, 0, 2, 1));
  TimeForwarding(state, h, *snap, in, out, "packets not forwarded", [&](rte_mbuf** pkts, uint32_t first) {
    for (uint16_t i = 0; i < kBurst; ++i) {
      const uint32_t fl = (first + i) % flows;
      WriteFrame(pkts[i], kMacB + fl, kMacA + fl, -1);
      if (path == VxlanPath::kDecap) {
        const uint32_t len = rte_pktmbuf_pkt_len(pkts[i]);
        auto* hdr = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(pkts[i], kVxlanEncapLen));
        WriteEncap(hdr, from_remote, TemplateIpSum(from_remote), len, 49152 + fl, 5001);
      }
    }
  });
}
BENCHMARK(BM_Vxlan)
    ->ArgNames({"path", "flows"})
    ->Args({static_cast<int>(VxlanPath::kEncap), 1})
    ->Args({static_cast<int>(VxlanPath::kEncap), 32})
    ->Args({static_cast<int>(VxlanPath::kDecap), 1})
    ->Args({static_cast<int>(VxlanPath::kDecap), 32})
    ->Args({static_cast<int>(VxlanPath::kPlainTenant), 1});

// --- rate limits (features/limits) ----------------------------------------------
// Known unicast p0 -> p1 in red (the BM_Pipeline access -> access path),
// every limit far above the traffic (400 Gbit/s: every frame green), so
// what is measured is the metering, not drops:
//   none        no limit anywhere
//   elsewhere   limits on another port (in, out, storm) only: red pays nothing
//   other-tenant  blue has an aggregate limit: red's runs are looked up
//   port-in     p0's in limit          tenant    red's aggregate limit
//   port-out    p1's out limit         all       p0 in + red + p1 out
//   storm       p0's three storm limits (known unicast: none applies)

// Red with access ports p0 and p1, blue with p2 (the limit and rule
// benchmarks' topology).
void RedBlue(TenantMap* tenants, PortMap* ports) {
  *tenants = {{"red", testing::MakeTenant("red", 1, 0, 1u << 20)},
              {"blue", testing::MakeTenant("blue", 2, 0, 1u << 20)}};
  testing::AddPort(*ports, testing::AccessPort("p0", 0, "red"));
  testing::AddPort(*ports, testing::AccessPort("p1", 1, "red"));
  testing::AddPort(*ports, testing::AccessPort("p2", 2, "blue"));
}

enum class LimitCase { kNone, kElsewhere, kOtherTenant, kPortIn, kTenant, kPortOut, kAll, kStorm };

void BM_Limits(benchmark::State& state) {
  const auto c = static_cast<LimitCase>(state.range(0));
  testing::WorkerHarness h(Pool());
  TenantMap tenants;
  PortMap ports;
  RedBlue(&tenants, &ports);
  LimitStates states;
  LimitInputs in;
  in.tsc_hz = rte_get_tsc_hz();
  in.states = &states;
  auto add = [&](const std::string& name, const std::string& port, const std::string& tenant,
                 v1::LimitDirection dir = v1::LIMIT_DIRECTION_IN, v1::StormClass storm = v1::STORM_CLASS_NONE) {
    v1::Limit l;
    l.set_name(name);
    l.set_port(port);
    l.set_tenant(tenant);
    l.set_direction(dir);
    l.set_storm(storm);
    l.set_bps(400'000'000'000);
    const auto slot = static_cast<uint16_t>(in.limits.size());
    in.limits[name] = l;
    in.slots[name] = slot;
    states.Reset(slot, ScaledNow(rte_rdtsc()));
  };
  auto storms = [&](const std::string& port) {
    add("port/" + port + "/storm-broadcast", port, "", v1::LIMIT_DIRECTION_IN, v1::STORM_CLASS_BROADCAST);
    add("port/" + port + "/storm-multicast", port, "", v1::LIMIT_DIRECTION_IN, v1::STORM_CLASS_MULTICAST);
    add("port/" + port + "/storm-unknown", port, "", v1::LIMIT_DIRECTION_IN, v1::STORM_CLASS_UNKNOWN);
  };
  switch (c) {
    case LimitCase::kNone: break;
    case LimitCase::kElsewhere:
      add("port/p2/in", "p2", "");
      add("port/p2/out", "p2", "", v1::LIMIT_DIRECTION_OUT);
      storms("p2");
      break;
    case LimitCase::kOtherTenant: add("tenant/blue", "", "blue"); break;
    case LimitCase::kPortIn: add("port/p0/in", "p0", ""); break;
    case LimitCase::kTenant: add("tenant/red", "", "red"); break;
    case LimitCase::kPortOut: add("port/p1/out", "p1", "", v1::LIMIT_DIRECTION_OUT); break;
    case LimitCase::kAll:
      add("port/p0/in", "p0", "");
      add("tenant/red", "", "red");
      add("port/p1/out", "p1", "", v1::LIMIT_DIRECTION_OUT);
      break;
    case LimitCase::kStorm: storms("p0"); break;
  }
  std::vector<std::string> problems;
  auto snap = BuildSnapshot(1, tenants, ports, 1, &problems, nullptr, &in);
  if (!problems.empty()) {
    state.SkipWithError(problems.front().c_str());
    return;
  }
  h.macs->Upsert(MakeMacHashKey(1, kMacB), PackMacValue(1, 1000));
  h.macs->Upsert(MakeMacHashKey(1, kMacA), PackMacValue(0, 1000));
  TimeForwarding(state, h, *snap, 0, 1, "packets not forwarded (metered red?)", [](rte_mbuf** pkts, uint32_t) {
    for (uint16_t i = 0; i < kBurst; ++i) WriteFrame(pkts[i], kMacB, kMacA, -1);
  });
}
BENCHMARK(BM_Limits)
    ->ArgName("case")
    ->DenseRange(static_cast<int>(LimitCase::kNone), static_cast<int>(LimitCase::kStorm));

// --- flow rules ------------------------------------------------------------
// N rules in the forwarding tenant (red), or in another tenant (blue) while
// red has none. Rule i: UDP from 10.(i/256).(i%256).0/24 to ports
// 10*(i%100)..+9, allow, priority i. Every packet is from a random rule's
// prefix (the runs split: each packet is its own decision). flows 0: every
// packet a new flow (a random host and source port: classified by rte_acl,
// the flow cache misses); flows 1024: packets from 1,024 flows (the flow
// cache answers); flows 1: one flow (the packets after the first in a
// burst share its decision, as a vhost-user loop's traffic does).
// elsewhere 1: the rules are blue's, red has none.

std::vector<v1::Rule> BenchRules(uint32_t n, const std::string& tenant) {
  std::vector<v1::Rule> out;
  for (uint32_t i = 0; i < n; ++i) {
    v1::Rule& r = out.emplace_back();
    r.set_name(tenant + "-" + std::to_string(i));
    r.set_tenant(tenant);
    r.set_priority(i);
    rules::ParseMatchExpr(fmt::format("ip_proto=udp,src_ip=10.{}.{}.0/24,dst_port={}-{}", i / 256,
                                      i % 256, (i % 100) * 10, (i % 100) * 10 + 9),
                          r.mutable_match());
  }
  return out;
}

void WriteUdp(rte_mbuf* m, uint64_t dst, uint64_t src, uint32_t rule, uint32_t host) {
  testing::WriteFrame(m, dst, src, -1, 64);
  auto* ip = rte_pktmbuf_mtod_offset(m, uint8_t*, 14);
  ip[0] = 0x45;
  ip[3] = 50;
  ip[8] = 64;
  ip[9] = 17;
  ip[12] = 10;
  ip[13] = static_cast<uint8_t>(rule / 256);
  ip[14] = static_cast<uint8_t>(rule % 256);
  ip[15] = static_cast<uint8_t>(host);
  ip[16] = 10;
  ip[19] = 1;
  const uint16_t dport = static_cast<uint16_t>((rule % 100) * 10 + rule % 10);
  ip[20] = static_cast<uint8_t>(host >> 8);
  ip[21] = static_cast<uint8_t>(host >> 16);
  ip[22] = static_cast<uint8_t>(dport >> 8);
  ip[23] = static_cast<uint8_t>(dport);
}

void BM_Rules(benchmark::State& state) {
  const auto n = static_cast<uint32_t>(state.range(0));
  const bool elsewhere = state.range(1) != 0;
  const auto flows = static_cast<uint32_t>(state.range(2));
  testing::WorkerHarness h(Pool());
  TenantMap tenants;
  PortMap ports;
  RedBlue(&tenants, &ports);
  std::map<std::string, v1::Rule> rules;
  std::map<std::string, uint32_t> slots;
  for (auto& r : BenchRules(n, elsewhere ? "blue" : "red")) {
    slots[r.name()] = static_cast<uint32_t>(slots.size());
    rules[r.name()] = std::move(r);
  }
  RuleInputs in;
  in.rules = &rules;
  in.slots = &slots;
  std::vector<std::string> problems;
  auto snap = BuildSnapshot(1, tenants, ports, 1, &problems, nullptr, nullptr, &in);
  if (!problems.empty()) {
    state.SkipWithError(problems.front().c_str());
    return;
  }
  h.macs->Upsert(MakeMacHashKey(1, kMacB), PackMacValue(1, 1000));
  h.macs->Upsert(MakeMacHashKey(1, kMacA), PackMacValue(0, 1000));
  std::mt19937 rng(7);
  const uint32_t span = std::max<uint32_t>(n, 1);
  std::vector<std::pair<uint32_t, uint32_t>> pool;  // (rule, host) per flow
  for (uint32_t f = 0; f < flows; ++f) pool.emplace_back(flows == 1 ? span / 2 : rng() % span, rng());
  TimeForwarding(state, h, *snap, 0, 1, "packets not forwarded", [&](rte_mbuf** pkts, uint32_t) {
    for (uint16_t i = 0; i < kBurst; ++i) {
      const auto [rule, host] = flows == 0 ? std::pair<uint32_t, uint32_t>(rng() % span, static_cast<uint32_t>(rng())) : pool[rng() % flows];
      WriteUdp(pkts[i], kMacB, kMacA, rule, host);
    }
  });
  state.counters["cache_hit_%"] = benchmark::Counter(
      100.0 * static_cast<double>(h.rule_flows->hits) /
      static_cast<double>(std::max<uint64_t>(1, h.rule_flows->hits + h.rule_flows->misses)));
  uint64_t hits = 0;
  for (uint32_t s = 0; s < n; ++s) hits += h.counters->rules[s].packets;
  if (!elsewhere && n > 0 && hits == 0) state.SkipWithError("no rule matched");
}
BENCHMARK(BM_Rules)
    ->ArgNames({"rules", "elsewhere", "flows"})
    ->Args({0, 0, 0})
    ->Args({10, 0, 0})
    ->Args({100, 0, 0})
    ->Args({1000, 0, 0})
    ->Args({10000, 0, 0})
    ->Args({10, 0, 1024})
    ->Args({10000, 0, 1024})
    ->Args({10, 0, 1})
    ->Args({10000, 0, 1})
    ->Args({10000, 1, 0});

// Compiling: one scope of N rules (BenchRules), or `scopes` tenants of N
// each as one snapshot (100,000 rules in all): wall time and the EAL
// memory rte_acl holds.
void BM_RuleBuild(benchmark::State& state) {
  const auto n = static_cast<uint32_t>(state.range(0));
  const auto scopes = static_cast<uint32_t>(state.range(1));
  std::vector<std::vector<AclRule>> sets(scopes);
  for (uint32_t t = 0; t < scopes; ++t) {
    for (const auto& r : BenchRules(n, "t" + std::to_string(t))) {
      AclRule& a = sets[t].emplace_back();
      rules::ParseMatch(r.match(), &a.match);
      a.priority = r.priority();
      a.result = static_cast<uint32_t>(sets[t].size());
    }
  }
  double ms = 0, bytes = 0;
  for (auto _ : state) {
    std::vector<std::unique_ptr<AclClassifier>> built;
    const uint64_t t0 = rte_rdtsc();
    for (const auto& set : sets) {
      std::string error;
      built.push_back(AclClassifier::Build(set, &error));
      if (!built.back()) {
        state.SkipWithError(error.c_str());
        return;
      }
    }
    ms += 1e3 * static_cast<double>(rte_rdtsc() - t0) / static_cast<double>(rte_get_tsc_hz());
    bytes = 0;
    for (const auto& c : built) bytes += static_cast<double>(c->memory());
  }
  state.counters["build_ms"] = ms / static_cast<double>(state.iterations());
  state.counters["MiB"] = bytes / (1 << 20);
}
BENCHMARK(BM_RuleBuild)
    ->ArgNames({"rules", "scopes"})
    ->Args({1000, 1})
    ->Args({10000, 1})
    ->Args({10000, 10})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace switchyard

int main(int argc, char** argv) {
  // EAL on the first CPU this process may run on (taskset -c N).
  switchyard::testing::InitEal("stage_bench", 1024, "0@" + std::to_string(switchyard::testing::FirstAllowedCpu()));
  if (switchyard::Pool() == nullptr) {
    std::fprintf(stderr, "cannot create the mbuf pool\n");
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  rte_eal_cleanup();
  return 0;
}
