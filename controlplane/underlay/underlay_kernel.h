#pragma once
// What the underlay resolver reads of the kernel: the VTEP interface, the
// IPv4 routes and neighbours, and their changes; and how it asks the kernel
// to resolve a neighbour. The real one is NetlinkUnderlay (libnl's cache
// manager); unit tests use a fake. Called from the resolver's thread only.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "underlay/next_hop.h"

namespace switchyard::controlplane {

class UnderlayKernel {
 public:
  virtual ~UnderlayKernel() = default;

  // Brings the view up to date; waits up to `timeout` for a change of
  // routes, neighbours or links. True if one came.
  virtual bool WaitForChange(std::chrono::milliseconds timeout) = 0;
  // The interface's index, 0 if there is none.
  virtual int IfIndex(const std::string& iface) = 0;
  // IPv4 unicast routes of the main table.
  virtual std::vector<KernelRoute> Routes() = 0;

  struct Neighbour {
    std::string mac;       // "aa:bb:cc:dd:ee:ff"; empty: not resolved (incomplete, failed)
    bool failed = false;   // the kernel gave up asking
    bool confirm = false;  // usable but unconfirmed (stale): worth asking again
  };
  // The neighbour entry of `ip` (network order) on `ifindex`; nullopt if none.
  virtual std::optional<Neighbour> GetNeighbour(int ifindex, uint32_t ip) = 0;
  // Asks the kernel to resolve, or confirm, `ip` on `ifindex` (an ARP
  // request goes out the VTEP interface; NTF_USE).
  virtual void Probe(int ifindex, uint32_t ip) = 0;
};

}  // namespace switchyard::controlplane
