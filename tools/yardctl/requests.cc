#include "requests.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <optional>

#include <fmt/format.h>

#include "switchyard/rule_syntax.h"

namespace yardctl {
namespace v1 = switchyard::v1;

std::string FieldLabel(std::string_view path, std::string_view key) {
  if (!path.empty()) return fmt::format("{}.{}", path, key);
  std::string option = "--";
  for (char c : key) option += c == '_' ? '-' : c;
  return option;
}

namespace {

// The tenant fields given in `a`, onto `t`; how many were given, or the error.
Parsed<int> SetTenantFields(const TenantAddArgs& a, v1::Tenant* t) {
  struct Field {
    const std::string& text;
    const char* key;
    uint64_t max;
    void (v1::Tenant::*set)(uint32_t);
  };
  int given = 0;
  // Ranges are the field widths; controld owns the tighter policy limits
  // (id 1..16383, mac-limit <= 1048576).
  for (const Field& f : {Field{a.id, "id", kMaxU32, &v1::Tenant::set_id},
                         Field{a.vlan, "vlan", kMaxVlan, &v1::Tenant::set_vlan},
                         Field{a.mac_limit, "mac_limit", kMaxU32, &v1::Tenant::set_mac_limit},
                         Field{a.vni, "vni", kMaxVni, &v1::Tenant::set_vni}}) {
    if (f.text.empty()) continue;
    auto v = ParseUint(f.text, FieldLabel(a.path, f.key), 0, f.max);
    if (!v.ok()) return Parsed<int>::Error(v.error());
    (t->*f.set)(static_cast<uint32_t>(v.value()));
    ++given;
  }
  if (!a.default_policy.empty()) {
    if (a.default_policy == "allow") {
      t->set_default_policy(v1::RULE_POLICY_ALLOW);
    } else if (a.default_policy == "deny") {
      t->set_default_policy(v1::RULE_POLICY_DENY);
    } else {
      return Parsed<int>::Error(fmt::format("{}: 'allow' or 'deny', got '{}'",
                                            FieldLabel(a.path, "default_policy"),
                                            a.default_policy));
    }
    ++given;
  }
  return Parsed<int>::Ok(given);
}

// The role given in `a` (access, trunk or uplink), onto `p`. `keep_vlan`:
// an access port's tag when --vlan is not given.
Parsed<int> SetPortRole(const PortAddArgs& a, uint32_t keep_vlan, v1::Port* p) {
  using R = Parsed<int>;
  auto label = [&a](std::string_view key) { return FieldLabel(a.path, key); };
  if (!a.tenant.empty()) {
    p->set_role(v1::PORT_ROLE_ACCESS);
    p->set_tenant(a.tenant);
    p->clear_trunk();
    p->set_access_vlan(keep_vlan);
    if (!a.vlan.empty()) {
      auto vlan = ParseUint(a.vlan, label("vlan"), 0, kMaxVlan);
      if (!vlan.ok()) return R::Error(vlan.error());
      p->set_access_vlan(static_cast<uint32_t>(vlan.value()));
    }
  } else if (!a.trunk.empty() || !a.trunk_map.empty()) {
    p->set_role(v1::PORT_ROLE_TRUNK);
    p->clear_tenant();
    p->clear_access_vlan();
    p->clear_trunk();
    if (!a.trunk.empty()) {
      auto specs = ParseTrunkSpecs(a.trunk, label("trunk"));
      if (!specs.ok()) return R::Error(specs.error());
      for (const auto& tv : specs.value()) *p->add_trunk() = tv;
    }
    for (const auto& [vlan, tenant] : a.trunk_map) {
      auto tv = ParseTrunkVlan(vlan, tenant, label("trunk"));
      if (!tv.ok()) return R::Error(tv.error());
      *p->add_trunk() = tv.value();
    }
  } else if (a.uplink) {
    p->set_role(v1::PORT_ROLE_UPLINK);
    p->clear_tenant();
    p->clear_access_vlan();
    p->clear_trunk();
  }
  return R::Ok(1);
}

// The tap kernel side given in `a`, onto `p`; how many fields were given.
Parsed<int> SetTapFields(const PortAddArgs& a, v1::Port* p) {
  using R = Parsed<int>;
  if (a.netns.empty() && a.ips.empty() && a.mtu.empty()) return R::Ok(0);
  auto label = [&a](std::string_view key) { return FieldLabel(a.path, key); };
  v1::TapKernelConfig* tap = p->mutable_tap();
  tap->Clear();
  tap->set_netns(a.netns);
  for (const auto& ip : a.ips) {
    auto cidr = CheckCidr(ip, label("ip"));
    if (!cidr.ok()) return R::Error(cidr.error());
    tap->add_addresses(cidr.value());
  }
  if (!a.mtu.empty()) {
    // 65535 is the most any link can carry; controld enforces 68..9000.
    auto mtu = ParseUint(a.mtu, label("mtu"), 0, UINT16_MAX);
    if (!mtu.ok()) return R::Error(mtu.error());
    tap->set_mtu(static_cast<uint32_t>(mtu.value()));
  }
  return R::Ok(1);
}

// The VXLAN underlay given in `a` (--vtep-ip, --gateway, --vtep-iface),
// onto `p`; how many fields were given. "--gateway ''" clears it.
Parsed<int> SetUnderlayFields(const PortAddArgs& a, v1::Port* p) {
  using R = Parsed<int>;
  auto label = [&a](std::string_view key) { return FieldLabel(a.path, key); };
  int given = 0;
  if (!a.vtep_ip.empty()) {
    auto cidr = CheckCidr(a.vtep_ip, label("vtep_ip"));
    if (!cidr.ok()) return R::Error(cidr.error());
    p->set_vtep_ip(cidr.value());
    ++given;
  }
  if (!a.gateway.empty()) {
    auto gw = CheckIpv4(a.gateway, label("gateway"));
    if (!gw.ok()) return R::Error(gw.error());
    p->set_gateway(gw.value());
    ++given;
  }
  if (!a.vtep_iface.empty()) {
    p->set_vtep_iface(a.vtep_iface);
    ++given;
  }
  return R::Ok(given);
}

}  // namespace

Parsed<v1::CreateTenantRequest> BuildCreateTenant(const TenantAddArgs& a) {
  using R = Parsed<v1::CreateTenantRequest>;
  v1::CreateTenantRequest req;
  v1::Tenant* t = req.mutable_tenant();
  t->set_name(a.name);
  auto given = SetTenantFields(a, t);
  if (!given.ok()) return R::Error(given.error());
  return R::Ok(std::move(req));
}

Parsed<v1::UpdateTenantRequest> BuildUpdateTenant(const v1::Tenant& current,
                                                  const TenantAddArgs& a) {
  using R = Parsed<v1::UpdateTenantRequest>;
  v1::UpdateTenantRequest req;
  v1::Tenant* t = req.mutable_tenant();
  *t = current;
  t->clear_generation();
  auto given = SetTenantFields(a, t);
  if (!given.ok()) return R::Error(given.error());
  if (given.value() == 0)
    return R::Error("nothing to change: give --vlan, --mac-limit, --vni or --default-policy");
  return R::Ok(std::move(req));
}

Parsed<v1::CreatePortRequest> BuildCreatePort(const PortAddArgs& a) {
  using R = Parsed<v1::CreatePortRequest>;
  auto label = [&a](std::string_view key) { return FieldLabel(a.path, key); };
  v1::CreatePortRequest req;
  v1::Port* p = req.mutable_port();
  p->set_name(a.name);
  auto kind = ParsePortKind(a.kind, label("kind"));
  if (!kind.ok()) return R::Error(kind.error());
  p->set_kind(kind.value());
  p->set_iface(a.iface);
  p->set_socket(a.socket);
  p->set_devargs(a.devargs);

  bool trunk = !a.trunk.empty() || !a.trunk_map.empty();
  int roles = !a.tenant.empty() + trunk + a.uplink;
  if (roles != 1) {
    if (a.path.empty()) {
      return R::Error(
          "--tenant, --trunk, --uplink: give exactly one (access, trunk or uplink port)");
    }
    return R::Error(fmt::format("{}: give exactly one of tenant, trunk, uplink: true "
                                "(access, trunk or uplink port)",
                                a.path));
  }
  if (!a.vlan.empty() && a.tenant.empty()) {
    return R::Error(fmt::format("{}: only with {}", label("vlan"), label("tenant")));
  }
  if (auto role = SetPortRole(a, 0, p); !role.ok()) return R::Error(role.error());
  if (auto tap = SetTapFields(a, p); !tap.ok()) return R::Error(tap.error());
  if (auto u = SetUnderlayFields(a, p); !u.ok()) return R::Error(u.error());
  return R::Ok(std::move(req));
}

Parsed<v1::UpdatePortRequest> BuildUpdatePort(const v1::Port& current, const PortAddArgs& a) {
  using R = Parsed<v1::UpdatePortRequest>;
  auto label = [&a](std::string_view key) { return FieldLabel(a.path, key); };
  v1::UpdatePortRequest req;
  v1::Port* p = req.mutable_port();
  *p = current;
  p->clear_generation();
  int given = 0;
  if (!a.kind.empty()) {
    auto kind = ParsePortKind(a.kind, label("kind"));
    if (!kind.ok()) return R::Error(kind.error());
    p->set_kind(kind.value());
    ++given;
  }
  if (!a.iface.empty()) p->set_iface(a.iface);
  if (!a.socket.empty()) p->set_socket(a.socket);
  if (!a.devargs.empty()) p->set_devargs(a.devargs);
  given += !a.iface.empty() + !a.socket.empty() + !a.devargs.empty();
  const int roles = !a.tenant.empty() + (!a.trunk.empty() || !a.trunk_map.empty()) + a.uplink;
  if (roles > 1) return R::Error("--tenant, --trunk, --uplink: give at most one");
  if (roles == 0 && !a.vlan.empty()) {
    if (current.role() != v1::PORT_ROLE_ACCESS)
      return R::Error(fmt::format("{}: port {} is not an access port; give --tenant too",
                                  label("vlan"), current.name()));
    auto vlan = ParseUint(a.vlan, label("vlan"), 0, kMaxVlan);
    if (!vlan.ok()) return R::Error(vlan.error());
    p->set_access_vlan(static_cast<uint32_t>(vlan.value()));
    ++given;
  }
  if (!a.vlan.empty() && roles == 1 && a.tenant.empty())
    return R::Error(fmt::format("{}: only with {}", label("vlan"), label("tenant")));
  const uint32_t keep = current.role() == v1::PORT_ROLE_ACCESS ? current.access_vlan() : 0;
  if (roles == 1) {
    if (auto role = SetPortRole(a, keep, p); !role.ok()) return R::Error(role.error());
    ++given;
  }
  auto tap = SetTapFields(a, p);
  if (!tap.ok()) return R::Error(tap.error());
  given += tap.value();
  auto underlay = SetUnderlayFields(a, p);
  if (!underlay.ok()) return R::Error(underlay.error());
  given += underlay.value();
  if (given == 0)
    return R::Error("nothing to change: give --tenant [--vlan], --vlan, --trunk, --uplink or --gateway");
  return R::Ok(std::move(req));
}

Parsed<v1::CreateVtepRequest> BuildCreateVtep(const std::string& tenant, const std::string& remote,
                                              const std::string& path) {
  using R = Parsed<v1::CreateVtepRequest>;
  if (tenant.empty()) return R::Error(fmt::format("{}: required", FieldLabel(path, "tenant")));
  if (remote.empty()) return R::Error(fmt::format("{}: required", FieldLabel(path, "remote")));
  auto ip = CheckIpv4(remote, FieldLabel(path, "remote"));
  if (!ip.ok()) return R::Error(ip.error());
  v1::CreateVtepRequest req;
  req.mutable_vtep()->set_tenant(tenant);
  req.mutable_vtep()->set_remote(ip.value());
  return R::Ok(std::move(req));
}

Parsed<uint64_t> ParseRate(const std::string& text, std::string_view option) {
  using R = Parsed<uint64_t>;
  if (text.empty()) return R::Ok(0);
  double mult = 1;
  std::string num = text;
  switch (text.back()) {
    case 'k': case 'K': mult = 1e3; num.pop_back(); break;
    case 'M': mult = 1e6; num.pop_back(); break;
    case 'G': mult = 1e9; num.pop_back(); break;
    default: break;
  }
  // Digits with at most one decimal point: no sign, exponent, hex or "inf".
  const bool plain = !num.empty() && num.find_first_not_of("0123456789.") == std::string::npos &&
                     std::count(num.begin(), num.end(), '.') <= 1 && num != ".";
  char* end = nullptr;
  const double v = plain ? std::strtod(num.c_str(), &end) : -1;
  if (!plain || end != num.c_str() + num.size() || !(v >= 0) || v * mult > 1e15) {
    return R::Error(fmt::format("{}: '{}' is not a rate (a number with an optional k, M or G, "
                                "e.g. 100M)", option, text));
  }
  return R::Ok(static_cast<uint64_t>(v * mult + 0.5));
}

Parsed<v1::Limit> BuildLimitTarget(const LimitArgs& a) {
  using R = Parsed<v1::Limit>;
  v1::Limit l;
  if (int{!a.port.empty()} + int{!a.tenant.empty()} + int{!a.meter.empty()} != 1)
    return R::Error("--port, --tenant, --meter: give exactly one");
  if (!a.meter.empty()) {
    if (!a.direction.empty())
      return R::Error("--direction: not with --meter (a meter acts where its rules match)");
    if (!a.storm.empty()) return R::Error("--storm: not with --meter (storm control is a port's)");
    l.set_meter(a.meter);
    l.set_direction(v1::LIMIT_DIRECTION_IN);
    return R::Ok(std::move(l));
  }
  l.set_port(a.port);
  l.set_tenant(a.tenant);
  if (a.direction == "in" || a.direction.empty()) {
    l.set_direction(v1::LIMIT_DIRECTION_IN);
  } else if (a.direction == "out") {
    l.set_direction(v1::LIMIT_DIRECTION_OUT);
  } else {
    return R::Error(fmt::format("--direction: 'in' or 'out', got '{}'", a.direction));
  }
  if (a.storm == "broadcast") {
    l.set_storm(v1::STORM_CLASS_BROADCAST);
  } else if (a.storm == "multicast") {
    l.set_storm(v1::STORM_CLASS_MULTICAST);
  } else if (a.storm == "unknown") {
    l.set_storm(v1::STORM_CLASS_UNKNOWN);
  } else if (!a.storm.empty()) {
    return R::Error(fmt::format("--storm: broadcast, multicast or unknown, got '{}'", a.storm));
  }
  return R::Ok(std::move(l));
}

Parsed<v1::SetLimitRequest> BuildSetLimit(const LimitArgs& a) {
  using R = Parsed<v1::SetLimitRequest>;
  auto target = BuildLimitTarget(a);
  if (!target.ok()) return R::Error(target.error());
  v1::SetLimitRequest req;
  v1::Limit& l = *req.mutable_limit();
  l = target.value();
  struct Rate {
    const std::string& text;
    const char* option;
    void (v1::Limit::*set)(uint64_t);
  };
  for (const Rate& r : {Rate{a.bps, "--bps", &v1::Limit::set_bps},
                        Rate{a.pps, "--pps", &v1::Limit::set_pps},
                        Rate{a.peak_bps, "--peak-bps", &v1::Limit::set_peak_bps},
                        Rate{a.burst, "--burst", &v1::Limit::set_burst_bytes},
                        Rate{a.excess_burst, "--excess-burst", &v1::Limit::set_excess_burst_bytes},
                        Rate{a.peak_burst, "--peak-burst", &v1::Limit::set_peak_burst_bytes},
                        Rate{a.burst_packets, "--burst-packets", &v1::Limit::set_burst_packets}}) {
    auto v = ParseRate(r.text, r.option);
    if (!v.ok()) return R::Error(v.error());
    (l.*r.set)(v.value());
  }
  if (!a.burst_ms.empty()) {
    if (!a.burst.empty() || !a.burst_packets.empty())
      return R::Error("--burst-ms: instead of --burst and --burst-packets, not with them");
    auto ms = ParseUint(a.burst_ms, "--burst-ms", 1, 100000);
    if (!ms.ok()) return R::Error(ms.error());
    if (!a.peak_burst.empty()) return R::Error("--burst-ms: instead of --peak-burst, not with it");
    // MS of each rate given; at least one minimum-size frame (a packet).
    auto of = [&](uint64_t bytes_per_s, uint64_t floor) {
      return bytes_per_s == 0 ? 0 : std::max(floor, bytes_per_s * ms.value() / 1000);
    };
    l.set_burst_bytes(of(l.bps() / 8, 64));
    l.set_peak_burst_bytes(of(l.peak_bps() / 8, 64));
    l.set_burst_packets(of(l.pps(), 1));
  }
  return R::Ok(std::move(req));
}

namespace {

// How a rule's field is named in an error: "--match" on the command line,
// "rule 3 (web): match" from a file (RuleArgs::path).
std::string RuleLabel(const RuleArgs& a, std::string_view key) {
  if (a.path.empty()) return FieldLabel("", key);
  return fmt::format("{}: {}", a.path, key);
}

// An error of switchyard::rules ("match: unknown key ...", "match.src_ip:
// ...", "actions.redirect: ...") under `label` instead of its own field.
std::string Relabel(std::string_view error, std::initializer_list<std::string_view> prefixes,
                    const std::string& label) {
  for (std::string_view p : prefixes) {
    if (error.substr(0, p.size()) == p) {
      error.remove_prefix(p.size());
      break;
    }
  }
  return fmt::format("{}: {}", label, error);
}

Parsed<uint32_t> RulePriority(const RuleArgs& a) {
  auto v = ParseUint(a.priority, RuleLabel(a, "priority"), 0, switchyard::rules::kMaxPriority);
  if (!v.ok()) return Parsed<uint32_t>::Error(v.error());
  return Parsed<uint32_t>::Ok(static_cast<uint32_t>(v.value()));
}

// The match expression, parsed (every key known, each value well formed).
Parsed<v1::RuleMatch> RuleMatchOf(const RuleArgs& a, std::string_view expr) {
  using R = Parsed<v1::RuleMatch>;
  const std::string label = RuleLabel(a, "match");
  v1::RuleMatch m;
  if (auto e = switchyard::rules::ParseMatchExpr(expr, &m))
    return R::Error(Relabel(*e, {"match: ", "match."}, label));
  switchyard::rules::Match checked;
  if (auto e = switchyard::rules::ParseMatch(m, &checked))
    return R::Error(Relabel(*e, {"match: ", "match."}, label));
  return R::Ok(std::move(m));
}

Parsed<v1::RuleActions> RuleActionsOf(const RuleArgs& a) {
  using R = Parsed<v1::RuleActions>;
  v1::RuleActions actions;
  if (auto e = switchyard::rules::ParseActionsExpr(a.action, &actions))
    return R::Error(Relabel(*e, {"action: ", "actions.", "actions: "}, RuleLabel(a, "action")));
  return R::Ok(std::move(actions));
}

}  // namespace

Parsed<v1::Rule> BuildRule(const RuleArgs& a) {
  using R = Parsed<v1::Rule>;
  if (a.name.empty())
    return R::Error(a.path.empty() ? "NAME: required" : fmt::format("{}: name: required", a.path));
  if (a.tenant.empty() == !a.global) {
    if (a.path.empty())
      return R::Error("--tenant, --global: give exactly one (a tenant's rule or a global one)");
    return R::Error(fmt::format("{}: tenant, global: give exactly one", a.path));
  }
  if (a.priority.empty()) return R::Error(fmt::format("{}: required", RuleLabel(a, "priority")));
  if (a.action.empty())
    return R::Error(fmt::format("{}: required (allow, drop or redirect:PORT, ...)",
                                RuleLabel(a, "action")));
  v1::Rule rule;
  rule.set_name(a.name);
  rule.set_tenant(a.tenant);
  rule.set_global(a.global);
  auto priority = RulePriority(a);
  if (!priority.ok()) return R::Error(priority.error());
  rule.set_priority(priority.value());
  auto match = RuleMatchOf(a, a.match.value_or(std::string()));
  if (!match.ok()) return R::Error(match.error());
  *rule.mutable_match() = match.value();
  auto actions = RuleActionsOf(a);
  if (!actions.ok()) return R::Error(actions.error());
  *rule.mutable_actions() = actions.value();
  return R::Ok(std::move(rule));
}

Parsed<v1::Rule> MergeRuleSet(const v1::Rule& current, const RuleArgs& a) {
  using R = Parsed<v1::Rule>;
  v1::Rule rule = current;
  rule.clear_generation();
  int given = 0;
  if (!a.tenant.empty() && a.global) return R::Error("--tenant, --global: give at most one");
  if (!a.tenant.empty()) {
    rule.set_tenant(a.tenant);
    rule.set_global(false);
    ++given;
  } else if (a.global) {
    rule.clear_tenant();
    rule.set_global(true);
    ++given;
  }
  if (!a.priority.empty()) {
    auto priority = RulePriority(a);
    if (!priority.ok()) return R::Error(priority.error());
    rule.set_priority(priority.value());
    ++given;
  }
  if (a.match.has_value()) {
    auto match = RuleMatchOf(a, *a.match);
    if (!match.ok()) return R::Error(match.error());
    *rule.mutable_match() = match.value();
    ++given;
  }
  if (!a.action.empty()) {
    auto actions = RuleActionsOf(a);
    if (!actions.ok()) return R::Error(actions.error());
    *rule.mutable_actions() = actions.value();
    ++given;
  }
  if (given == 0)
    return R::Error("nothing to change: give --tenant, --global, --priority, --match or --action");
  return R::Ok(std::move(rule));
}

}  // namespace yardctl
