#pragma once
// Keeps the dataplane's next hops (how each remote VTEP is reached on the
// underlay) equal to what the kernel knows: routes through the VTEP
// interface (the port's gateway when there is none) and the neighbour
// entry of the next hop, which the kernel is asked to resolve (and to
// confirm when stale) through an ARP request out of the VTEP interface.
// A changed route or neighbour reaches the dataplane within one pass; so
// does a restarted dataplane (its instance id changes).
//
// Threads: one private thread runs the passes (every `interval`, and at
// once after a netlink change or a Poke); it reads the desired state under
// the controller's mutex (WithDesired) and calls the dataplane through the
// reconciler's stub, never holding that mutex across the call. NextHops()
// is for any thread.

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "reconcile/reconciler.h"
#include "underlay/underlay_kernel.h"

namespace switchyard::controlplane {

class UnderlayResolver {
 public:
  struct Options {
    std::chrono::milliseconds interval{1000};
    std::chrono::milliseconds rpc_timeout{10000};
  };
  // `kernel` and `reconciler` outlive the resolver.
  UnderlayResolver(Options options, UnderlayKernel* kernel, Reconciler* reconciler,
                   Reconciler::WithDesired with_desired);
  ~UnderlayResolver();
  UnderlayResolver(const UnderlayResolver&) = delete;
  UnderlayResolver& operator=(const UnderlayResolver&) = delete;

  void Start();
  void Stop();
  // A port or VTEP changed: run a pass now.
  void Poke();
  // One pass on the calling thread (tests; Start's thread runs the same).
  void RunOnce();

  // The last pass's answer for each remote VTEP address.
  std::map<std::string, pb::NextHop> NextHops() const;

 private:
  void Run();
  std::map<std::string, pb::NextHop> Resolve();  // resolver thread

  const Options options_;
  UnderlayKernel* const kernel_;
  Reconciler* const reconciler_;
  const Reconciler::WithDesired with_desired_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool poked_ = false;
  std::map<std::string, pb::NextHop> hops_;
  std::thread thread_;
  // What the dataplane was last given, and which instance of it.
  std::map<std::string, pb::NextHop> pushed_;
  std::string pushed_instance_;
};

}  // namespace switchyard::controlplane
