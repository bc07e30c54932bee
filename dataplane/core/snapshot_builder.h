#pragma once
// Builds the fast-path Snapshot from the configuration objects. Pure: no
// DPDK calls, so it is unit-tested directly. Control threads.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/snapshot.h"
#include "features/limits/limit_builder.h"
#include "features/rules/rule_builder.h"
#include "features/vxlan/vxlan_builder.h"
#include "switchyard/v1/types.pb.h"

namespace switchyard {

struct PlacedPort {
  v1::Port spec;
  uint16_t port_id = 0;
  uint16_t tx_queues = 1;
  // Worker polling each RX queue, by queue id.
  std::vector<uint16_t> rx_workers{0};
  rte_mempool* rx_pool = nullptr;  // the port's buffers (vhost ports dequeue into it)
  // A device the dataplane made for a port, not a configured port: the
  // kernel interface of the VTEP uplink ("up0:vtep"). It carries no tenant;
  // the VXLAN stage forwards its frames to the uplink.
  bool internal = false;
};

using TenantMap = std::map<std::string, v1::Tenant>;
using PortMap = std::map<std::string, PlacedPort>;

// Ports naming unknown tenants are left out of forwarding; `problems`
// (optional) gets one line for each.
// `vxlan`, `limits` and `rules` (optional) give the VXLAN part
// (features/vxlan/vxlan_builder.h), the rate limits
// (features/limits/limit_builder.h) and the flow rules
// (features/rules/rule_builder.h).
std::unique_ptr<Snapshot> BuildSnapshot(uint64_t generation, const TenantMap& tenants,
                                        const PortMap& ports, uint16_t workers,
                                        std::vector<std::string>* problems = nullptr,
                                        const VxlanInputs* vxlan = nullptr,
                                        const LimitInputs* limits = nullptr,
                                        const RuleInputs* rules = nullptr);

// The port id of the port named `name` if `s` forwards for it (it is in
// `ports` and was not left out), else -1. For the feature builders that
// resolve port names (limits, rules).
int32_t RunningPortId(const PortMap& ports, const Snapshot& s, const std::string& name);

// Whether the forwarding membership of a port (role, tenants, VLANs) differs
// between two specs: learned MACs on it must then be flushed.
bool MembershipChanged(const v1::Port& a, const v1::Port& b);

}  // namespace switchyard
