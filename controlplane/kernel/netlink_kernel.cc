#include "kernel/netlink_kernel.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <functional>
#include <memory>
#include <thread>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <spdlog/spdlog.h>

namespace switchyard::controlplane {

namespace {

struct NlSockFree {
  void operator()(nl_sock* s) const { nl_socket_free(s); }  // also closes it
};
struct LinkPut {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct AddrPut {
  void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct NlAddrPut {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
using NlSock = std::unique_ptr<nl_sock, NlSockFree>;
using Link = std::unique_ptr<rtnl_link, LinkPut>;
using Addr = std::unique_ptr<rtnl_addr, AddrPut>;
using NlAddr = std::unique_ptr<nl_addr, NlAddrPut>;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string NetnsPath(const std::string& name) { return "/run/netns/" + name; }

// A route netlink socket bound to the calling thread's current namespace
// (a netlink socket stays in the namespace it was created in).
Status OpenRoute(NlSock& out) {
  NlSock sock(nl_socket_alloc());
  if (!sock) return Internal("netlink: out of memory");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    return Internal("netlink: connect: {}", nl_geterror(err));
  }
  out = std::move(sock);
  return {};
}

// Null when absent.
Link GetLink(nl_sock* sock, const std::string& iface) {
  rtnl_link* raw = nullptr;
  if (rtnl_link_get_kernel(sock, 0, iface.c_str(), &raw) < 0) return nullptr;
  return Link(raw);
}

// Runs `fn` on a fresh thread inside namespace `netns` and waits for it; the
// thread, and its namespace switch, end with `fn`. netns "" runs `fn` here.
Status RunInNetns(const std::string& netns, const std::function<Status()>& fn) {
  if (netns.empty()) return fn();  // no namespace switch: the caller's thread will do
  Status result;
  std::thread worker([&] {
    if (!netns.empty()) {
      Fd fd(open(NetnsPath(netns).c_str(), O_RDONLY | O_CLOEXEC));
      if (fd.get() < 0) {
        result = FailedPrecondition("port.tap.netns: cannot open {}: {}", NetnsPath(netns), strerror(errno));
        return;
      }
      if (setns(fd.get(), CLONE_NEWNET) != 0) {
        result = Internal("port.tap.netns: setns({}): {}", netns, strerror(errno));
        return;
      }
    }
    result = fn();
  });
  worker.join();
  return result;
}

bool LinkExistsInNetns(const std::string& netns, const std::string& iface) {
  bool found = false;
  RunInNetns(netns, [&] {
    NlSock sock;
    if (auto st = OpenRoute(sock); !st.ok()) return st;
    found = GetLink(sock.get(), iface) != nullptr;
    return Status();
  });
  return found;
}

// Moves `iface` from the current namespace into `netns`. Runs on any thread
// (it does not switch namespace itself).
Status MoveToNetns(nl_sock* sock, rtnl_link* link, const std::string& iface, const std::string& netns) {
  Fd fd(open(NetnsPath(netns).c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return FailedPrecondition("port.tap.netns: cannot open {}: {}", NetnsPath(netns), strerror(errno));
  }
  Link change(rtnl_link_alloc());
  rtnl_link_set_ns_fd(change.get(), fd.get());
  if (int err = rtnl_link_change(sock, link, change.get(), 0); err < 0) {
    return Internal("port.iface: moving '{}' into netns '{}': {}", iface, netns, nl_geterror(err));
  }
  spdlog::info("kernel: moved {} into netns {}", iface, netns);
  return {};
}

// MTU, addresses, link up, on the calling thread's namespace. Idempotent:
// an address that is already there counts as added.
Status ConfigureHere(const std::string& iface, const ::switchyard::v1::TapKernelConfig& cfg) {
  NlSock sock;
  if (auto st = OpenRoute(sock); !st.ok()) return st;
  Link link = GetLink(sock.get(), iface);
  if (!link) {
    return NotFound("port.iface: interface '{}' not found in netns '{}'", iface,
                    cfg.netns().empty() ? "(controld's)" : cfg.netns());
  }
  if (cfg.mtu() != 0 && rtnl_link_get_mtu(link.get()) != cfg.mtu()) {
    Link change(rtnl_link_alloc());
    rtnl_link_set_mtu(change.get(), cfg.mtu());
    if (int err = rtnl_link_change(sock.get(), link.get(), change.get(), 0); err < 0) {
      return Internal("port.tap.mtu: setting MTU {} on '{}': {}", cfg.mtu(), iface, nl_geterror(err));
    }
  }
  int ifindex = rtnl_link_get_ifindex(link.get());
  for (int i = 0; i < cfg.addresses_size(); ++i) {
    const std::string& text = cfg.addresses(i);
    nl_addr* raw = nullptr;
    if (int err = nl_addr_parse(text.c_str(), AF_UNSPEC, &raw); err < 0) {
      return InvalidArgument("port.tap.addresses[{}]: '{}': {}", i, text, nl_geterror(err));
    }
    NlAddr local(raw);
    Addr addr(rtnl_addr_alloc());
    rtnl_addr_set_ifindex(addr.get(), ifindex);
    rtnl_addr_set_local(addr.get(), local.get());  // also takes the prefix length
    int err = rtnl_addr_add(sock.get(), addr.get(), 0);
    if (err < 0 && err != -NLE_EXIST) {
      return Internal("port.tap.addresses[{}]: adding {} to '{}': {}", i, text, iface, nl_geterror(err));
    }
  }
  if (!(rtnl_link_get_flags(link.get()) & IFF_UP)) {
    Link change(rtnl_link_alloc());
    rtnl_link_set_flags(change.get(), IFF_UP);
    if (int err = rtnl_link_change(sock.get(), link.get(), change.get(), 0); err < 0) {
      return Internal("port.iface: setting '{}' up: {}", iface, nl_geterror(err));
    }
  }
  return {};
}

}  // namespace

bool NetlinkKernel::NetnsExists(const std::string& name) const {
  struct stat st{};
  return stat(NetnsPath(name).c_str(), &st) == 0;
}

bool NetlinkKernel::LinkExists(const std::string& iface) const { return LinkExistsInNetns("", iface); }

Status NetlinkKernel::ConfigureTap(const std::string& iface, const ::switchyard::v1::TapKernelConfig& cfg) {
  if (!cfg.netns().empty()) {
    if (!NetnsExists(cfg.netns())) {
      return FailedPrecondition("port.tap.netns: network namespace '{}' does not exist", cfg.netns());
    }
    NlSock sock;
    if (auto st = OpenRoute(sock); !st.ok()) return st;
    // Still in our namespace (e.g. a restarted dataplane just recreated it):
    // move it. Already in the target: nothing to move.
    if (Link link = GetLink(sock.get(), iface)) {
      if (LinkExistsInNetns(cfg.netns(), iface)) {
        return FailedPrecondition("port.iface: '{}' exists both here and in netns '{}'", iface, cfg.netns());
      }
      if (auto st = MoveToNetns(sock.get(), link.get(), iface, cfg.netns()); !st.ok()) return st;
    }
  }
  return RunInNetns(cfg.netns(), [&] { return ConfigureHere(iface, cfg); });
}

::switchyard::v1::LinkState NetlinkKernel::TapLink(const std::string& iface,
                                                  const std::string& netns) const {
  auto state = ::switchyard::v1::LINK_STATE_UNKNOWN;
  if (!netns.empty() && !NetnsExists(netns)) return state;
  RunInNetns(netns, [&] {
    NlSock sock;
    if (auto st = OpenRoute(sock); !st.ok()) return st;
    Link link = GetLink(sock.get(), iface);
    if (!link) return Status();
    unsigned flags = rtnl_link_get_flags(link.get());
    bool up = (flags & IFF_UP) && (flags & IFF_RUNNING);
    state = up ? ::switchyard::v1::LINK_STATE_UP : ::switchyard::v1::LINK_STATE_DOWN;
    return Status();
  });
  return state;
}

}  // namespace switchyard::controlplane
