#include "underlay/next_hop.h"

#include <arpa/inet.h>

namespace switchyard::controlplane {

std::optional<uint32_t> NextHopFor(const std::vector<KernelRoute>& routes, int ifindex,
                                   uint32_t remote, uint32_t fallback) {
  const KernelRoute* best = nullptr;
  for (const KernelRoute& r : routes) {
    if (r.ifindex != ifindex || r.prefix < 0 || r.prefix > 32) continue;
    const uint32_t mask = r.prefix == 0 ? 0 : htonl(~uint32_t{0} << (32 - r.prefix));
    if ((remote & mask) != (r.dst & mask)) continue;
    if (best == nullptr || r.prefix > best->prefix) best = &r;
  }
  if (best != nullptr) return best->gateway != 0 ? best->gateway : remote;
  if (fallback != 0) return fallback;
  return std::nullopt;
}

}  // namespace switchyard::controlplane
