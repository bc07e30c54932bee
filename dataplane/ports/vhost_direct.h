#pragma once
// Worker bursts on vhost-user ports go straight to librte_vhost
// (rte_vhost_dequeue_burst / rte_vhost_enqueue_burst) instead of through the
// net_vhost PMD's burst functions, which count every packet a second time,
// free sent mbufs one at a time and fence each burst with two atomics: 8 to
// 12 of the ~180 cycles a packet costs in the vhost-user loop. The net_vhost
// ethdev keeps everything else: the socket, feature negotiation, link state
// and the guest's lifecycle.
//
// Which vhost device (vid) a port's guest is attached as comes from the
// PMD's link-state events, raised on the vhost-user thread from inside its
// new_device and destroy_device callbacks. librte_vhost frees a device, and
// may hand its vid to the next guest that connects, once destroy_device
// returns. So on a detach the event handler clears the port's vid and waits
// for an RCU grace period (workers pass a quiescent state after every round
// of polls) before it returns: no worker uses a vid past its device's end.

#include <rte_mbuf.h>
#include <rte_vhost.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "core/limits.h"

struct rte_rcu_qsbr;

namespace switchyard {

class VhostDevices {
 public:
  // `qsbr`: the RCU variable the workers report quiescent states to.
  explicit VhostDevices(rte_rcu_qsbr* qsbr);
  ~VhostDevices();
  VhostDevices(const VhostDevices&) = delete;
  VhostDevices& operator=(const VhostDevices&) = delete;

  // Control thread, right after the net_vhost ethdev is probed (before it
  // is configured, which opens the socket): follow its link events.
  bool Track(uint16_t port, std::string* error);
  // Read the port's attachment from the PMD. The event handler calls it; the
  // control thread calls it once the ethdev is started, since a guest that
  // attached before the start raised its event before the PMD had a vid to
  // give.
  void Refresh(uint16_t port);
  // Control thread, once no worker polls or sends on the port any more.
  void Untrack(uint16_t port);

  // Workers: the port's vid, or -1 while no guest is attached.
  int Vid(uint16_t port) const { return vid_[port].load(std::memory_order_acquire); }

 private:
  rte_rcu_qsbr* qsbr_;
  std::mutex mu_;  // Refresh runs on the vhost-user thread and control threads
  std::array<bool, kMaxPorts> tracked_{};
  std::array<std::atomic<int>, kMaxPorts> vid_;
};

// A guest that negotiated VIRTIO_NET_F_CSUM may send TCP and UDP frames whose
// checksum field holds only the pseudo-header sum; librte_vhost marks them
// RTE_MBUF_F_RX_L4_CKSUM_NONE. Whatever port such a frame leaves by needs the
// checksum whole, so it is finished on arrival.
void CompleteL4Checksum(rte_mbuf* m);

// librte_vhost moves at most this many packets per call.
constexpr uint16_t kVhostMaxBurst = 32;

// Queue pair q of a virtio-net device is virtqueues 2q (the guest receives:
// the switch enqueues) and 2q + 1 (the guest transmits: the switch dequeues).
inline uint16_t GuestRxQueue(uint16_t q) { return static_cast<uint16_t>(2 * q); }
inline uint16_t GuestTxQueue(uint16_t q) { return static_cast<uint16_t>(2 * q + 1); }

// Worker: up to `n` (<= kVhostMaxBurst) frames the guest sent on queue pair
// `queue`, in mbufs from `pool`.
inline uint16_t VhostRxBurst(const VhostDevices& d, uint16_t port, uint16_t queue,
                             rte_mempool* pool, rte_mbuf** pkts, uint16_t n) {
  const int vid = d.Vid(port);
  if (vid < 0) return 0;
  const uint16_t got =
      rte_vhost_dequeue_burst(vid, GuestTxQueue(queue), pool, pkts, n);
  for (uint16_t i = 0; i < got; ++i) {
    if (unlikely((pkts[i]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
                 RTE_MBUF_F_RX_L4_CKSUM_NONE))
      CompleteL4Checksum(pkts[i]);
  }
  return got;
}

// Worker: copy frames to the guest on queue pair `queue`. Returns how many
// it took (and freed, having copied them); the rest are the caller's, as
// with rte_eth_tx_burst.
inline uint16_t VhostTxBurst(const VhostDevices& d, uint16_t port, uint16_t queue,
                             rte_mbuf** pkts, uint16_t n) {
  const int vid = d.Vid(port);
  if (vid < 0) return 0;
  const uint16_t vq = GuestRxQueue(queue);
  uint16_t sent = 0;
  while (sent < n) {
    const uint16_t chunk = std::min<uint16_t>(static_cast<uint16_t>(n - sent), kVhostMaxBurst);
    const uint16_t k = rte_vhost_enqueue_burst(vid, vq, pkts + sent, chunk);
    sent = static_cast<uint16_t>(sent + k);
    if (k < chunk) break;  // the guest's ring is full
  }
  rte_pktmbuf_free_bulk(pkts, sent);
  return sent;
}

}  // namespace switchyard
