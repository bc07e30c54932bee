// yardctl tenant add|set|del|list|show
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "parse.h"
#include "requests.h"

namespace yardctl {
namespace v1 = switchyard::v1;
using Stub = Client::Stub;

namespace {

int RunTenantAdd(const GlobalOptions& g, const TenantAddArgs& a) {
  auto req = BuildCreateTenant(a);
  if (!req.ok()) return UsageError(req.error());
  Client client(g);
  v1::Tenant reply;
  if (auto st = client.Call(&Stub::CreateTenant, req.value(), &reply); !st.ok()) return client.Fail(st);
  return PrintDone(g, reply, fmt::format("tenant {} added (id {})", reply.name(), reply.id()));
}

int RunTenantSet(const GlobalOptions& g, const TenantAddArgs& a) {
  Client client(g);
  v1::GetTenantRequest get;
  get.set_name(a.name);
  v1::Tenant current;
  if (auto st = client.Call(&Stub::GetTenant, get, &current); !st.ok()) return client.Fail(st);
  auto req = BuildUpdateTenant(current, a);
  if (!req.ok()) return UsageError(req.error());
  v1::Tenant reply;
  if (auto st = client.Call(&Stub::UpdateTenant, req.value(), &reply); !st.ok()) {
    return client.Fail(st);
  }
  return PrintDone(g, reply, fmt::format("tenant {} updated", reply.name()));
}

int RunTenantDel(const GlobalOptions& g, const std::string& name) {
  v1::DeleteTenantRequest req;
  req.set_name(name);
  Client client(g);
  v1::DeleteReply reply;
  if (auto st = client.Call(&Stub::DeleteTenant, req, &reply); !st.ok()) return client.Fail(st);
  return PrintDone(g, reply, fmt::format("tenant {} deleted", name));
}

int RunTenantList(const GlobalOptions& g) {
  Client client(g);
  v1::ListTenantsReply reply;
  if (auto st = client.Call(&Stub::ListTenants, v1::ListTenantsRequest{}, &reply); !st.ok()) {
    return client.Fail(st);
  }
  return PrintReply(g, reply, FormatTenantList(reply));
}

int RunTenantShow(const GlobalOptions& g, const std::string& name) {
  v1::GetTenantRequest req;
  req.set_name(name);
  Client client(g);
  v1::Tenant reply;
  if (auto st = client.Call(&Stub::GetTenant, req, &reply); !st.ok()) return client.Fail(st);
  return PrintReply(g, reply, FormatTenant(reply));
}

}  // namespace

void AddTenantCommands(CLI::App& app, const GlobalOptions& g, Action& action) {
  CLI::App* tenant = app.add_subcommand("tenant", "Manage tenants (virtual L2 networks)");
  tenant->require_subcommand(1);

  auto add_args = std::make_shared<TenantAddArgs>();
  CLI::App* add = tenant->add_subcommand("add", "Create a tenant");
  add->add_option("NAME", add_args->name, "Tenant name")->required()->type_name("");
  add->add_option("--id", add_args->id, "Numeric id (default: lowest free)")->type_name("N");
  add->add_option("--vlan", add_args->vlan, "Uplink VLAN id, 1..4094 (default: none)")
      ->type_name("N");
  add->add_option("--mac-limit", add_args->mac_limit,
                  "Maximum learned MACs (default 4096; reserved for the tenant in the MAC table)")
      ->type_name("N");
  add->add_option("--vni", add_args->vni, "VXLAN network identifier (default: none)")
      ->type_name("N");
  add->add_option("--default-policy", add_args->default_policy,
                  "What happens to a frame no flow rule matches (default: allow)")
      ->type_name("allow|deny");
  add->callback([&g, &action, add_args] { action = [&g, add_args] { return RunTenantAdd(g, *add_args); }; });

  auto set_args = std::make_shared<TenantAddArgs>();
  CLI::App* set = tenant->add_subcommand("set", "Change a tenant in place");
  set->add_option("NAME", set_args->name, "Tenant name")->required()->type_name("");
  set->add_option("--vlan", set_args->vlan, "Uplink VLAN id (0: none)")->type_name("N");
  set->add_option("--mac-limit", set_args->mac_limit, "Maximum learned MACs (0: the default)")
      ->type_name("N");
  set->add_option("--vni", set_args->vni, "VXLAN network identifier (0: none)")->type_name("N");
  set->add_option("--default-policy", set_args->default_policy,
                  "What happens to a frame no flow rule matches")
      ->type_name("allow|deny");
  set->add_option("--id", set_args->id, "Cannot change in place")->type_name("N");
  set->callback([&g, &action, set_args] { action = [&g, set_args] { return RunTenantSet(g, *set_args); }; });

  auto del_name = std::make_shared<std::string>();
  CLI::App* del = tenant->add_subcommand("del", "Delete a tenant (no port may use it)");
  del->add_option("NAME", *del_name, "Tenant name")->required()->type_name("");
  del->callback([&g, &action, del_name] { action = [&g, del_name] { return RunTenantDel(g, *del_name); }; });

  CLI::App* list = tenant->add_subcommand("list", "List tenants");
  list->callback([&g, &action] { action = [&g] { return RunTenantList(g); }; });

  auto show_name = std::make_shared<std::string>();
  CLI::App* show = tenant->add_subcommand("show", "Show one tenant");
  show->add_option("NAME", *show_name, "Tenant name")->required()->type_name("");
  show->callback([&g, &action, show_name] { action = [&g, show_name] { return RunTenantShow(g, *show_name); }; });
}

}  // namespace yardctl
