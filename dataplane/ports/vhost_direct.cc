#include "ports/vhost_direct.h"

#include <rte_byteorder.h>
#include <rte_eth_vhost.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_net.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstddef>

namespace switchyard {

namespace {

int OnLinkEvent(uint16_t port, rte_eth_event_type, void* arg, void*) {
  static_cast<VhostDevices*>(arg)->Refresh(port);
  return 0;
}

// Store the two bytes of `v`, in the order they lie in memory, at byte `off`
// of the frame, wherever the segments put them.
void StoreU16(rte_mbuf* m, uint32_t off, uint16_t v) {
  const auto* b = reinterpret_cast<const uint8_t*>(&v);
  for (int i = 0; i < 2; ++i, ++off) {
    rte_mbuf* s = m;
    uint32_t o = off;
    while (s != nullptr && o >= s->data_len) {
      o -= s->data_len;
      s = s->next;
    }
    if (s == nullptr) return;
    *rte_pktmbuf_mtod_offset(s, uint8_t*, o) = b[i];
  }
}

// The one's-complement sum of `len` bytes from byte `off` of the frame,
// across segments. (rte_raw_cksum_mbuf in DPDK 22.11 drops the carries of
// a segment that starts at an odd offset of the sum.)
bool SumFrame(const rte_mbuf* m, uint32_t off, uint32_t len, uint16_t* out) {
  uint32_t sum = 0, done = 0;
  for (const rte_mbuf* s = m; s != nullptr && done < len; s = s->next) {
    if (off >= s->data_len) {
      off -= s->data_len;
      continue;
    }
    const uint32_t n = std::min<uint32_t>(s->data_len - off, len - done);
    uint32_t part = rte_raw_cksum(rte_pktmbuf_mtod_offset(s, const uint8_t*, off), n);
    if (done & 1) part = rte_bswap16(static_cast<uint16_t>(part));  // bytes swap lanes
    sum += part;
    done += n;
    off = 0;
  }
  if (done != len) return false;
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  *out = static_cast<uint16_t>(sum);
  return true;
}

}  // namespace

VhostDevices::VhostDevices(rte_rcu_qsbr* qsbr) : qsbr_(qsbr) {
  for (auto& v : vid_) v.store(-1);
}

VhostDevices::~VhostDevices() {
  for (uint16_t p = 0; p < kMaxPorts; ++p)
    if (tracked_[p]) Untrack(p);
}

bool VhostDevices::Track(uint16_t port, std::string* error) {
  int rc = rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_LSC, OnLinkEvent, this);
  if (rc != 0) {
    *error = "rte_eth_dev_callback_register(" + std::to_string(port) + "): " +
             rte_strerror(-rc);
    return false;
  }
  std::lock_guard<std::mutex> lk(mu_);
  tracked_[port] = true;
  vid_[port].store(-1, std::memory_order_release);
  return true;
}

void VhostDevices::Refresh(uint16_t port) {
  std::lock_guard<std::mutex> lk(mu_);
  if (!tracked_[port]) return;
  // The PMD sets its queues' vid before raising "up" and clears it before
  // raising "down".
  const int vid = rte_eth_vhost_get_vid_from_port_id(port);
  const int old = vid_[port].exchange(vid, std::memory_order_acq_rel);
  if (old == vid) return;
  spdlog::info("ethdev {}: vhost device {} -> {}", port, old, vid);
  // The old device goes away when this event returns: wait until every
  // worker has finished the burst that may still be using its vid.
  if (old >= 0) rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
}

void VhostDevices::Untrack(uint16_t port) {
  // Not under mu_: an event being delivered holds the ethdev's callback
  // list busy (-EAGAIN) and may be waiting for mu_ itself.
  while (rte_eth_dev_callback_unregister(port, RTE_ETH_EVENT_INTR_LSC, OnLinkEvent, this) ==
         -EAGAIN)
    rte_pause();
  std::lock_guard<std::mutex> lk(mu_);
  tracked_[port] = false;
  vid_[port].store(-1, std::memory_order_release);
}

void CompleteL4Checksum(rte_mbuf* m) {
  rte_net_hdr_lens h{};
  const uint32_t ptype = rte_net_get_ptype(m, &h, RTE_PTYPE_ALL_MASK);
  uint32_t field;
  switch (ptype & RTE_PTYPE_L4_MASK) {
    case RTE_PTYPE_L4_TCP:
      field = offsetof(rte_tcp_hdr, cksum);
      break;
    case RTE_PTYPE_L4_UDP:
      field = offsetof(rte_udp_hdr, dgram_cksum);
      break;
    default:
      return;  // nothing librte_vhost would have flagged
  }
  // The L4 length from the IP header, not the frame: a short frame may
  // carry Ethernet padding.
  const uint32_t l3 = h.l2_len, l4 = h.l2_len + h.l3_len;
  uint32_t l4_len;
  if (RTE_ETH_IS_IPV4_HDR(ptype)) {
    rte_ipv4_hdr ip;
    const auto* p = static_cast<const rte_ipv4_hdr*>(rte_pktmbuf_read(m, l3, sizeof(ip), &ip));
    if (p == nullptr || rte_be_to_cpu_16(p->total_length) < h.l3_len) return;
    l4_len = rte_be_to_cpu_16(p->total_length) - h.l3_len;
  } else {
    rte_ipv6_hdr ip;
    const auto* p = static_cast<const rte_ipv6_hdr*>(rte_pktmbuf_read(m, l3, sizeof(ip), &ip));
    if (p == nullptr || rte_be_to_cpu_16(p->payload_len) + sizeof(ip) < h.l3_len) return;
    l4_len = static_cast<uint32_t>(rte_be_to_cpu_16(p->payload_len) + sizeof(ip) - h.l3_len);
  }
  if (l4 + l4_len > rte_pktmbuf_pkt_len(m) || l4_len < field + 2) return;
  // The field holds the pseudo-header sum (virtio 5.1.6.2): summing the
  // L4 header and payload over it gives the full checksum.
  uint16_t sum = 0;
  if (!SumFrame(m, l4, l4_len, &sum)) return;
  sum = static_cast<uint16_t>(~sum);
  if (sum == 0 && (ptype & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_UDP) sum = 0xffff;  // RFC 768
  StoreU16(m, l4 + field, sum);
  m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_RX_L4_CKSUM_MASK) | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

}  // namespace switchyard
