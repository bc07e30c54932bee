// yardctl limit set|clear|list
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "parse.h"

namespace yardctl {
namespace v1 = switchyard::v1;
using Stub = Client::Stub;

namespace {

struct LimitArgs {
  std::string port, tenant, direction, storm;
  std::string bps, pps, burst, burst_ms, excess_burst, peak_bps, peak_burst, burst_packets;
};

// "1500", "100k", "2.5M", "10G": decimal multiples (k = 1,000).
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
  char* end = nullptr;
  const double v = std::strtod(num.c_str(), &end);
  if (num.empty() || end != num.c_str() + num.size() || !(v >= 0) || v * mult > 1e15) {
    return R::Error(fmt::format("{}: '{}' is not a rate (a number with an optional k, M or G, "
                                "e.g. 100M)", option, text));
  }
  return R::Ok(static_cast<uint64_t>(v * mult + 0.5));
}

// The limit the selectors name: --port [--direction] [--storm] | --tenant.
Parsed<v1::Limit> Target(const LimitArgs& a) {
  using R = Parsed<v1::Limit>;
  v1::Limit l;
  if (a.port.empty() == a.tenant.empty()) return R::Error("--port, --tenant: give exactly one");
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
  auto target = Target(a);
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
    l.set_burst_bytes(l.bps() / 8 * ms.value() / 1000);
    l.set_burst_packets(l.pps() * ms.value() / 1000);
    if (l.bps() != 0 && l.burst_bytes() < 64) l.set_burst_bytes(64);
    if (l.pps() != 0 && l.burst_packets() < 1) l.set_burst_packets(1);
  }
  return R::Ok(std::move(req));
}

int RunLimitSet(const GlobalOptions& g, const LimitArgs& a) {
  auto req = BuildSetLimit(a);
  if (!req.ok()) return UsageError(req.error());
  Client client(g);
  v1::Limit reply;
  if (auto st = client.Call(&Stub::SetLimit, req.value(), &reply); !st.ok()) return client.Fail(st);
  return PrintDone(g, reply, fmt::format("limit {} set", reply.name()));
}

int RunLimitClear(const GlobalOptions& g, const LimitArgs& a) {
  auto target = Target(a);
  if (!target.ok()) return UsageError(target.error());
  v1::ClearLimitRequest req;
  *req.mutable_limit() = target.value();
  Client client(g);
  v1::DeleteReply reply;
  if (auto st = client.Call(&Stub::ClearLimit, req, &reply); !st.ok()) return client.Fail(st);
  return PrintDone(g, reply, "limit cleared");
}

int RunLimitList(const GlobalOptions& g, const LimitArgs& a) {
  v1::ListLimitsRequest req;
  req.set_port(a.port);
  req.set_tenant(a.tenant);
  Client client(g);
  v1::ListLimitsReply reply;
  if (auto st = client.Call(&Stub::ListLimits, req, &reply); !st.ok()) return client.Fail(st);
  return PrintReply(g, reply, FormatLimitList(reply));
}

void Selectors(CLI::App* cmd, LimitArgs& a, bool storm) {
  cmd->add_option("--port", a.port, "A port's limit")->type_name("P");
  cmd->add_option("--tenant", a.tenant, "A tenant's aggregate limit (all its ports)")->type_name("T");
  cmd->add_option("--direction", a.direction, "Port limits: in (what the port receives, default) or out")
      ->type_name("in|out");
  if (storm)
    cmd->add_option("--storm", a.storm, "Storm control on the port: broadcast, multicast or unknown (unicast)")
        ->type_name("CLASS");
}

}  // namespace

void AddLimitCommands(CLI::App& app, const GlobalOptions& g, Action& action) {
  CLI::App* limit = app.add_subcommand("limit", "Rate limits: per port (in, out, storm) and per tenant");
  limit->require_subcommand(1);

  auto s = std::make_shared<LimitArgs>();
  CLI::App* set = limit->add_subcommand("set", "Set a limit (or change it in place)");
  Selectors(set, *s, true);
  set->add_option("--bps", s->bps, "Committed rate, bits/s (k, M, G: x1000)")->type_name("N");
  set->add_option("--pps", s->pps, "Packet rate, packets/s")->type_name("N");
  set->add_option("--burst", s->burst, "Committed burst, bytes (default: 10 ms of the rate)")->type_name("BYTES");
  set->add_option("--burst-ms", s->burst_ms, "Bursts as time: MS of the rates")->type_name("MS");
  set->add_option("--excess-burst", s->excess_burst, "Single rate: excess burst, bytes (yellow)")->type_name("BYTES");
  set->add_option("--peak-bps", s->peak_bps, "Two rate: peak rate, bits/s")->type_name("N");
  set->add_option("--peak-burst", s->peak_burst, "Two rate: peak burst, bytes")->type_name("BYTES");
  set->add_option("--burst-packets", s->burst_packets, "Packet burst (default: 10 ms of --pps)")->type_name("N");
  set->callback([&g, &action, s] { action = [&g, s] { return RunLimitSet(g, *s); }; });

  auto c = std::make_shared<LimitArgs>();
  CLI::App* clear = limit->add_subcommand("clear", "Remove a limit");
  Selectors(clear, *c, true);
  clear->callback([&g, &action, c] { action = [&g, c] { return RunLimitClear(g, *c); }; });

  auto l = std::make_shared<LimitArgs>();
  CLI::App* list = limit->add_subcommand("list", "List limits, what they count, and their counters");
  list->add_option("--port", l->port, "Only this port's")->type_name("P");
  list->add_option("--tenant", l->tenant, "Only this tenant's")->type_name("T");
  list->callback([&g, &action, l] { action = [&g, l] { return RunLimitList(g, *l); }; });
}

}  // namespace yardctl
