#include "switchyard/devargs_policy.h"

#include "switchyard/device_identity.h"

namespace switchyard {

namespace {

enum class Shape { kSwitch, kNumber, kPath, kMac };

struct Key {
  const char* name;
  Shape shape;
  const char* only = nullptr;  // the one value allowed, if restricted
};

// Per kind, the driver arguments a caller may set. Everything that names
// the device (iface, the vhost socket, client mode, the queue count) comes
// from the port's own fields and is not here; neither is anything that
// makes a driver load a program (af_xdp's xdp_prog), attach to another
// interface (pcap's iface/rx_iface/tx_iface, tap's remote) or create other
// devices (ring's nodeaction).
std::vector<Key> AllowedKeys(v1::PortKind kind) {
  switch (kind) {
    case v1::PORT_KIND_VHOST_SERVER:
    case v1::PORT_KIND_VHOST_CLIENT:
      // tso and legacy-ol-flags only off: the switch neither segments nor
      // completes checksums, so it must not offer either to a guest.
      return {{"iommu-support", Shape::kSwitch},   {"postcopy-support", Shape::kSwitch},
              {"linear-buffer", Shape::kSwitch},   {"ext-buffer", Shape::kSwitch},
              {"tso", Shape::kSwitch, "0"},        {"legacy-ol-flags", Shape::kSwitch, "0"}};
    case v1::PORT_KIND_TAP:
      return {{"mac", Shape::kMac}};
    case v1::PORT_KIND_AF_PACKET:
      return {{"qpairs", Shape::kNumber},
              {"blocksz", Shape::kNumber},
              {"framesz", Shape::kNumber},
              {"framecnt", Shape::kNumber},
              {"qdisc_bypass", Shape::kSwitch}};
    case v1::PORT_KIND_AF_XDP:
      return {{"start_queue", Shape::kNumber},
              {"queue_count", Shape::kNumber},
              {"shared_umem", Shape::kSwitch},
              {"busy_budget", Shape::kNumber},
              {"force_copy", Shape::kSwitch}};
    case v1::PORT_KIND_PCAP:
      return {{"rx_pcap", Shape::kPath}, {"tx_pcap", Shape::kPath}, {"infinite_rx", Shape::kSwitch}};
    case v1::PORT_KIND_NULL:
      return {{"size", Shape::kNumber}, {"copy", Shape::kSwitch}, {"no-rx", Shape::kSwitch}};
    default:  // ring: none; pci: none (driver arguments go on the EAL command line)
      return {};
  }
}

bool IsDigits(std::string_view v) {
  if (v.empty() || v.size() > 9) return false;
  for (char c : v)
    if (c < '0' || c > '9') return false;
  return true;
}

bool IsMac(std::string_view v) {
  if (v == "fixed") return true;
  if (v.size() != 17) return false;
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (i % 3 == 2) {
      if (c != ':') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

const char* KindName(v1::PortKind kind) {
  switch (kind) {
    case v1::PORT_KIND_VHOST_SERVER: return "vhost_server";
    case v1::PORT_KIND_VHOST_CLIENT: return "vhost_client";
    case v1::PORT_KIND_TAP: return "tap";
    case v1::PORT_KIND_AF_PACKET: return "af_packet";
    case v1::PORT_KIND_AF_XDP: return "af_xdp";
    case v1::PORT_KIND_PCI: return "pci";
    case v1::PORT_KIND_PCAP: return "pcap";
    case v1::PORT_KIND_RING: return "ring";
    case v1::PORT_KIND_NULL: return "null";
    default: return "unknown";
  }
}

std::string KeyList(const std::vector<Key>& keys) {
  std::string out;
  for (const Key& k : keys) out += std::string(out.empty() ? "" : ", ") + k.name;
  return out;
}

}  // namespace

std::optional<std::string> DevargsValue(std::string_view devargs, std::string_view key) {
  size_t start = 0;
  while (start <= devargs.size()) {
    size_t end = devargs.find(',', start);
    if (end == std::string_view::npos) end = devargs.size();
    std::string_view arg = devargs.substr(start, end - start);
    const size_t eq = arg.find('=');
    if (arg.substr(0, eq) == key)
      return std::string(eq == std::string_view::npos ? std::string_view() : arg.substr(eq + 1));
    start = end + 1;
  }
  return std::nullopt;
}

std::vector<std::string> DevargsPathKeys(v1::PortKind kind) {
  std::vector<std::string> out;
  for (const Key& k : AllowedKeys(kind))
    if (k.shape == Shape::kPath) out.emplace_back(k.name);
  return out;
}

std::optional<std::string> CheckPathSyntax(std::string_view field, std::string_view path) {
  const std::string f(field);
  if (path.empty() || path.front() != '/')
    return f + ": must be an absolute path, got '" + std::string(path) + "'";
  if (path.size() > 107)
    return f + ": must be at most 107 bytes (a unix socket path), got " +
           std::to_string(path.size());
  for (char c : path) {
    if (c <= ' ' || c == 0x7f || c == ',' || c == '=' || c == ';' || c == '\\')
      return f + ": '" + std::string(path) +
             "' contains a character not allowed in a path here (whitespace, control, ',', '=', "
             "';' or '\\')";
  }
  if (NormalizePath(path) != path)
    return f + ": '" + std::string(path) + "' is not in its normal spelling (write '" +
           NormalizePath(path) + "': no '//', '.' or '..' components, no trailing '/')";
  return std::nullopt;
}

bool PathUnder(std::string_view path, std::string_view dir) {
  if (dir == "/") return !path.empty() && path.front() == '/';
  if (path.substr(0, dir.size()) != dir) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

std::optional<std::string> CheckDevargs(const v1::Port& port) {
  std::string_view devargs = port.devargs();
  if (port.kind() == v1::PORT_KIND_PCI) {
    // The address, checked by the caller; the rest are arguments.
    const size_t comma = devargs.find(',');
    devargs = comma == std::string_view::npos ? std::string_view() : devargs.substr(comma + 1);
  }
  if (devargs.empty()) return std::nullopt;
  const std::vector<Key> keys = AllowedKeys(port.kind());
  std::vector<std::string_view> seen;
  size_t start = 0;
  while (start <= devargs.size()) {
    size_t end = devargs.find(',', start);
    if (end == std::string_view::npos) end = devargs.size();
    const std::string_view arg = devargs.substr(start, end - start);
    start = end + 1;
    const size_t eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : arg.substr(eq + 1);
    const Key* key = nullptr;
    for (const Key& k : keys)
      if (name == k.name) key = &k;
    if (key == nullptr) {
      std::string msg = "port.devargs: '" + std::string(name) + "' is not an argument " +
                        KindName(port.kind()) + " ports accept";
      msg += keys.empty() ? std::string(" (they take none)") : " (they take: " + KeyList(keys) + ")";
      return msg;
    }
    for (std::string_view s : seen)
      if (s == name) return "port.devargs: '" + std::string(name) + "' appears twice";
    seen.push_back(name);
    const std::string where = "port.devargs: " + std::string(name) + "=" + std::string(value);
    if (key->only != nullptr && value != key->only)
      return where + ": only " + key->name + "=" + key->only + " is supported (the switch " +
             "does not segment or complete checksums for a guest)";
    switch (key->shape) {
      case Shape::kSwitch:
        if (value != "0" && value != "1") return where + ": must be 0 or 1";
        break;
      case Shape::kNumber:
        if (!IsDigits(value)) return where + ": must be a number";
        break;
      case Shape::kMac:
        if (!IsMac(value)) return where + ": must be a MAC address or 'fixed'";
        break;
      case Shape::kPath:
        if (auto e = CheckPathSyntax("port.devargs: " + std::string(name), value)) return e;
        break;
    }
  }
  return std::nullopt;
}

}  // namespace switchyard
