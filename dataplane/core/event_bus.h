#pragma once
// Fan-out of dataplane events to WatchEvents streams. Any thread publishes;
// each subscriber polls with a cursor. Bounded: a subscriber that falls more
// than kKeep events behind skips ahead.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "switchyard/v1/dataplane.pb.h"

namespace switchyard {

class EventBus {
 public:
  void Publish(const v1::Event& e) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      events_.push_back(e);
      ++next_seq_;
      if (events_.size() > kKeep) events_.pop_front();
    }
    cv_.notify_all();
  }

  uint64_t Cursor() {
    std::lock_guard<std::mutex> lk(mu_);
    return next_seq_;
  }

  // Events after *cursor, waiting up to `timeout` for one.
  std::vector<v1::Event> Wait(uint64_t* cursor, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait_for(lk, timeout, [&] { return next_seq_ > *cursor; });
    std::vector<v1::Event> out;
    uint64_t first = next_seq_ - events_.size();
    if (*cursor < first) *cursor = first;
    for (uint64_t s = *cursor; s < next_seq_; ++s) out.push_back(events_[s - first]);
    *cursor = next_seq_;
    return out;
  }

 private:
  static constexpr std::size_t kKeep = 1024;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<v1::Event> events_;
  uint64_t next_seq_ = 0;
};

}  // namespace switchyard
