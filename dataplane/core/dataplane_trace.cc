// The packet tracer's control side: hands an injected frame to the worker
// that polls the port, or arms a capture on every worker, and turns the
// trails into a TraceReply. gRPC handler threads.

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <spdlog/spdlog.h>

#include <fmt/format.h>
#include <thread>

#include "core/dataplane.h"

namespace switchyard {

namespace {

constexpr uint32_t kMaxFrame = 2048;
constexpr uint32_t kMaxCapture = 1000;
constexpr uint32_t kDefaultCaptureMs = 10000;
constexpr uint32_t kMaxCaptureMs = 60000;
// An injected packet waits for one worker loop; a worker asleep when idle
// wakes every --idle-sleep-us.
constexpr auto kInjectTimeout = std::chrono::seconds(2);

using Err = Dataplane::TraceError;

// Steps of `log` grouped per packet (at most `max_packets` of them).
v1::TracedBurst ToProto(const std::string& port, const TraceLog& log, uint32_t max_packets) {
  v1::TracedBurst out;
  out.set_port(port);
  for (const TraceStep& st : log.steps) {
    v1::TraceStep* step;
    if (st.pkt == kTraceBurst) {
      step = out.add_tx();
    } else {
      if (st.pkt >= max_packets) continue;
      while (out.packets_size() <= st.pkt) out.add_packets();
      step = out.mutable_packets(st.pkt)->add_steps();
    }
    step->set_stage(st.stage);
    step->set_verdict(st.verdict);
  }
  return out;
}

}  // namespace

std::optional<Dataplane::TraceError> Dataplane::Trace(const v1::TraceRequest& req,
                                                     v1::TraceReply* reply) {
  const bool inject = !req.packet().empty();
  if (inject == (req.capture() != 0))
    return Err{Err::kInvalidArgument, "trace: give either packet or capture, not both"};
  if (inject && (req.packet().size() < kEthHeaderLen || req.packet().size() > kMaxFrame))
    return Err{Err::kInvalidArgument,
               fmt::format("trace.packet: {} bytes; a frame is {}..{} bytes",
                           req.packet().size(), kEthHeaderLen, kMaxFrame)};
  if (!inject && req.capture() > kMaxCapture)
    return Err{Err::kInvalidArgument,
               fmt::format("trace.capture: {} packets; at most {}", req.capture(), kMaxCapture)};
  if (req.timeout_ms() > kMaxCaptureMs)
    return Err{Err::kInvalidArgument,
               fmt::format("trace.timeout_ms: at most {}", kMaxCaptureMs)};
  std::lock_guard<std::mutex> trace_lock(trace_mu_);
  uint16_t port = 0, worker = 0;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = ports_.find(req.port());
    if (it == ports_.end())
      return Err{Err::kNotFound, fmt::format("trace.port: port '{}' not found", req.port())};
    port = it->second.port_id;
    worker = static_cast<uint16_t>(it->second.rx_workers.front() % workers());
  }
  if (!running_) return Err{Err::kUnavailable, "trace: the workers are not running"};
  reply->set_commit(inject ? req.commit() : true);
  return inject ? TraceInject(req, port, worker, reply) : TraceCapture(req, port, reply);
}

std::optional<Dataplane::TraceError> Dataplane::TraceInject(const v1::TraceRequest& req,
                                                           uint16_t port, uint16_t worker,
                                                           v1::TraceReply* reply) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (m == nullptr) return Err{Err::kUnavailable, "trace: no mbuf free"};
  char* data = rte_pktmbuf_append(m, static_cast<uint16_t>(req.packet().size()));
  if (data == nullptr) {
    rte_pktmbuf_free(m);
    return Err{Err::kInvalidArgument, "trace.packet: larger than an mbuf"};
  }
  std::memcpy(data, req.packet().data(), req.packet().size());
  auto job = std::make_unique<TraceJob>();
  job->port = port;
  job->pkt = m;
  job->log.commit = req.commit();
  WorkerContext& w = *contexts_[worker];
  TraceJob* expected = nullptr;
  if (!w.trace_job.compare_exchange_strong(expected, job.get())) {
    rte_pktmbuf_free(m);
    return Err{Err::kUnavailable, "trace: the worker is busy with another trace"};
  }
  const auto deadline = std::chrono::steady_clock::now() + kInjectTimeout;
  while (!job->done.load(std::memory_order_acquire)) {
    if (std::chrono::steady_clock::now() > deadline) {
      TraceJob* mine = job.get();
      if (w.trace_job.compare_exchange_strong(mine, nullptr)) {
        rte_pktmbuf_free(m);  // never taken
        return Err{Err::kUnavailable,
                   fmt::format("trace: worker {} did not take the packet", worker)};
      }
      // Taken: the worker is running it and will set done.
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  *reply->add_bursts() = ToProto(req.port(), job->log, 1);
  reply->set_packets(1);
  return std::nullopt;
}

std::optional<Dataplane::TraceError> Dataplane::TraceCapture(const v1::TraceRequest& req,
                                                            uint16_t port,
                                                            v1::TraceReply* reply) {
  {
    std::lock_guard<std::mutex> lk(capture_.mu);
    capture_.wanted = req.capture();
    capture_.packets = 0;
    capture_.bursts.clear();
  }
  for (auto& ctx : contexts_) ctx->capture_port.store(port);
  const uint32_t timeout_ms = req.timeout_ms() == 0 ? kDefaultCaptureMs : req.timeout_ms();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard<std::mutex> lk(capture_.mu);
      if (capture_.packets >= capture_.wanted) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& ctx : contexts_) ctx->capture_port.store(kNoCapture);
  // A worker that read the port before the stores above may still be in a
  // traced burst: after a grace period none is.
  publisher_->Synchronize();
  std::lock_guard<std::mutex> lk(capture_.mu);
  uint32_t left = capture_.wanted;
  for (const TraceLog& log : capture_.bursts) {
    if (left == 0) break;
    v1::TracedBurst b = ToProto(req.port(), log, left);
    left -= static_cast<uint32_t>(b.packets_size());
    *reply->add_bursts() = std::move(b);
  }
  reply->set_packets(capture_.wanted - left);
  capture_.bursts.clear();
  return std::nullopt;
}

}  // namespace switchyard
