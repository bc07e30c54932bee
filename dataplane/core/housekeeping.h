#pragma once
// A control thread registered with EAL (an lcore id, so DPDK calls that use
// per-lcore state, such as mempool caches, behave on it). Runs queued tasks
// and a periodic tick (MAC aging, link-state polling).

#include <condition_variable>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>

namespace switchyard {

class Housekeeping {
 public:
  explicit Housekeeping(std::function<void()> tick) : tick_(std::move(tick)) {}
  ~Housekeeping() { Stop(); }

  void Start();
  void Stop();
  // Any thread: run `fn` on the housekeeping thread and wait for it.
  void Run(const std::function<void()>& fn);

 private:
  void Loop();

  std::function<void()> tick_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::queue<std::function<void()>> tasks_;
  bool stop_ = false;
};

}  // namespace switchyard
