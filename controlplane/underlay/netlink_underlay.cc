#include "underlay/netlink_underlay.h"

#include <linux/neighbour.h>
#include <net/if.h>
#include <sys/socket.h>

#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include <spdlog/spdlog.h>

#include <cstring>

namespace switchyard::controlplane {

namespace {

void OnChange(nl_cache*, nl_object*, int, void* arg) { *static_cast<bool*>(arg) = true; }

uint32_t AddrV4(nl_addr* a) {
  uint32_t v = 0;
  if (a != nullptr && nl_addr_get_family(a) == AF_INET && nl_addr_get_len(a) == 4)
    std::memcpy(&v, nl_addr_get_binary_addr(a), 4);
  return v;
}

}  // namespace

NetlinkUnderlay::NetlinkUnderlay() = default;

NetlinkUnderlay::~NetlinkUnderlay() {
  if (mngr_ != nullptr) nl_cache_mngr_free(mngr_);  // frees the caches it manages
  if (sock_ != nullptr) nl_socket_free(sock_);
}

bool NetlinkUnderlay::Open() {
  if (mngr_ != nullptr) return true;
  int err = nl_cache_mngr_alloc(nullptr, NETLINK_ROUTE, NL_AUTO_PROVIDE, &mngr_);
  if (err < 0) {
    spdlog::error("underlay: netlink cache manager: {}", nl_geterror(err));
    mngr_ = nullptr;
    return false;
  }
  struct {
    const char* name;
    nl_cache** cache;
  } kinds[] = {{"route/route", &routes_}, {"route/neigh", &neighbours_}, {"route/link", &links_}};
  for (auto& k : kinds) {
    err = nl_cache_mngr_add(mngr_, k.name, &OnChange, &changed_, k.cache);
    if (err < 0) {
      spdlog::error("underlay: netlink cache {}: {}", k.name, nl_geterror(err));
      nl_cache_mngr_free(mngr_);
      mngr_ = nullptr;
      return false;
    }
  }
  sock_ = nl_socket_alloc();
  if (sock_ == nullptr || nl_connect(sock_, NETLINK_ROUTE) < 0) {
    spdlog::error("underlay: netlink socket: cannot connect");
    if (sock_ != nullptr) nl_socket_free(sock_);
    sock_ = nullptr;
  }
  return true;
}

bool NetlinkUnderlay::WaitForChange(std::chrono::milliseconds timeout) {
  if (!Open()) return false;
  changed_ = false;
  const int n = nl_cache_mngr_poll(mngr_, static_cast<int>(timeout.count()));
  if (n < 0) spdlog::warn("underlay: netlink poll: {}", nl_geterror(n));
  // Drain what else is queued without waiting.
  while (n > 0 && nl_cache_mngr_poll(mngr_, 0) > 0) {
  }
  return changed_;
}

int NetlinkUnderlay::IfIndex(const std::string& iface) {
  if (!Open()) return 0;
  return rtnl_link_name2i(links_, iface.c_str());
}

std::vector<KernelRoute> NetlinkUnderlay::Routes() {
  std::vector<KernelRoute> out;
  if (!Open()) return out;
  nl_cache_foreach(
      routes_,
      [](nl_object* obj, void* arg) {
        auto* route = reinterpret_cast<rtnl_route*>(obj);
        if (rtnl_route_get_family(route) != AF_INET || rtnl_route_get_table(route) != RT_TABLE_MAIN ||
            rtnl_route_get_type(route) != RTN_UNICAST)
          return;
        nl_addr* dst = rtnl_route_get_dst(route);
        for (int i = 0; i < rtnl_route_get_nnexthops(route); ++i) {
          rtnl_nexthop* nh = rtnl_route_nexthop_n(route, i);
          KernelRoute r;
          r.dst = AddrV4(dst);
          r.prefix = dst != nullptr ? static_cast<int>(nl_addr_get_prefixlen(dst)) : 0;
          r.gateway = AddrV4(rtnl_route_nh_get_gateway(nh));
          r.ifindex = rtnl_route_nh_get_ifindex(nh);
          static_cast<std::vector<KernelRoute>*>(arg)->push_back(r);
        }
      },
      &out);
  return out;
}

std::optional<UnderlayKernel::Neighbour> NetlinkUnderlay::GetNeighbour(int ifindex, uint32_t ip) {
  if (!Open()) return std::nullopt;
  nl_addr* addr = nl_addr_build(AF_INET, &ip, 4);
  if (addr == nullptr) return std::nullopt;
  rtnl_neigh* n = rtnl_neigh_get(neighbours_, ifindex, addr);
  nl_addr_put(addr);
  if (n == nullptr) return std::nullopt;
  Neighbour out;
  const int state = rtnl_neigh_get_state(n);
  nl_addr* ll = rtnl_neigh_get_lladdr(n);
  constexpr int kUsable = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;
  if ((state & kUsable) != 0 && ll != nullptr && nl_addr_get_len(ll) == 6) {
    char buf[32];
    nl_addr2str(ll, buf, sizeof(buf));
    out.mac = buf;
    out.confirm = (state & NUD_STALE) != 0;
  }
  out.failed = (state & NUD_FAILED) != 0;
  rtnl_neigh_put(n);
  return out;
}

void NetlinkUnderlay::Probe(int ifindex, uint32_t ip) {
  if (!Open() || sock_ == nullptr) return;
  rtnl_neigh* n = rtnl_neigh_alloc();
  nl_addr* addr = nl_addr_build(AF_INET, &ip, 4);
  if (n != nullptr && addr != nullptr) {
    rtnl_neigh_set_ifindex(n, ifindex);
    rtnl_neigh_set_dst(n, addr);
    rtnl_neigh_set_flags(n, NTF_USE);
    const int err = rtnl_neigh_add(sock_, n, NLM_F_CREATE | NLM_F_REPLACE);
    if (err < 0) spdlog::debug("underlay: neighbour probe on ifindex {}: {}", ifindex, nl_geterror(err));
  }
  if (addr != nullptr) nl_addr_put(addr);
  if (n != nullptr) rtnl_neigh_put(n);
}

}  // namespace switchyard::controlplane
