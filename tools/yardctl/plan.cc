#include "plan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <google/protobuf/util/message_differencer.h>

namespace yardctl {
namespace v1 = switchyard::v1;

namespace {

// The tenants a port refers to by name.
std::vector<std::string> TenantsOf(const v1::Port& p) {
  std::vector<std::string> out;
  if (p.role() == v1::PORT_ROLE_ACCESS) out.push_back(p.tenant());
  for (const auto& tv : p.trunk()) out.push_back(tv.tenant());
  return out;
}

// The port as controld stores it, minus what apply ignores.
v1::Port Canonical(const v1::Port& port) {
  v1::Port p = port;
  p.clear_generation();
  if (p.kind() == v1::PORT_KIND_TAP && p.iface().empty()) p.set_iface(p.name());
  // controld's default VTEP interface name (when it fits 15 characters).
  if (!p.vtep_ip().empty() && p.vtep_iface().empty() && p.name().size() <= 10)
    p.set_vtep_iface("vtep-" + p.name());
  if (p.has_tap() && p.tap().ByteSizeLong() == 0) p.clear_tap();
  std::stable_sort(
      p.mutable_trunk()->begin(), p.mutable_trunk()->end(),
      [](const v1::TrunkVlan& a, const v1::TrunkVlan& b) { return a.vlan() < b.vlan(); });
  return p;
}

template <class T>
std::map<std::string, const T*> ByName(const std::vector<T>& objects) {
  std::map<std::string, const T*> out;
  for (const T& o : objects) out.emplace(o.name(), &o);
  return out;
}

PlanStep Step(PlanStep::Op op, PlanStep::Object object, std::string name, bool replace) {
  PlanStep s{op, object, std::move(name), replace, {}, {}, {}};
  return s;
}

}  // namespace

Topology CurrentTopology(const v1::ListTenantsReply& tenants, const v1::ListPortsReply& ports,
                         const v1::ListVtepsReply& vteps) {
  Topology t;
  t.tenants.assign(tenants.tenants().begin(), tenants.tenants().end());
  for (const auto& view : ports.ports()) t.ports.push_back(view.port());
  for (const auto& view : vteps.vteps()) t.vteps.push_back(view.vtep());
  return t;
}

bool SameTenant(const v1::Tenant& d, const v1::Tenant& c) {
  return d.name() == c.name() && (d.id() == 0 || d.id() == c.id()) && d.vlan() == c.vlan() &&
         d.mac_limit() == c.mac_limit() && d.vni() == c.vni();
}

bool SamePort(const v1::Port& d, const v1::Port& c) {
  return google::protobuf::util::MessageDifferencer::Equals(Canonical(d), Canonical(c));
}

// What names the device: a port whose file entry differs only elsewhere
// (role, tenant, VLANs, trunk map) is updated in place.
bool SameDevice(const v1::Port& d, const v1::Port& c) {
  v1::Port a = Canonical(d), b = Canonical(c);
  return a.kind() == b.kind() && a.iface() == b.iface() && a.socket() == b.socket() &&
         a.devargs() == b.devargs() && a.vtep_ip() == b.vtep_ip() &&
         a.vtep_iface() == b.vtep_iface() &&
         google::protobuf::util::MessageDifferencer::Equals(a.tap(), b.tap());
}

Parsed<Plan> ComputePlan(const Topology& desired, const Topology& current, bool prune) {
  using R = Parsed<Plan>;
  using Op = PlanStep::Op;
  using Obj = PlanStep::Object;
  auto want_tenants = ByName(desired.tenants);
  auto have_tenants = ByName(current.tenants);
  auto want_ports = ByName(desired.ports);
  auto have_ports = ByName(current.ports);
  Plan plan;

  // Tenants: new, updated in place, replaced (only when the file gives
  // another id), unchanged; the rest pruned or kept.
  std::set<std::string> new_tenants, updated_tenants, replaced_tenants;
  for (const auto& t : desired.tenants) {
    auto it = have_tenants.find(t.name());
    if (it == have_tenants.end()) {
      new_tenants.insert(t.name());
    } else if (!SameTenant(t, *it->second)) {
      (t.id() != 0 && t.id() != it->second->id() ? replaced_tenants : updated_tenants)
          .insert(t.name());
    }
  }
  auto tenant_will_exist = [&](const std::string& name) {
    return want_tenants.count(name) || (!prune && have_tenants.count(name));
  };

  // Every tenant a port of the file uses must exist when the port is created.
  for (const auto& p : desired.ports) {
    for (const std::string& t : TenantsOf(p)) {
      if (tenant_will_exist(t)) continue;
      if (have_tenants.count(t)) {
        return R::Error(fmt::format("port {} uses tenant '{}', which is not in the file: "
                                    "--prune would delete it; add it to the file",
                                    p.name(), t));
      }
      return R::Error(fmt::format("port {} uses tenant '{}', which is neither in the file nor "
                                  "in controld; add it to the file",
                                  p.name(), t));
    }
  }

  // Ports: a current port that uses a replaced tenant must go first.
  auto uses_replaced = [&](const v1::Port& p) {
    for (const std::string& t : TenantsOf(p)) {
      if (replaced_tenants.count(t)) return std::optional<std::string>(t);
    }
    return std::optional<std::string>();
  };
  std::set<std::string> new_ports, updated_ports, replaced_ports, pruned_ports;
  for (const auto& p : desired.ports) {
    auto it = have_ports.find(p.name());
    if (it == have_ports.end()) {
      new_ports.insert(p.name());
    } else if (uses_replaced(*it->second) || !SameDevice(p, *it->second)) {
      replaced_ports.insert(p.name());
    } else if (!SamePort(p, *it->second)) {
      updated_ports.insert(p.name());
    }
  }
  for (const auto& p : current.ports) {
    if (want_ports.count(p.name())) continue;
    if (prune) {
      pruned_ports.insert(p.name());
    } else if (auto t = uses_replaced(p)) {
      return R::Error(fmt::format(
          "tenant {} differs from the file in its id and must be replaced (deleted and created "
          "again), but port {}, which is not in the file, uses it; add the port to the file, "
          "delete it, or use --prune",
          *t, p.name()));
    }
  }
  // A pruned tenant goes early (so its VLAN or VNI is free for the file's
  // tenants) unless a port that stays still uses it now: then last, once
  // that port has been updated away from it.
  std::set<std::string> pruned_early, pruned_late;
  for (const auto& t : current.tenants) {
    if (!prune || want_tenants.count(t.name())) continue;
    bool kept_user = false;
    for (const auto& p : current.ports) {
      if (pruned_ports.count(p.name()) || replaced_ports.count(p.name())) continue;
      for (const std::string& u : TenantsOf(p)) kept_user = kept_user || u == t.name();
    }
    (kept_user ? pruned_late : pruned_early).insert(t.name());
  }

  // Remote VTEPs: those of the file that are new, or whose tenant is
  // replaced (its VTEPs go with it), are created last; those not in the
  // file (pruned) or of a replaced or pruned tenant are deleted first. A
  // VTEP kept without --prune must keep its tenant.
  auto want_vteps = ByName(desired.vteps);
  auto have_vteps = ByName(current.vteps);
  for (const auto& v : desired.vteps) {
    if (!tenant_will_exist(v.tenant()))
      return R::Error(fmt::format("vtep {} uses tenant '{}', which is neither in the file nor in "
                                  "controld; add it to the file",
                                  v.name(), v.tenant()));
  }
  std::set<std::string> new_vteps, deleted_vteps, recreated_vteps;
  for (const auto& v : current.vteps) {
    const bool tenant_goes = replaced_tenants.count(v.tenant()) != 0 ||
                             pruned_early.count(v.tenant()) != 0 || pruned_late.count(v.tenant()) != 0;
    if (want_vteps.count(v.name())) {
      if (tenant_goes) recreated_vteps.insert(v.name());
    } else if (prune || tenant_goes) {
      if (!prune)
        return R::Error(fmt::format("tenant {} must be replaced, but its remote VTEP {}, which is "
                                    "not in the file, would go with it; add it to the file or use "
                                    "--prune",
                                    v.tenant(), v.remote()));
      deleted_vteps.insert(v.name());
    }
  }
  for (const auto& v : desired.vteps)
    if (!have_vteps.count(v.name())) new_vteps.insert(v.name());

  auto add = [&](Op op, Obj obj, const std::string& name, bool replace) -> PlanStep& {
    plan.steps.push_back(Step(op, obj, name, replace));
    return plan.steps.back();
  };
  // 0. delete remote VTEPs, 1. delete ports, 2. delete tenants, in
  // controld's order.
  for (const auto& v : current.vteps) {
    const bool replace = recreated_vteps.count(v.name()) != 0;
    if (!replace && !deleted_vteps.count(v.name())) continue;
    add(Op::kDelete, Obj::kVtep, v.name(), replace).vtep = v;
    if (!replace) ++plan.deleted;
  }
  for (const auto& p : current.ports) {
    if (pruned_ports.count(p.name())) {
      add(Op::kDelete, Obj::kPort, p.name(), false);
      ++plan.deleted;
    } else if (replaced_ports.count(p.name())) {
      add(Op::kDelete, Obj::kPort, p.name(), true);
    }
  }
  for (const auto& t : current.tenants) {
    if (pruned_early.count(t.name())) {
      add(Op::kDelete, Obj::kTenant, t.name(), false);
      ++plan.deleted;
    } else if (replaced_tenants.count(t.name())) {
      add(Op::kDelete, Obj::kTenant, t.name(), true);
    }
  }
  // 3. update tenants, 4. create tenants, 5. update ports, 6. create ports,
  // in the file's order; 7. the tenants ports had to leave first.
  for (const auto& t : desired.tenants) {
    if (!updated_tenants.count(t.name())) continue;
    PlanStep& s = add(Op::kUpdate, Obj::kTenant, t.name(), false);
    s.tenant = t;
    s.tenant.clear_generation();
    // The file has no default policy: the tenant keeps its own.
    s.tenant.set_default_policy(have_tenants.at(t.name())->default_policy());
    ++plan.updated;
  }
  for (const auto& t : desired.tenants) {
    bool fresh = new_tenants.count(t.name()) != 0;
    bool replace = replaced_tenants.count(t.name()) != 0;
    if (!fresh && !replace) {
      if (!updated_tenants.count(t.name())) ++plan.unchanged;
      continue;
    }
    PlanStep& s = add(Op::kCreate, Obj::kTenant, t.name(), replace);
    s.tenant = t;
    s.tenant.clear_generation();
    if (replace) s.tenant.set_default_policy(have_tenants.at(t.name())->default_policy());
    ++(replace ? plan.replaced : plan.created);
  }
  for (const auto& p : desired.ports) {
    if (!updated_ports.count(p.name())) continue;
    PlanStep& s = add(Op::kUpdate, Obj::kPort, p.name(), false);
    s.port = p;
    s.port.clear_generation();
    ++plan.updated;
  }
  for (const auto& p : desired.ports) {
    bool fresh = new_ports.count(p.name()) != 0;
    bool replace = replaced_ports.count(p.name()) != 0;
    if (!fresh && !replace) {
      if (!updated_ports.count(p.name())) ++plan.unchanged;
      continue;
    }
    PlanStep& s = add(Op::kCreate, Obj::kPort, p.name(), replace);
    s.port = p;
    s.port.clear_generation();
    ++(replace ? plan.replaced : plan.created);
  }
  for (const auto& t : current.tenants) {
    if (!pruned_late.count(t.name())) continue;
    add(Op::kDelete, Obj::kTenant, t.name(), false);
    ++plan.deleted;
  }
  // 8. create remote VTEPs, in the file's order.
  for (const auto& v : desired.vteps) {
    const bool replace = recreated_vteps.count(v.name()) != 0;
    if (!replace && !new_vteps.count(v.name())) {
      ++plan.unchanged;
      continue;
    }
    add(Op::kCreate, Obj::kVtep, v.name(), replace).vtep = v;
    ++(replace ? plan.replaced : plan.created);
  }
  return R::Ok(std::move(plan));
}

std::string StepLine(const PlanStep& step) {
  const char* what = step.object == PlanStep::Object::kTenant ? "tenant"
                     : step.object == PlanStep::Object::kPort ? "port"
                                                               : "vtep";
  if (step.replace) {
    if (step.op == PlanStep::Op::kCreate) return "";
    return fmt::format("~ {} {} (replace)", what, step.name);
  }
  if (step.op == PlanStep::Op::kUpdate) return fmt::format("~ {} {} (in place)", what, step.name);
  return fmt::format("{} {} {}", step.op == PlanStep::Op::kCreate ? '+' : '-', what, step.name);
}

std::string PlanSummary(const Plan& plan, bool dry_run) {
  if (dry_run) {
    return fmt::format("apply --dry-run: {} to create, {} to update, {} to replace, {} to delete, "
                       "{} unchanged; nothing changed",
                       plan.created, plan.updated, plan.replaced, plan.deleted, plan.unchanged);
  }
  return fmt::format("apply: {} created, {} updated, {} replaced, {} deleted, {} unchanged",
                     plan.created, plan.updated, plan.replaced, plan.deleted, plan.unchanged);
}

}  // namespace yardctl
