#include "core/housekeeping.h"

#include <chrono>
#include <future>

#include <rte_lcore.h>
#include <spdlog/spdlog.h>

namespace switchyard {

void Housekeeping::Start() { thread_ = std::thread([this] { Loop(); }); }

void Housekeeping::Stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Housekeeping::Run(const std::function<void()>& fn) {
  std::promise<void> done;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stop_) return;
    tasks_.push([&] {
      fn();
      done.set_value();
    });
  }
  cv_.notify_all();
  done.get_future().wait();
}

void Housekeeping::Loop() {
  if (rte_thread_register() != 0) spdlog::error("housekeeping: rte_thread_register failed");
  auto next_tick = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lk(mu_);
  while (true) {
    cv_.wait_until(lk, next_tick, [&] { return stop_ || !tasks_.empty(); });
    // Drain tasks even when stopping, so no caller of Run() waits forever.
    while (!tasks_.empty()) {
      auto task = std::move(tasks_.front());
      tasks_.pop();
      lk.unlock();
      task();
      lk.lock();
    }
    if (stop_) break;
    if (std::chrono::steady_clock::now() >= next_tick) {
      lk.unlock();
      tick_();
      lk.lock();
      next_tick = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    }
  }
  lk.unlock();
  rte_thread_unregister();
}

}  // namespace switchyard
