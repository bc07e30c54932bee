// CompleteL4Checksum: what a guest's partial checksum (VIRTIO_NET_F_CSUM:
// the field holds the pseudo-header sum) becomes on arrival.
#include "ports/vhost_direct.h"

#include <gtest/gtest.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <cstring>
#include <vector>

#include "eal_env.h"

namespace switchyard {
namespace {

rte_mempool* Pool() {
  static rte_mempool* p =
      rte_pktmbuf_pool_create("vd_test_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  return p;
}

struct Frame {
  std::vector<uint8_t> bytes;
  uint32_t l3 = 0, l4 = 0, field = 0;  // offsets: IP header, L4 header, checksum
  uint32_t l4_len = 0;
  bool udp = false, v6 = false;
};

// Ethernet (optionally tagged) + IPv4/IPv6 + TCP/UDP with `payload` bytes
// and `pad` bytes of Ethernet padding after the IP datagram. The checksum
// field holds the pseudo-header sum, as a guest leaves it.
Frame MakeFrame(bool v6, bool udp, uint32_t payload, bool vlan = false, uint32_t pad = 0) {
  Frame f;
  f.udp = udp;
  f.v6 = v6;
  const uint32_t l4_len = (udp ? sizeof(rte_udp_hdr) : sizeof(rte_tcp_hdr)) + payload;
  std::vector<uint8_t>& b = f.bytes;
  const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
  b.insert(b.end(), macs, macs + 12);
  if (vlan) b.insert(b.end(), {0x81, 0x00, 0x00, 0x64});
  if (v6)
    b.insert(b.end(), {0x86, 0xdd});
  else
    b.insert(b.end(), {0x08, 0x00});
  f.l3 = static_cast<uint32_t>(b.size());
  b.resize(b.size() + (v6 ? sizeof(rte_ipv6_hdr) : sizeof(rte_ipv4_hdr)));
  f.l4 = static_cast<uint32_t>(b.size());
  f.l4_len = l4_len;
  b.resize(b.size() + l4_len);
  for (uint32_t i = 0; i < payload; ++i) b[b.size() - payload + i] = static_cast<uint8_t>(i * 7 + 3);
  uint8_t* l3 = b.data() + f.l3;
  uint8_t* l4 = b.data() + f.l4;
  const uint8_t proto = udp ? IPPROTO_UDP : IPPROTO_TCP;
  uint16_t pseudo;
  if (v6) {
    auto* ip = reinterpret_cast<rte_ipv6_hdr*>(l3);
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
    ip->payload_len = rte_cpu_to_be_16(static_cast<uint16_t>(l4_len));
    ip->proto = proto;
    ip->hop_limits = 64;
    for (int i = 0; i < 16; ++i) {
      ip->src_addr[i] = static_cast<uint8_t>(0x20 + i);
      ip->dst_addr[i] = static_cast<uint8_t>(0x90 - i);
    }
    pseudo = rte_ipv6_phdr_cksum(ip, 0);
  } else {
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(l3);
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(sizeof(rte_ipv4_hdr) + l4_len));
    ip->time_to_live = 64;
    ip->next_proto_id = proto;
    ip->src_addr = rte_cpu_to_be_32(0x0a000001);
    ip->dst_addr = rte_cpu_to_be_32(0x0a000002);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    pseudo = rte_ipv4_phdr_cksum(ip, 0);
  }
  if (udp) {
    auto* u = reinterpret_cast<rte_udp_hdr*>(l4);
    u->src_port = rte_cpu_to_be_16(5000);
    u->dst_port = rte_cpu_to_be_16(69);
    u->dgram_len = rte_cpu_to_be_16(static_cast<uint16_t>(l4_len));
    f.field = f.l4 + offsetof(rte_udp_hdr, dgram_cksum);
  } else {
    auto* t = reinterpret_cast<rte_tcp_hdr*>(l4);
    t->src_port = rte_cpu_to_be_16(40000);
    t->dst_port = rte_cpu_to_be_16(5001);
    t->data_off = 5 << 4;
    t->tcp_flags = RTE_TCP_ACK_FLAG;
    f.field = f.l4 + offsetof(rte_tcp_hdr, cksum);
  }
  std::memcpy(b.data() + f.field, &pseudo, 2);
  b.resize(b.size() + pad, 0);
  return f;
}

// The frame in mbufs whose segments hold `split` bytes each (0: one).
rte_mbuf* ToMbuf(const Frame& f, uint32_t split = 0) {
  rte_mbuf* head = nullptr;
  uint32_t off = 0;
  const uint32_t len = static_cast<uint32_t>(f.bytes.size());
  while (off < len) {
    const uint32_t n = split == 0 ? len : std::min(split, len - off);
    rte_mbuf* m = rte_pktmbuf_alloc(Pool());
    if (m == nullptr) return nullptr;
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(n)), f.bytes.data() + off, n);
    if (head == nullptr)
      head = m;
    else if (rte_pktmbuf_chain(head, m) != 0)
      return nullptr;
    off += n;
  }
  head->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
  return head;
}

// The frame's bytes back out of `m`.
std::vector<uint8_t> Bytes(const rte_mbuf* m) {
  std::vector<uint8_t> out(rte_pktmbuf_pkt_len(m));
  // rte_pktmbuf_read copies only when the bytes span segments.
  const void* p = rte_pktmbuf_read(m, 0, static_cast<uint32_t>(out.size()), out.data());
  if (p != out.data()) std::memcpy(out.data(), p, out.size());
  return out;
}

// True when the L4 checksum of `b` (laid out as `f`) verifies: the
// one's-complement sum of the pseudo-header and the whole L4 segment,
// checksum included, is all ones.
bool ChecksumValid(const Frame& f, const std::vector<uint8_t>& b) {
  const void* l3 = b.data() + f.l3;
  uint32_t sum = f.v6 ? rte_ipv6_phdr_cksum(static_cast<const rte_ipv6_hdr*>(l3), 0)
                      : rte_ipv4_phdr_cksum(static_cast<const rte_ipv4_hdr*>(l3), 0);
  sum += rte_raw_cksum(b.data() + f.l4, f.l4_len);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return sum == 0xffff;
}

void ExpectCompleted(const Frame& f, uint32_t split = 0) {
  rte_mbuf* m = ToMbuf(f, split);
  ASSERT_NE(m, nullptr);
  ASSERT_FALSE(ChecksumValid(f, Bytes(m))) << "the partial checksum should not verify yet";
  CompleteL4Checksum(m);
  const std::vector<uint8_t> after = Bytes(m);
  EXPECT_TRUE(ChecksumValid(f, after));
  EXPECT_EQ(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
  // Nothing but the checksum field changed.
  std::vector<uint8_t> expect = f.bytes;
  std::memcpy(expect.data() + f.field, after.data() + f.field, 2);
  EXPECT_EQ(after, expect);
  rte_pktmbuf_free(m);
}

TEST(CompleteL4Checksum, Ipv4Tcp) { ExpectCompleted(MakeFrame(false, false, 1000)); }
TEST(CompleteL4Checksum, Ipv4Udp) { ExpectCompleted(MakeFrame(false, true, 333)); }
TEST(CompleteL4Checksum, Ipv6Tcp) { ExpectCompleted(MakeFrame(true, false, 1200)); }
TEST(CompleteL4Checksum, Ipv6Udp) { ExpectCompleted(MakeFrame(true, true, 17)); }
TEST(CompleteL4Checksum, VlanTagged) { ExpectCompleted(MakeFrame(false, false, 64, true)); }

// Ethernet padding after a short datagram is not part of the checksum.
TEST(CompleteL4Checksum, IgnoresEthernetPadding) {
  Frame f = MakeFrame(false, true, 2, false, 12);
  for (uint32_t i = 0; i < 12; ++i) f.bytes[f.bytes.size() - 12 + i] = 0xa5;
  ExpectCompleted(f);
}

// Chained mbufs (mergeable buffers), down to a checksum field split across
// two segments.
TEST(CompleteL4Checksum, Segmented) {
  const Frame f = MakeFrame(false, false, 3000);
  ExpectCompleted(f, 1500);
  ExpectCompleted(f, f.field + 1);  // the field's two bytes in two segments
  ExpectCompleted(f, 7);
}

// A frame librte_vhost did not flag, or one that is not TCP/UDP, is left
// exactly as it came.
TEST(CompleteL4Checksum, LeavesOtherFramesAlone) {
  Frame f = MakeFrame(false, false, 100);
  f.bytes[f.l3 + offsetof(rte_ipv4_hdr, next_proto_id)] = IPPROTO_ICMP;
  rte_mbuf* m = ToMbuf(f);
  ASSERT_NE(m, nullptr);
  CompleteL4Checksum(m);
  EXPECT_EQ(Bytes(m), f.bytes);
  rte_pktmbuf_free(m);

  // An IP total length beyond the frame: nothing is summed or written.
  Frame g = MakeFrame(false, true, 10);
  g.bytes[g.l3 + offsetof(rte_ipv4_hdr, total_length)] = 0x05;
  m = ToMbuf(g);
  ASSERT_NE(m, nullptr);
  CompleteL4Checksum(m);
  EXPECT_EQ(Bytes(m), g.bytes);
  rte_pktmbuf_free(m);
}

}  // namespace
}  // namespace switchyard
