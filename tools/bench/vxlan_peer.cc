// The packet generator of the VXLAN loop (tools/bench/run.py vhost-loop
// --scenario vxlan): two virtio-user ports (given with --vdev), each
// sending back out of the port it received on, as testpmd's macswap with
// --port-topology=loop does, and in addition playing the remote VTEP: a
// VXLAN frame comes back as the remote would answer it (outer MACs and
// addresses swapped, UDP destination port 4789 kept, the inner frame's
// MACs swapped). So a frame seeded on port 0 is encapsulated by the switch
// toward port 1, reflected, decapsulated by the switch toward port 0,
// swapped, and so on: every frame crosses the switch once encapsulated and
// once decapsulated per loop.
//
//   vxlan_peer EAL-ARGS -- [--stats FILE]
//   stdin: "start N" seeds N bursts of 32 frames on port 0; "quit" ends.
// Every 200 ms FILE gets {"t": seconds, "rx": [port0, port1], "pps": [..]}
// (packets received, and over the last second).

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <poll.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <thread>

namespace {

constexpr uint16_t kBurst = 32;
constexpr uint16_t kEthLen = 14;

std::atomic<bool> g_stop{false};
std::atomic<uint32_t> g_seed{0};
std::atomic<uint64_t> g_rx[2];

void Swap(uint8_t* a, uint8_t* b, size_t n) {
  uint8_t t[8];
  std::memcpy(t, a, n);
  std::memmove(a, b, n);
  std::memcpy(b, t, n);
}

void SwapMacs(uint8_t* eth) { Swap(eth, eth + 6, 6); }

// The reply a remote VTEP and the VM behind it would send: outer MACs and
// IPv4 addresses swapped (the header checksum is a sum: unchanged), the
// UDP ports left (the destination stays 4789), the inner MACs swapped.
// Anything else: MACs swapped.
void Reflect(rte_mbuf* m) {
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  const uint16_t len = rte_pktmbuf_data_len(m);
  SwapMacs(p);
  if (len < 50 + kEthLen || p[12] != 0x08 || p[13] != 0x00) return;
  uint8_t* ip = p + kEthLen;
  if (ip[0] != 0x45 || ip[9] != 17) return;
  uint8_t* udp = ip + 20;
  if (((udp[2] << 8) | udp[3]) != 4789) return;
  Swap(ip + 12, ip + 16, 4);
  SwapMacs(udp + 16);
}

// An IPv4/UDP frame of 64 bytes from `src` to `dst`, flow `k`.
void Seed(rte_mbuf* m, const rte_ether_addr& dst, const rte_ether_addr& src, uint32_t k) {
  rte_pktmbuf_reset(m);
  uint8_t* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 64));
  std::memset(p, 0, 64);
  std::memcpy(p, dst.addr_bytes, 6);
  std::memcpy(p + 6, src.addr_bytes, 6);
  p[12] = 0x08;
  uint8_t* ip = p + kEthLen;
  ip[0] = 0x45;
  ip[3] = 50;
  ip[6] = 0x40;
  ip[8] = 64;
  ip[9] = 17;
  ip[12] = 10, ip[15] = 1, ip[16] = 10, ip[19] = 2;
  ip[20] = static_cast<uint8_t>(0x10 | (k & 0x0f));  // source port: a few flows
  ip[22] = 0x13, ip[23] = 0x88;
  ip[25] = 30;
}

int Forward(void* pool_arg) {
  auto* pool = static_cast<rte_mempool*>(pool_arg);
  rte_ether_addr mac[2];
  rte_eth_macaddr_get(0, &mac[0]);
  rte_eth_macaddr_get(1, &mac[1]);
  rte_mbuf* pkts[kBurst];
  while (!g_stop.load(std::memory_order_relaxed)) {
    if (uint32_t n = g_seed.exchange(0)) {
      for (uint32_t b = 0; b < n; ++b) {
        if (rte_pktmbuf_alloc_bulk(pool, pkts, kBurst) != 0) break;
        for (uint16_t i = 0; i < kBurst; ++i) Seed(pkts[i], mac[1], mac[0], b * kBurst + i);
        uint16_t sent = rte_eth_tx_burst(0, 0, pkts, kBurst);
        if (sent < kBurst) rte_pktmbuf_free_bulk(pkts + sent, kBurst - sent);
      }
    }
    for (uint16_t port = 0; port < 2; ++port) {
      const uint16_t n = rte_eth_rx_burst(port, 0, pkts, kBurst);
      if (n == 0) continue;
      g_rx[port].fetch_add(n, std::memory_order_relaxed);
      for (uint16_t i = 0; i < n; ++i) Reflect(pkts[i]);
      const uint16_t sent = rte_eth_tx_burst(port, 0, pkts, n);
      if (sent < n) rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    }
  }
  return 0;
}

bool SetUp(uint16_t port, rte_mempool* pool) {
  rte_eth_conf conf{};
  if (rte_eth_dev_configure(port, 1, 1, &conf) != 0) return false;
  if (rte_eth_rx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), nullptr, pool) != 0)
    return false;
  if (rte_eth_tx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), nullptr) != 0)
    return false;
  return rte_eth_dev_start(port) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int consumed = rte_eal_init(argc, argv);
  if (consumed < 0) {
    std::fprintf(stderr, "vxlan_peer: EAL init failed\n");
    return 1;
  }
  std::string stats_path;
  for (int i = consumed + 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--stats") == 0) stats_path = argv[i + 1];
  if (rte_eth_dev_count_avail() != 2) {
    std::fprintf(stderr, "vxlan_peer: needs exactly 2 ports (--vdev=net_virtio_user...)\n");
    return 1;
  }
  rte_mempool* pool = rte_pktmbuf_pool_create("peer_pool", 16383, 256, 0,
                                              RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
  if (pool == nullptr || !SetUp(0, pool) || !SetUp(1, pool)) {
    std::fprintf(stderr, "vxlan_peer: port setup failed\n");
    return 1;
  }
  const unsigned worker = rte_get_next_lcore(-1, 1, 0);
  if (worker >= RTE_MAX_LCORE || rte_eal_remote_launch(Forward, pool, worker) != 0) {
    std::fprintf(stderr, "vxlan_peer: needs a second lcore to forward on\n");
    return 1;
  }
  std::printf("vxlan_peer: ready\n");
  std::fflush(stdout);
  // Commands on stdin; statistics every 200 ms.
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  std::deque<std::pair<double, std::array<uint64_t, 2>>> window;
  std::string line;
  char buf[256];
  while (!g_stop) {
    pollfd pfd{0, POLLIN, 0};
    if (poll(&pfd, 1, 200) > 0) {
      const ssize_t n = read(0, buf, sizeof(buf) - 1);
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
      size_t nl;
      while ((nl = line.find('\n')) != std::string::npos) {
        const std::string cmd = line.substr(0, nl);
        line.erase(0, nl + 1);
        unsigned bursts = 0;
        if (std::sscanf(cmd.c_str(), "start %u", &bursts) == 1) g_seed = bursts;
        if (cmd == "quit") g_stop = true;
      }
    }
    const double t = std::chrono::duration<double>(Clock::now() - t0).count();
    const std::array<uint64_t, 2> rx{g_rx[0].load(), g_rx[1].load()};
    window.emplace_back(t, rx);
    while (window.size() > 1 && t - window.front().first > 1.0) window.pop_front();
    if (stats_path.empty()) continue;
    const double dt = t - window.front().first;
    const std::string tmp = stats_path + ".tmp";
    if (FILE* f = std::fopen(tmp.c_str(), "w")) {
      std::fprintf(f, "{\"t\": %.3f, \"rx\": [%lu, %lu], \"pps\": [%.0f, %.0f]}\n", t, rx[0], rx[1],
                   dt > 0 ? (rx[0] - window.front().second[0]) / dt : 0.0,
                   dt > 0 ? (rx[1] - window.front().second[1]) / dt : 0.0);
      std::fclose(f);
      std::rename(tmp.c_str(), stats_path.c_str());
    }
  }
  g_stop = true;
  rte_eal_mp_wait_lcore();
  for (uint16_t p = 0; p < 2; ++p) {
    rte_eth_dev_stop(p);
    rte_eth_dev_close(p);
  }
  rte_eal_cleanup();
  return 0;
}
