// yardctl limit set|clear|list
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "commands.h"
#include "parse.h"
#include "requests.h"

namespace yardctl {
namespace v1 = switchyard::v1;
using Stub = Client::Stub;

namespace {

int RunLimitSet(const GlobalOptions& g, const LimitArgs& a) {
  auto req = BuildSetLimit(a);
  if (!req.ok()) return UsageError(req.error());
  Client client(g);
  v1::Limit reply;
  if (auto st = client.Call(&Stub::SetLimit, req.value(), &reply); !st.ok()) return client.Fail(st);
  return PrintDone(g, reply, fmt::format("limit {} set", reply.name()));
}

int RunLimitClear(const GlobalOptions& g, const LimitArgs& a) {
  auto target = BuildLimitTarget(a);
  if (!target.ok()) return UsageError(target.error());
  v1::ClearLimitRequest req;
  *req.mutable_limit() = target.value();
  Client client(g);
  v1::DeleteReply reply;
  if (auto st = client.Call(&Stub::ClearLimit, req, &reply); !st.ok()) return client.Fail(st);
  return PrintDone(g, reply, "limit cleared");
}

int RunLimitList(const GlobalOptions& g, const LimitArgs& a) {
  if (!a.meter.empty() && (!a.port.empty() || !a.tenant.empty()))
    return UsageError("--meter: not with --port or --tenant");
  v1::ListLimitsRequest req;
  req.set_port(a.port);
  req.set_tenant(a.tenant);
  Client client(g);
  v1::ListLimitsReply reply;
  if (auto st = client.Call(&Stub::ListLimits, req, &reply); !st.ok()) return client.Fail(st);
  if (!a.meter.empty()) {
    // controld filters by port and tenant only; a meter is picked here.
    v1::ListLimitsReply only;
    for (const auto& v : reply.limits()) {
      if (v.limit().meter() == a.meter) *only.add_limits() = v;
    }
    reply = std::move(only);
  }
  return PrintReply(g, reply, FormatLimitList(reply));
}

void Selectors(CLI::App* cmd, LimitArgs& a, bool storm) {
  cmd->add_option("--port", a.port, "A port's limit")->type_name("P");
  cmd->add_option("--tenant", a.tenant, "A tenant's aggregate limit (all its ports)")->type_name("T");
  cmd->add_option("--meter", a.meter, "A named meter (meter/NAME), for rules' meter:NAME action")
      ->type_name("NAME");
  cmd->add_option("--direction", a.direction, "Port limits: in (what the port receives, default) or out")
      ->type_name("in|out");
  if (storm)
    cmd->add_option("--storm", a.storm, "Storm control on the port: broadcast, multicast or unknown (unicast)")
        ->type_name("CLASS");
}

}  // namespace

void AddLimitCommands(CLI::App& app, const GlobalOptions& g, Action& action) {
  CLI::App* limit = app.add_subcommand(
      "limit", "Rate limits: per port (in, out, storm), per tenant, and named meters for flow rules");
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
  list->add_option("--meter", l->meter, "Only this meter")->type_name("NAME");
  list->callback([&g, &action, l] { action = [&g, l] { return RunLimitList(g, *l); }; });
}

}  // namespace yardctl
