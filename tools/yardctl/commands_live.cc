// yardctl mac list|flush, stats, status: live state read from the dataplane
// through controld.
#include <algorithm>
#include <memory>
#include <tuple>

#include <fmt/format.h>

#include "commands.h"

namespace yardctl {
namespace v1 = switchyard::v1;
using Stub = Client::Stub;

namespace {

struct Filter {
  std::string tenant, port;
};

int RunMacList(const GlobalOptions& g, const Filter& f) {
  v1::ListMacsRequest req;
  req.set_tenant(f.tenant);
  req.set_port(f.port);
  Client client(g);
  // Page by page (each reply stays small whatever the table holds), then
  // one listing sorted by tenant and MAC.
  v1::ListMacsReply all;
  do {
    v1::ListMacsReply page;
    if (auto st = client.Call(&Stub::ListMacs, req, &page); !st.ok()) return client.Fail(st);
    for (auto& m : *page.mutable_macs()) all.mutable_macs()->Add(std::move(m));
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  std::sort(all.mutable_macs()->begin(), all.mutable_macs()->end(),
            [](const v1::MacEntry& a, const v1::MacEntry& b) {
              return std::tie(a.tenant(), a.mac()) < std::tie(b.tenant(), b.mac());
            });
  return PrintReply(g, all, FormatMacs(all));
}

int RunMacFlush(const GlobalOptions& g, const Filter& f) {
  v1::FlushMacsRequest req;
  req.set_tenant(f.tenant);
  req.set_port(f.port);
  Client client(g);
  v1::FlushMacsReply reply;
  if (auto st = client.Call(&Stub::FlushMacs, req, &reply); !st.ok()) return client.Fail(st);
  return PrintDone(g, reply, fmt::format("flushed {} MAC entr{}", reply.flushed(),
                                         reply.flushed() == 1 ? "y" : "ies"));
}

int RunStats(const GlobalOptions& g, const Filter& f) {
  if (!f.port.empty() && !f.tenant.empty()) {
    return UsageError("--port, --tenant: give at most one");
  }
  v1::GetStatsRequest req;
  req.set_tenant(f.tenant);
  req.set_port(f.port);
  Client client(g);
  v1::Stats reply;
  if (auto st = client.Call(&Stub::GetStats, req, &reply); !st.ok()) return client.Fail(st);
  return PrintReply(g, reply, FormatStats(reply));
}

int RunStatus(const GlobalOptions& g) {
  Client client(g);
  v1::Status reply;
  if (auto st = client.Call(&Stub::GetStatus, v1::GetStatusRequest{}, &reply); !st.ok()) {
    return client.Fail(st);
  }
  return PrintReply(g, reply, FormatStatus(reply));
}

void AddFilterOptions(CLI::App* cmd, Filter& f, const std::string& what) {
  cmd->add_option("--tenant", f.tenant, "Only " + what + " of this tenant")->type_name("T");
  cmd->add_option("--port", f.port, "Only " + what + " on this port")->type_name("P");
}

}  // namespace

void AddLiveCommands(CLI::App& app, const GlobalOptions& g, Action& action) {
  CLI::App* mac = app.add_subcommand("mac", "Learned MAC addresses");
  mac->require_subcommand(1);

  auto list_filter = std::make_shared<Filter>();
  CLI::App* list = mac->add_subcommand("list", "List learned MACs");
  AddFilterOptions(list, *list_filter, "MACs");
  list->callback([&g, &action, list_filter] {
    action = [&g, list_filter] { return RunMacList(g, *list_filter); };
  });

  auto flush_filter = std::make_shared<Filter>();
  CLI::App* flush = mac->add_subcommand("flush", "Forget learned MACs (all unless filtered)");
  AddFilterOptions(flush, *flush_filter, "MACs");
  flush->callback([&g, &action, flush_filter] {
    action = [&g, flush_filter] { return RunMacFlush(g, *flush_filter); };
  });

  auto stats_filter = std::make_shared<Filter>();
  CLI::App* stats = app.add_subcommand(
      "stats", "Counters: ports, tenants, non-zero drop reasons, workers");
  stats->add_option("--port", stats_filter->port, "Only this port's counters")->type_name("P");
  stats->add_option("--tenant", stats_filter->tenant, "Only this tenant's counters")
      ->type_name("T");
  stats->callback([&g, &action, stats_filter] {
    action = [&g, stats_filter] { return RunStats(g, *stats_filter); };
  });

  CLI::App* status = app.add_subcommand(
      "status", "controld and dataplane health, generations, ports up");
  status->callback([&g, &action] { action = [&g] { return RunStatus(g); }; });
}

}  // namespace yardctl
