#pragma once
// UnderlayKernel on libnl-route-3's cache manager: route, neighbour and
// link caches kept current from netlink notifications, in controld's own
// namespace (where the dataplane's VTEP interface is). One thread.

#include <memory>

#include "underlay/underlay_kernel.h"

struct nl_cache;
struct nl_cache_mngr;
struct nl_sock;

namespace switchyard::controlplane {

class NetlinkUnderlay final : public UnderlayKernel {
 public:
  NetlinkUnderlay();
  ~NetlinkUnderlay() override;
  NetlinkUnderlay(const NetlinkUnderlay&) = delete;
  NetlinkUnderlay& operator=(const NetlinkUnderlay&) = delete;

  bool WaitForChange(std::chrono::milliseconds timeout) override;
  int IfIndex(const std::string& iface) override;
  std::vector<KernelRoute> Routes() override;
  std::optional<Neighbour> GetNeighbour(int ifindex, uint32_t ip) override;
  void Probe(int ifindex, uint32_t ip) override;

 private:
  bool Open();  // the cache manager and a socket for requests; false if netlink refuses
  nl_cache_mngr* mngr_ = nullptr;
  nl_cache* routes_ = nullptr;
  nl_cache* neighbours_ = nullptr;
  nl_cache* links_ = nullptr;
  nl_sock* sock_ = nullptr;  // requests (NTF_USE)
  bool changed_ = false;
};

}  // namespace switchyard::controlplane
