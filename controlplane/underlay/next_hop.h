#pragma once
// How a remote VTEP is reached over the VTEP interface, from the kernel's
// routes: the pure part of the underlay resolver, unit-tested directly.

#include <cstdint>
#include <optional>
#include <vector>

namespace switchyard::controlplane {

// An IPv4 route of the kernel's main table, addresses in network order.
struct KernelRoute {
  uint32_t dst = 0;
  int prefix = 0;
  uint32_t gateway = 0;  // 0: on-link
  int ifindex = 0;
};

// The next hop toward `remote` out of interface `ifindex`: the gateway of
// the longest-prefix route through that interface that covers `remote` (or
// `remote` itself when the route is on-link); without one, `fallback`
// (the port's gateway) if set. nullopt: no route.
std::optional<uint32_t> NextHopFor(const std::vector<KernelRoute>& routes, int ifindex,
                                   uint32_t remote, uint32_t fallback);

}  // namespace switchyard::controlplane
