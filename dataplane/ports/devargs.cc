#include "ports/devargs.h"

#include <cstdio>
#include <string_view>

#include "switchyard/devargs_policy.h"

namespace switchyard {

namespace {

bool ValidPortName(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string WithExtra(std::string base, const std::string& extra) {
  if (!extra.empty()) base += "," + extra;
  return base;
}

}  // namespace

DeviceSpec BuildDeviceSpec(const v1::Port& p, const std::string& device_name) {
  DeviceSpec d;
  const std::string& ring_name = device_name;
  // A tap the dataplane makes for itself (the VTEP's kernel interface) has
  // a device name of its own and an internal port name ("up0:vtep").
  const bool internal_tap = p.kind() == v1::PORT_KIND_TAP && !device_name.empty();
  // The name goes into device names and arguments: what controld allows,
  // checked again here.
  if (!internal_tap && !ValidPortName(p.name())) {
    d.error = "port.name: must be 1..32 characters of [A-Za-z0-9_.-], got '" + p.name() + "'";
    return d;
  }
  // vdev names must be unique per process: the driver's name and the port's
  // (unique) name, at most 13 + 1 + 32 characters, within DPDK's 63.
  auto vdev = [&](const char* driver) {
    return internal_tap ? device_name : std::string(driver) + "_" + p.name();
  };
  // Where the port's fields say which interface or socket the device is,
  // devargs must not say otherwise.
  auto own_iface = [&](const char* from) {
    if (!DevargsHasKey(p.devargs(), "iface")) return true;
    d.error = std::string("port.devargs: 'iface=' is not accepted here; the device's ") + from;
    return false;
  };
  // Every other argument on the kind's allow-list (as controld checks).
  auto allowed = [&] {
    if (auto e = CheckDevargs(p)) {
      d.error = *e;
      return false;
    }
    return true;
  };
  switch (p.kind()) {
    case v1::PORT_KIND_VHOST_SERVER:
    case v1::PORT_KIND_VHOST_CLIENT: {
      if (p.socket().empty()) {
        d.error = "port.socket: required for vhost ports";
        return d;
      }
      if (auto e = CheckPathSyntax("port.socket", p.socket())) {
        d.error = *e;
        return d;
      }
      if (!own_iface("socket is port.socket") || !allowed()) return d;
      d.name = vdev("net_vhost");
      std::string client = p.kind() == v1::PORT_KIND_VHOST_CLIENT ? "1" : "0";
      d.devargs = WithExtra(d.name + ",iface=" + p.socket() + ",queues=1,client=" + client,
                            p.devargs());
      d.identity.push_back({"port.socket", "socket " + NormalizePath(p.socket())});
      return d;
    }
    case v1::PORT_KIND_TAP: {
      if (!own_iface("interface is port.iface") || !allowed()) return d;
      std::string iface = p.iface().empty() ? p.name() : p.iface();
      d.name = vdev("net_tap");
      d.devargs = WithExtra(d.name + ",iface=" + iface, p.devargs());
      d.identity.push_back({"port.iface", "interface " + iface});
      return d;
    }
    case v1::PORT_KIND_AF_PACKET:
    case v1::PORT_KIND_AF_XDP: {
      if (p.iface().empty()) {
        d.error = "port.iface: required for af_packet and af_xdp ports";
        return d;
      }
      if (!own_iface("interface is port.iface") || !allowed()) return d;
      bool xdp = p.kind() == v1::PORT_KIND_AF_XDP;
      d.name = vdev(xdp ? "net_af_xdp" : "net_af_packet");
      d.devargs = WithExtra(d.name + ",iface=" + p.iface(),
                            p.devargs());
      d.identity.push_back({"port.iface", "interface " + p.iface()});
      return d;
    }
    case v1::PORT_KIND_PCAP:
      if (p.devargs().empty()) {
        d.error = "port.devargs: pcap ports need rx_pcap=/tx_pcap= arguments";
        return d;
      }
      if (!allowed()) return d;
      d.name = vdev("net_pcap");
      d.devargs = d.name + "," + p.devargs();
      return d;
    case v1::PORT_KIND_RING:
      // net_ring's arguments create devices of other names or attach to
      // other devices' rings (nodeaction=, internal=).
      if (!p.devargs().empty()) {
        d.error = "port.devargs: ring ports take no arguments";
        return d;
      }
      if (ring_name.empty()) {
        d.error = "ring port without an allocated device name";
        return d;
      }
      d.name = ring_name;
      d.devargs = d.name;
      return d;
    case v1::PORT_KIND_NULL:
      if (!allowed()) return d;
      d.name = vdev("net_null");
      d.devargs = WithExtra(d.name, p.devargs());
      return d;
    case v1::PORT_KIND_PCI: {
      if (p.devargs().empty()) {
        d.error = "port.devargs: pci ports need a PCI address (e.g. 0000:01:00.0)";
        return d;
      }
      const std::string first = p.devargs().substr(0, p.devargs().find(','));
      auto addr = CanonicalPciAddress(first);
      if (!addr) {
        d.error = "port.devargs: pci ports take a PCI address like 0000:01:00.0 (then its "
                  "arguments), got '" + first + "'";
        if (first.rfind("net_", 0) == 0 || first.rfind("eth_", 0) == 0)
          d.error += ", which names a virtual device";
        return d;
      }
      if (!allowed()) return d;
      d.name = *addr;
      d.devargs = *addr + p.devargs().substr(first.size());
      d.identity.push_back({"port.devargs", "PCI address " + *addr});
      return d;
    }
    default:
      d.error = "port.kind: unsupported kind " + std::to_string(p.kind());
      return d;
  }
}

std::string RingDeviceName(uint32_t serial) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", serial);
  return std::string("net_ring_") + buf;
}


uint64_t VhostFeaturesWithheld() {
  // Bit numbers from the virtio spec (5.1.3 Feature bits).
  constexpr int kHostTso4 = 11, kHostTso6 = 12, kHostEcn = 13, kHostUfo = 14;
  return (1ULL << kHostTso4) | (1ULL << kHostTso6) | (1ULL << kHostEcn) | (1ULL << kHostUfo);
}

bool SameDevice(const v1::Port& a, const v1::Port& b) {
  return a.kind() == b.kind() && a.iface() == b.iface() && a.socket() == b.socket() &&
         a.devargs() == b.devargs();
}

}  // namespace switchyard
