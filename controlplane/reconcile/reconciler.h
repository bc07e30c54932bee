#pragma once
// Keeps one dataplane programmed to the desired state.
//
// Threads: a private reconciler thread owns the connection. It opens a
// WatchEvents stream on the dataplane's unix socket; the first event is a
// Hello, upon which it brings the dataplane to the desired state (a full Sync,
// unless the dataplane already holds exactly the desired generation and
// config). When the stream breaks it retries every `retry` interval.
// Mutations arrive through Push() on gRPC handler threads.
//
// A write that fails while connected (a deadline, a dataplane error) leaves
// the dataplane's state unknown. A second private thread, the repairer,
// then sends full Syncs with exponential backoff (`retry` doubling up to
// `max_backoff`) until one succeeds; GetSnapshot() says the dataplane is out
// of sync, how many attempts failed, the last error and when the next
// attempt is.
//
// Lock order: the controller's mutation mutex, then Reconciler::mu_. Every
// write to the dataplane (Sync, Apply) happens with the mutation mutex held,
// so writes are totally ordered and always carry the latest desired state.
// mu_ only guards the fields below and is never held across an RPC.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "kernel/kernel.h"
#include "model/desired_state.h"
#include "model/status.h"
#include "switchyard/mac_limits.h"
#include "switchyard/v1/dataplane.grpc.pb.h"

namespace switchyard::controlplane {

class Reconciler {
 public:
  // Calls the given function with the desired state while holding the
  // controller's mutation mutex.
  using WithDesired = std::function<void(const std::function<void(const DesiredState&)>&)>;

  struct Options {
    std::string socket;  // the dataplane's unix socket path
    std::chrono::milliseconds retry{100};
    std::chrono::milliseconds rpc_timeout{10000};
    std::chrono::milliseconds max_backoff{5000};
  };

  // `kernel` may be null (then tap kernel config is not applied).
  Reconciler(Options options, Kernel* kernel, WithDesired with_desired);
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  void Start();
  void Stop();  // idempotent; joins the thread

  struct PushResult {
    bool delivered = false;                         // the dataplane now has it
    std::map<std::string, std::string> port_errors;  // port → dataplane message
  };
  // Programs `changes` (already in `desired`) into the dataplane: Apply on top
  // of the dataplane's generation, or a full Sync when it is at another one.
  // Not connected: returns delivered=false; the next connect syncs.
  // Called with the mutation mutex held, on a gRPC handler thread.
  PushResult Push(const DesiredState& desired, const std::vector<pb::Change>& changes);

  // The stub of the connected dataplane, or null. Any thread.
  std::shared_ptr<pb::Dataplane::Stub> Stub() const;
  // UNAVAILABLE "dataplane not connected (socket PATH)".
  Status NotConnected() const;

  struct Snapshot {
    bool connected = false;
    std::string instance_id;
    uint64_t generation = 0;  // what the dataplane has applied
    uint64_t full_syncs = 0;
    // The dataplane's MAC table capacity, from its last Hello (the default
    // until one connects).
    uint32_t mac_table_size = kDefaultMacTableSize;
    std::string last_error;
    // Connected, but the last write failed: the repairer is retrying.
    bool out_of_sync = false;
    uint32_t failed_attempts = 0;         // consecutive failed writes
    int64_t next_retry_ms = 0;            // from now, while out of sync
    std::map<std::string, std::string> port_errors;  // dataplane and kernel errors, by port
  };
  Snapshot GetSnapshot() const;  // any thread
  const std::string& socket() const { return options_.socket; }

 private:
  void Run();                                           // reconciler thread
  void Repair();                                        // repairer thread
  void WriteFailedLocked();                             // mu_ held
  void Session();                                       // reconciler thread: one connection
  void OnHello(const pb::Hello& hello);                 // reconciler thread
  bool FullSyncLocked(const DesiredState& desired);     // mutation mutex held
  void ApplyTapKernel(const pb::Port& port);            // mutation mutex held
  void SetError(const std::string& error);

  const Options options_;
  Kernel* const kernel_;
  const WithDesired with_desired_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // wakes the retry sleep on Stop
  bool stopping_ = false;
  std::thread thread_;
  std::thread repair_thread_;
  std::condition_variable repair_cv_;  // a write failed, or stopping
  uint32_t failed_attempts_ = 0;
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point next_retry_{};
  std::shared_ptr<grpc::ClientContext> watch_ctx_;  // to cancel the stream on Stop
  std::shared_ptr<pb::Dataplane::Stub> stub_;       // non-null while connected
  std::string instance_id_;
  std::string synced_instance_;  // instance that we last brought to a generation
  uint64_t dp_generation_ = 0;
  bool needs_sync_ = true;  // the dataplane's state is unknown: next write is a Sync
  uint64_t full_syncs_ = 0;
  uint32_t mac_table_size_ = kDefaultMacTableSize;
  std::string last_error_;
  std::map<std::string, std::string> dp_errors_;
  std::map<std::string, std::string> kernel_errors_;
};

}  // namespace switchyard::controlplane
