#include "underlay/resolver.h"

#include <arpa/inet.h>

#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace switchyard::controlplane {

namespace {

std::string IpText(uint32_t ip) {
  char buf[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &ip, buf, sizeof(buf));
  return buf;
}

bool SameHops(const std::map<std::string, pb::NextHop>& a, const std::map<std::string, pb::NextHop>& b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
    if (i->first != j->first || i->second.SerializeAsString() != j->second.SerializeAsString()) return false;
  return true;
}

}  // namespace

UnderlayResolver::UnderlayResolver(Options options, UnderlayKernel* kernel, Reconciler* reconciler,
                                   Reconciler::WithDesired with_desired)
    : options_(options), kernel_(kernel), reconciler_(reconciler), with_desired_(std::move(with_desired)) {}

UnderlayResolver::~UnderlayResolver() { Stop(); }

void UnderlayResolver::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void UnderlayResolver::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void UnderlayResolver::Poke() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  cv_.notify_all();
}

std::map<std::string, pb::NextHop> UnderlayResolver::NextHops() const {
  std::lock_guard lock(mu_);
  return hops_;
}

void UnderlayResolver::Run() {
  const auto slice = std::min(options_.interval, std::chrono::milliseconds(100));
  while (true) {
    RunOnce();
    const auto next = std::chrono::steady_clock::now() + options_.interval;
    // Netlink changes and pokes end the wait early.
    while (std::chrono::steady_clock::now() < next) {
      {
        std::unique_lock lock(mu_);
        if (stopping_) return;
        if (poked_) {
          poked_ = false;
          break;
        }
      }
      if (kernel_->WaitForChange(slice)) break;
    }
  }
}

std::map<std::string, pb::NextHop> UnderlayResolver::Resolve() {
  std::string iface, port;
  uint32_t gateway = 0;
  std::set<std::string> remotes;
  with_desired_([&](const DesiredState& d) {
    for (const auto& [name, p] : d.ports) {
      if (p.vtep_ip().empty()) continue;
      port = name;
      iface = p.vtep_iface();
      in_addr gw{};
      if (inet_pton(AF_INET, p.gateway().c_str(), &gw) == 1) gateway = gw.s_addr;
    }
    for (const auto& [name, v] : d.vteps) remotes.insert(v.remote());
  });
  std::map<std::string, pb::NextHop> out;
  if (remotes.empty()) return out;
  const int ifindex = iface.empty() ? 0 : kernel_->IfIndex(iface);
  const std::vector<KernelRoute> routes = ifindex != 0 ? kernel_->Routes() : std::vector<KernelRoute>{};
  for (const std::string& remote : remotes) {
    pb::NextHop& nh = out[remote];
    nh.set_remote(remote);
    in_addr ip{};
    if (inet_pton(AF_INET, remote.c_str(), &ip) != 1) {
      nh.set_error("not an IPv4 address");
      continue;
    }
    if (port.empty()) {
      nh.set_error("no port holds the local VTEP (port.vtep_ip)");
      continue;
    }
    if (ifindex == 0) {
      nh.set_error(fmt::format("VTEP interface {} of port {} is not there (is the dataplane up?)", iface, port));
      continue;
    }
    const auto via = NextHopFor(routes, ifindex, ip.s_addr, gateway);
    if (!via) {
      nh.set_error(fmt::format("no route to {} through {} and port {} has no gateway", remote, iface, port));
      continue;
    }
    nh.set_via(IpText(*via));
    const auto n = kernel_->GetNeighbour(ifindex, *via);
    if (n && !n->mac.empty()) {
      nh.set_mac(n->mac);
      if (n->confirm) kernel_->Probe(ifindex, *via);
      continue;
    }
    kernel_->Probe(ifindex, *via);
    nh.set_error(n && n->failed ? fmt::format("{} does not answer ARP on {}", nh.via(), iface)
                                : fmt::format("resolving {} on {}", nh.via(), iface));
  }
  return out;
}

void UnderlayResolver::RunOnce() {
  std::map<std::string, pb::NextHop> hops = Resolve();
  {
    std::lock_guard lock(mu_);
    for (const auto& [remote, nh] : hops) {
      auto old = hops_.find(remote);
      if (old == hops_.end() || old->second.mac() != nh.mac() || old->second.via() != nh.via())
        spdlog::info("underlay: remote VTEP {}: {}", remote,
                     nh.mac().empty() ? "unresolved: " + nh.error() : "via " + nh.via() + " (" + nh.mac() + ")");
    }
    hops_ = hops;
  }
  const Reconciler::Snapshot snap = reconciler_->GetSnapshot();
  if (!snap.connected || (snap.instance_id == pushed_instance_ && SameHops(hops, pushed_))) return;
  auto stub = reconciler_->Stub();
  if (!stub) return;
  pb::SetNextHopsRequest req;
  for (const auto& [remote, nh] : hops) *req.add_next_hops() = nh;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + options_.rpc_timeout);
  pb::SetNextHopsReply reply;
  grpc::Status st = stub->SetNextHops(&ctx, req, &reply);
  if (!st.ok()) {
    spdlog::warn("underlay: dataplane SetNextHops: {}", st.error_message());
    return;
  }
  pushed_ = std::move(hops);
  pushed_instance_ = snap.instance_id;
}

}  // namespace switchyard::controlplane
