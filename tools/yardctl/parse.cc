#include "parse.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cmath>
#include <string>

#include <fmt/format.h>

namespace yardctl {
namespace v1 = switchyard::v1;

namespace {

struct KindName {
  std::string_view name;
  v1::PortKind kind;
};

// The first name of each kind is the one printed; later ones are aliases.
constexpr std::array kKindNames = {
    KindName{"vhost-server", v1::PORT_KIND_VHOST_SERVER},
    KindName{"vhost-user", v1::PORT_KIND_VHOST_SERVER},
    KindName{"vhost-client", v1::PORT_KIND_VHOST_CLIENT},
    KindName{"tap", v1::PORT_KIND_TAP},
    KindName{"af_packet", v1::PORT_KIND_AF_PACKET},
    KindName{"af_xdp", v1::PORT_KIND_AF_XDP},
    KindName{"pci", v1::PORT_KIND_PCI},
    KindName{"pcap", v1::PORT_KIND_PCAP},
    KindName{"ring", v1::PORT_KIND_RING},
    KindName{"null", v1::PORT_KIND_NULL},
};

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Parsed<uint64_t> ParseUint(std::string_view text, std::string_view option, uint64_t min,
                           uint64_t max) {
  using R = Parsed<uint64_t>;
  if (!AllDigits(text)) {
    return R::Error(fmt::format("{}: '{}' is not a non-negative integer", option, text));
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return R::Error(fmt::format("{}: '{}' is out of range {}..{}", option, text, min, max));
  }
  return R::Ok(value);
}

Parsed<double> ParseTimeout(std::string_view text, std::string_view option) {
  using R = Parsed<double>;
  // strtod wants a terminated string; from_chars for double is not in
  // every libstdc++ this builds with.
  std::string s(text);
  char* end = nullptr;
  double value = s.empty() ? 0 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(value) || value <= 0) {
    return R::Error(fmt::format("{}: '{}' is not a positive number of seconds", option, text));
  }
  return R::Ok(value);
}

Parsed<v1::PortKind> ParsePortKind(std::string_view text, std::string_view option) {
  for (const auto& k : kKindNames) {
    if (k.name == text) return Parsed<v1::PortKind>::Ok(k.kind);
  }
  return Parsed<v1::PortKind>::Error(
      fmt::format("{}: unknown port kind '{}' (one of: {})", option, text, PortKindList()));
}

std::string_view PortKindName(v1::PortKind kind) {
  for (const auto& k : kKindNames) {
    if (k.kind == kind) return k.name;
  }
  return "unspecified";
}

std::string PortKindList() {
  std::string out;
  for (const auto& k : kKindNames) {
    if (!out.empty()) out += ", ";
    out += k.name;
  }
  return out;
}

Parsed<v1::TrunkVlan> ParseTrunkVlan(std::string_view vlan_text, std::string_view tenant,
                                     std::string_view option) {
  using R = Parsed<v1::TrunkVlan>;
  auto vlan = ParseUint(vlan_text, option, 1, kMaxVlan);
  if (!vlan.ok()) {
    return R::Error(fmt::format("{}: VLAN '{}' in '{}={}' must be an integer 1..{}", option,
                                vlan_text, vlan_text, tenant, kMaxVlan));
  }
  if (tenant.empty()) {
    return R::Error(fmt::format("{}: '{}=' has no tenant after '='", option, vlan_text));
  }
  v1::TrunkVlan tv;
  tv.set_vlan(static_cast<uint32_t>(vlan.value()));
  tv.set_tenant(std::string(tenant));
  return R::Ok(std::move(tv));
}

Parsed<std::vector<v1::TrunkVlan>> ParseTrunkSpecs(const std::vector<std::string>& specs,
                                                   std::string_view option) {
  using R = Parsed<std::vector<v1::TrunkVlan>>;
  std::vector<v1::TrunkVlan> out;
  for (const std::string& spec : specs) {
    std::string_view rest = spec;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      size_t eq = item.find('=');
      if (item.empty()) {
        return R::Error(fmt::format("{}: empty mapping in '{}' (expected VLAN=TENANT)", option,
                                    spec));
      }
      if (eq == std::string_view::npos) {
        return R::Error(
            fmt::format("{}: '{}' is not VLAN=TENANT (e.g. 100=red)", option, item));
      }
      auto tv = ParseTrunkVlan(item.substr(0, eq), item.substr(eq + 1), option);
      if (!tv.ok()) return R::Error(tv.error());
      out.push_back(tv.value());
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  if (out.empty()) return R::Error(fmt::format("{}: no VLAN=TENANT mapping given", option));
  return R::Ok(std::move(out));
}

Parsed<std::string> CheckIpv4(std::string_view text, std::string_view option) {
  using R = Parsed<std::string>;
  const std::string addr(text);
  unsigned char buf[4];
  if (inet_pton(AF_INET, addr.c_str(), buf) != 1) {
    return R::Error(fmt::format("{}: '{}' is not an IPv4 address (expected e.g. 192.0.2.2)", option, text));
  }
  return R::Ok(addr);
}

Parsed<std::string> CheckCidr(std::string_view text, std::string_view option) {
  using R = Parsed<std::string>;
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return R::Error(fmt::format("{}: '{}' has no prefix length (expected ADDRESS/PREFIX, "
                                "e.g. 10.0.0.1/24)", option, text));
  }
  std::string addr(text.substr(0, slash));
  std::string_view prefix = text.substr(slash + 1);
  unsigned char buf[16];
  uint64_t max_prefix = 0;
  if (inet_pton(AF_INET, addr.c_str(), buf) == 1) {
    max_prefix = 32;
  } else if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) {
    max_prefix = 128;
  } else {
    return R::Error(fmt::format("{}: '{}' is not an IPv4 or IPv6 address", option, addr));
  }
  if (!ParseUint(prefix, option, 0, max_prefix).ok()) {
    return R::Error(fmt::format("{}: prefix length '{}' in '{}' must be 0..{}", option, prefix,
                                text, max_prefix));
  }
  return R::Ok(std::string(text));
}

std::string DefaultSocketPath(const char* env) {
  if (env != nullptr && *env != '\0') return env;
  return std::string(kDefaultSocketPath);
}

}  // namespace yardctl
