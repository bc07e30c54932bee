#pragma once
// Flow rules as both sides read them (docs/flow-rules.md): the match and
// action grammar yardctl parses and prints, the checked form controld
// validates and compares for overlap and the dataplane builds its
// classifier from, and the reference semantics (which frame a match
// holds for) that the classifier is tested against. Pure; any thread.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "switchyard/v1/types.pb.h"

namespace switchyard::rules {

inline constexpr uint32_t kMaxPriority = 65535;
inline constexpr uint16_t kEtherIpv4 = 0x0800;
inline constexpr uint16_t kEtherIpv6 = 0x86dd;
inline constexpr uint16_t kEtherArp = 0x0806;
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmpv6 = 58;
inline constexpr uint8_t kProtoSctp = 132;

// Which kinds of frame a match can hold for.
enum Family : uint8_t { kIpv4 = 1, kIpv6 = 2, kOther = 4, kAnyFamily = 7 };

struct MacMatch {
  uint64_t value = 0;  // 48 bits, the first byte on the wire highest
  uint64_t mask = 0;   // 0: any
};

struct Prefix {
  bool set = false;
  bool v6 = false;
  std::array<uint8_t, 16> addr{};  // network order; IPv4 in the first 4 bytes
  uint8_t len = 0;                 // prefix length
};

struct Range {
  bool set = false;
  uint16_t lo = 0, hi = 0xffff;
};

// A RuleMatch, checked: every field parsed, what it implies made explicit.
struct Match {
  std::string in_port;  // empty: any
  MacMatch src_mac, dst_mac;
  std::optional<uint16_t> vlan;
  uint16_t ethertype = 0;  // as written; 0: any
  uint8_t families = kAnyFamily;
  Prefix src_ip, dst_ip;
  std::optional<uint8_t> ip_proto;
  Range src_port, dst_port;
};

// Checks `in` and fills `out`; the error names the field ("match.src_ip:
// '10.0.0.300' is not an IPv4 or IPv6 prefix").
std::optional<std::string> ParseMatch(const v1::RuleMatch& in, Match* out);
// Rewrites `m` in canonical spelling (lower-case MACs, a mask only when it
// is not all ones, prefixes with their host bits cleared and a length).
// `m` must have passed ParseMatch.
void Canonicalize(v1::RuleMatch& m);
// The action rules (one verdict, at most one of set_vlan and strip_vlan,
// nothing that a drop would make meaningless); the error names the field.
std::optional<std::string> CheckActions(const v1::RuleActions& a);

// Whether some frame could satisfy both matches (ports compared by name).
bool CanOverlap(const Match& a, const Match& b);

// The grammar: "key=value,key=value" (empty: every frame) and
// "allow|drop|redirect:PORT[,mirror:PORT][,meter:NAME][,set_vlan:N|strip_vlan]".
// The error names the key or action at fault.
std::optional<std::string> ParseMatchExpr(std::string_view expr, v1::RuleMatch* out);
std::optional<std::string> ParseActionsExpr(std::string_view expr, v1::RuleActions* out);
std::string FormatMatch(const v1::RuleMatch& m);    // "" for an empty match
std::string FormatActions(const v1::RuleActions& a);

// A frame as the rules see it: the reference semantics.
struct Frame {
  std::string in_port;
  uint64_t src_mac = 0, dst_mac = 0;
  uint16_t vlan = 0;  // 0: untagged
  uint16_t ethertype = 0;
  uint8_t family = kOther;  // kIpv4, kIpv6 or kOther
  std::array<uint8_t, 16> src_ip{}, dst_ip{};
  uint8_t ip_proto = 0;  // IP frames
  bool has_ports = false;  // TCP/UDP/SCTP with its header (not a later fragment)
  uint16_t src_port = 0, dst_port = 0;
};
bool Matches(const Match& m, const Frame& f);

// Helpers shared with the dataplane's classifier.
bool PrefixContains(const Prefix& p, const std::array<uint8_t, 16>& addr);
std::string MacString(uint64_t mac);

}  // namespace switchyard::rules
