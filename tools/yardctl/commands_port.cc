// yardctl port add|del|list|show
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "parse.h"
#include "requests.h"

namespace yardctl {
namespace v1 = switchyard::v1;
using Stub = Client::Stub;

namespace {

int RunPortAdd(const GlobalOptions& g, const PortAddArgs& a) {
  auto req = BuildCreatePort(a);
  if (!req.ok()) return UsageError(req.error());
  Client client(g);
  v1::PortView reply;
  if (auto st = client.Call(&Stub::CreatePort, req.value(), &reply); !st.ok()) {
    return client.Fail(st);
  }
  // The port is in the desired state either way; a dataplane failure to
  // bring it up is reported, not an error of this command.
  WarnPortError(reply.port().name(), reply.error());
  std::string line = fmt::format("port {} added", reply.port().name());
  if (reply.has_status()) line += fmt::format(" (port id {})", reply.status().port_id());
  return PrintDone(g, reply, line);
}

int RunPortSet(const GlobalOptions& g, const PortAddArgs& a) {
  Client client(g);
  v1::GetPortRequest get;
  get.set_name(a.name);
  v1::PortView current;
  if (auto st = client.Call(&Stub::GetPort, get, &current); !st.ok()) return client.Fail(st);
  auto req = BuildUpdatePort(current.port(), a);
  if (!req.ok()) return UsageError(req.error());
  v1::PortView reply;
  if (auto st = client.Call(&Stub::UpdatePort, req.value(), &reply); !st.ok()) {
    return client.Fail(st);
  }
  WarnPortError(reply.port().name(), reply.error());
  return PrintDone(g, reply, fmt::format("port {} updated ({})", reply.port().name(),
                                         PortAttachment(reply.port())));
}

int RunPortDel(const GlobalOptions& g, const std::string& name) {
  v1::DeletePortRequest req;
  req.set_name(name);
  Client client(g);
  v1::DeleteReply reply;
  if (auto st = client.Call(&Stub::DeletePort, req, &reply); !st.ok()) return client.Fail(st);
  return PrintDone(g, reply, fmt::format("port {} deleted", name));
}

int RunPortList(const GlobalOptions& g) {
  Client client(g);
  v1::ListPortsReply reply;
  if (auto st = client.Call(&Stub::ListPorts, v1::ListPortsRequest{}, &reply); !st.ok()) {
    return client.Fail(st);
  }
  return PrintReply(g, reply, FormatPortList(reply));
}

int RunPortShow(const GlobalOptions& g, const std::string& name) {
  v1::GetPortRequest req;
  req.set_name(name);
  Client client(g);
  v1::PortView reply;
  if (auto st = client.Call(&Stub::GetPort, req, &reply); !st.ok()) return client.Fail(st);
  return PrintReply(g, reply, FormatPortView(reply));
}

}  // namespace

void AddPortCommands(CLI::App& app, const GlobalOptions& g, Action& action) {
  CLI::App* port = app.add_subcommand("port", "Manage ports (vNICs and uplinks)");
  port->require_subcommand(1);

  auto a = std::make_shared<PortAddArgs>();
  CLI::App* add = port->add_subcommand("add", "Create a port");
  add->add_option("NAME", a->name, "Port name")->required()->type_name("");
  add->add_option("--kind", a->kind, "Port kind: " + PortKindList())->required()->type_name("KIND");
  add->add_option("--iface", a->iface, "Kernel interface (tap: created; af_packet/af_xdp: existing)")
      ->type_name("IF");
  // Same name as the global --socket: an option the subcommand has is
  // never passed up (fallthrough is for the ones it lacks), so after
  // `port add` --socket is this one and controld's goes before "port".
  add->add_option("--socket", a->socket, "vhost kinds: absolute path of the vhost-user socket")
      ->type_name("PATH");
  add->add_option("--devargs", a->devargs, "Extra DPDK devargs (pci: the PCI address first)")
      ->type_name("S");
  // Exactly one of --tenant, --trunk, --uplink: checked by BuildCreatePort,
  // the one place that knows the roles.
  add->add_option("--tenant", a->tenant, "Access port of this tenant")->type_name("T");
  add->add_option("--vlan", a->vlan, "With --tenant: VLAN tag toward the port (default: none)")
      ->type_name("N");
  add->add_option("--trunk", a->trunk, "Trunk port: VLAN=TENANT[,...]; repeatable")
      ->type_name("VLAN=T")
      ->allow_extra_args(false);
  add->add_flag("--uplink", a->uplink, "Uplink port: every tenant with a vlan");
  add->add_option("--netns", a->netns, "tap: move the kernel side into this netns")
      ->type_name("NS");
  add->add_option("--ip", a->ips, "tap: address for the kernel side, CIDR; repeatable")
      ->type_name("CIDR")
      ->allow_extra_args(false);
  add->add_option("--mtu", a->mtu, "tap: MTU of the kernel side")->type_name("N");
  add->add_option("--vtep-ip", a->vtep_ip,
                  "uplink: the local VXLAN VTEP, IPv4/PREFIX (on a kernel interface the "
                  "dataplane makes)")
      ->type_name("CIDR");
  add->add_option("--gateway", a->gateway,
                  "with --vtep-ip: next hop to remote VTEPs the kernel has no route for")
      ->type_name("IP");
  add->add_option("--vtep-iface", a->vtep_iface,
                  "with --vtep-ip: name of that kernel interface (default vtep-NAME)")
      ->type_name("IF");
  add->callback([&g, &action, a] { action = [&g, a] { return RunPortAdd(g, *a); }; });

  auto s = std::make_shared<PortAddArgs>();
  CLI::App* set = port->add_subcommand(
      "set", "Change a port in place (role, tenant, VLANs); the device stays up");
  set->add_option("NAME", s->name, "Port name")->required()->type_name("");
  set->add_option("--tenant", s->tenant, "Make it an access port of this tenant")->type_name("T");
  set->add_option("--vlan", s->vlan, "Access port: VLAN tag toward the port (0: none)")
      ->type_name("N");
  set->add_option("--trunk", s->trunk, "Make it a trunk: VLAN=TENANT[,...] (replaces the map)")
      ->type_name("VLAN=T")
      ->allow_extra_args(false);
  set->add_flag("--uplink", s->uplink, "Make it an uplink");
  // Refused by controld when they differ (they name the device), and
  // accepted so that the refusal says why.
  set->add_option("--kind", s->kind, "Cannot change in place")->type_name("KIND");
  set->add_option("--socket", s->socket, "Cannot change in place")->type_name("PATH");
  set->add_option("--iface", s->iface, "Cannot change in place")->type_name("IF");
  set->add_option("--devargs", s->devargs, "Cannot change in place")->type_name("S");
  set->add_option("--netns", s->netns, "Cannot change in place")->type_name("NS");
  set->add_option("--ip", s->ips, "Cannot change in place")->type_name("CIDR")->allow_extra_args(false);
  set->add_option("--mtu", s->mtu, "Cannot change in place")->type_name("N");
  set->add_option("--gateway", s->gateway, "VTEP uplink: next hop for remote VTEPs")->type_name("IP");
  set->add_option("--vtep-ip", s->vtep_ip, "Cannot change in place")->type_name("CIDR");
  set->add_option("--vtep-iface", s->vtep_iface, "Cannot change in place")->type_name("IF");
  set->callback([&g, &action, s] { action = [&g, s] { return RunPortSet(g, *s); }; });

  auto del_name = std::make_shared<std::string>();
  CLI::App* del = port->add_subcommand("del", "Delete a port");
  del->add_option("NAME", *del_name, "Port name")->required()->type_name("");
  del->callback([&g, &action, del_name] { action = [&g, del_name] { return RunPortDel(g, *del_name); }; });

  CLI::App* list = port->add_subcommand("list", "List ports with their live state");
  list->callback([&g, &action] { action = [&g] { return RunPortList(g); }; });

  auto show_name = std::make_shared<std::string>();
  CLI::App* show = port->add_subcommand("show", "Show one port's configuration and live state");
  show->add_option("NAME", *show_name, "Port name")->required()->type_name("");
  show->callback([&g, &action, show_name] { action = [&g, show_name] { return RunPortShow(g, *show_name); }; });
}

}  // namespace yardctl
