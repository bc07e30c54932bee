// yardctl apply -f FILE [--prune] [--dry-run]: make controld's tenants and
// ports match a YAML topology. The file format (topology.h) and the plan
// (plan.h) are pure and unit-tested; this is the I/O around them.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "commands.h"
#include "yaml_input.h"
#include "plan.h"
#include "topology.h"

namespace yardctl {
namespace v1 = switchyard::v1;
using Stub = Client::Stub;

namespace {

struct ApplyArgs {
  std::string file;
  bool prune = false;
  bool dry_run = false;
};


// One step against controld. A failure keeps controld's code (exit 1, or 3
// if controld went away) and says which object it was about.
grpc::Status RunStep(Client& client, const PlanStep& step) {
  grpc::Status st;
  bool tenant = step.object == PlanStep::Object::kTenant;
  const char* what = tenant ? "tenant" : step.object == PlanStep::Object::kPort ? "port" : "vtep";
  if (step.object == PlanStep::Object::kVtep) {
    if (step.op == PlanStep::Op::kDelete) {
      v1::DeleteVtepRequest req;
      req.set_tenant(step.vtep.tenant());
      req.set_remote(step.vtep.remote());
      v1::DeleteReply reply;
      st = client.Call(&Stub::DeleteVtep, req, &reply);
    } else {
      v1::CreateVtepRequest req;
      req.mutable_vtep()->set_tenant(step.vtep.tenant());
      req.mutable_vtep()->set_remote(step.vtep.remote());
      v1::Vtep reply;
      st = client.Call(&Stub::CreateVtep, req, &reply);
    }
  } else if (step.op == PlanStep::Op::kDelete) {
    v1::DeleteReply reply;
    if (tenant) {
      v1::DeleteTenantRequest req;
      req.set_name(step.name);
      st = client.Call(&Stub::DeleteTenant, req, &reply);
    } else {
      v1::DeletePortRequest req;
      req.set_name(step.name);
      st = client.Call(&Stub::DeletePort, req, &reply);
    }
  } else if (step.op == PlanStep::Op::kUpdate && tenant) {
    v1::UpdateTenantRequest req;
    *req.mutable_tenant() = step.tenant;
    v1::Tenant reply;
    st = client.Call(&Stub::UpdateTenant, req, &reply);
  } else if (step.op == PlanStep::Op::kUpdate) {
    v1::UpdatePortRequest req;
    *req.mutable_port() = step.port;
    v1::PortView reply;
    st = client.Call(&Stub::UpdatePort, req, &reply);
  } else if (tenant) {
    v1::CreateTenantRequest req;
    *req.mutable_tenant() = step.tenant;
    v1::Tenant reply;
    st = client.Call(&Stub::CreateTenant, req, &reply);
  } else {
    v1::CreatePortRequest req;
    *req.mutable_port() = step.port;
    v1::PortView reply;
    st = client.Call(&Stub::CreatePort, req, &reply);
    // As `port add`: stored is done; the dataplane's trouble is a warning.
    if (st.ok()) WarnPortError(step.name, reply.error());
  }
  if (st.ok()) return st;
  const char* verb = step.op == PlanStep::Op::kDelete   ? "delete"
                     : step.op == PlanStep::Op::kUpdate ? "update"
                                                        : "create";
  return grpc::Status(st.error_code(), fmt::format("{} {} {}: {}", verb, what, step.name,
                                                   st.error_message()));
}

int RunApply(const GlobalOptions& g, const ApplyArgs& a) {
  if (g.json) return UsageError("apply: no JSON output; drop --json");
  std::string text, error;
  if (!ReadInput(a.file, text, error)) return UsageError(error);
  std::string source = a.file == "-" ? "stdin" : a.file;
  auto desired = ParseTopology(text);
  if (!desired.ok()) return UsageError(fmt::format("{}: {}", source, desired.error()));

  Client client(g);
  v1::ListTenantsReply tenants;
  if (auto st = client.Call(&Stub::ListTenants, v1::ListTenantsRequest{}, &tenants); !st.ok()) {
    return client.Fail(st);
  }
  v1::ListPortsReply ports;
  if (auto st = client.Call(&Stub::ListPorts, v1::ListPortsRequest{}, &ports); !st.ok()) {
    return client.Fail(st);
  }
  v1::ListVtepsReply vteps;
  if (auto st = client.Call(&Stub::ListVteps, v1::ListVtepsRequest{}, &vteps); !st.ok()) {
    return client.Fail(st);
  }
  auto plan = ComputePlan(desired.value(), CurrentTopology(tenants, ports, vteps), a.prune);
  if (!plan.ok()) {
    std::fprintf(stderr, "yardctl: %s\n", plan.error().c_str());
    return kExitServerError;
  }

  for (const PlanStep& step : plan.value().steps) {
    std::string line = StepLine(step);
    if (!line.empty()) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    }
    if (a.dry_run) continue;
    if (auto st = RunStep(client, step); !st.ok()) {
      std::fflush(stdout);
      return client.Fail(st);
    }
  }
  std::printf("%s\n", PlanSummary(plan.value(), a.dry_run).c_str());
  return kExitOk;
}

}  // namespace

void AddApplyCommand(CLI::App& app, const GlobalOptions& g, Action& action) {
  auto a = std::make_shared<ApplyArgs>();
  CLI::App* apply = app.add_subcommand(
      "apply", "Make tenants and ports match a YAML topology file (see docs/operations.md)");
  apply->add_option("-f,--filename", a->file, "Topology file; '-' reads stdin")
      ->required()
      ->type_name("FILE");
  apply->add_flag("--prune", a->prune, "Also delete ports, then tenants, not in the file");
  apply->add_flag("--dry-run", a->dry_run, "Print the plan, change nothing");
  apply->callback([&g, &action, a] { action = [&g, a] { return RunApply(g, *a); }; });
}

}  // namespace yardctl
