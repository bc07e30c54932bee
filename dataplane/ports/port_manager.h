#pragma once
// Brings ethdev ports up and down at runtime (vdev/PCI hotplug): one TX
// queue per worker where the device has them, and one RX queue per worker
// where the device spreads flows (RSS, net_tap), else one.
// Control threads only, one at a time (the Dataplane serialises calls).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ports/devargs.h"
#include "switchyard/v1/types.pb.h"

struct rte_mempool;

namespace switchyard {

class VhostDevices;
class MbufPools;

struct PortQueues {
  uint16_t port_id;
  uint16_t rx_queues;
  uint16_t tx_queues;
  rte_mempool* rx_pool = nullptr;  // the port's own (see MbufPools)
};

class PortManager {
 public:
  // `vhost`: where vhost-user ports' attachments are followed for the
  // workers (see ports/vhost_direct.h).
  PortManager(MbufPools* pools, uint16_t workers, VhostDevices* vhost)
      : pools_(pools), workers_(workers), vhost_(vhost) {}

  // Probe, configure and start a new device for `port`. On failure returns
  // nullopt with `*error` saying why, and leaves no device behind.
  //
  // Add creates its device or fails: it refuses a port whose device name or
  // identity (interface, vhost socket, PCI address: DeviceSpec::identity) is
  // another port's, a device name that exists already (whoever made it),
  // and a probe that finds the device there (-EEXIST). Its failure path
  // only ever stops and removes the device this call created, which no
  // published snapshot can reference: devices referenced by a snapshot are
  // the ones added and not yet removed, and those are never touched.
  //
  // `device_name`: for a tap the dataplane makes for itself, its device
  // name (see BuildDeviceSpec).
  std::optional<PortQueues> Add(const v1::Port& port, std::string* error,
                                const std::string& device_name = {});
  // Stop, close and detach a device Add created (any other port id is left
  // alone). The caller has already made sure no worker polls or transmits on
  // the port (a snapshot without it published, RCU grace period).
  void Remove(uint16_t port_id);
  v1::PortStatus Status(uint16_t port_id) const;
  v1::LinkState Link(uint16_t port_id) const;

 private:
  // `vhost_socket`: the socket of a vhost port (else empty), whose offered
  // features are trimmed once the PMD has registered it.
  // `mtu` 0 leaves the device's default.
  // `prefilled`: the PMD fills its RX descriptors with buffers at setup.
  // `kept`: buffers the PMD takes from the pool at setup and keeps.
  bool Configure(uint16_t port_id, const std::string& vhost_socket, uint16_t mtu, bool prefilled,
                 uint32_t kept, PortQueues* q, std::string* error);

  // Stop, close and detach `port_id`, a device this manager created.
  void Destroy(uint16_t port_id);
  // A ring device name no device or ring uses yet.
  static std::string NewRingName();

  struct Owned {
    std::string port;    // the port's name
    std::string device;  // the device's name
    std::vector<DeviceIdentity> identity;
    rte_mempool* rx_pool = nullptr;
  };

  MbufPools* pools_;
  uint16_t workers_;
  VhostDevices* vhost_;
  std::map<uint16_t, Owned> owned_;  // devices Add created and Remove has not removed
};

}  // namespace switchyard
