// The L2 feature's control side: listing and flushing learned MACs (the
// Dataplane's MAC operations; aging runs from the housekeeping tick).
// Control threads; flushes run on the housekeeping thread.

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "core/dataplane.h"
#include "core/trace.h"

#include <fmt/format.h>

namespace switchyard {

namespace {
// A flush by a port name that is no port matches nothing.
constexpr uint16_t kNoPortDest = kRemoteDest - 1;
}  // namespace

uint32_t Dataplane::FlushWhere(const std::function<bool(const MacRecord&)>& match) {
  uint32_t removed = 0;
  housekeeping_.Run([&] { removed = macs_->Remove(match); });
  return removed;
}

std::optional<std::string> Dataplane::ListMacs(const v1::ListMacsRequest& req,
                                               v1::ListMacsReply* reply) {
  if (req.page_size() > kMaxMacPage)
    return fmt::format("page_size: must be at most {}, got {}", kMaxMacPage, req.page_size());
  const uint32_t page = req.page_size() == 0 ? kDefaultMacPage : req.page_size();
  // The token is the bucket to resume at.
  uint64_t bucket = 0;
  if (!req.page_token().empty()) {
    const std::string& tok = req.page_token();
    auto [end, ec] = std::from_chars(tok.data() + 1, tok.data() + tok.size(), bucket);
    if (tok[0] != 'b' || ec != std::errc() || end != tok.data() + tok.size() ||
        bucket >= macs_->bucket_count())
      return fmt::format("page_token: '{}' is not a token this dataplane gave", tok);
  }
  // Names by id, copied so the table is read without the control lock.
  // Remote MACs (behind a VTEP) by their dests, listed unless a port is asked for.
  std::map<uint16_t, std::string> tenant_names;
  std::map<uint16_t, std::string> port_names;
  std::map<uint16_t, std::string> remote_names;
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (const auto& [name, t] : tenants_)
      if (req.tenant().empty() || req.tenant() == name)
        tenant_names[static_cast<uint16_t>(t.id())] = name;
    for (const auto& [name, placed] : ports_)
      if (req.port().empty() || req.port() == name) port_names[placed.port_id] = name;
    if (req.port().empty())
      for (const auto& [ip, slot] : vtep_slots_) remote_names[RemoteDest(slot)] = RemoteName(slot);
  }
  const uint64_t now = NowMs();
  // Whole buckets only, so the next page starts where this one stopped; a
  // bucket holds at most 3 entries, so a page may end up to 2 short.
  const uint64_t buckets = macs_->bucket_count();
  std::vector<MacRecord> found;
  for (; bucket < buckets; ++bucket) {
    size_t before = found.size();
    macs_->ForEachInBucket(bucket, [&](const MacRecord& r) {
      if (tenant_names.count(r.tenant) != 0 &&
          (port_names.count(r.port) != 0 || remote_names.count(r.port) != 0))
        found.push_back(r);
    });
    if (found.size() > page && before > 0) {
      found.resize(before);
      break;
    }
  }
  if (bucket < buckets) reply->set_next_page_token(fmt::format("b{}", bucket));
  std::sort(found.begin(), found.end(), [](const MacRecord& a, const MacRecord& b) {
    return std::tie(a.tenant, a.mac) < std::tie(b.tenant, b.mac);
  });
  reply->mutable_macs()->Reserve(static_cast<int>(found.size()));
  for (const MacRecord& r : found) {
    auto* e = reply->add_macs();
    e->set_tenant(tenant_names[r.tenant]);
    e->set_mac(FormatMac(r.mac));
    if (IsRemoteDest(r.port))
      e->set_remote_vtep(remote_names[r.port]);
    else
      e->set_port(port_names[r.port]);
    e->set_age_ms(static_cast<uint32_t>(now > r.seen_ms ? now - r.seen_ms : 0));
  }
  return std::nullopt;
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
      port = it == ports_.end() ? kNoPortDest : it->second.port_id;
    }
  }
  return FlushWhere([&](const MacRecord& r) {
    return (!tenant || r.tenant == *tenant) && (!port || r.port == *port);
  });
}

}  // namespace switchyard
