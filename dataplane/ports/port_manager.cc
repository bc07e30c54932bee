#include "ports/port_manager.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_vhost.h>
#include <spdlog/spdlog.h>

#include "ports/devargs.h"
#include "ports/mbuf_pools.h"
#include "ports/pcap_replay.h"
#include "ports/vhost_direct.h"

namespace switchyard {

namespace {

// Drivers that fill every RX descriptor with a buffer when the queue is set
// up (the others allocate as they receive).
bool PrefillsRx(v1::PortKind kind) {
  return kind == v1::PORT_KIND_TAP || kind == v1::PORT_KIND_PCI || kind == v1::PORT_KIND_AF_XDP;
}

constexpr uint16_t kRxDesc = 1024;
constexpr uint16_t kTxDesc = 1024;
// net_ring creates this many rings per device, "ETH_RXTX<i>_<device>"
// (RTE_PMD_RING_MAX_RX_RINGS, not in its public header).
constexpr unsigned kRingsPerDevice = 16;

std::string Errno(int rc) { return rte_strerror(rc < 0 ? -rc : rc); }

// A vhost-user server socket left behind by a dataplane that died (kill -9)
// makes the bind fail. Remove it if nobody listens on it; refuse if someone
// does. True when the path is free to use.
bool ClaimVhostSocket(const std::string& path, std::string* error) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return true;  // nothing there
  if (!S_ISSOCK(st.st_mode)) {
    *error = "port.socket: " + path + " exists and is not a socket";
    return false;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    *error = "port.socket: path too long for a unix socket";
    return false;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int err = errno;
  close(fd);
  if (rc == 0) {
    *error = "port.socket: " + path + " is in use by another process";
    return false;
  }
  if (err == ECONNREFUSED) {
    spdlog::info("removing stale vhost-user socket {}", path);
    unlink(path.c_str());
  }
  return true;
}

}  // namespace

bool PortManager::Configure(uint16_t pid, const std::string& vhost_socket, uint16_t mtu,
                            bool prefilled, uint32_t kept, PortQueues* q, std::string* error) {
  rte_eth_dev_info info{};
  int rc = rte_eth_dev_info_get(pid, &info);
  if (rc != 0) {
    *error = "rte_eth_dev_info_get: " + Errno(rc);
    return false;
  }
  q->port_id = pid;
  q->tx_queues = std::max<uint16_t>(1, std::min<uint16_t>(workers_, info.max_tx_queues));
  q->rx_queues = 1;
  rte_eth_conf conf{};
  // One RX queue per worker where the device spreads flows over queues
  // (RSS), so every worker shares the port's load; net_tap insists on as
  // many RX as TX queues (the kernel spreads flows over them itself).
  // Anything else has one RX queue, polled by one worker.
  const std::string driver = info.driver_name ? info.driver_name : "";
  const uint16_t spread =
      std::max<uint16_t>(1, std::min<uint16_t>(q->tx_queues, info.max_rx_queues));
  if (driver == "net_tap") {
    q->rx_queues = q->tx_queues = spread;
  } else if (info.flow_type_rss_offloads != 0 && spread > 1) {
    q->rx_queues = spread;
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf =
        info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
  }
  // Frames larger than one mbuf arrive as chains (vhost mergeable buffers,
  // jumbo taps) and must leave as chains: take both where the PMD can.
  if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
    conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
  if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
    conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
  // A tap refuses to send frames above its own MTU, whatever its kernel
  // side says: give the device the MTU the port asks for.
  if (mtu != 0) {
    // Not every PMD fills max_mtu (net_tap leaves it at 65535 but caps
    // frames at max_rx_pktlen): take the tighter of the two.
    uint32_t max_mtu = info.max_mtu;
    if (info.max_rx_pktlen > RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN)
      max_mtu = std::min<uint32_t>(max_mtu, info.max_rx_pktlen - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN);
    if (mtu > max_mtu) {
      *error = "port.tap.mtu: " + std::to_string(mtu) + " is above what the " +
               (info.driver_name ? info.driver_name : "device") + " driver carries (" +
               std::to_string(max_mtu) + ")";
      return false;
    }
    conf.rxmode.mtu = mtu;
  }
  rc = rte_eth_dev_configure(pid, q->rx_queues, q->tx_queues, &conf);
  if (rc != 0) {
    *error = "rte_eth_dev_configure: " + Errno(rc);
    return false;
  }
  if (!vhost_socket.empty()) {
    // net_vhost registers and starts its socket in rte_eth_dev_configure,
    // which is the first moment its features can be changed. The guest reads
    // them later (VHOST_USER_GET_FEATURES, answered from the current set).
    rc = rte_vhost_driver_disable_features(vhost_socket.c_str(), VhostFeaturesWithheld());
    if (rc != 0) {
      *error = "rte_vhost_driver_disable_features(" + vhost_socket + ") failed";
      return false;
    }
    uint64_t offered = 0;
    rte_vhost_driver_get_features(vhost_socket.c_str(), &offered);
    spdlog::info("ethdev {}: vhost-user socket {} offers virtio features {:#x}", pid,
                 vhost_socket, offered);
  }
  uint16_t nb_rxd = kRxDesc, nb_txd = kTxDesc;
  rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
  int socket = rte_eth_dev_socket_id(pid);
  if (socket < 0) socket = 0;
  q->rx_pool = pools_->Create(pools_->PortPoolSize(q->rx_queues, nb_rxd, prefilled, kept), error);
  if (q->rx_pool == nullptr) return false;
  for (uint16_t r = 0; r < q->rx_queues; ++r) {
    rc = rte_eth_rx_queue_setup(pid, r, nb_rxd, socket, nullptr, q->rx_pool);
    if (rc != 0) {
      *error = "rte_eth_rx_queue_setup: " + Errno(rc);
      return false;
    }
  }
  for (uint16_t t = 0; t < q->tx_queues; ++t) {
    rc = rte_eth_tx_queue_setup(pid, t, nb_txd, socket, nullptr);
    if (rc != 0) {
      *error = "rte_eth_tx_queue_setup: " + Errno(rc);
      return false;
    }
  }
  rc = rte_eth_dev_start(pid);
  if (rc != 0) {
    *error = "rte_eth_dev_start: " + Errno(rc);
    return false;
  }
  // A switch port must see every destination MAC; PMDs without the notion
  // (vhost, ring, null) answer -ENOTSUP, which is fine.
  rte_eth_promiscuous_enable(pid);
  return true;
}

std::string PortManager::NewRingName() {
  // Numbered, never reused by this process; a name that an ethdev or a
  // ring already has (made outside the port manager) is skipped.
  static std::atomic<uint32_t> next{0};
  std::string name;
  for (int tries = 0; tries < 1024; ++tries) {
    name = RingDeviceName(next.fetch_add(1));
    uint16_t pid = 0;
    bool taken = rte_eth_dev_get_port_by_name(name.c_str(), &pid) == 0;
    for (unsigned i = 0; i < kRingsPerDevice && !taken; ++i)
      taken = rte_ring_lookup(("ETH_RXTX" + std::to_string(i) + "_" + name).c_str()) != nullptr;
    if (!taken) break;
  }
  return name;
}

std::optional<PortQueues> PortManager::Add(const v1::Port& port, std::string* error,
                                           const std::string& device_name) {
  const bool ring = port.kind() == v1::PORT_KIND_RING;
  DeviceSpec spec = BuildDeviceSpec(port, ring ? NewRingName() : device_name);
  if (!spec.error.empty()) {
    *error = spec.error;
    return std::nullopt;
  }
  // Nothing another port has: its name, its device, what its device is.
  for (const auto& [pid, o] : owned_) {
    if (o.port == port.name()) {
      *error = "port.name: port '" + o.port + "' already has a device (ethdev " +
               std::to_string(pid) + ")";
      return std::nullopt;
    }
    if (o.device == spec.name) {
      *error = "port.devargs: device " + spec.name + " is already used by port '" + o.port + "'";
      return std::nullopt;
    }
    for (const auto& mine : spec.identity) {
      for (const auto& theirs : o.identity) {
        if (mine.what == theirs.what) {
          *error = mine.field + ": " + mine.what + " is already used by port '" + o.port + "'";
          return std::nullopt;
        }
      }
    }
  }
  // A device of that name that no port owns (given to EAL at start, say) is
  // not ours either.
  uint16_t pid = 0;
  if (rte_eth_dev_get_port_by_name(spec.name.c_str(), &pid) == 0) {
    *error = "port.devargs: device " + spec.name + " already exists (ethdev " +
             std::to_string(pid) + ") and is not this port's";
    return std::nullopt;
  }
  if (port.kind() == v1::PORT_KIND_VHOST_SERVER && !ClaimVhostSocket(port.socket(), error))
    return std::nullopt;
  uint32_t kept = 0;
  if (port.kind() == v1::PORT_KIND_PCAP) {
    std::optional<uint32_t> replayed =
        PcapReplayBuffers(port.devargs(), RTE_MBUF_DEFAULT_DATAROOM, error);
    if (!replayed) return std::nullopt;
    kept = *replayed;
  }
  int rc = rte_dev_probe(spec.devargs.c_str());
  if (rc == -EEXIST) {
    // Probed before, by someone else: not to be configured, let alone closed.
    *error = "port.devargs: device " + spec.name + " already exists and is not this port's";
    return std::nullopt;
  }
  if (rc != 0) {
    *error = "cannot create device '" + spec.devargs + "': " + Errno(rc);
    return std::nullopt;
  }
  // The device is this call's from here on, and so is undoing it.
  const char* bus = port.kind() == v1::PORT_KIND_PCI ? "pci" : "vdev";
  if (rte_eth_dev_get_port_by_name(spec.name.c_str(), &pid) != 0) {
    *error = "device '" + spec.name + "' has no ethdev port";
    rc = rte_eal_hotplug_remove(bus, spec.name.c_str());
    if (rc != 0) spdlog::warn("device {}: rte_eal_hotplug_remove: {}", spec.name, Errno(rc));
    return std::nullopt;
  }
  if (auto it = owned_.find(pid); it != owned_.end()) {
    // Cannot happen (a new device has a new name, hence a new ethdev); if
    // it did, the ethdev is a live port's: leave it.
    *error = "ethdev " + std::to_string(pid) + " is already used by port '" + it->second.port + "'";
    return std::nullopt;
  }
  PortQueues q{};
  bool vhost = port.kind() == v1::PORT_KIND_VHOST_SERVER ||
               port.kind() == v1::PORT_KIND_VHOST_CLIENT;
  const uint16_t mtu =
      port.kind() == v1::PORT_KIND_TAP ? static_cast<uint16_t>(port.tap().mtu()) : 0;
  // Following the guest's attachment starts before configure opens the
  // socket, so no attach is missed.
  if ((vhost && !vhost_->Track(pid, error)) ||
      !Configure(pid, vhost ? port.socket() : std::string(), mtu, PrefillsRx(port.kind()), kept,
                 &q, error)) {
    // Created above and never published: no worker can be polling it.
    Destroy(pid);
    pools_->Retire(q.rx_pool);
    return std::nullopt;
  }
  if (vhost) vhost_->Refresh(pid);
  owned_[pid] = Owned{port.name(), spec.name, spec.identity, q.rx_pool};
  spdlog::info("port {}: ethdev {} up ({} rx, {} tx queues) from '{}'", port.name(), pid,
               q.rx_queues, q.tx_queues, spec.devargs);
  return q;
}

void PortManager::Remove(uint16_t pid) {
  auto it = owned_.find(pid);
  if (it == owned_.end()) {
    spdlog::warn("ethdev {}: not created by the port manager, not removed", pid);
    return;
  }
  rte_mempool* pool = it->second.rx_pool;
  owned_.erase(it);
  Destroy(pid);
  pools_->Retire(pool);
}

void PortManager::Destroy(uint16_t pid) {
  vhost_->Untrack(pid);  // a no-op for ports that are not vhost-user
  rte_eth_dev_info info{};
  rte_device* dev = nullptr;
  bool ring = false;
  char name[RTE_ETH_NAME_MAX_LEN] = {};
  if (rte_eth_dev_info_get(pid, &info) == 0) {
    dev = info.device;
    ring = info.driver_name != nullptr && std::strcmp(info.driver_name, "net_ring") == 0;
  }
  rte_eth_dev_get_name_by_port(pid, name);
  rte_eth_dev_stop(pid);
  rte_eth_dev_close(pid);
  if (dev != nullptr) {
    int rc = rte_dev_remove(dev);
    if (rc != 0) spdlog::warn("ethdev {}: rte_dev_remove: {}", pid, Errno(rc));
  }
  if (ring) {
    // net_ring created 16 rings named after the device and frees only those
    // of the queues that were set up; the rest are this device's too.
    for (unsigned i = 0; i < kRingsPerDevice; ++i)
      rte_ring_free(rte_ring_lookup(("ETH_RXTX" + std::to_string(i) + "_" + name).c_str()));
  }
}

v1::LinkState PortManager::Link(uint16_t pid) const {
  rte_eth_link link{};
  if (rte_eth_link_get_nowait(pid, &link) != 0) return v1::LINK_STATE_UNKNOWN;
  return link.link_status ? v1::LINK_STATE_UP : v1::LINK_STATE_DOWN;
}

v1::PortStatus PortManager::Status(uint16_t pid) const {
  v1::PortStatus st;
  st.set_port_id(pid);
  rte_eth_link link{};
  if (rte_eth_link_get_nowait(pid, &link) == 0) {
    st.set_link(link.link_status ? v1::LINK_STATE_UP : v1::LINK_STATE_DOWN);
    if (link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN) st.set_link_speed_mbps(link.link_speed);
  }
  rte_ether_addr mac{};
  if (rte_eth_macaddr_get(pid, &mac) == 0) {
    char buf[RTE_ETHER_ADDR_FMT_SIZE];
    rte_ether_format_addr(buf, sizeof(buf), &mac);
    st.set_mac(buf);
  }
  rte_eth_dev_info info{};
  if (rte_eth_dev_info_get(pid, &info) == 0) {
    st.set_driver(info.driver_name ? info.driver_name : "");
    st.set_rx_queues(info.nb_rx_queues);
    st.set_tx_queues(info.nb_tx_queues);
  }
  return st;
}

}  // namespace switchyard
