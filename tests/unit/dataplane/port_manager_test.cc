#include "ports/port_manager.h"

#include <gtest/gtest.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_vhost.h>

#include <fcntl.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "eal_env.h"
#include "ports/devargs.h"
#include "ports/mbuf_pools.h"
#include "ports/pcap_replay.h"
#include "ports/vhost_direct.h"

namespace switchyard {
namespace {

// virtio-net feature bits (virtio spec 5.1.3; linux/virtio_net.h is not C++).
constexpr int VIRTIO_NET_F_CSUM = 0, VIRTIO_NET_F_GUEST_CSUM = 1, VIRTIO_NET_F_HOST_TSO4 = 11,
              VIRTIO_NET_F_HOST_TSO6 = 12, VIRTIO_NET_F_HOST_ECN = 13, VIRTIO_NET_F_HOST_UFO = 14,
              VIRTIO_NET_F_MRG_RXBUF = 15;

// The shared pool and the ports' own (no workers: nothing to wait for).
MbufPools& Pools() {
  static MbufPools* p = new MbufPools(2047, 1, nullptr);
  return *p;
}
rte_mempool* Pool() { return Pools().shared(); }

// Vhost attachments, waiting on an RCU variable no worker reads.
VhostDevices& Vhost() {
  static VhostDevices* d = [] {
    const size_t size = rte_rcu_qsbr_get_memsize(1);
    auto* qs = static_cast<rte_rcu_qsbr*>(rte_zmalloc("pm_test_qsbr", size, RTE_CACHE_LINE_SIZE));
    rte_rcu_qsbr_init(qs, 1);
    return new VhostDevices(qs);
  }();
  return *d;
}

// A vhost-user port offers the guest checksum offload and mergeable RX
// buffers, never a feature that hands segmentation to the switch: neither
// TSO (net_vhost's tso=0) nor UFO or ECN (withheld by the port manager).
TEST(PortManager, VhostPortWithholdsSegmentationFeatures) {
  ASSERT_NE(Pool(), nullptr);
  char dir[] = "/tmp/sy-pm-test.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string sock = std::string(dir) + "/vm.sock";

  v1::Port port;
  port.set_name("pmvm");
  port.set_kind(v1::PORT_KIND_VHOST_SERVER);
  port.set_socket(sock);
  PortManager pm(&Pools(), 1, &Vhost());
  std::string error;
  auto q = pm.Add(port, &error);
  ASSERT_TRUE(q.has_value()) << error;

  uint64_t offered = 0;
  ASSERT_EQ(rte_vhost_driver_get_features(sock.c_str(), &offered), 0);
  EXPECT_EQ(offered & VhostFeaturesWithheld(), 0u) << std::hex << offered;
  EXPECT_EQ(offered & (1ULL << VIRTIO_NET_F_HOST_UFO), 0u);
  EXPECT_EQ(offered & (1ULL << VIRTIO_NET_F_HOST_ECN), 0u);
  EXPECT_EQ(offered & (1ULL << VIRTIO_NET_F_HOST_TSO4), 0u);
  EXPECT_EQ(offered & (1ULL << VIRTIO_NET_F_HOST_TSO6), 0u);
  EXPECT_NE(offered & (1ULL << VIRTIO_NET_F_CSUM), 0u);
  EXPECT_NE(offered & (1ULL << VIRTIO_NET_F_GUEST_CSUM), 0u);
  EXPECT_NE(offered & (1ULL << VIRTIO_NET_F_MRG_RXBUF), 0u);

  pm.Remove(q->port_id);
  std::remove(sock.c_str());
  rmdir(dir);
}

v1::Port MakePort(const std::string& name, v1::PortKind kind, const std::string& devargs = "") {
  v1::Port p;
  p.set_name(name);
  p.set_kind(kind);
  p.set_devargs(devargs);
  return p;
}

// The ethdev `name` is still the one it was (`pid`), configured, and (when
// `sends`: it has somewhere to send to) takes a frame to send.
void ExpectAlive(const std::string& name, uint16_t pid, bool sends = true) {
  uint16_t now = 0;
  ASSERT_EQ(rte_eth_dev_get_port_by_name(name.c_str(), &now), 0) << name << " is gone";
  EXPECT_EQ(now, pid);
  rte_eth_dev_info info{};
  ASSERT_EQ(rte_eth_dev_info_get(pid, &info), 0);
  EXPECT_EQ(info.nb_tx_queues, 1u) << name << " lost its configuration";
  if (!sends) return;
  rte_mbuf* m = rte_pktmbuf_alloc(Pool());
  ASSERT_NE(m, nullptr);
  rte_pktmbuf_append(m, 60);
  // A stopped port refuses the burst (or the PMD is gone): the mbuf stays ours.
  uint16_t sent = rte_eth_tx_burst(pid, 0, &m, 1);
  if (sent == 0) rte_pktmbuf_free(m);
  EXPECT_EQ(sent, 1) << name << " no longer transmits";
}

bool CanMakeTaps() {
  if (geteuid() != 0) return false;
  int fd = open("/dev/net/tun", O_RDWR);
  if (fd < 0) return false;
  close(fd);
  return true;
}

// The reported failure: a pci port whose devargs name a live port's vdev.
// The probe found the device (-EEXIST), the port manager adopted it, failed
// to configure it (it was started) and closed it under the workers.
TEST(PortManager, PciPortNamingALiveVdevIsRefusedAndLeavesItAlone) {
  ASSERT_NE(Pool(), nullptr);
  PortManager pm(&Pools(), 1, &Vhost());
  std::string error;
  auto live = pm.Add(MakePort("pmlive", v1::PORT_KIND_NULL), &error);
  ASSERT_TRUE(live.has_value()) << error;

  for (const char* devargs : {"net_null_pmlive", "net_null_pmlive,size=64", "eth_null_pmlive"}) {
    error.clear();
    auto evil = pm.Add(MakePort("pmevil", v1::PORT_KIND_PCI, devargs), &error);
    EXPECT_FALSE(evil.has_value()) << devargs;
    EXPECT_NE(error.find("port.devargs"), std::string::npos) << devargs << ": " << error;
    ExpectAlive("net_null_pmlive", live->port_id);
  }
  pm.Remove(live->port_id);
  uint16_t pid = 0;
  EXPECT_NE(rte_eth_dev_get_port_by_name("net_null_pmlive", &pid), 0);
}

// The same with a tap port, as reported (`--devargs net_tap_f1`).
TEST(PortManager, PciPortNamingALiveTapIsRefusedAndLeavesItAlone) {
  if (!CanMakeTaps()) GTEST_SKIP() << "needs root and /dev/net/tun";
  PortManager pm(&Pools(), 1, &Vhost());
  std::string error;
  auto f1 = pm.Add(MakePort("pmf1", v1::PORT_KIND_TAP), &error);
  ASSERT_TRUE(f1.has_value()) << error;
  ASSERT_EQ(rte_eth_dev_set_link_up(f1->port_id), 0);
  auto evil = pm.Add(MakePort("pmevil", v1::PORT_KIND_PCI, "net_tap_pmf1"), &error);
  EXPECT_FALSE(evil.has_value());
  EXPECT_NE(error.find("port.devargs"), std::string::npos) << error;
  ExpectAlive("net_tap_pmf1", f1->port_id);
  pm.Remove(f1->port_id);
}

// A device that exists already (made by EAL arguments, a test, another
// manager) is not a new port's, whatever the port's kind: not adopted, not
// configured, and not removed later.
TEST(PortManager, ExistingDeviceOfTheSameNameIsNotAdopted) {
  ASSERT_EQ(rte_dev_probe("net_null_pmforeign"), 0);
  uint16_t foreign = 0;
  ASSERT_EQ(rte_eth_dev_get_port_by_name("net_null_pmforeign", &foreign), 0);

  PortManager pm(&Pools(), 1, &Vhost());
  std::string error;
  auto q = pm.Add(MakePort("pmforeign", v1::PORT_KIND_NULL), &error);
  EXPECT_FALSE(q.has_value());
  EXPECT_NE(error.find("already exists"), std::string::npos) << error;
  uint16_t pid = 0;
  ASSERT_EQ(rte_eth_dev_get_port_by_name("net_null_pmforeign", &pid), 0);
  EXPECT_EQ(pid, foreign);
  // net_null's link comes up when the device is started.
  rte_eth_link link{};
  ASSERT_EQ(rte_eth_link_get_nowait(foreign, &link), 0);
  EXPECT_EQ(link.link_status, RTE_ETH_LINK_DOWN)
      << "the port manager started a device it did not create";

  // Remove only takes down what Add created.
  if (q) pm.Remove(q->port_id);
  pm.Remove(foreign);
  EXPECT_EQ(rte_eth_dev_get_port_by_name("net_null_pmforeign", &pid), 0);
  EXPECT_EQ(rte_eal_hotplug_remove("vdev", "net_null_pmforeign"), 0);
}

// Two ring ports whose names have the same 32-bit FNV-1a hash (0x6fbed7e2),
// which used to be their device names: each gets a device of its own.
TEST(PortManager, RingPortsNeverShareADevice) {
  PortManager pm(&Pools(), 1, &Vhost());
  std::string error;
  auto a = pm.Add(MakePort("r66999", v1::PORT_KIND_RING), &error);
  ASSERT_TRUE(a.has_value()) << error;
  auto b = pm.Add(MakePort("r916676", v1::PORT_KIND_RING), &error);
  ASSERT_TRUE(b.has_value()) << error;
  EXPECT_NE(a->port_id, b->port_id);
  char name_a[RTE_ETH_NAME_MAX_LEN], name_b[RTE_ETH_NAME_MAX_LEN];
  ASSERT_EQ(rte_eth_dev_get_name_by_port(a->port_id, name_a), 0);
  ASSERT_EQ(rte_eth_dev_get_name_by_port(b->port_id, name_b), 0);
  EXPECT_STRNE(name_a, name_b);
  ExpectAlive(name_a, a->port_id);
  ExpectAlive(name_b, b->port_id);

  // Removed and added again: a fresh device, not the old rings; the old
  // device's rings are gone, all 16 of them (net_ring frees only those of
  // the queues that were set up).
  pm.Remove(a->port_id);
  for (int i = 0; i < 16; ++i) {
    const std::string ring = "ETH_RXTX" + std::to_string(i) + "_" + name_a;
    EXPECT_EQ(rte_ring_lookup(ring.c_str()), nullptr) << ring;
  }
  auto again = pm.Add(MakePort("r66999", v1::PORT_KIND_RING), &error);
  ASSERT_TRUE(again.has_value()) << error;
  ExpectAlive(name_b, b->port_id);
  pm.Remove(again->port_id);
  pm.Remove(b->port_id);
}

// What a device is (kernel interface, vhost socket) belongs to one port: a
// second port claiming it is refused, naming the field and the owner, and
// the first keeps running.
TEST(PortManager, DeviceIdentityIsOnePortsOnly) {
  char dir[] = "/tmp/sy-pm-test.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string sock = std::string(dir) + "/vm.sock";
  PortManager pm(&Pools(), 1, &Vhost());
  std::string error;

  auto server = MakePort("pmvs", v1::PORT_KIND_VHOST_SERVER);
  server.set_socket(sock);
  auto vs = pm.Add(server, &error);
  ASSERT_TRUE(vs.has_value()) << error;
  auto client = MakePort("pmvc", v1::PORT_KIND_VHOST_CLIENT);
  client.set_socket(sock);
  EXPECT_FALSE(pm.Add(client, &error).has_value());
  EXPECT_NE(error.find("port.socket"), std::string::npos) << error;
  EXPECT_NE(error.find("'pmvs'"), std::string::npos) << error;
  // Another spelling of the path is refused as such (never compared).
  client.set_socket(std::string(dir) + "//./vm.sock");
  error.clear();
  EXPECT_FALSE(pm.Add(client, &error).has_value());
  EXPECT_NE(error.find("port.socket: "), std::string::npos) << error;
  EXPECT_NE(error.find("normal spelling"), std::string::npos) << error;
  uint64_t features = 0;
  EXPECT_EQ(rte_vhost_driver_get_features(sock.c_str(), &features), 0)
      << "the server's socket was unregistered";
  ExpectAlive("net_vhost_pmvs", vs->port_id, /*sends=*/false);  // no guest
  pm.Remove(vs->port_id);

  if (CanMakeTaps()) {
    auto t1 = MakePort("pmta", v1::PORT_KIND_TAP);
    t1.set_iface("pmtx");
    auto a = pm.Add(t1, &error);
    ASSERT_TRUE(a.has_value()) << error;
    auto t2 = MakePort("pmtb", v1::PORT_KIND_TAP);
    t2.set_iface("pmtx");
    error.clear();
    EXPECT_FALSE(pm.Add(t2, &error).has_value());
    EXPECT_NE(error.find("port.iface"), std::string::npos) << error;
    // Nor through devargs.
    auto t3 = MakePort("pmtc", v1::PORT_KIND_TAP, "iface=pmtx");
    error.clear();
    EXPECT_FALSE(pm.Add(t3, &error).has_value());
    EXPECT_NE(error.find("port.devargs"), std::string::npos) << error;
    ExpectAlive("net_tap_pmta", a->port_id, /*sends=*/false);  // kernel side down
    pm.Remove(a->port_id);
  }
  rmdir(dir);
}

TEST(PortManager, WithheldFeatureBits) {
  EXPECT_EQ(VhostFeaturesWithheld(),
            (1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) |
                (1ULL << VIRTIO_NET_F_HOST_ECN) | (1ULL << VIRTIO_NET_F_HOST_UFO));
}

// Each port receives into a pool of its own, sized from its queues; a
// removed port's pool goes once all its buffers are back, not before.
TEST(PortManager, EachPortHasItsOwnPoolFreedWhenItsBuffersAreBack) {
  PortManager pm(&Pools(), 1, &Vhost());
  std::string error;
  const uint32_t pools_before = Pools().usage().pools;
  auto a = pm.Add(MakePort("pmpa", v1::PORT_KIND_RING), &error);
  ASSERT_TRUE(a.has_value()) << error;
  auto b = pm.Add(MakePort("pmpb", v1::PORT_KIND_RING), &error);
  ASSERT_TRUE(b.has_value()) << error;
  ASSERT_NE(a->rx_pool, nullptr);
  EXPECT_NE(a->rx_pool, b->rx_pool);
  EXPECT_NE(a->rx_pool, Pool());
  EXPECT_EQ(Pools().usage().pools, pools_before + 2);
  // A tap fills its RX ring at setup: its pool holds the ring and more.
  EXPECT_GT(Pools().PortPoolSize(1, 1024, true), 1024u);
  EXPECT_LT(Pools().PortPoolSize(1, 1024, false), 1024u);

  // One of a's buffers is still out (in some TX queue, say) when a goes.
  rte_mbuf* out = rte_pktmbuf_alloc(a->rx_pool);
  ASSERT_NE(out, nullptr);
  pm.Remove(a->port_id);
  EXPECT_EQ(Pools().usage().pools, pools_before + 2) << "freed with a buffer outstanding";
  rte_pktmbuf_free(out);
  Pools().Reap();
  EXPECT_EQ(Pools().usage().pools, pools_before + 1);
  pm.Remove(b->port_id);
  EXPECT_EQ(Pools().usage().pools, pools_before);
}

// A pcap file of `frames` frames of `len` bytes each.
std::string WritePcap(const std::string& path, int frames, uint32_t len) {
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
  pcap_dumper_t* dump = pcap_dump_open(dead, path.c_str());
  EXPECT_NE(dump, nullptr) << pcap_geterr(dead);
  std::string frame(len, '\0');
  frame.replace(0, 12, "\x02\xbb\0\0\0\1\x02\xaa\0\0\0\1", 12);
  for (int i = 0; i < frames && dump != nullptr; ++i) {
    pcap_pkthdr hdr{};
    hdr.caplen = hdr.len = len;
    pcap_dump(reinterpret_cast<u_char*>(dump), &hdr,
              reinterpret_cast<const u_char*>(frame.data()));
  }
  if (dump != nullptr) pcap_dump_close(dump);
  pcap_close(dead);
  return path;
}

// net_pcap with infinite_rx=1 reads the whole file into the port's buffers
// when its queue is set up, and keeps them: a file of more frames than a
// port's pool would otherwise hold must still make a port (a 4,096-frame
// file failed with "rte_eth_rx_queue_setup: Invalid argument").
TEST(PortManager, PcapPortReplayingAFileHasBuffersForTheFile) {
  char dir[] = "/tmp/sy-pm-pcap.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string file = WritePcap(std::string(dir) + "/s.pcap", 4096, 64);
  PortManager pm(&Pools(), 1, &Vhost());
  v1::Port port = MakePort("pmpcap", v1::PORT_KIND_PCAP);
  port.set_devargs("rx_pcap=" + file + ",infinite_rx=1");
  std::string error;
  auto q = pm.Add(port, &error);
  ASSERT_TRUE(q.has_value()) << error;
  EXPECT_GE(q->rx_pool->size, 4096u);
  // It replays: a burst comes back again and again.
  rte_mbuf* pkts[32];
  uint64_t got = 0;
  for (int i = 0; i < 1000 && got < 8192; ++i) {
    uint16_t n = rte_eth_rx_burst(q->port_id, 0, pkts, 32);
    got += n;
    rte_pktmbuf_free_bulk(pkts, n);
  }
  EXPECT_GE(got, 8192u);
  pm.Remove(q->port_id);
  std::remove(file.c_str());
  rmdir(dir);
}

TEST(PortManager, PcapReplayBuffersCountsFramesAndSegments) {
  char dir[] = "/tmp/sy-pm-pcap.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string small = WritePcap(std::string(dir) + "/a.pcap", 10, 64);
  const std::string jumbo = WritePcap(std::string(dir) + "/b.pcap", 3, 5000);
  std::string error;
  EXPECT_EQ(PcapReplayBuffers("rx_pcap=" + small, 2048, &error), 0u) << "not replayed";
  EXPECT_EQ(PcapReplayBuffers("rx_pcap=" + small + ",infinite_rx=0", 2048, &error), 0u);
  EXPECT_EQ(PcapReplayBuffers("rx_pcap=" + small + ",infinite_rx=1", 2048, &error), 10u);
  EXPECT_EQ(PcapReplayBuffers("infinite_rx=1,rx_pcap=" + jumbo, 2048, &error), 9u)
      << "5,000 bytes take 3 buffers of 2,048";
  EXPECT_EQ(PcapReplayBuffers("rx_pcap=" + std::string(dir) + "/none.pcap,infinite_rx=1", 2048,
                              &error),
            std::nullopt);
  EXPECT_NE(error.find("rx_pcap"), std::string::npos) << error;
  std::remove(small.c_str());
  std::remove(jumbo.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace switchyard
