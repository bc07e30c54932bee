// yardctl vtep add|del|list
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "requests.h"

namespace yardctl {
namespace v1 = switchyard::v1;
using Stub = Client::Stub;

namespace {

struct VtepArgs {
  std::string tenant, remote;
};

int RunVtepAdd(const GlobalOptions& g, const VtepArgs& a) {
  auto req = BuildCreateVtep(a.tenant, a.remote);
  if (!req.ok()) return UsageError(req.error());
  Client client(g);
  v1::Vtep reply;
  if (auto st = client.Call(&Stub::CreateVtep, req.value(), &reply); !st.ok()) return client.Fail(st);
  return PrintDone(g, reply, fmt::format("vtep {} added to tenant {}", reply.remote(), reply.tenant()));
}

int RunVtepDel(const GlobalOptions& g, const VtepArgs& a) {
  v1::DeleteVtepRequest req;
  req.set_tenant(a.tenant);
  req.set_remote(a.remote);
  Client client(g);
  v1::DeleteReply reply;
  if (auto st = client.Call(&Stub::DeleteVtep, req, &reply); !st.ok()) return client.Fail(st);
  return PrintDone(g, reply, fmt::format("vtep {} deleted from tenant {}", a.remote, a.tenant));
}

int RunVtepList(const GlobalOptions& g, const std::string& tenant) {
  v1::ListVtepsRequest req;
  req.set_tenant(tenant);
  Client client(g);
  v1::ListVtepsReply reply;
  if (auto st = client.Call(&Stub::ListVteps, req, &reply); !st.ok()) return client.Fail(st);
  return PrintReply(g, reply, FormatVtepList(reply));
}

}  // namespace

void AddVtepCommands(CLI::App& app, const GlobalOptions& g, Action& action) {
  CLI::App* vtep = app.add_subcommand("vtep", "Remote VXLAN VTEPs of tenants with a VNI");
  vtep->require_subcommand(1);

  auto add_args = std::make_shared<VtepArgs>();
  CLI::App* add = vtep->add_subcommand(
      "add", "Add a remote VTEP to a tenant's flood list (its frames are accepted from it)");
  add->add_option("--tenant", add_args->tenant, "Tenant (it must have a VNI)")->required()->type_name("T");
  add->add_option("--remote", add_args->remote, "The remote VTEP's IPv4 address")->required()->type_name("IP");
  add->callback([&g, &action, add_args] { action = [&g, add_args] { return RunVtepAdd(g, *add_args); }; });

  auto del_args = std::make_shared<VtepArgs>();
  CLI::App* del = vtep->add_subcommand("del", "Remove a remote VTEP from a tenant");
  del->add_option("--tenant", del_args->tenant, "Tenant")->required()->type_name("T");
  del->add_option("--remote", del_args->remote, "The remote VTEP's IPv4 address")->required()->type_name("IP");
  del->callback([&g, &action, del_args] { action = [&g, del_args] { return RunVtepDel(g, *del_args); }; });

  auto list_tenant = std::make_shared<std::string>();
  CLI::App* list = vtep->add_subcommand(
      "list", "List remote VTEPs with their next hop (resolved or why not) and counters");
  list->add_option("--tenant", *list_tenant, "Only this tenant's")->type_name("T");
  list->callback([&g, &action, list_tenant] { action = [&g, list_tenant] { return RunVtepList(g, *list_tenant); }; });
}

}  // namespace yardctl
