#include "model/validate.h"

#include <arpa/inet.h>

#include <charconv>
#include <map>
#include <set>
#include <vector>

#include "switchyard/devargs_policy.h"
#include "switchyard/rule_syntax.h"

namespace switchyard::controlplane {

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool ValidVlan(uint32_t vlan) { return vlan >= 1 && vlan <= 4094; }

// Kernel interface names: no '/', ':' or whitespace, not "." or "..".
Status ValidateIfaceName(const std::string& field, const std::string& iface) {
  if (iface.empty()) return InvalidArgument("{}: required", field);
  if (iface.size() > kMaxIfaceLen) {
    return InvalidArgument("{}: must be at most {} characters, got '{}' ({})", field, kMaxIfaceLen,
                           iface, iface.size());
  }
  if (iface == "." || iface == "..") return InvalidArgument("{}: '{}' is not an interface name", field, iface);
  for (char c : iface) {
    if (c == '/' || c == ':' || c <= ' ' || c == 0x7f) {
      return InvalidArgument("{}: '{}' contains a character not allowed in an interface name", field, iface);
    }
  }
  return {};
}

bool NeedsIface(pb::PortKind kind) {
  return kind == pb::PORT_KIND_TAP || kind == pb::PORT_KIND_AF_PACKET || kind == pb::PORT_KIND_AF_XDP;
}

bool IsVhost(pb::PortKind kind) {
  return kind == pb::PORT_KIND_VHOST_SERVER || kind == pb::PORT_KIND_VHOST_CLIENT;
}

// Devargs that would name a device other than the one the port's own
// fields name.
Status ValidateDevargsDevice(const pb::Port& port) {
  const std::string& devargs = port.devargs();
  switch (port.kind()) {
    case pb::PORT_KIND_PCI: {
      const std::string first = devargs.substr(0, devargs.find(','));
      if (!CanonicalPciAddress(first)) {
        const bool vdev = first.rfind("net_", 0) == 0 || first.rfind("eth_", 0) == 0;
        return InvalidArgument("port.devargs: pci ports take a PCI address like 0000:01:00.0 (then its "
                               "arguments), got '{}'{}",
                               first, vdev ? ", which names a virtual device" : "");
      }
      return {};
    }
    case pb::PORT_KIND_RING:
      // net_ring's arguments create devices of other names or attach to other
      // devices' rings.
      if (!devargs.empty()) return InvalidArgument("port.devargs: ring ports take no arguments");
      return {};
    case pb::PORT_KIND_TAP:
    case pb::PORT_KIND_AF_PACKET:
    case pb::PORT_KIND_AF_XDP:
      if (DevargsHasKey(devargs, "iface")) {
        return InvalidArgument("port.devargs: 'iface=' is not accepted here; the device's interface is port.iface");
      }
      return {};
    case pb::PORT_KIND_VHOST_SERVER:
    case pb::PORT_KIND_VHOST_CLIENT:
      if (DevargsHasKey(devargs, "iface")) {
        return InvalidArgument("port.devargs: 'iface=' is not accepted here; the device's socket is port.socket");
      }
      return {};
    default:
      return {};
  }
}

// What a port's devargs may say: the device is the port's own fields', and
// every other argument is on its kind's allow-list.
Status ValidateDevargs(const pb::Port& port) {
  if (auto st = ValidateDevargsDevice(port); !st.ok()) return st;
  if (auto e = CheckDevargs(port)) return InvalidArgument("{}", *e);
  return {};
}

Status ValidateTap(const pb::TapKernelConfig& tap) {
  if (!tap.netns().empty()) {
    if (auto st = ValidateName("port.tap.netns", tap.netns()); !st.ok()) return st;
  }
  for (int i = 0; i < tap.addresses_size(); ++i) {
    if (!IsCidr(tap.addresses(i))) {
      return InvalidArgument("port.tap.addresses[{}]: must be an address with a prefix length like "
                             "10.0.0.1/24 or fd00::1/64, got '{}'",
                             i, tap.addresses(i));
    }
  }
  if (tap.mtu() != 0 && (tap.mtu() < 68 || tap.mtu() > 9000)) {
    return InvalidArgument("port.tap.mtu: must be 0 or 68..9000, got {}", tap.mtu());
  }
  return {};
}

Status ValidateRole(const pb::Port& port) {
  switch (port.role()) {
    case pb::PORT_ROLE_ACCESS:
      if (port.tenant().empty()) return InvalidArgument("port.tenant: required for an access port");
      if (auto st = ValidateName("port.tenant", port.tenant()); !st.ok()) return st;
      if (port.access_vlan() != 0 && !ValidVlan(port.access_vlan())) {
        return InvalidArgument("port.access_vlan: must be 0 or 1..4094, got {}", port.access_vlan());
      }
      if (port.trunk_size() != 0) return InvalidArgument("port.trunk: only for trunk ports");
      return {};
    case pb::PORT_ROLE_TRUNK: {
      if (port.trunk_size() == 0) return InvalidArgument("port.trunk: a trunk port needs at least one VLAN");
      if (!port.tenant().empty()) return InvalidArgument("port.tenant: only for access ports (use port.trunk)");
      if (port.access_vlan() != 0) return InvalidArgument("port.access_vlan: only for access ports");
      std::set<uint32_t> seen;
      std::map<std::string, uint32_t> tenants;  // one VLAN per tenant: egress needs one tag
      for (int i = 0; i < port.trunk_size(); ++i) {
        const auto& tv = port.trunk(i);
        if (!ValidVlan(tv.vlan())) {
          return InvalidArgument("port.trunk[{}].vlan: must be 1..4094, got {}", i, tv.vlan());
        }
        if (!seen.insert(tv.vlan()).second) {
          return InvalidArgument("port.trunk[{}].vlan: VLAN {} appears twice in this port", i, tv.vlan());
        }
        if (auto st = ValidateName(fmt::format("port.trunk[{}].tenant", i), tv.tenant()); !st.ok()) return st;
        if (auto [it, fresh] = tenants.emplace(tv.tenant(), tv.vlan()); !fresh) {
          return InvalidArgument("port.trunk[{}].tenant: tenant '{}' is already on VLAN {} of this port "
                                 "(a tenant has one VLAN per trunk)",
                                 i, tv.tenant(), it->second);
        }
      }
      return {};
    }
    case pb::PORT_ROLE_UPLINK:
      if (!port.tenant().empty()) return InvalidArgument("port.tenant: only for access ports");
      if (port.access_vlan() != 0) return InvalidArgument("port.access_vlan: only for access ports");
      if (port.trunk_size() != 0) return InvalidArgument("port.trunk: only for trunk ports");
      return {};
    default:
      return InvalidArgument("port.role: required (access, trunk or uplink), got {}", static_cast<int>(port.role()));
  }
}

}  // namespace

bool IsCidr(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos || slash + 1 == text.size()) return false;
  std::string addr = text.substr(0, slash);
  std::string_view len_text(text.data() + slash + 1, text.size() - slash - 1);
  unsigned len = 0;
  auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc() || ptr != len_text.data() + len_text.size()) return false;
  unsigned char buf[16];
  if (inet_pton(AF_INET, addr.c_str(), buf) == 1) return len <= 32;
  if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) return len <= 128;
  return false;
}

std::optional<std::string> PciAddressOf(const pb::Port& port) {
  if (port.kind() != pb::PORT_KIND_PCI) return std::nullopt;
  return CanonicalPciAddress(std::string_view(port.devargs()).substr(0, port.devargs().find(',')));
}


Status ValidateName(const std::string& field, const std::string& name) {
  if (name.empty()) return InvalidArgument("{}: required", field);
  if (name.size() > 32) {
    return InvalidArgument("{}: must be 1..32 characters, got {} characters", field, name.size());
  }
  for (char c : name) {
    if (!IsNameChar(c)) {
      return InvalidArgument("{}: must be characters of [A-Za-z0-9_.-], got '{}'", field, name);
    }
  }
  // Names become path components (a netns is /run/netns/NAME).
  if (name == "." || name == "..") return InvalidArgument("{}: '{}' is not a name", field, name);
  return {};
}

void NormalizePort(pb::Port& port) {
  port.clear_generation();
  if (port.kind() == pb::PORT_KIND_TAP && port.iface().empty()) port.set_iface(port.name());
  if (!port.vtep_ip().empty() && port.vtep_iface().empty() &&
      port.name().size() + 5 <= kMaxIfaceLen)
    port.set_vtep_iface("vtep-" + port.name());
}

namespace {

// An IPv4 address (no prefix) in network order.
std::optional<uint32_t> Ipv4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
  return a.s_addr;
}

// Neither "this network", loopback, multicast, reserved nor broadcast:
// an address a VTEP can have.
bool UnicastIpv4(uint32_t be) {
  const uint32_t a = ntohl(be);
  const uint32_t top = a >> 24;
  return top != 0 && top != 127 && top < 224;
}

// The local VTEP: an IPv4 address with a prefix length, a gateway inside
// its subnet, the kernel interface that will hold it.
Status ValidateUnderlay(const pb::Port& port) {
  if (port.vtep_ip().empty()) {
    if (!port.gateway().empty()) return InvalidArgument("port.gateway: only with port.vtep_ip");
    if (!port.vtep_iface().empty()) return InvalidArgument("port.vtep_iface: only with port.vtep_ip");
    return {};
  }
  if (port.role() != pb::PORT_ROLE_UPLINK)
    return InvalidArgument("port.vtep_ip: only for uplink ports (the VXLAN underlay is the host's way out)");
  const std::string& cidr = port.vtep_ip();
  const auto slash = cidr.find('/');
  const auto ip = Ipv4(cidr.substr(0, slash));
  unsigned len = 0;
  const bool has_len =
      slash != std::string::npos && slash + 1 < cidr.size() &&
      std::from_chars(cidr.data() + slash + 1, cidr.data() + cidr.size(), len).ptr == cidr.data() + cidr.size();
  if (!ip || !has_len || len < 1 || len > 32 || !UnicastIpv4(*ip)) {
    return InvalidArgument("port.vtep_ip: must be a unicast IPv4 address with its prefix length, "
                           "like 192.0.2.1/24, got '{}'",
                           cidr);
  }
  if (!port.gateway().empty()) {
    const auto gw = Ipv4(port.gateway());
    const uint32_t mask = len == 0 ? 0 : htonl(~uint32_t{0} << (32 - len));
    if (!gw || !UnicastIpv4(*gw)) {
      return InvalidArgument("port.gateway: must be a unicast IPv4 address, got '{}'", port.gateway());
    }
    if ((*gw & mask) != (*ip & mask) || *gw == *ip) {
      return InvalidArgument("port.gateway: {} is not another address inside {}", port.gateway(), cidr);
    }
  }
  if (port.vtep_iface().empty()) {
    return InvalidArgument("port.vtep_iface: required: the default 'vtep-{}' is longer than {} characters",
                           port.name(), kMaxIfaceLen);
  }
  if (auto st = ValidateIfaceName("port.vtep_iface", port.vtep_iface()); !st.ok()) return st;
  if (port.vtep_iface() == port.iface())
    return InvalidArgument("port.vtep_iface: '{}' is the port's own interface", port.vtep_iface());
  return {};
}

}  // namespace

Status LimitTarget(pb::Limit& l) {
  l.clear_generation();
  const bool port = !l.port().empty(), tenant = !l.tenant().empty(), meter = !l.meter().empty();
  if (int{port} + int{tenant} + int{meter} != 1)
    return InvalidArgument("limit: give exactly one of limit.port, limit.tenant and limit.meter");
  if (auto st = ValidateName(port ? "limit.port" : tenant ? "limit.tenant" : "limit.meter",
                             port ? l.port() : tenant ? l.tenant() : l.meter());
      !st.ok())
    return st;
  if (!pb::LimitDirection_IsValid(l.direction()))
    return InvalidArgument("limit.direction: unknown value {}", static_cast<int>(l.direction()));
  if (!pb::StormClass_IsValid(l.storm()))
    return InvalidArgument("limit.storm: unknown value {}", static_cast<int>(l.storm()));
  if (l.direction() == pb::LIMIT_DIRECTION_UNSPECIFIED) l.set_direction(pb::LIMIT_DIRECTION_IN);
  if (tenant && l.direction() != pb::LIMIT_DIRECTION_IN)
    return InvalidArgument("limit.direction: a tenant's limit is on what its ports receive (in)");
  if (meter && l.direction() != pb::LIMIT_DIRECTION_IN)
    return InvalidArgument("limit.direction: a meter applies where its rules match; it has no direction");
  if (l.storm() != pb::STORM_CLASS_NONE) {
    if (tenant || meter) return InvalidArgument("limit.storm: storm control is a port's");
    if (l.direction() != pb::LIMIT_DIRECTION_IN)
      return InvalidArgument("limit.storm: storm control applies to what a port receives (in)");
  }
  static const char* kStorm[] = {"", "storm-broadcast", "storm-multicast", "storm-unknown"};
  if (tenant) {
    l.set_name("tenant/" + l.tenant());
  } else if (meter) {
    l.set_name("meter/" + l.meter());
  } else if (l.storm() != pb::STORM_CLASS_NONE) {
    l.set_name("port/" + l.port() + "/" + kStorm[l.storm()]);
  } else {
    l.set_name("port/" + l.port() + (l.direction() == pb::LIMIT_DIRECTION_OUT ? "/out" : "/in"));
  }
  return {};
}

Status NormalizeLimit(pb::Limit& l) {
  if (auto st = LimitTarget(l); !st.ok()) return st;
  constexpr uint64_t kMaxBps = 400'000'000'000ULL, kMaxPps = 1'000'000'000ULL,
                     kMaxBurst = 10'000'000'000ULL;
  if (l.bps() == 0 && l.pps() == 0) return InvalidArgument("limit: give limit.bps or limit.pps (or both)");
  auto range = [](const char* field, uint64_t v, uint64_t lo, uint64_t hi) -> Status {
    if (v != 0 && (v < lo || v > hi))
      return InvalidArgument("{}: must be 0 or {}..{}, got {}", field, lo, hi, v);
    return {};
  };
  if (auto st = range("limit.bps", l.bps(), 8000, kMaxBps); !st.ok()) return st;
  if (auto st = range("limit.peak_bps", l.peak_bps(), 8000, kMaxBps); !st.ok()) return st;
  if (auto st = range("limit.pps", l.pps(), 1, kMaxPps); !st.ok()) return st;
  if (auto st = range("limit.burst_bytes", l.burst_bytes(), 64, kMaxBurst); !st.ok()) return st;
  if (auto st = range("limit.excess_burst_bytes", l.excess_burst_bytes(), 64, kMaxBurst); !st.ok()) return st;
  if (auto st = range("limit.peak_burst_bytes", l.peak_burst_bytes(), 64, kMaxBurst); !st.ok()) return st;
  if (auto st = range("limit.burst_packets", l.burst_packets(), 1, kMaxBurst); !st.ok()) return st;
  if (l.bps() == 0 && (l.burst_bytes() || l.excess_burst_bytes() || l.peak_bps() || l.peak_burst_bytes()))
    return InvalidArgument("limit.bps: required with a byte burst or a peak rate");
  if (l.pps() == 0 && l.burst_packets() != 0) return InvalidArgument("limit.burst_packets: only with limit.pps");
  if (l.peak_bps() != 0 && l.peak_bps() < l.bps())
    return InvalidArgument("limit.peak_bps: {} is below limit.bps {}", l.peak_bps(), l.bps());
  if (l.peak_bps() == 0 && l.peak_burst_bytes() != 0)
    return InvalidArgument("limit.peak_burst_bytes: only with limit.peak_bps");
  if (l.peak_bps() != 0 && l.excess_burst_bytes() != 0)
    return InvalidArgument("limit.excess_burst_bytes: a single-rate limit's; a two-rate one has limit.peak_burst_bytes");
  return {};
}

Status NormalizeRule(pb::Rule& r, rules::Match* parsed) {
  r.clear_generation();
  if (auto st = ValidateName("rule.name", r.name()); !st.ok()) return st;
  if (r.global() == !r.tenant().empty())
    return InvalidArgument("rule: give exactly one of rule.tenant and rule.global");
  if (!r.tenant().empty())
    if (auto st = ValidateName("rule.tenant", r.tenant()); !st.ok()) return st;
  if (r.priority() > rules::kMaxPriority)
    return InvalidArgument("rule.priority: must be 0..{}, got {}", rules::kMaxPriority, r.priority());
  if (!r.match().in_port().empty())
    if (auto st = ValidateName("rule.match.in_port", r.match().in_port()); !st.ok()) return st;
  rules::Match m;
  if (auto e = rules::ParseMatch(r.match(), &m)) return InvalidArgument("rule.{}", *e);
  if (auto e = rules::CheckActions(r.actions())) return InvalidArgument("rule.{}", *e);
  if (!r.actions().redirect().empty())
    if (auto st = ValidateName("rule.actions.redirect", r.actions().redirect()); !st.ok()) return st;
  if (!r.actions().mirror().empty())
    if (auto st = ValidateName("rule.actions.mirror", r.actions().mirror()); !st.ok()) return st;
  if (!r.actions().meter().empty())
    if (auto st = ValidateName("rule.actions.meter", r.actions().meter()); !st.ok()) return st;
  rules::Canonicalize(*r.mutable_match());
  if (parsed != nullptr) *parsed = std::move(m);
  return {};
}

Status NormalizeVtep(pb::Vtep& vtep) {
  vtep.clear_generation();
  if (auto st = ValidateName("vtep.tenant", vtep.tenant()); !st.ok()) return st;
  const auto ip = Ipv4(vtep.remote());
  if (!ip || !UnicastIpv4(*ip)) {
    return InvalidArgument("vtep.remote: must be a unicast IPv4 address like 192.0.2.2, got '{}'",
                           vtep.remote());
  }
  char buf[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &*ip, buf, sizeof(buf));
  vtep.set_remote(buf);
  vtep.set_name(vtep.tenant() + "@" + buf);
  return {};
}

Status ValidateTenant(const pb::Tenant& t) {
  if (auto st = ValidateName("tenant.name", t.name()); !st.ok()) return st;
  if (t.id() > kMaxTenantId) {
    return InvalidArgument("tenant.id: must be 1..{} (or 0 to assign one), got {}", kMaxTenantId, t.id());
  }
  if (t.vlan() != 0 && !ValidVlan(t.vlan())) {
    return InvalidArgument("tenant.vlan: must be 0 or 1..4094, got {}", t.vlan());
  }
  if (t.mac_limit() > kMaxMacLimit) {
    return InvalidArgument("tenant.mac_limit: must be at most {}, got {}", kMaxMacLimit, t.mac_limit());
  }
  if (t.vni() > kMaxVni) {
    return InvalidArgument("tenant.vni: must be 0 or 1..{}, got {}", kMaxVni, t.vni());
  }
  if (!pb::RulePolicy_IsValid(t.default_policy())) {
    return InvalidArgument("tenant.default_policy: must be allow or deny, got {}",
                           static_cast<int>(t.default_policy()));
  }
  return {};
}

Status ValidatePort(const pb::Port& port) {
  if (auto st = ValidateName("port.name", port.name()); !st.ok()) return st;
  if (port.kind() == pb::PORT_KIND_UNSPECIFIED || !pb::PortKind_IsValid(port.kind())) {
    return InvalidArgument("port.kind: required (vhost_server, vhost_client, tap, af_packet, af_xdp, pci, "
                           "pcap, ring or null), got {}",
                           static_cast<int>(port.kind()));
  }
  if (NeedsIface(port.kind())) {
    if (auto st = ValidateIfaceName("port.iface", port.iface()); !st.ok()) return st;
  } else if (!port.iface().empty()) {
    return InvalidArgument("port.iface: only for tap, af_packet and af_xdp ports");
  }
  if (IsVhost(port.kind())) {
    if (port.socket().empty()) return InvalidArgument("port.socket: required for a vhost port");
    if (auto e = CheckPathSyntax("port.socket", port.socket())) return InvalidArgument("{}", *e);
  } else if (!port.socket().empty()) {
    return InvalidArgument("port.socket: only for vhost ports");
  }
  if ((port.kind() == pb::PORT_KIND_PCI || port.kind() == pb::PORT_KIND_PCAP) && port.devargs().empty()) {
    return InvalidArgument("port.devargs: required for a {} port",
                           port.kind() == pb::PORT_KIND_PCI ? "pci" : "pcap");
  }
  if (auto st = ValidateDevargs(port); !st.ok()) return st;
  if (port.has_tap()) {
    if (port.kind() != pb::PORT_KIND_TAP) return InvalidArgument("port.tap: only for tap ports");
    if (auto st = ValidateTap(port.tap()); !st.ok()) return st;
  }
  if (auto st = ValidateRole(port); !st.ok()) return st;
  return ValidateUnderlay(port);
}

}  // namespace switchyard::controlplane
