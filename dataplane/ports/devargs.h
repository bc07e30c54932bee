#pragma once
// Turns a Port object into the device arguments DPDK probes. Pure, so each
// kind's string is unit-tested. Runs on control threads.

#include <cstdint>
#include <string>

#include "switchyard/v1/types.pb.h"

namespace switchyard {

struct DeviceSpec {
  std::string devargs;  // what rte_dev_probe() takes ("net_tap_x,iface=x" or a PCI address)
  std::string name;     // the ethdev name to look the port up by afterwards
  std::string error;    // non-empty: the port cannot be built, and why
};

DeviceSpec BuildDeviceSpec(const v1::Port& port);

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
