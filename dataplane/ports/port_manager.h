#pragma once
// Brings ethdev ports up and down at runtime (vdev/PCI hotplug): one TX
// queue per worker where the device has them, and one RX queue per worker
// where the device spreads flows (RSS, net_tap), else one.
// Control threads only, one at a time (the Dataplane serialises calls).

#include <cstdint>
#include <optional>
#include <string>

#include "switchyard/v1/types.pb.h"

struct rte_mempool;

namespace switchyard {

class VhostDevices;

struct PortQueues {
  uint16_t port_id;
  uint16_t rx_queues;
  uint16_t tx_queues;
};

class PortManager {
 public:
  // `vhost`: where vhost-user ports' attachments are followed for the
  // workers (see ports/vhost_direct.h).
  PortManager(rte_mempool* pool, uint16_t workers, VhostDevices* vhost)
      : pool_(pool), workers_(workers), vhost_(vhost) {}

  // Probe, configure and start the device for `port`. On failure returns
  // nullopt with `*error` saying why, and leaves no device behind.
  std::optional<PortQueues> Add(const v1::Port& port, std::string* error);
  // Stop, close and detach. The caller has already made sure no worker
  // polls or transmits on the port (RCU grace period).
  void Remove(uint16_t port_id);
  v1::PortStatus Status(uint16_t port_id) const;
  v1::LinkState Link(uint16_t port_id) const;

 private:
  // `vhost_socket`: the socket of a vhost port (else empty), whose offered
  // features are trimmed once the PMD has registered it.
  // `mtu` 0 leaves the device's default.
  bool Configure(uint16_t port_id, const std::string& vhost_socket, uint16_t mtu, PortQueues* q,
                 std::string* error);
  // A ring device name no device or ring uses yet.
  static std::string NewRingName();

  rte_mempool* pool_;
  uint16_t workers_;
  VhostDevices* vhost_;
};

}  // namespace switchyard
