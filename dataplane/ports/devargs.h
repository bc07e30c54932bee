#pragma once
// Turns a Port object into the device arguments DPDK probes. Pure, so each
// kind's string is unit-tested. Runs on control threads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/device_identity.h"
#include "switchyard/v1/types.pb.h"

namespace switchyard {

// Something that makes a port's device that device and no other: no two
// ports may share one (see PortManager::Add).
struct DeviceIdentity {
  std::string field;  // the Port field it comes from: "port.iface"
  std::string what;   // "interface vm1", "socket /run/vm1.sock", "PCI address 0000:01:00.0"
};

struct DeviceSpec {
  std::string devargs;  // what rte_dev_probe() takes ("net_tap_x,iface=x" or a PCI address)
  std::string name;     // the device (and ethdev) name: "net_tap_x", "0000:01:00.0"
  std::string error;    // non-empty: the port cannot be built, and why
  std::vector<DeviceIdentity> identity;
};

// `device_name`: for a ring port, the device name the port manager
// allocated for it (RingDeviceName); for a tap the dataplane makes itself
// (the VTEP's kernel interface), its device name ("net_tapvtep_" + the
// uplink's name: the driver matches the prefix "net_tap", and no port's
// "net_tap_" + name can be it). Vdev names of other ports are the driver and
// the port name ("net_tap_" + name), so two ports never share one.
DeviceSpec BuildDeviceSpec(const v1::Port& port, const std::string& device_name = {});

// The device name of the `serial`th ring device: "net_ring_" and 8 hex
// digits. net_ring names 16 rings "ETH_RXTX<i>_<device>" within DPDK's 28
// characters for a ring name, so a ring device name has at most 17
// characters: too few to stand for a 32-character port name. The port
// manager numbers ring devices instead, and skips names already taken.
std::string RingDeviceName(uint32_t serial);


// The virtio-net features a vhost port must not offer to the guest: those
// that let the guest hand over segmentation (the switch never segments).
// net_vhost's tso=0 withholds HOST_TSO4/6, but the vhost library still
// offers HOST_UFO (a 64 KB UDP frame from the guest) and HOST_ECN (which
// the virtio spec allows only with HOST_TSO4/6).
uint64_t VhostFeaturesWithheld();

// True if two ports would be the same device (kind, iface, socket, devargs):
// a change to anything else is applied without re-creating the device.
bool SameDevice(const v1::Port& a, const v1::Port& b);

}  // namespace switchyard
