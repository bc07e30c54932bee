#pragma once
// Kernel on libnl-route-3. Namespace work runs on a short-lived private
// std::thread that calls setns(): a thread's network namespace is per thread,
// so no gRPC or reconciler thread ever leaves controld's own namespace.

#include "kernel/kernel.h"

namespace switchyard::controlplane {

class NetlinkKernel final : public Kernel {
 public:
  bool NetnsExists(const std::string& name) const override;
  bool LinkExists(const std::string& iface) const override;
  Status ConfigureTap(const std::string& iface, const ::switchyard::v1::TapKernelConfig& cfg) override;
  ::switchyard::v1::LinkState TapLink(const std::string& iface, const std::string& netns) const override;
};

}  // namespace switchyard::controlplane
