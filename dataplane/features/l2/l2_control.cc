// The L2 feature's control side: listing and flushing learned MACs (the
// Dataplane's MAC operations; aging runs from the housekeeping tick).
// Control threads; flushes run on the housekeeping thread.

#include <algorithm>
#include <map>
#include <optional>

#include "core/dataplane.h"
#include "core/trace.h"

namespace switchyard {

uint32_t Dataplane::FlushWhere(const std::function<bool(const MacRecord&)>& match) {
  uint32_t removed = 0;
  housekeeping_.Run([&] { removed = macs_->Remove(match); });
  return removed;
}

v1::ListMacsReply Dataplane::ListMacs(const v1::ListMacsRequest& req) {
  std::lock_guard<std::mutex> lk(mu_);
  std::map<uint16_t, std::string> tenant_names;
  for (const auto& [name, t] : tenants_) tenant_names[static_cast<uint16_t>(t.id())] = name;
  std::map<uint16_t, std::string> port_names;
  for (const auto& [name, placed] : ports_) port_names[placed.port_id] = name;
  const uint64_t now = NowMs();
  v1::ListMacsReply reply;
  macs_->ForEach([&](const MacRecord& r) {
    auto t = tenant_names.find(r.tenant);
    auto p = port_names.find(r.port);
    if (t == tenant_names.end() || p == port_names.end()) return;
    if (!req.tenant().empty() && req.tenant() != t->second) return;
    if (!req.port().empty() && req.port() != p->second) return;
    auto* e = reply.add_macs();
    e->set_tenant(t->second);
    e->set_mac(FormatMac(r.mac));
    e->set_port(p->second);
    e->set_age_ms(static_cast<uint32_t>(now > r.seen_ms ? now - r.seen_ms : 0));
  });
  std::sort(reply.mutable_macs()->begin(), reply.mutable_macs()->end(),
            [](const v1::MacEntry& a, const v1::MacEntry& b) {
              return std::tie(a.tenant(), a.mac()) < std::tie(b.tenant(), b.mac());
            });
  return reply;
}

uint32_t Dataplane::FlushMacs(const v1::FlushMacsRequest& req) {
  std::optional<uint16_t> tenant, port;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!req.tenant().empty()) {
      auto it = tenants_.find(req.tenant());
      tenant = it == tenants_.end() ? kNoTenant : static_cast<uint16_t>(it->second.id());
    }
    if (!req.port().empty()) {
      auto it = ports_.find(req.port());
      port = it == ports_.end() ? kMaxPorts : it->second.port_id;
    }
  }
  return FlushWhere([&](const MacRecord& r) {
    return (!tenant || r.tenant == *tenant) && (!port || r.port == *port);
  });
}

}  // namespace switchyard
