#pragma once
// Builds the VXLAN part of the Snapshot from the configuration: the
// tenants' VNIs, the Vtep objects, the slots the dataplane gave the remote
// addresses, the next hops controld resolved, and the uplink that holds the
// local VTEP as the dataplane runs it. Pure (no DPDK calls): unit-tested
// directly. Control threads.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "features/vxlan/vxlan_snapshot.h"
#include "switchyard/v1/types.pb.h"

namespace switchyard {

// The uplink with a vtep_ip and its kernel interface, as placed.
struct UnderlayPorts {
  bool uplink_present = false;
  bool kernel_present = false;
  uint16_t uplink_port = 0;
  uint16_t kernel_port = 0;
  std::array<uint8_t, 6> mac{};  // the uplink's (and the kernel interface's)
  uint32_t mtu = 1500;           // the uplink's
  std::string vtep_ip;           // the port's vtep_ip, "192.0.2.1/24"
};

struct VxlanInputs {
  std::map<std::string, v1::Vtep> vteps;      // by name
  std::map<uint32_t, uint16_t> slots;         // remote address (network order) -> slot
  std::map<uint32_t, v1::NextHop> next_hops;  // remote address (network order) -> next hop
  UnderlayPorts underlay;
};

// The remote addresses (network order) the Vteps of tenants with a VNI
// name: the ones that need a slot.
std::vector<uint32_t> RemoteAddresses(const std::map<std::string, v1::Tenant>& tenants,
                                      const std::map<std::string, v1::Vtep>& vteps);

// Empty (disabled) unless the underlay's uplink and kernel interface are
// both there with a valid vtep_ip: then no tenant floods toward a VTEP it
// cannot reach. `problems` gets a line per object left out.
VxlanSnapshot BuildVxlan(const std::map<std::string, v1::Tenant>& tenants, const VxlanInputs& in,
                         std::vector<std::string>* problems);

// "192.0.2.1" or "192.0.2.1/24" -> network order; false if not IPv4.
bool ParseIpv4(const std::string& text, uint32_t* ip);
// "aa:bb:cc:dd:ee:ff" -> bytes; false if not a MAC.
bool ParseMac(const std::string& text, std::array<uint8_t, 6>* mac);

}  // namespace switchyard
