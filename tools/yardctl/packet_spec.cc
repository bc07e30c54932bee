#include "packet_spec.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include <fmt/format.h>

namespace yardctl {

namespace {

struct Layer {
  std::string name;
  std::vector<std::string> positional;
  std::map<std::string, std::string> keys;
};

using Bytes = std::string;

void Put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<char>(v >> 8));
  b.push_back(static_cast<char>(v & 0xff));
}
void Put32(Bytes& b, uint32_t v) {
  Put16(b, static_cast<uint16_t>(v >> 16));
  Put16(b, static_cast<uint16_t>(v & 0xffff));
}
void Set16(Bytes& b, size_t off, uint16_t v) {
  b[off] = static_cast<char>(v >> 8);
  b[off + 1] = static_cast<char>(v & 0xff);
}

// One's-complement sum over `data` (big-endian 16-bit words), not folded.
uint32_t Sum(std::string_view data, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < data.size(); i += 2)
    sum += (static_cast<uint8_t>(data[i]) << 8) | static_cast<uint8_t>(data[i + 1]);
  if (data.size() % 2) sum += static_cast<uint8_t>(data.back()) << 8;
  return sum;
}
uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

std::optional<Bytes> ParseHex(std::string_view text) {
  Bytes out;
  int hi = -1;
  for (char c : text) {
    if (c == ':' || c == ' ' || c == '\n' || c == '\t') continue;
    int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
            : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                        : -1;
    if (v < 0) return std::nullopt;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>(hi << 4 | v));
      hi = -1;
    }
  }
  if (hi >= 0 || out.empty()) return std::nullopt;
  return out;
}

std::optional<Bytes> ParseMacBytes(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  for (size_t i = 2; i < 17; i += 3)
    if (text[i] != ':') return std::nullopt;
  auto b = ParseHex(text);
  if (!b || b->size() != 6) return std::nullopt;
  return b;
}

class Builder {
 public:
  explicit Builder(std::string option) : option_(std::move(option)) {}

  Parsed<std::string> Build(const std::vector<Layer>& layers) {
    for (size_t i = 0; i < layers.size(); ++i) {
      index_ = i;
      const Layer& l = layers[i];
      bool ok = l.name == "eth"       ? Eth(l)
                : l.name == "vlan"    ? Vlan(l, 0x8100)
                : l.name == "qinq"    ? Vlan(l, 0x88a8)
                : l.name == "ipv4"    ? Ipv4(l)
                : l.name == "ipv6"    ? Ipv6(l)
                : l.name == "udp"     ? L4(l, 17)
                : l.name == "tcp"     ? L4(l, 6)
                : l.name == "icmp"    ? Icmp(l)
                : l.name == "arp"     ? Arp(l)
                : l.name == "payload" ? Payload(l)
                : l.name == "raw"     ? Raw(l)
                                      : Fail(l, "unknown layer (eth, vlan, qinq, ipv4, ipv6, udp, "
                                                "tcp, icmp, arp, payload, raw)");
      if (!ok) return Parsed<std::string>::Error(error_);
      for (const auto& [k, v] : l.keys) {
        if (!used_.count(k))
          return Parsed<std::string>::Error(
              fmt::format("{}: {}: unknown field '{}'", option_, l.name, k));
      }
      used_.clear();
    }
    Finish();
    if (frame_.size() < 60) frame_.resize(60, '\0');
    return Parsed<std::string>::Ok(frame_);
  }

 private:
  bool Fail(const Layer& l, const std::string& why) {
    error_ = fmt::format("{}: {} (layer {}): {}", option_, l.name, index_ + 1, why);
    return false;
  }
  // The value of `key` (or positional `pos`), or `def`.
  std::optional<std::string> Arg(const Layer& l, const std::string& key, size_t pos = SIZE_MAX) {
    used_.insert(key);
    auto it = l.keys.find(key);
    if (it != l.keys.end()) return it->second;
    if (pos < l.positional.size()) return l.positional[pos];
    return std::nullopt;
  }
  bool Num(const Layer& l, const std::string& key, uint64_t max, uint64_t def, uint64_t* out,
           size_t pos = SIZE_MAX) {
    auto v = Arg(l, key, pos);
    if (!v) {
      *out = def;
      return true;
    }
    try {
      size_t used = 0;
      unsigned long long n = std::stoull(*v, &used, 0);
      if (used != v->size() || n > max) throw std::out_of_range("");
      *out = n;
      return true;
    } catch (const std::exception&) {
      return Fail(l, fmt::format("{}: '{}' is not a number 0..{}", key, *v, max));
    }
  }
  bool Addr(const Layer& l, const std::string& key, int family, const char* def, Bytes* out) {
    auto v = Arg(l, key);
    std::string text = v ? *v : def;
    unsigned char buf[16];
    if (inet_pton(family, text.c_str(), buf) != 1)
      return Fail(l, fmt::format("{}: '{}' is not an {} address", key, text,
                                 family == AF_INET ? "IPv4" : "IPv6"));
    out->assign(reinterpret_cast<char*>(buf), family == AF_INET ? 4 : 16);
    return true;
  }
  // The previous layer's type field, now that this layer's kind is known.
  void SetNextType(uint16_t ethertype, uint8_t ip_proto) {
    if (type_at_ != SIZE_MAX && !type_given_) Set16(frame_, type_at_, ethertype);
    if (proto_at_ != SIZE_MAX && !proto_given_) frame_[proto_at_] = static_cast<char>(ip_proto);
    type_at_ = proto_at_ = SIZE_MAX;
    type_given_ = proto_given_ = false;
  }

  bool Eth(const Layer& l) {
    if (index_ != 0) return Fail(l, "eth must be the first layer");
    Bytes src, dst;
    auto s = Arg(l, "src");
    auto d = Arg(l, "dst");
    auto sb = ParseMacBytes(s.value_or("02:00:00:00:00:01"));
    if (!sb) return Fail(l, fmt::format("src: '{}' is not a MAC (aa:bb:cc:dd:ee:ff)", *s));
    auto db = ParseMacBytes(d.value_or("ff:ff:ff:ff:ff:ff"));
    if (!db) return Fail(l, fmt::format("dst: '{}' is not a MAC (aa:bb:cc:dd:ee:ff)", *d));
    src_mac_ = *sb;
    frame_ += *db + *sb;
    uint64_t type;
    if (!Num(l, "type", 0xffff, 0x0800, &type)) return false;
    type_given_ = l.keys.count("type") != 0;
    type_at_ = frame_.size();
    Put16(frame_, static_cast<uint16_t>(type));
    return true;
  }
  bool Vlan(const Layer& l, uint16_t tpid) {
    if (frame_.empty()) return Fail(l, "comes after eth");
    uint64_t id, pcp;
    if (!Num(l, "id", 4095, 0, &id, 0) || !Num(l, "pcp", 7, 0, &pcp)) return false;
    if (!l.keys.count("id") && l.positional.empty()) return Fail(l, "needs a VLAN id: vlan(100)");
    SetNextType(tpid, 0);
    Put16(frame_, static_cast<uint16_t>(pcp << 13 | id));
    type_at_ = frame_.size();
    Put16(frame_, 0x0800);
    return true;
  }
  bool Ipv4(const Layer& l) {
    if (frame_.empty()) return Fail(l, "comes after eth");
    Bytes src, dst;
    uint64_t ttl, proto;
    if (!Addr(l, "src", AF_INET, "10.0.0.1", &src) || !Addr(l, "dst", AF_INET, "10.0.0.2", &dst) ||
        !Num(l, "ttl", 255, 64, &ttl) || !Num(l, "proto", 255, 0, &proto))
      return false;
    SetNextType(0x0800, 0);
    ip_at_ = frame_.size();
    ip_version_ = 4;
    frame_ += std::string("\x45\x00\x00\x00\x00\x00\x40\x00", 8);  // DF
    frame_.push_back(static_cast<char>(ttl));
    proto_at_ = frame_.size();
    proto_given_ = l.keys.count("proto") != 0;
    frame_.push_back(static_cast<char>(proto));
    Put16(frame_, 0);
    frame_ += src + dst;
    ip_src_ = src;
    ip_dst_ = dst;
    return true;
  }
  bool Ipv6(const Layer& l) {
    if (frame_.empty()) return Fail(l, "comes after eth");
    Bytes src, dst;
    uint64_t hlim, nh;
    if (!Addr(l, "src", AF_INET6, "fd00::1", &src) || !Addr(l, "dst", AF_INET6, "fd00::2", &dst) ||
        !Num(l, "hlim", 255, 64, &hlim) || !Num(l, "nh", 255, 59, &nh))
      return false;
    SetNextType(0x86dd, 0);
    ip_at_ = frame_.size();
    ip_version_ = 6;
    Put32(frame_, 0x60000000);
    Put16(frame_, 0);
    proto_at_ = frame_.size();
    proto_given_ = l.keys.count("nh") != 0;
    frame_.push_back(static_cast<char>(nh));
    frame_.push_back(static_cast<char>(hlim));
    frame_ += src + dst;
    ip_src_ = src;
    ip_dst_ = dst;
    return true;
  }
  bool L4(const Layer& l, uint8_t proto) {
    if (ip_version_ == 0) return Fail(l, "comes after ipv4 or ipv6");
    uint64_t sport, dport;
    if (!Num(l, "sport", 65535, 1024, &sport) || !Num(l, "dport", 65535, 80, &dport)) return false;
    SetNextType(0, proto);
    l4_at_ = frame_.size();
    l4_proto_ = proto;
    Put16(frame_, static_cast<uint16_t>(sport));
    Put16(frame_, static_cast<uint16_t>(dport));
    if (proto == 17) {
      Put32(frame_, 0);  // length, checksum
      return true;
    }
    auto flags = Arg(l, "flags").value_or("S");
    uint8_t f = 0;
    for (char c : flags) {
      const char* all = "FSRPAU";
      const char* at = std::strchr(all, c);
      if (at == nullptr || c == '\0') return Fail(l, fmt::format("flags: '{}' is not of FSRPAU", c));
      f |= static_cast<uint8_t>(1u << (at - all));
    }
    Put32(frame_, 1);  // seq
    Put32(frame_, 0);  // ack
    frame_.push_back(0x50);
    frame_.push_back(static_cast<char>(f));
    Put16(frame_, 65535);
    Put32(frame_, 0);  // checksum, urgent
    return true;
  }
  bool Icmp(const Layer& l) {
    if (ip_version_ == 0) return Fail(l, "comes after ipv4 or ipv6");
    const uint8_t proto = ip_version_ == 4 ? 1 : 58;
    uint64_t type, code;
    if (!Num(l, "type", 255, ip_version_ == 4 ? 8 : 128, &type) || !Num(l, "code", 255, 0, &code))
      return false;
    SetNextType(0, proto);
    l4_at_ = frame_.size();
    l4_proto_ = proto;
    frame_.push_back(static_cast<char>(type));
    frame_.push_back(static_cast<char>(code));
    Put16(frame_, 0);
    Put32(frame_, 0x00010001);  // id, sequence
    return true;
  }
  bool Arp(const Layer& l) {
    if (frame_.empty()) return Fail(l, "comes after eth");
    Bytes sip, tip;
    if (!Addr(l, "sip", AF_INET, "10.0.0.1", &sip) || !Addr(l, "tip", AF_INET, "10.0.0.2", &tip))
      return false;
    SetNextType(0x0806, 0);
    frame_ += std::string("\x00\x01\x08\x00\x06\x04\x00\x01", 8);
    frame_ += src_mac_ + sip + std::string(6, '\0') + tip;
    return true;
  }
  bool Payload(const Layer& l) {
    uint64_t n;
    if (!Num(l, "len", 9000, 0, &n, 0)) return false;
    frame_.append(n, '\0');
    return true;
  }
  bool Raw(const Layer& l) {
    auto v = Arg(l, "hex", 0);
    auto b = v ? ParseHex(*v) : std::nullopt;
    if (!b) return Fail(l, "needs hex bytes: raw(deadbeef)");
    frame_ += *b;
    return true;
  }

  // Lengths and checksums, once every byte is there.
  void Finish() {
    if (ip_version_ == 4) {
      Set16(frame_, ip_at_ + 2, static_cast<uint16_t>(frame_.size() - ip_at_));
      Set16(frame_, ip_at_ + 10, Fold(Sum(std::string_view(frame_).substr(ip_at_, 20))));
    } else if (ip_version_ == 6) {
      Set16(frame_, ip_at_ + 4, static_cast<uint16_t>(frame_.size() - ip_at_ - 40));
    }
    if (l4_at_ == SIZE_MAX) return;
    const size_t l4_len = frame_.size() - l4_at_;
    if (l4_proto_ == 17) Set16(frame_, l4_at_ + 4, static_cast<uint16_t>(l4_len));
    const size_t sum_at = l4_at_ + (l4_proto_ == 17 ? 6 : l4_proto_ == 6 ? 16 : 2);
    uint32_t sum = Sum(std::string_view(frame_).substr(l4_at_));
    if (l4_proto_ != 1) {  // every checksum but ICMPv4's covers the pseudo-header
      sum = Sum(ip_src_, sum);
      sum = Sum(ip_dst_, sum);
      sum += l4_proto_;
      sum += static_cast<uint32_t>(l4_len);
    }
    uint16_t c = Fold(sum);
    if (l4_proto_ == 17 && c == 0) c = 0xffff;
    Set16(frame_, sum_at, c);
  }

  std::string option_;
  std::string error_;
  size_t index_ = 0;
  std::set<std::string> used_;
  Bytes frame_, src_mac_ = std::string("\x02\x00\x00\x00\x00\x01", 6), ip_src_, ip_dst_;
  size_t type_at_ = SIZE_MAX, proto_at_ = SIZE_MAX, ip_at_ = 0, l4_at_ = SIZE_MAX;
  bool type_given_ = false, proto_given_ = false;
  int ip_version_ = 0;
  uint8_t l4_proto_ = 0;
};

}  // namespace

Parsed<std::string> BuildPacket(std::string_view spec, std::string_view option) {
  if (spec.find('(') == std::string_view::npos && spec.find('/') == std::string_view::npos) {
    if (auto hex = ParseHex(spec)) {
      if (hex->size() < 14)
        return Parsed<std::string>::Error(fmt::format("{}: {} bytes; a frame has at least 14",
                                                      option, hex->size()));
      return Parsed<std::string>::Ok(*hex);
    }
  }
  std::vector<Layer> layers;
  size_t i = 0;
  while (i <= spec.size()) {
    size_t end = i;
    int depth = 0;
    while (end < spec.size() && (spec[end] != '/' || depth > 0)) {
      depth += spec[end] == '(' ? 1 : spec[end] == ')' ? -1 : 0;
      ++end;
    }
    std::string_view part = spec.substr(i, end - i);
    Layer l;
    size_t open = part.find('(');
    l.name = std::string(part.substr(0, open));
    if (l.name.empty())
      return Parsed<std::string>::Error(
          fmt::format("{}: empty layer at position {} (layers are separated by '/')", option, i));
    if (open != std::string_view::npos) {
      if (part.back() != ')')
        return Parsed<std::string>::Error(fmt::format("{}: {}: missing ')'", option, l.name));
      std::string_view args = part.substr(open + 1, part.size() - open - 2);
      size_t a = 0;
      while (a < args.size()) {
        size_t comma = args.find(',', a);
        if (comma == std::string_view::npos) comma = args.size();
        std::string_view arg = args.substr(a, comma - a);
        size_t eq = arg.find('=');
        if (eq == std::string_view::npos) {
          l.positional.emplace_back(arg);
        } else {
          l.keys[std::string(arg.substr(0, eq))] = std::string(arg.substr(eq + 1));
        }
        a = comma + 1;
      }
    }
    layers.push_back(std::move(l));
    i = end + 1;
  }
  return Builder(std::string(option)).Build(layers);
}

}  // namespace yardctl
