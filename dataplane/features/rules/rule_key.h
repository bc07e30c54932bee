#pragma once
// What the classifier reads of a frame (features/rules): one RuleKey per
// packet, laid out for rte_acl (fields in network byte order, grouped in
// 4-byte inputs after a first 1-byte field), and the header walk that
// fills it. Worker lcores (and the tests).

#include <array>
#include <cstdint>
#include <cstring>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "core/eth_parse.h"
#include "switchyard/rule_syntax.h"

namespace switchyard {

struct alignas(8) RuleKey {
  uint8_t proto;       // IP protocol / IPv6 next header; 0 for other frames
  uint8_t pad;
  uint16_t tenant;     // not classified: makes the key a flow cache key
  uint16_t ethertype;  // after any tag
  uint16_t vlan;       // as received, 0 untagged
  uint16_t sport;
  uint16_t dport;
  uint16_t in_port;
  uint16_t smac_lo;    // source MAC, last 2 bytes
  uint32_t smac_hi;    // source MAC, first 4 bytes
  uint32_t dmac_hi;
  uint16_t dmac_lo;
  uint16_t flags;      // kKeyHasPorts
  // IPv4: source in 0..3, destination in 4..7. IPv6: 0..15 and 16..31.
  uint8_t addr[32];
};
static_assert(sizeof(RuleKey) == 64 && offsetof(RuleKey, tenant) == 2 && offsetof(RuleKey, ethertype) == 4 && offsetof(RuleKey, smac_hi) == 16 &&
              offsetof(RuleKey, dmac_lo) == 24 && offsetof(RuleKey, addr) == 28);

constexpr uint16_t kKeyHasPorts = 1;

// Which classifier a frame goes to.
enum class KeyFamily : uint8_t { kIpv4OrOther = 0, kIpv6 = 1 };

namespace rule_key_detail {

inline bool IsPortProto(uint8_t p) {
  return p == rules::kProtoTcp || p == rules::kProtoUdp || p == rules::kProtoSctp;
}

// Reads the 4 port bytes at `off` if the frame has them.
inline void ReadPorts(const rte_mbuf* m, uint32_t off, RuleKey* k) {
  uint8_t buf[4];
  const auto* p = static_cast<const uint8_t*>(rte_pktmbuf_read(m, off, 4, buf));
  if (p == nullptr) return;  // no L4 header: no ports
  std::memcpy(&k->sport, p, 2);
  std::memcpy(&k->dport, p + 2, 2);
  k->flags = rte_cpu_to_be_16(kKeyHasPorts);
}

}  // namespace rule_key_detail

// Fills `k` from a frame whose Ethernet header (with `l3` bytes before the
// network header) the parser read. False: an IPv4 or IPv6 header that is
// truncated or not of its version (l3_malformed).
inline bool ExtractKey(const rte_mbuf* m, uint16_t in_port, uint16_t vlan, uint16_t ethertype,
                       uint32_t l3, RuleKey* k, KeyFamily* family) {
  using namespace rule_key_detail;
  std::memset(k, 0, sizeof *k);
  const auto* eth = rte_pktmbuf_mtod(m, const uint8_t*);
  k->ethertype = rte_cpu_to_be_16(ethertype);
  k->vlan = rte_cpu_to_be_16(vlan);
  k->in_port = rte_cpu_to_be_16(in_port);
  std::memcpy(&k->dmac_hi, eth, 4);
  std::memcpy(&k->dmac_lo, eth + 4, 2);
  std::memcpy(&k->smac_hi, eth + 6, 4);
  std::memcpy(&k->smac_lo, eth + 10, 2);
  *family = KeyFamily::kIpv4OrOther;
  if (ethertype == rules::kEtherIpv4) {
    uint8_t buf[20];
    const auto* ip = static_cast<const uint8_t*>(rte_pktmbuf_read(m, l3, 20, buf));
    if (ip == nullptr || (ip[0] >> 4) != 4 || (ip[0] & 0xf) < 5) return false;
    const uint32_t ihl = (ip[0] & 0xfu) * 4;
    if (rte_pktmbuf_pkt_len(m) < l3 + ihl) return false;
    k->proto = ip[9];
    std::memcpy(k->addr, ip + 12, 8);
    const uint16_t frag = static_cast<uint16_t>((ip[6] & 0x1f) << 8 | ip[7]);
    if (frag == 0 && IsPortProto(k->proto)) ReadPorts(m, l3 + ihl, k);
    return true;
  }
  if (ethertype == rules::kEtherIpv6) {
    *family = KeyFamily::kIpv6;
    uint8_t buf[40];
    const auto* ip = static_cast<const uint8_t*>(rte_pktmbuf_read(m, l3, 40, buf));
    if (ip == nullptr || (ip[0] >> 4) != 6) return false;
    std::memcpy(k->addr, ip + 8, 32);
    uint8_t nh = ip[6];
    uint32_t off = l3 + 40;
    bool first = true;
    // Extension headers: hop-by-hop, routing, destination options,
    // fragment, AH; at most 8 of them.
    for (int i = 0; i < 8; ++i) {
      if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51) break;
      uint8_t eh[4];
      const auto* e = static_cast<const uint8_t*>(rte_pktmbuf_read(m, off, 4, eh));
      if (e == nullptr) return false;
      uint32_t len = 0;
      if (nh == 44) {
        len = 8;
        first = first && ((e[2] << 8 | e[3]) & 0xfff8) == 0;
      } else if (nh == 51) {
        len = (e[1] + 2u) * 4;
      } else {
        len = (e[1] + 1u) * 8;
      }
      nh = e[0];
      off += len;
    }
    k->proto = nh;
    if (first && IsPortProto(nh)) ReadPorts(m, off, k);
    return true;
  }
  return true;
}

// The header bytes ExtractKey reads, as masked 8-byte words from the frame's
// start: two frames of one run (same port, tag and EtherType) whose words
// are equal under the mask have equal keys, so the second needs no key of
// its own. For IPv4 without options and IPv6 without extension headers
// (the ports sit at a fixed offset) and for other EtherTypes (MACs only).
struct KeyBytes {
  uint32_t words = 0;  // 0: no such shortcut for this header
  std::array<uint64_t, 8> mask{};
};

namespace rule_key_detail {

constexpr void Cover(std::array<uint8_t, 64>& m, uint32_t from, uint32_t to, uint8_t bits = 0xff) {
  for (uint32_t i = from; i < to; ++i) m[i] = bits;
}

constexpr KeyBytes MakeKeyBytes(uint16_t ethertype, uint32_t l3) {
  std::array<uint8_t, 64> m{};
  uint32_t end = 12;
  Cover(m, 0, 12);  // the MACs
  if (ethertype == rules::kEtherIpv4) {
    Cover(m, l3, l3 + 1);              // version, header length
    Cover(m, l3 + 6, l3 + 7, 0x1f);    // fragment offset
    Cover(m, l3 + 7, l3 + 8);
    Cover(m, l3 + 9, l3 + 10);         // protocol
    Cover(m, l3 + 12, l3 + 24);        // addresses, ports
    end = l3 + 24;
  } else if (ethertype == rules::kEtherIpv6) {
    Cover(m, l3, l3 + 1, 0xf0);        // version
    Cover(m, l3 + 6, l3 + 7);          // next header
    Cover(m, l3 + 8, l3 + 44);         // addresses, ports
    end = l3 + 44;
  }
  KeyBytes k;
  k.words = (end + 7) / 8;
  for (uint32_t w = 0; w < k.words; ++w)
    for (uint32_t i = 0; i < 8; ++i) k.mask[w] |= uint64_t{m[w * 8 + i]} << (8 * i);  // little endian
  return k;
}

constexpr KeyBytes kKeyBytes[3][2] = {
    {MakeKeyBytes(rules::kEtherIpv4, kEthHeaderLen), MakeKeyBytes(rules::kEtherIpv4, kEthHeaderLen + kVlanTagLen)},
    {MakeKeyBytes(rules::kEtherIpv6, kEthHeaderLen), MakeKeyBytes(rules::kEtherIpv6, kEthHeaderLen + kVlanTagLen)},
    {MakeKeyBytes(0, kEthHeaderLen), MakeKeyBytes(0, kEthHeaderLen + kVlanTagLen)},
};

static_assert(kKeyBytes[0][0].words == 5 && kKeyBytes[0][1].words == 6 && kKeyBytes[1][0].words == 8 &&
              kKeyBytes[1][1].words == 8 && kKeyBytes[2][0].words == 2 && kKeyBytes[2][1].words == 2);

inline bool IsIpv6Extension(uint8_t nh) { return nh == 0 || nh == 43 || nh == 60 || nh == 44 || nh == 51; }

}  // namespace rule_key_detail

// The comparison for frames of this EtherType and tag, given a frame `ref`
// whose key was read: words 0 when its header has options or extension
// headers (the ports are elsewhere) or it is too short to compare whole.
inline const KeyBytes* KeyBytesFor(const rte_mbuf* ref, uint16_t ethertype, bool tagged) {
  using namespace rule_key_detail;
  const uint32_t l3 = kEthHeaderLen + (tagged ? kVlanTagLen : 0);
  const auto* d = rte_pktmbuf_mtod(ref, const uint8_t*);
  const KeyBytes* k;
  if (ethertype == rules::kEtherIpv4) {
    k = &kKeyBytes[0][tagged];
    if (rte_pktmbuf_data_len(ref) < k->words * 8 || d[l3] != 0x45) return nullptr;
  } else if (ethertype == rules::kEtherIpv6) {
    k = &kKeyBytes[1][tagged];
    if (rte_pktmbuf_data_len(ref) < k->words * 8 || IsIpv6Extension(d[l3 + 6])) return nullptr;
  } else {
    k = &kKeyBytes[2][tagged];
    if (rte_pktmbuf_data_len(ref) < k->words * 8) return nullptr;
  }
  return k;
}

namespace rule_key_detail {

template <uint32_t kWords>
inline bool SameWords(const uint64_t* mask, const uint8_t* a, const uint8_t* c) {
  uint64_t diff = 0;
  for (uint32_t w = 0; w < kWords; ++w) {  // unrolled
    uint64_t x, y;
    std::memcpy(&x, a + w * 8, 8);
    std::memcpy(&y, c + w * 8, 8);
    diff |= (x ^ y) & mask[w];
  }
  return diff == 0;
}

}  // namespace rule_key_detail

// Whether `m`'s key equals `ref`'s (`k` from KeyBytesFor(ref)).
static __rte_always_inline bool SameKeyBytes(const KeyBytes& k, const rte_mbuf* ref, const rte_mbuf* m) {
  using namespace rule_key_detail;
  if (rte_pktmbuf_data_len(m) < k.words * 8) return false;
  const auto* a = rte_pktmbuf_mtod(ref, const uint8_t*);
  const auto* c = rte_pktmbuf_mtod(m, const uint8_t*);
  switch (k.words) {
    case 2: return SameWords<2>(k.mask.data(), a, c);  // MACs
    case 5: return SameWords<5>(k.mask.data(), a, c);  // IPv4
    case 6: return SameWords<6>(k.mask.data(), a, c);  // tagged IPv4
    case 8: return SameWords<8>(k.mask.data(), a, c);  // IPv6
    default: return false;
  }
}

}  // namespace switchyard
