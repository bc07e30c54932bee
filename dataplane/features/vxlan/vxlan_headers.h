#pragma once
// VXLAN over IPv4 (RFC 7348) as bytes: the checks a frame arriving on the
// underlay passes before it is decapsulated, the outer headers built once
// per remote VTEP (a template), and what encapsulation fills in per packet.
// Pure (no mbuf, no globals) so each check is unit-tested and fuzzed
// directly. Worker lcores, and control threads for the templates.

#include <array>
#include <cstdint>
#include <cstring>

#include <nmmintrin.h>

#include "core/drop_reasons.h"
#include "core/eth_parse.h"

namespace switchyard {

constexpr uint16_t kVxlanUdpPort = 4789;
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr uint32_t kOuterIpLen = 20;  // no options: none are sent, none accepted
constexpr uint32_t kUdpLen = 8;
constexpr uint32_t kVxlanHdrLen = 8;
// Outer Ethernet, IPv4, UDP and VXLAN headers.
constexpr uint32_t kVxlanEncapLen = kEthHeaderLen + kOuterIpLen + kUdpLen + kVxlanHdrLen;  // 50
// What an outer IPv4 packet carries beyond the inner frame: an inner frame
// of L bytes (its Ethernet header included, no tag) needs an underlay MTU
// of L + 36, so a tenant's IP MTU is the underlay MTU - 50.
constexpr uint32_t kVxlanIpOverhead = kOuterIpLen + kUdpLen + kVxlanHdrLen;  // 36
constexpr uint8_t kVxlanFlagI = 0x08;     // "the VNI is valid"
constexpr uint16_t kIpv4DontFragment = 0x4000;
constexpr uint8_t kOuterTtl = 64;
constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kIpProtoSctp = 132;

inline uint16_t LoadBe16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline void StoreBe16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
// An IPv4 address as it is on the wire, in a uint32_t (network order).
inline uint32_t LoadIp(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// One's complement sum of `words` 16-bit big-endian words, unfolded.
inline uint32_t SumBe16(const uint8_t* p, uint32_t words) {
  uint32_t sum = 0;
  for (uint32_t i = 0; i < words; ++i) sum += LoadBe16(p + 2 * i);
  return sum;
}
inline uint16_t FoldSum(uint32_t sum) {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// True if a 20-byte IPv4 header's checksum is right: its 16-bit words sum
// to 0xffff. Summed as three wide loads in host order (a one's complement
// sum is the same in either byte order up to a swap, and 0xffff is its own
// swap).
inline bool Ipv4HeaderChecksumOk(const uint8_t* ip) {
  uint64_t a, b;
  uint32_t c;
  std::memcpy(&a, ip, 8);
  std::memcpy(&b, ip + 8, 8);
  std::memcpy(&c, ip + 16, 4);
  uint64_t sum = (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32) + c;
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return sum == 0xffff;
}

enum class OuterKind : uint8_t {
  kNotVxlan,  // not VXLAN for this VTEP: the kernel's (ARP, ICMP, ...)
  kDrop,      // VXLAN, or a fragment to the VTEP, that must not be trusted
  kVxlan,     // decapsulate: the inner frame is at kVxlanEncapLen
};

struct OuterResult {
  OuterKind kind = OuterKind::kNotVxlan;
  DropReason drop = DropReason::VXLAN_TRUNCATED;  // kDrop
  uint32_t vni = 0;        // kVxlan
  uint32_t src_ip = 0;     // kVxlan and kDrop past the addresses: network order
  uint32_t inner_len = 0;  // kVxlan: the inner frame's length, from the UDP length
};

// What an untagged IPv4 frame arriving on the underlay is. `data` and
// `seg_len` are its first segment, `pkt_len` the whole frame, `local_ip`
// the local VTEP address (network order); `ip_csum_good` when the NIC has
// verified the IPv4 checksum. VXLAN means: IPv4 without options, not a
// fragment, UDP to port 4789 of the local address, lengths that agree with
// the frame, the I flag. The outer headers and the inner Ethernet header
// must be in the first segment.
inline OuterResult ClassifyOuter(const uint8_t* data, uint32_t seg_len, uint32_t pkt_len,
                                 uint32_t local_ip, bool ip_csum_good) {
  OuterResult r;
  auto drop = [&](DropReason why) {
    r.kind = OuterKind::kDrop;
    r.drop = why;
    return r;
  };
  if (seg_len < kEthHeaderLen + kOuterIpLen) return r;  // the kernel drops what it cannot read
  const uint8_t* ip = data + kEthHeaderLen;
  if ((ip[0] >> 4) != 4 || (ip[0] & 0x0f) < 5 || ip[9] != kIpProtoUdp) return r;
  const uint32_t ihl = (ip[0] & 0x0fu) * 4;
  const bool to_us = LoadIp(ip + 16) == local_ip;
  r.src_ip = LoadIp(ip + 12);
  // A fragment of UDP to the VTEP address may be VXLAN (later fragments
  // carry no UDP header to tell): never reassembled, never passed on.
  if ((LoadBe16(ip + 6) & 0x3fff) != 0) return to_us ? drop(DropReason::VXLAN_FRAGMENT) : r;
  if (seg_len < kEthHeaderLen + ihl + kUdpLen)
    return to_us ? drop(DropReason::VXLAN_TRUNCATED) : r;
  const uint8_t* udp = ip + ihl;
  if (LoadBe16(udp + 2) != kVxlanUdpPort) return r;
  if (!to_us) return drop(DropReason::VXLAN_WRONG_DST);
  if (ihl != kOuterIpLen) return drop(DropReason::VXLAN_IP_OPTIONS);
  if (!ip_csum_good && !Ipv4HeaderChecksumOk(ip)) return drop(DropReason::VXLAN_BAD_CHECKSUM);
  const uint32_t tot_len = LoadBe16(ip + 2);
  const uint32_t udp_len = LoadBe16(udp + 4);
  if (tot_len < kVxlanIpOverhead + kEthHeaderLen || kEthHeaderLen + tot_len > pkt_len ||
      udp_len != tot_len - kOuterIpLen || seg_len < kVxlanEncapLen + kEthHeaderLen)
    return drop(DropReason::VXLAN_TRUNCATED);
  const uint8_t* vx = udp + kUdpLen;
  if ((vx[0] & kVxlanFlagI) == 0) return drop(DropReason::VXLAN_BAD_FLAGS);
  r.kind = OuterKind::kVxlan;
  r.vni = (uint32_t{vx[4]} << 16) | (uint32_t{vx[5]} << 8) | vx[6];
  r.inner_len = udp_len - kUdpLen - kVxlanHdrLen;
  return r;
}

// The outer headers toward one remote VTEP: Ethernet (the next hop's MAC,
// the uplink's MAC, IPv4), IPv4 (DF set, ID 0 as RFC 6864 allows for
// atomic datagrams, TTL 64, UDP, the two addresses), UDP (destination port
// 4789, checksum 0 as RFC 7348 allows over IPv4), VXLAN (the I flag). The
// per-packet fields are left zero: IPv4 total length and checksum, UDP
// source port and length, the VNI.
using EncapTemplate = std::array<uint8_t, kVxlanEncapLen>;
inline EncapTemplate MakeEncapTemplate(const uint8_t next_hop_mac[6], const uint8_t local_mac[6],
                                       uint32_t local_ip, uint32_t remote_ip) {
  EncapTemplate t{};
  uint8_t* p = t.data();
  std::memcpy(p, next_hop_mac, 6);
  std::memcpy(p + 6, local_mac, 6);
  StoreBe16(p + 12, kEtherTypeIpv4);
  uint8_t* ip = p + kEthHeaderLen;
  ip[0] = 0x45;
  StoreBe16(ip + 6, kIpv4DontFragment);
  ip[8] = kOuterTtl;
  ip[9] = kIpProtoUdp;
  std::memcpy(ip + 12, &local_ip, 4);
  std::memcpy(ip + 16, &remote_ip, 4);
  uint8_t* udp = ip + kOuterIpLen;
  StoreBe16(udp + 2, kVxlanUdpPort);
  udp[kUdpLen] = kVxlanFlagI;
  return t;
}

// The unfolded one's complement sum of a template's IPv4 header (total
// length and checksum zero): a packet's checksum is this plus its total
// length, folded and inverted.
inline uint32_t TemplateIpSum(const EncapTemplate& t) {
  return SumBe16(t.data() + kEthHeaderLen, kOuterIpLen / 2);
}

// Writes the outer headers for an inner frame of `inner_len` bytes at
// `out` (kVxlanEncapLen bytes, just before the inner frame).
inline void WriteEncap(uint8_t* out, const EncapTemplate& t, uint32_t ip_sum, uint32_t inner_len,
                       uint16_t src_port, uint32_t vni) {
  std::memcpy(out, t.data(), kVxlanEncapLen);
  uint8_t* ip = out + kEthHeaderLen;
  const uint32_t tot_len = inner_len + kVxlanIpOverhead;
  StoreBe16(ip + 2, static_cast<uint16_t>(tot_len));
  StoreBe16(ip + 10, static_cast<uint16_t>(~FoldSum(ip_sum + tot_len)));
  uint8_t* udp = ip + kOuterIpLen;
  StoreBe16(udp, src_port);
  StoreBe16(udp + 4, static_cast<uint16_t>(inner_len + kUdpLen + kVxlanHdrLen));
  uint8_t* vx = udp + kUdpLen;
  vx[4] = static_cast<uint8_t>(vni >> 16);
  vx[5] = static_cast<uint8_t>(vni >> 8);
  vx[6] = static_cast<uint8_t>(vni);
}

// A hash of the inner frame's flow (RFC 7348 5: the source port carries
// entropy for the underlay's ECMP): its MACs and, for IPv4 and IPv6, the
// addresses, the protocol and (TCP, UDP, SCTP, not in a fragment) the
// ports. `f` is an untagged frame of `len` bytes in one segment (at least
// the 14 bytes of its Ethernet header). CRC32-C steps (SSE4.2): a few
// cycles a packet, and every input bit reaches the low bits used.
inline uint32_t InnerFlowHash(const uint8_t* f, uint32_t len) {
  uint64_t macs;
  uint32_t macs_tail;
  std::memcpy(&macs, f, 8);
  std::memcpy(&macs_tail, f + 8, 4);
  uint64_t h = _mm_crc32_u64(0x5e17c0de, macs);
  h = _mm_crc32_u32(static_cast<uint32_t>(h), macs_tail);
  const uint16_t type = LoadBe16(f + 12);
  const uint8_t* l3 = f + kEthHeaderLen;
  const uint32_t l3_len = len - kEthHeaderLen;
  uint32_t l4_off = 0;
  uint8_t proto = 0;
  if (type == kEtherTypeIpv4 && l3_len >= 20 && (l3[0] >> 4) == 4) {
    uint64_t addrs;
    std::memcpy(&addrs, l3 + 12, 8);
    h = _mm_crc32_u64(h, addrs);
    proto = l3[9];
    if ((LoadBe16(l3 + 6) & 0x3fff) == 0) l4_off = (l3[0] & 0x0fu) * 4;
  } else if (type == kEtherTypeIpv6 && l3_len >= 40 && (l3[0] >> 4) == 6) {
    for (int i = 0; i < 4; ++i) {
      uint64_t w;
      std::memcpy(&w, l3 + 8 + 8 * i, 8);
      h = _mm_crc32_u64(h, w);
    }
    proto = l3[6];
    l4_off = 40;  // extension headers: the addresses and next header suffice
  } else {
    return _mm_crc32_u32(static_cast<uint32_t>(h), type);
  }
  uint32_t ports = 0;
  if (l4_off != 0 && (proto == kIpProtoTcp || proto == kIpProtoUdp || proto == kIpProtoSctp) &&
      l3_len >= l4_off + 4)
    ports = LoadIp(l3 + l4_off);
  return _mm_crc32_u32(_mm_crc32_u8(static_cast<uint32_t>(h), proto), ports);
}

// The UDP source port for a flow hash: 49152..65535, the dynamic range
// RFC 7348 recommends.
inline uint16_t VxlanSourcePort(uint32_t hash) {
  return static_cast<uint16_t>(0xc000 | ((hash ^ (hash >> 16)) & 0x3fff));
}

}  // namespace switchyard
