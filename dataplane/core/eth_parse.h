#pragma once
// Ethernet + 802.1Q header parsing over untrusted bytes. Pure (no mbuf, no
// globals) so it is unit-tested and fuzzed directly. Runs on worker lcores.

#include <cstdint>
#include <cstring>
#include <optional>

#include "core/drop_reasons.h"

namespace switchyard {

constexpr uint16_t kEtherTypeVlan = 0x8100;
constexpr uint16_t kEtherTypeQinQ = 0x88a8;
constexpr uint16_t kEtherTypeQinQOld = 0x9100;  // pre-802.1ad double tagging

inline bool IsVlanTpid(uint16_t type) {
  return type == kEtherTypeVlan || type == kEtherTypeQinQ || type == kEtherTypeQinQOld;
}
constexpr uint32_t kEthHeaderLen = 14;
constexpr uint32_t kVlanTagLen = 4;

// A MAC address as the low 48 bits of an integer, first octet most significant.
using MacKey = uint64_t;

inline MacKey LoadMac(const uint8_t* p) {
  return (uint64_t{p[0]} << 40) | (uint64_t{p[1]} << 32) | (uint64_t{p[2]} << 24) |
         (uint64_t{p[3]} << 16) | (uint64_t{p[4]} << 8) | uint64_t{p[5]};
}

// The same from an 8-byte load (one load and a byte swap instead of six):
// reads p[0..7], so only where 8 bytes are known to be there.
inline MacKey LoadMacWide(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v >> 16;
}

inline bool MacIsGroup(MacKey m) { return (m >> 40) & 0x01; }

struct ParsedL2 {
  MacKey dst = 0;
  MacKey src = 0;
  uint16_t vid = 0;        // 0 = untagged (or priority-tagged)
  bool tagged = false;     // an 802.1Q/802.1ad tag is present in the data
  uint16_t ethertype = 0;  // after the tag, host order
};

struct ParseResult {
  ParsedL2 l2;
  std::optional<DropReason> drop;
};

// `data`/`len` is the first segment of the frame. When the NIC already
// stripped a tag (RTE_MBUF_F_RX_VLAN_STRIPPED), pass it as `stripped_tci`.
inline ParseResult ParseEthernet(const uint8_t* data, uint32_t len,
                                 std::optional<uint16_t> stripped_tci = std::nullopt) {
  ParseResult r;
  if (len < kEthHeaderLen) {
    r.drop = DropReason::RUNT;
    return r;
  }
  // len >= 14: both 8-byte loads (bytes 0..7 and 6..13) are in the header.
  r.l2.dst = LoadMacWide(data);
  r.l2.src = LoadMacWide(data + 6);
  uint16_t type = static_cast<uint16_t>((data[12] << 8) | data[13]);
  if (stripped_tci) {
    // The NIC stripped the outer tag: it classifies the frame. A tag still
    // in the data is an inner one, the customer's, and stays payload.
    r.l2.vid = *stripped_tci & 0x0fff;
  } else if (type == kEtherTypeVlan || type == kEtherTypeQinQ) {
    if (len < kEthHeaderLen + kVlanTagLen) {
      r.drop = DropReason::RUNT;
      return r;
    }
    r.l2.tagged = true;
    r.l2.vid = static_cast<uint16_t>(((data[14] << 8) | data[15]) & 0x0fff);
    type = static_cast<uint16_t>((data[16] << 8) | data[17]);
  }
  r.l2.ethertype = type;
  // A priority tag (VID 0) means "untagged"; one with another tag behind it
  // would pass as untagged here and reach the inner VLAN at a receiver that
  // pops the priority tag (VLAN hopping). The inner type is within the
  // 18 bytes a run shares, so runs stay valid.
  const bool priority_tagged = stripped_tci ? (*stripped_tci & 0x0fff) == 0 : r.l2.tagged && r.l2.vid == 0;
  if (priority_tagged && IsVlanTpid(type)) {
    r.drop = DropReason::PRIORITY_TAG_STACKED;
  } else if (MacIsGroup(r.l2.src)) {
    r.drop = DropReason::SRC_MAC_MULTICAST;
  } else if (r.l2.src == 0) {
    r.drop = DropReason::SRC_MAC_ZERO;
  }
  return r;
}

}  // namespace switchyard
