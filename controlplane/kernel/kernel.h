#pragma once
// What the control plane needs from the Linux kernel. The real implementation
// is NetlinkKernel (libnl-route-3); the interface exists so validation can ask
// "does this exist" without depending on netlink.

#include <string>

#include "model/status.h"
#include "switchyard/v1/types.pb.h"

namespace switchyard::controlplane {

class Kernel {
 public:
  virtual ~Kernel() = default;

  // /run/netns/NAME exists. Any thread.
  virtual bool NetnsExists(const std::string& name) const = 0;

  // A link of that name exists in controld's own namespace. Any thread.
  virtual bool LinkExists(const std::string& iface) const = 0;

  // Kernel side of a tap port: move `iface` into cfg.netns (if set), then in
  // that namespace set the MTU, add the addresses and bring the link up.
  // Idempotent. Any thread: namespace work happens on a private thread.
  virtual Status ConfigureTap(const std::string& iface, const ::switchyard::v1::TapKernelConfig& cfg) = 0;

  // Link state of a tap port's kernel side, looked up in `netns` ("" = ours):
  // UP when the interface is administratively up and has carrier. The
  // dataplane cannot tell once the interface lives in another namespace.
  // Any thread.
  virtual ::switchyard::v1::LinkState TapLink(const std::string& iface, const std::string& netns) const = 0;
};

}  // namespace switchyard::controlplane
