#include "ports/devargs.h"

#include <cstdio>

namespace switchyard {

namespace {

// vhost arguments that would make the port offer what the switch cannot
// honour end to end: guest TSO frames (we never segment) and legacy offload
// flags (partial checksums handed to us instead of completed by the PMD).
bool HasUnsupportedVhostArg(const std::string& devargs, std::string* which) {
  for (const char* arg : {"tso=1", "legacy-ol-flags=1"}) {
    const std::string a(arg);
    size_t pos = devargs.find(a);
    while (pos != std::string::npos) {
      bool starts = pos == 0 || devargs[pos - 1] == ',';
      bool ends = pos + a.size() == devargs.size() || devargs[pos + a.size()] == ',';
      if (starts && ends) {
        *which = a;
        return true;
      }
      pos = devargs.find(a, pos + 1);
    }
  }
  return false;
}

// A short name that stands for `name`: FNV-1a, 32 bits, hex.
std::string ShortId(const std::string& name) {
  uint32_t h = 2166136261u;
  for (unsigned char c : name) h = (h ^ c) * 16777619u;
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", h);
  return buf;
}

std::string WithExtra(std::string base, const std::string& extra) {
  if (!extra.empty()) base += "," + extra;
  return base;
}

}  // namespace

DeviceSpec BuildDeviceSpec(const v1::Port& p) {
  DeviceSpec d;
  // vdev names must be unique per process; the port name is.
  auto vdev = [&](const char* driver) { return std::string(driver) + "_" + p.name(); };
  switch (p.kind()) {
    case v1::PORT_KIND_VHOST_SERVER:
    case v1::PORT_KIND_VHOST_CLIENT: {
      if (p.socket().empty()) {
        d.error = "port.socket: required for vhost ports";
        return d;
      }
      std::string bad;
      if (HasUnsupportedVhostArg(p.devargs(), &bad)) {
        d.error = "port.devargs: '" + bad +
                  "' is not supported (the switch does not segment or complete checksums)";
        return d;
      }
      d.name = vdev("net_vhost");
      std::string client = p.kind() == v1::PORT_KIND_VHOST_CLIENT ? "1" : "0";
      d.devargs = WithExtra(d.name + ",iface=" + p.socket() + ",queues=1,client=" + client,
                            p.devargs());
      return d;
    }
    case v1::PORT_KIND_TAP: {
      std::string iface = p.iface().empty() ? p.name() : p.iface();
      d.name = vdev("net_tap");
      d.devargs = WithExtra(d.name + ",iface=" + iface, p.devargs());
      return d;
    }
    case v1::PORT_KIND_AF_PACKET:
    case v1::PORT_KIND_AF_XDP: {
      if (p.iface().empty()) {
        d.error = "port.iface: required for af_packet and af_xdp ports";
        return d;
      }
      bool xdp = p.kind() == v1::PORT_KIND_AF_XDP;
      d.name = vdev(xdp ? "net_af_xdp" : "net_af_packet");
      d.devargs = WithExtra(d.name + ",iface=" + p.iface(),
                            p.devargs());
      return d;
    }
    case v1::PORT_KIND_PCAP:
      if (p.devargs().empty()) {
        d.error = "port.devargs: pcap ports need rx_pcap=/tx_pcap=/iface= arguments";
        return d;
      }
      d.name = vdev("net_pcap");
      d.devargs = d.name + "," + p.devargs();
      return d;
    case v1::PORT_KIND_RING:
      // net_ring names its rings after the device and fails past ~17
      // characters: a short stand-in for the port name.
      d.name = "net_ring_" + ShortId(p.name());
      d.devargs = WithExtra(d.name, p.devargs());
      return d;
    case v1::PORT_KIND_NULL:
      d.name = vdev("net_null");
      d.devargs = WithExtra(d.name, p.devargs());
      return d;
    case v1::PORT_KIND_PCI: {
      if (p.devargs().empty()) {
        d.error = "port.devargs: pci ports need a PCI address (e.g. 0000:01:00.0)";
        return d;
      }
      d.devargs = p.devargs();
      d.name = p.devargs().substr(0, p.devargs().find(','));
      return d;
    }
    default:
      d.error = "port.kind: unsupported kind " + std::to_string(p.kind());
      return d;
  }
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
