#pragma once
// The feature registry: the one place core/ learns which features exist.
// Each feature lists its own drop reasons and per-tenant counters in its
// folder (X-macros in `<feature>/<feature>_defs.h`); one line per feature
// here adds them to the switch's drop counters, stats and CLI columns.
// A feature's stage is added to the stage list in core/pipeline.cc.

#include "features/l2/l2_defs.h"
#include "features/limits/limit_defs.h"
#include "features/rules/rule_defs.h"
#include "features/vlan/vlan_defs.h"
#include "features/vxlan/vxlan_defs.h"

// X(ENUM_NAME, "name shown to operators")
#define SWITCHYARD_FEATURE_DROP_REASONS(X) \
  SWITCHYARD_VLAN_DROP_REASONS(X)          \
  SWITCHYARD_L2_DROP_REASONS(X)            \
  SWITCHYARD_VXLAN_DROP_REASONS(X)         \
  SWITCHYARD_LIMIT_DROP_REASONS(X)         \
  SWITCHYARD_RULE_DROP_REASONS(X)

// X(field): a uint64 per tenant, named as the TenantCounters proto field.
#define SWITCHYARD_FEATURE_TENANT_COUNTERS(X) \
  SWITCHYARD_L2_TENANT_COUNTERS(X)           \
  SWITCHYARD_VXLAN_TENANT_COUNTERS(X)
