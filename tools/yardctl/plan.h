// The plan of `yardctl apply`: the steps that turn controld's current
// tenants and ports into the desired ones. Pure: no I/O, no gRPC.
//
// A tenant or port whose configuration differs is updated in place
// (UpdateTenant / UpdatePort: a vhost guest stays connected, a tap keeps
// its namespace) unless what differs cannot change in place: a tenant's
// id, a port's device (kind, iface, socket, devargs, tap kernel side).
// Those are replaced: deleted and created again. A tenant is deleted only
// when no port uses it, so replacing a tenant replaces every port that uses
// it (access or trunk) too; if such a port is not in the file and would be
// kept (no --prune), the plan is refused rather than deleting or
// re-creating something the file does not describe.
//
// Order, so that a name, interface or VLAN that moves from one object to
// another is free when it is needed:
//   1. delete ports (pruned, or the first half of a replace)
//   2. delete tenants (pruned ones no remaining port uses, or the first
//      half of a replace)
//   3. update tenants
//   4. create tenants (new, or the second half of a replace)
//   5. update ports
//   6. create ports (new, or the second half of a replace)
//   7. delete the pruned tenants that ports updated in 5 used before
// with remote VTEPs (which have nothing to update: created or deleted)
// deleted before everything (a tenant with VTEPs cannot be deleted, nor
// lose its VNI) and created after everything.
// Deletes follow controld's order (ListTenants/ListPorts), the rest the
// file's.
#pragma once

#include <string>
#include <vector>

#include "parse.h"
#include "switchyard/v1/control.pb.h"
#include "topology.h"

namespace yardctl {

struct PlanStep {
  enum class Op { kCreate, kDelete, kUpdate };
  enum class Object { kTenant, kPort, kVtep };
  Op op;
  Object object;
  std::string name;
  bool replace = false;  // this delete/create is half of a replace
  switchyard::v1::Tenant tenant;  // kCreate of a tenant: what to create
  switchyard::v1::Port port;      // kCreate of a port: what to create
  switchyard::v1::Vtep vtep;      // a vtep's step: which
};

struct Plan {
  std::vector<PlanStep> steps;
  // Objects, not steps: a replace counts once. `unchanged` counts objects of
  // the file that already match; objects kept without --prune are not
  // counted at all.
  int created = 0, updated = 0, replaced = 0, deleted = 0, unchanged = 0;
  bool empty() const { return steps.empty(); }
};

// Current state as controld lists it.
Topology CurrentTopology(const switchyard::v1::ListTenantsReply& tenants,
                         const switchyard::v1::ListPortsReply& ports,
                         const switchyard::v1::ListVtepsReply& vteps = {});

// True if the current object already is what the file asks for. Ignored:
// generation; a tenant's id when the file gives none; what controld fills
// in (a tap port's iface defaults to its name, a VTEP interface to
// "vtep-" + its name; an empty tap kernel config is none); the order of
// trunk mappings.
bool SameTenant(const switchyard::v1::Tenant& desired, const switchyard::v1::Tenant& current);
bool SamePort(const switchyard::v1::Port& desired, const switchyard::v1::Port& current);

// With `prune`, objects not in `desired` are deleted; without, they are
// left alone. Refused (error, nothing to do) when a port of the file uses a
// tenant that will not exist, or when a replaced tenant is used by a port
// that would be kept but is not in the file.
Parsed<Plan> ComputePlan(const Topology& desired, const Topology& current, bool prune);

// What the step prints: "+ tenant red", "- port old", "~ port vm1 (in place)"
// for an update, "~ port vm1 (replace)"
// for the delete half of a replace, "" for its create half (a replace is one
// line, printed when it starts).
std::string StepLine(const PlanStep& step);

// "apply: 1 created, 1 updated, 2 replaced, 0 deleted, 3 unchanged"; with
// dry_run "apply --dry-run: 1 to create, 1 to update, 2 to replace, 0 to
// delete, 3 unchanged; nothing changed".
std::string PlanSummary(const Plan& plan, bool dry_run);

}  // namespace yardctl
