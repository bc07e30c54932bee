#include "switchyard/rule_syntax.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include <fmt/format.h>

namespace switchyard::rules {

namespace {

using Error = std::optional<std::string>;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitComma(std::string_view s) {
  std::vector<std::string_view> out;
  if (Trim(s).empty()) return out;
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    out.push_back(Trim(s.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                          : comma - start)));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

// Digits only, no sign, no leading '+', within max.
bool ParseUint(std::string_view s, uint64_t max, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return false;
  *out = v;
  return true;
}

bool ParseHex(std::string_view s, uint64_t max, uint64_t* out) {
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  s.remove_prefix(2);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return false;
  *out = v;
  return true;
}

bool ParseMacBytes(std::string_view s, uint64_t* out) {
  if (s.size() != 17) return false;
  uint64_t v = 0;
  for (int i = 0; i < 6; ++i) {
    if (i > 0 && s[i * 3 - 1] != ':') return false;
    uint8_t b = 0;
    auto [p, ec] = std::from_chars(s.data() + i * 3, s.data() + i * 3 + 2, b, 16);
    if (ec != std::errc() || p != s.data() + i * 3 + 2) return false;
    v = v << 8 | b;
  }
  *out = v;
  return true;
}

Error ParseMac(std::string_view field, std::string_view s, MacMatch* out) {
  const size_t slash = s.find('/');
  uint64_t v = 0, m = 0xffffffffffffULL;
  if (!ParseMacBytes(s.substr(0, slash), &v) ||
      (slash != std::string_view::npos && !ParseMacBytes(s.substr(slash + 1), &m)))
    return fmt::format("{}: '{}' is not a MAC address (aa:bb:cc:dd:ee:ff) with an optional "
                       "/MASK",
                       field, s);
  if (m == 0) return fmt::format("{}: the mask of '{}' is zero: leave the field out instead", field, s);
  out->value = v & m;
  out->mask = m;
  return std::nullopt;
}

Error ParsePrefix(std::string_view field, std::string_view s, Prefix* out) {
  const size_t slash = s.find('/');
  const std::string addr(s.substr(0, slash));
  Prefix p;
  p.set = true;
  if (inet_pton(AF_INET, addr.c_str(), p.addr.data()) == 1) {
    p.v6 = false;
  } else if (inet_pton(AF_INET6, addr.c_str(), p.addr.data()) == 1) {
    p.v6 = true;
  } else {
    return fmt::format("{}: '{}' is not an IPv4 or IPv6 prefix (10.0.0.0/8, fd00::/64)", field, s);
  }
  const uint64_t max_len = p.v6 ? 128 : 32;
  uint64_t len = max_len;
  if (slash != std::string_view::npos && !ParseUint(s.substr(slash + 1), max_len, &len))
    return fmt::format("{}: the prefix length of '{}' is not 0..{}", field, s, max_len);
  p.len = static_cast<uint8_t>(len);
  for (unsigned bit = p.len; bit < max_len; ++bit) p.addr[bit / 8] &= ~(0x80 >> (bit % 8));
  *out = p;
  return std::nullopt;
}

std::string PrefixString(const Prefix& p) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(p.v6 ? AF_INET6 : AF_INET, p.addr.data(), buf, sizeof buf);
  return fmt::format("{}/{}", buf, p.len);
}

bool PrefixesOverlap(const Prefix& a, const Prefix& b) {
  if (!a.set || !b.set) return true;
  if (a.v6 != b.v6) return false;
  Prefix shorter = a.len <= b.len ? a : b;
  return PrefixContains(shorter, a.len <= b.len ? b.addr : a.addr);
}

bool RangesOverlap(const Range& a, const Range& b) {
  return !a.set || !b.set || (a.lo <= b.hi && b.lo <= a.hi);
}

Error CheckRange(std::string_view field, const v1::PortRange& r, Range* out) {
  if (r.min() > 65535 || r.max() > 65535 || r.min() > r.max())
    return fmt::format("{}: {}-{} is not a range within 0..65535", field, r.min(), r.max());
  out->set = true;
  out->lo = static_cast<uint16_t>(r.min());
  out->hi = static_cast<uint16_t>(r.max());
  return std::nullopt;
}

struct Named {
  std::string_view name;
  uint32_t value;
};
constexpr Named kEthertypes[] = {{"ipv4", kEtherIpv4}, {"ipv6", kEtherIpv6}, {"arp", kEtherArp}};
constexpr Named kProtocols[] = {{"icmp", kProtoIcmp}, {"tcp", kProtoTcp}, {"udp", kProtoUdp},
                                {"icmpv6", kProtoIcmpv6}, {"sctp", kProtoSctp}};

bool ByName(const auto& table, std::string_view s, uint32_t* out) {
  for (const auto& n : table)
    if (n.name == s) {
      *out = n.value;
      return true;
    }
  return false;
}

std::string NameOf(const auto& table, uint32_t v, std::string fallback) {
  for (const auto& n : table)
    if (n.value == v) return std::string(n.name);
  return fallback;
}

std::string RangeString(const v1::PortRange& r) {
  return r.min() == r.max() ? std::to_string(r.min()) : fmt::format("{}-{}", r.min(), r.max());
}

std::string MacMatchString(const MacMatch& m) {
  return m.mask == 0xffffffffffffULL ? MacString(m.value)
                                     : MacString(m.value) + "/" + MacString(m.mask);
}

}  // namespace

std::string MacString(uint64_t mac) {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", (mac >> 40) & 0xff,
                     (mac >> 32) & 0xff, (mac >> 24) & 0xff, (mac >> 16) & 0xff,
                     (mac >> 8) & 0xff, mac & 0xff);
}

bool PrefixContains(const Prefix& p, const std::array<uint8_t, 16>& addr) {
  const unsigned full = p.len / 8, rest = p.len % 8;
  if (!std::equal(p.addr.begin(), p.addr.begin() + full, addr.begin())) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (p.addr[full] & mask) == (addr[full] & mask);
}

Error ParseMatch(const v1::RuleMatch& in, Match* out) {
  Match m;
  m.in_port = in.in_port();
  if (!in.src_mac().empty())
    if (auto e = ParseMac("match.src_mac", in.src_mac(), &m.src_mac)) return e;
  if (!in.dst_mac().empty())
    if (auto e = ParseMac("match.dst_mac", in.dst_mac(), &m.dst_mac)) return e;
  if (in.has_vlan()) {
    if (in.vlan() > 4094) return fmt::format("match.vlan: {} is not 0 (untagged) or 1..4094", in.vlan());
    m.vlan = static_cast<uint16_t>(in.vlan());
  }
  if (in.ethertype() != 0) {
    if (in.ethertype() < 0x0600 || in.ethertype() > 0xffff)
      return fmt::format("match.ethertype: 0x{:x} is not an EtherType (0x0600..0xffff)", in.ethertype());
    m.ethertype = static_cast<uint16_t>(in.ethertype());
    m.families = m.ethertype == kEtherIpv4 ? kIpv4 : m.ethertype == kEtherIpv6 ? kIpv6 : kOther;
  }
  if (!in.src_ip().empty())
    if (auto e = ParsePrefix("match.src_ip", in.src_ip(), &m.src_ip)) return e;
  if (!in.dst_ip().empty())
    if (auto e = ParsePrefix("match.dst_ip", in.dst_ip(), &m.dst_ip)) return e;
  if (m.src_ip.set && m.dst_ip.set && m.src_ip.v6 != m.dst_ip.v6)
    return fmt::format("match.dst_ip: '{}' is not of src_ip's family ('{}')", in.dst_ip(), in.src_ip());
  for (const auto* p : {&m.src_ip, &m.dst_ip}) {
    if (!p->set) continue;
    const uint8_t fam = p->v6 ? kIpv6 : kIpv4;
    if ((m.families & fam) == 0)
      return fmt::format("match.ethertype: 0x{:04x} contradicts {} (an {} prefix)", m.ethertype,
                         p == &m.src_ip ? "src_ip" : "dst_ip", p->v6 ? "IPv6" : "IPv4");
    m.families = fam;
  }
  if (in.has_ip_proto()) {
    if (in.ip_proto() > 255) return fmt::format("match.ip_proto: {} is not 0..255", in.ip_proto());
    if ((m.families & (kIpv4 | kIpv6)) == 0)
      return fmt::format("match.ip_proto: needs an IP frame, but ethertype is 0x{:04x}", m.ethertype);
    m.ip_proto = static_cast<uint8_t>(in.ip_proto());
    m.families &= kIpv4 | kIpv6;
  }
  const bool l4 = m.ip_proto && (*m.ip_proto == kProtoTcp || *m.ip_proto == kProtoUdp ||
                                 *m.ip_proto == kProtoSctp);
  if (in.has_src_port()) {
    if (!l4) return std::string("match.src_port: needs ip_proto tcp, udp or sctp");
    if (auto e = CheckRange("match.src_port", in.src_port(), &m.src_port)) return e;
  }
  if (in.has_dst_port()) {
    if (!l4) return std::string("match.dst_port: needs ip_proto tcp, udp or sctp");
    if (auto e = CheckRange("match.dst_port", in.dst_port(), &m.dst_port)) return e;
  }
  *out = std::move(m);
  return std::nullopt;
}

void Canonicalize(v1::RuleMatch& in) {
  Match m;
  if (ParseMatch(in, &m)) return;
  if (!in.src_mac().empty()) in.set_src_mac(MacMatchString(m.src_mac));
  if (!in.dst_mac().empty()) in.set_dst_mac(MacMatchString(m.dst_mac));
  if (m.src_ip.set) in.set_src_ip(PrefixString(m.src_ip));
  if (m.dst_ip.set) in.set_dst_ip(PrefixString(m.dst_ip));
}

Error CheckActions(const v1::RuleActions& a) {
  switch (a.verdict()) {
    case v1::RULE_VERDICT_ALLOW:
    case v1::RULE_VERDICT_DROP:
      if (!a.redirect().empty())
        return std::string("actions.redirect: only with the redirect verdict");
      break;
    case v1::RULE_VERDICT_REDIRECT:
      if (a.redirect().empty()) return std::string("actions.redirect: required: the port to redirect to");
      break;
    default:
      return fmt::format("actions.verdict: {} is not allow, drop or redirect", static_cast<int>(a.verdict()));
  }
  if (a.has_set_vlan() && (a.set_vlan() == 0 || a.set_vlan() > 4094))
    return fmt::format("actions.set_vlan: {} is not 1..4094 (strip_vlan leaves a frame untagged)",
                       a.set_vlan());
  if (a.has_set_vlan() && a.strip_vlan())
    return std::string("actions.strip_vlan: not with set_vlan");
  if (a.verdict() == v1::RULE_VERDICT_DROP && (a.has_set_vlan() || a.strip_vlan()))
    return std::string("actions.set_vlan: a dropped frame leaves with no tag");
  if (a.verdict() == v1::RULE_VERDICT_DROP && !a.meter().empty())
    return std::string("actions.meter: a dropped frame is not metered");
  return std::nullopt;
}

bool CanOverlap(const Match& a, const Match& b) {
  if (!a.in_port.empty() && !b.in_port.empty() && a.in_port != b.in_port) return false;
  if (((a.src_mac.value ^ b.src_mac.value) & a.src_mac.mask & b.src_mac.mask) != 0) return false;
  if (((a.dst_mac.value ^ b.dst_mac.value) & a.dst_mac.mask & b.dst_mac.mask) != 0) return false;
  if (a.vlan && b.vlan && *a.vlan != *b.vlan) return false;
  if (a.ethertype != 0 && b.ethertype != 0 && a.ethertype != b.ethertype) return false;
  if ((a.families & b.families) == 0) return false;
  if (!PrefixesOverlap(a.src_ip, b.src_ip) || !PrefixesOverlap(a.dst_ip, b.dst_ip)) return false;
  if (a.ip_proto && b.ip_proto && *a.ip_proto != *b.ip_proto) return false;
  return RangesOverlap(a.src_port, b.src_port) && RangesOverlap(a.dst_port, b.dst_port);
}

bool Matches(const Match& m, const Frame& f) {
  if (!m.in_port.empty() && m.in_port != f.in_port) return false;
  if (((f.src_mac ^ m.src_mac.value) & m.src_mac.mask) != 0) return false;
  if (((f.dst_mac ^ m.dst_mac.value) & m.dst_mac.mask) != 0) return false;
  if (m.vlan && *m.vlan != f.vlan) return false;
  if (m.ethertype != 0 && m.ethertype != f.ethertype) return false;
  if ((m.families & f.family) == 0) return false;
  if (m.src_ip.set && !PrefixContains(m.src_ip, f.src_ip)) return false;
  if (m.dst_ip.set && !PrefixContains(m.dst_ip, f.dst_ip)) return false;
  if (m.ip_proto && *m.ip_proto != f.ip_proto) return false;
  if (m.src_port.set && (!f.has_ports || f.src_port < m.src_port.lo || f.src_port > m.src_port.hi))
    return false;
  if (m.dst_port.set && (!f.has_ports || f.dst_port < m.dst_port.lo || f.dst_port > m.dst_port.hi))
    return false;
  return true;
}

Error ParseMatchExpr(std::string_view expr, v1::RuleMatch* out) {
  v1::RuleMatch m;
  std::vector<std::string_view> seen;
  for (std::string_view item : SplitComma(expr)) {
    const size_t eq = item.find('=');
    if (item.empty() || eq == std::string_view::npos)
      return fmt::format("match: '{}' is not key=value", item);
    const std::string_view key = Trim(item.substr(0, eq)), value = Trim(item.substr(eq + 1));
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      return fmt::format("match: {} given twice", key);
    seen.push_back(key);
    if (value.empty()) return fmt::format("match: {}: no value", key);
    uint64_t n = 0;
    uint32_t named = 0;
    auto range = [&](v1::PortRange* r) -> Error {
      const size_t dash = value.find('-');
      uint64_t lo = 0, hi = 0;
      if (!ParseUint(value.substr(0, dash), 65535, &lo) ||
          (dash != std::string_view::npos && !ParseUint(value.substr(dash + 1), 65535, &hi)))
        return fmt::format("match: {}: '{}' is not a port or a range N-M within 0..65535", key, value);
      if (dash == std::string_view::npos) hi = lo;
      if (lo > hi) return fmt::format("match: {}: {} is above {}", key, lo, hi);
      r->set_min(static_cast<uint32_t>(lo));
      r->set_max(static_cast<uint32_t>(hi));
      return std::nullopt;
    };
    if (key == "in_port") {
      m.set_in_port(std::string(value));
    } else if (key == "src_mac") {
      m.set_src_mac(std::string(value));
    } else if (key == "dst_mac") {
      m.set_dst_mac(std::string(value));
    } else if (key == "vlan") {
      if (!ParseUint(value, 4094, &n))
        return fmt::format("match: vlan: '{}' is not 0 (untagged) or 1..4094", value);
      m.set_vlan(static_cast<uint32_t>(n));
    } else if (key == "ethertype") {
      if (ByName(kEthertypes, value, &named)) {
        m.set_ethertype(named);
      } else if (ParseHex(value, 0xffff, &n) && n >= 0x0600) {
        m.set_ethertype(static_cast<uint32_t>(n));
      } else {
        return fmt::format("match: ethertype: '{}' is not 0x0600..0xffff, ipv4, ipv6 or arp", value);
      }
    } else if (key == "src_ip") {
      m.set_src_ip(std::string(value));
    } else if (key == "dst_ip") {
      m.set_dst_ip(std::string(value));
    } else if (key == "ip_proto") {
      if (ByName(kProtocols, value, &named)) {
        m.set_ip_proto(named);
      } else if (ParseUint(value, 255, &n)) {
        m.set_ip_proto(static_cast<uint32_t>(n));
      } else {
        return fmt::format("match: ip_proto: '{}' is not 0..255, tcp, udp, sctp, icmp or icmpv6", value);
      }
    } else if (key == "src_port") {
      if (auto e = range(m.mutable_src_port())) return e;
    } else if (key == "dst_port") {
      if (auto e = range(m.mutable_dst_port())) return e;
    } else {
      return fmt::format("match: unknown key '{}' (in_port, src_mac, dst_mac, vlan, ethertype, "
                         "src_ip, dst_ip, ip_proto, src_port, dst_port)",
                         key);
    }
  }
  *out = std::move(m);
  return std::nullopt;
}

Error ParseActionsExpr(std::string_view expr, v1::RuleActions* out) {
  v1::RuleActions a;
  bool verdict = false;
  std::vector<std::string_view> seen;
  for (std::string_view item : SplitComma(expr)) {
    const size_t colon = item.find(':');
    const std::string_view word = Trim(item.substr(0, colon));
    const std::string_view arg =
        colon == std::string_view::npos ? std::string_view() : Trim(item.substr(colon + 1));
    const bool is_verdict = word == "allow" || word == "drop" || word == "redirect";
    if (is_verdict && verdict)
      return fmt::format("action: '{}': one of allow, drop and redirect:PORT only", item);
    if (!is_verdict && std::find(seen.begin(), seen.end(), word) != seen.end())
      return fmt::format("action: {} given twice", word);
    seen.push_back(word);
    const bool wants_arg = word == "redirect" || word == "mirror" || word == "meter" || word == "set_vlan";
    if (wants_arg && arg.empty()) return fmt::format("action: {}: needs :{}", word, word == "meter" ? "NAME" : word == "set_vlan" ? "N" : "PORT");
    if (!wants_arg && colon != std::string_view::npos)
      return fmt::format("action: {} takes no argument", word);
    if (word == "allow") {
      a.set_verdict(v1::RULE_VERDICT_ALLOW);
    } else if (word == "drop") {
      a.set_verdict(v1::RULE_VERDICT_DROP);
    } else if (word == "redirect") {
      a.set_verdict(v1::RULE_VERDICT_REDIRECT);
      a.set_redirect(std::string(arg));
    } else if (word == "mirror") {
      a.set_mirror(std::string(arg));
    } else if (word == "meter") {
      a.set_meter(std::string(arg));
    } else if (word == "set_vlan") {
      uint64_t n = 0;
      if (!ParseUint(arg, 4094, &n) || n == 0)
        return fmt::format("action: set_vlan: '{}' is not 1..4094", arg);
      a.set_set_vlan(static_cast<uint32_t>(n));
    } else if (word == "strip_vlan") {
      a.set_strip_vlan(true);
    } else {
      return fmt::format("action: unknown action '{}' (allow, drop, redirect:PORT, mirror:PORT, "
                         "meter:NAME, set_vlan:N, strip_vlan)",
                         word);
    }
    verdict = verdict || is_verdict;
  }
  if (!verdict) return std::string("action: say allow, drop or redirect:PORT");
  if (auto e = CheckActions(a)) return e;
  *out = std::move(a);
  return std::nullopt;
}

std::string FormatMatch(const v1::RuleMatch& m) {
  std::vector<std::string> parts;
  if (!m.in_port().empty()) parts.push_back("in_port=" + m.in_port());
  if (!m.src_mac().empty()) parts.push_back("src_mac=" + m.src_mac());
  if (!m.dst_mac().empty()) parts.push_back("dst_mac=" + m.dst_mac());
  if (m.has_vlan()) parts.push_back(fmt::format("vlan={}", m.vlan()));
  if (m.ethertype() != 0)
    parts.push_back("ethertype=" + NameOf(kEthertypes, m.ethertype(), fmt::format("0x{:04x}", m.ethertype())));
  if (!m.src_ip().empty()) parts.push_back("src_ip=" + m.src_ip());
  if (!m.dst_ip().empty()) parts.push_back("dst_ip=" + m.dst_ip());
  if (m.has_ip_proto())
    parts.push_back("ip_proto=" + NameOf(kProtocols, m.ip_proto(), std::to_string(m.ip_proto())));
  if (m.has_src_port()) parts.push_back("src_port=" + RangeString(m.src_port()));
  if (m.has_dst_port()) parts.push_back("dst_port=" + RangeString(m.dst_port()));
  return fmt::format("{}", fmt::join(parts, ","));
}

std::string FormatActions(const v1::RuleActions& a) {
  std::vector<std::string> parts;
  switch (a.verdict()) {
    case v1::RULE_VERDICT_DROP: parts.push_back("drop"); break;
    case v1::RULE_VERDICT_REDIRECT: parts.push_back("redirect:" + a.redirect()); break;
    default: parts.push_back("allow"); break;
  }
  if (!a.mirror().empty()) parts.push_back("mirror:" + a.mirror());
  if (!a.meter().empty()) parts.push_back("meter:" + a.meter());
  if (a.has_set_vlan()) parts.push_back(fmt::format("set_vlan:{}", a.set_vlan()));
  if (a.strip_vlan()) parts.push_back("strip_vlan");
  return fmt::format("{}", fmt::join(parts, ","));
}

}  // namespace switchyard::rules
