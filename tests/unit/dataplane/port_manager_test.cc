#include "ports/port_manager.h"

#include <gtest/gtest.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_vhost.h>

#include <cstdlib>
#include <string>

#include "eal_env.h"
#include "ports/devargs.h"
#include "ports/vhost_direct.h"

namespace switchyard {
namespace {

// virtio-net feature bits (virtio spec 5.1.3; linux/virtio_net.h is not C++).
constexpr int VIRTIO_NET_F_CSUM = 0, VIRTIO_NET_F_GUEST_CSUM = 1, VIRTIO_NET_F_HOST_TSO4 = 11,
              VIRTIO_NET_F_HOST_TSO6 = 12, VIRTIO_NET_F_HOST_ECN = 13, VIRTIO_NET_F_HOST_UFO = 14,
              VIRTIO_NET_F_MRG_RXBUF = 15;

rte_mempool* Pool() {
  static rte_mempool* p =
      rte_pktmbuf_pool_create("pm_test_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  return p;
}

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
  PortManager pm(Pool(), 1, &Vhost());
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

TEST(PortManager, WithheldFeatureBits) {
  EXPECT_EQ(VhostFeaturesWithheld(),
            (1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) |
                (1ULL << VIRTIO_NET_F_HOST_ECN) | (1ULL << VIRTIO_NET_F_HOST_UFO));
}

}  // namespace
}  // namespace switchyard
