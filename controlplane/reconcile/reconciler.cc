#include "reconcile/reconciler.h"

#include <spdlog/spdlog.h>

#include "switchyard/rpc_limits.h"

namespace switchyard::controlplane {

namespace {

// A fresh channel per connection attempt, with its own subchannel pool and a
// short backoff, so a restarted dataplane is found within one retry interval
// instead of after gRPC's default exponential backoff.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& socket, std::chrono::milliseconds retry) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, static_cast<int>(retry.count()));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, static_cast<int>(retry.count()));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(retry.count()));
  args.SetMaxSendMessageSize(kMaxDataplaneMessageBytes);
  args.SetMaxReceiveMessageSize(kMaxDataplaneMessageBytes);
  return grpc::CreateCustomChannel("unix:" + socket, grpc::InsecureChannelCredentials(), args);
}

void SetDeadline(grpc::ClientContext& ctx, std::chrono::milliseconds timeout) {
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
}

std::map<std::string, std::string> ErrorMap(const google::protobuf::RepeatedPtrField<pb::PortError>& errors) {
  std::map<std::string, std::string> out;
  for (const auto& e : errors) out[e.port()] = e.message();
  return out;
}

}  // namespace

Reconciler::Reconciler(Options options, Kernel* kernel, WithDesired with_desired)
    : options_(std::move(options)), kernel_(kernel), with_desired_(std::move(with_desired)) {}

Reconciler::~Reconciler() { Stop(); }

void Reconciler::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
  repair_thread_ = std::thread([this] { Repair(); });
}

void Reconciler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (watch_ctx_) watch_ctx_->TryCancel();
  }
  cv_.notify_all();
  repair_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (repair_thread_.joinable()) repair_thread_.join();
}

std::shared_ptr<pb::Dataplane::Stub> Reconciler::Stub() const {
  std::lock_guard lock(mu_);
  return stub_;
}

Status Reconciler::NotConnected() const {
  return Unavailable("dataplane not connected (socket {})", options_.socket);
}

Reconciler::Snapshot Reconciler::GetSnapshot() const {
  std::lock_guard lock(mu_);
  Snapshot s;
  s.connected = stub_ != nullptr;
  s.instance_id = instance_id_;
  s.generation = dp_generation_;
  s.full_syncs = full_syncs_;
  s.mac_table_size = mac_table_size_;
  s.last_error = last_error_;
  s.out_of_sync = s.connected && needs_sync_ && failed_attempts_ > 0;
  s.failed_attempts = failed_attempts_;
  if (s.out_of_sync)
    s.next_retry_ms = std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                               next_retry_ - std::chrono::steady_clock::now())
                                               .count());
  s.port_errors = kernel_errors_;
  for (const auto& [port, msg] : dp_errors_) s.port_errors[port] = msg;  // the dataplane's reason wins
  return s;
}

void Reconciler::SetError(const std::string& error) {
  spdlog::warn("reconcile: {}", error);
  std::lock_guard lock(mu_);
  last_error_ = error;
}

// mu_ held: the dataplane's state is unknown after a failed write. The
// repairer retries after the current backoff, which doubles per failure.
void Reconciler::WriteFailedLocked() {
  needs_sync_ = true;
  ++failed_attempts_;
  backoff_ = backoff_.count() == 0 ? options_.retry : std::min(backoff_ * 2, options_.max_backoff);
  next_retry_ = std::chrono::steady_clock::now() + backoff_;
  repair_cv_.notify_all();
}

void Reconciler::Repair() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (failed_attempts_ == 0 || !needs_sync_ || stub_ == nullptr) {
      // Nothing to repair (a disconnect is the session's: its Hello syncs).
      repair_cv_.wait(lock);
      continue;
    }
    if (repair_cv_.wait_until(lock, next_retry_, [this] { return stopping_; })) break;
    if (std::chrono::steady_clock::now() < next_retry_ || !needs_sync_ || stub_ == nullptr) continue;
    const uint32_t attempt = failed_attempts_ + 1;
    lock.unlock();
    spdlog::info("reconcile: dataplane out of sync, full sync attempt {}", attempt);
    // The mutation mutex first (lock order), then FullSyncLocked takes mu_.
    with_desired_([&](const DesiredState& desired) {
      bool again;
      {
        std::lock_guard l(mu_);
        again = needs_sync_ && stub_ != nullptr;
      }
      if (again) FullSyncLocked(desired);
    });
    lock.lock();
  }
}

void Reconciler::Run() {
  spdlog::info("reconcile: watching dataplane at {}", options_.socket);
  for (;;) {
    Session();
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, options_.retry, [this] { return stopping_; })) break;
  }
}

void Reconciler::Session() {
  auto channel = MakeChannel(options_.socket, options_.retry);
  auto stub = std::shared_ptr<pb::Dataplane::Stub>(pb::Dataplane::NewStub(channel));
  auto ctx = std::make_shared<grpc::ClientContext>();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    watch_ctx_ = ctx;
  }
  auto reader = stub->WatchEvents(ctx.get(), pb::WatchEventsRequest());
  pb::Event event;
  if (reader->Read(&event) && event.has_hello()) {
    {
      std::lock_guard lock(mu_);
      stub_ = stub;
      instance_id_ = event.hello().instance_id();
      dp_generation_ = event.hello().generation();
      if (event.hello().mac_table_size() != 0) mac_table_size_ = event.hello().mac_table_size();
      if (instance_id_ != synced_instance_) needs_sync_ = true;
    }
    spdlog::info("reconcile: dataplane {} connected at generation {}", event.hello().instance_id(),
                 event.hello().generation());
    OnHello(event.hello());
    while (reader->Read(&event)) {
      if (event.has_link()) {
        spdlog::info("reconcile: port {} link {}", event.link().port(), pb::LinkState_Name(event.link().link()));
      }
    }
  }
  grpc::Status st = reader->Finish();
  bool was_connected;
  {
    std::lock_guard lock(mu_);
    was_connected = stub_ != nullptr;
    stub_.reset();
    watch_ctx_.reset();
  }
  if (was_connected) {
    SetError(fmt::format("dataplane disconnected: {}", st.error_message()));
  } else {
    spdlog::debug("reconcile: dataplane not reachable at {}: {}", options_.socket, st.error_message());
  }
}

void Reconciler::OnHello(const pb::Hello& hello) {
  with_desired_([&](const DesiredState& desired) {
    auto stub = Stub();
    if (!stub) return;
    bool skip = false;
    {
      std::lock_guard lock(mu_);
      // Same instance we programmed, at the desired generation: a stream
      // hiccup, nothing to send.
      skip = !needs_sync_ && hello.instance_id() == synced_instance_ && hello.generation() == desired.generation;
    }
    if (!skip && hello.generation() <= desired.generation) {
      // A controld restart forgets the instance id; the dataplane's own
      // config tells whether it already has the desired state. Its
      // generation may be older (a fleet's etcd revision moves with other
      // hosts' writes): the same objects, stamps included, are the same
      // state, and the next delta is based on the dataplane's generation.
      grpc::ClientContext ctx;
      SetDeadline(ctx, options_.rpc_timeout);
      pb::DataplaneState state;
      if (stub->GetState(&ctx, pb::GetStateRequest(), &state).ok() && state.generation() <= desired.generation &&
          SameConfig(desired, state)) {
        skip = true;
        std::lock_guard lock(mu_);
        dp_generation_ = state.generation();
      }
    }
    if (!skip) {
      FullSyncLocked(desired);
      return;
    }
    spdlog::info("reconcile: dataplane already at generation {}, nothing to send", desired.generation);
    {
      std::lock_guard lock(mu_);
      synced_instance_ = hello.instance_id();
      needs_sync_ = false;
      failed_attempts_ = 0;
      backoff_ = std::chrono::milliseconds(0);
    }
    // The dataplane did not restart, but a previous controld may have died
    // before finishing the kernel side; it is idempotent.
    for (const auto& [name, port] : desired.ports) ApplyTapKernel(port);
  });
}

bool Reconciler::FullSyncLocked(const DesiredState& desired) {
  auto stub = Stub();
  if (!stub) return false;
  grpc::ClientContext ctx;
  SetDeadline(ctx, options_.rpc_timeout);
  pb::SyncReply reply;
  grpc::Status st = stub->Sync(&ctx, ToSyncRequest(desired), &reply);
  if (!st.ok()) {
    SetError(fmt::format("Sync to generation {} failed: {}", desired.generation, st.error_message()));
    std::lock_guard lock(mu_);
    WriteFailedLocked();
    return false;
  }
  spdlog::info("reconcile: full sync to generation {} ({} changed, {} port errors)", reply.generation(),
               reply.changed(), reply.port_errors_size());
  {
    std::lock_guard lock(mu_);
    dp_generation_ = reply.generation();
    synced_instance_ = instance_id_;
    needs_sync_ = false;
    failed_attempts_ = 0;
    backoff_ = std::chrono::milliseconds(0);
    ++full_syncs_;
    dp_errors_ = ErrorMap(reply.port_errors());
    kernel_errors_.clear();
  }
  // A restarted dataplane recreates tap interfaces in our namespace: move and
  // address them again.
  for (const auto& [name, port] : desired.ports) ApplyTapKernel(port);
  return true;
}

void Reconciler::ApplyTapKernel(const pb::Port& port) {
  const bool vtep = !port.vtep_ip().empty() && !port.vtep_iface().empty();
  if (!kernel_ || (port.kind() != pb::PORT_KIND_TAP && !vtep)) return;
  {
    std::lock_guard lock(mu_);
    if (dp_errors_.count(port.name())) return;  // the interface was not created
  }
  Status st;
  if (port.kind() == pb::PORT_KIND_TAP) st = kernel_->ConfigureTap(port.iface(), port.tap());
  if (st.ok() && vtep) {
    // The uplink's VTEP interface holds the local VTEP address, in our
    // namespace: the kernel answers ARP and ICMP for it.
    pb::TapKernelConfig cfg;
    cfg.add_addresses(port.vtep_ip());
    st = kernel_->ConfigureTap(port.vtep_iface(), cfg);
  }
  std::lock_guard lock(mu_);
  if (st.ok()) {
    kernel_errors_.erase(port.name());
  } else {
    spdlog::warn("reconcile: port {}: kernel config failed: {}", port.name(), st.message());
    kernel_errors_[port.name()] = "kernel: " + st.message();
  }
}

Reconciler::PushResult Reconciler::Push(const DesiredState& desired, const std::vector<pb::Change>& changes) {
  PushResult result;
  auto stub = Stub();
  if (!stub) return result;
  bool needs_sync;
  pb::ApplyRequest req;
  {
    std::lock_guard lock(mu_);
    needs_sync = needs_sync_;
    req.set_base_generation(dp_generation_);
  }
  auto sync = [&] {
    result.delivered = FullSyncLocked(desired);
    std::lock_guard lock(mu_);
    if (result.delivered) result.port_errors = dp_errors_;
    return result;
  };
  if (needs_sync) return sync();

  req.set_generation(desired.generation);
  for (const auto& c : changes) *req.add_changes() = c;
  grpc::ClientContext ctx;
  SetDeadline(ctx, options_.rpc_timeout);
  pb::ApplyReply reply;
  grpc::Status st = stub->Apply(&ctx, req, &reply);
  if (st.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
    spdlog::info("reconcile: Apply on base {} refused ({}), sending a full Sync", req.base_generation(),
                 st.error_message());
    return sync();
  }
  if (!st.ok()) {
    SetError(fmt::format("Apply to generation {} failed: {}", desired.generation, st.error_message()));
    std::lock_guard lock(mu_);
    WriteFailedLocked();  // we no longer know what the dataplane has
    return result;
  }
  result.delivered = true;
  result.port_errors = ErrorMap(reply.port_errors());
  {
    std::lock_guard lock(mu_);
    dp_generation_ = reply.generation();
    for (const auto& c : changes) {
      const std::string& port = c.has_upsert_port() ? c.upsert_port().name() : c.delete_port();
      if (c.has_upsert_port() || c.has_delete_port()) {
        dp_errors_.erase(port);
        kernel_errors_.erase(port);
      }
    }
    for (const auto& [port, msg] : result.port_errors) dp_errors_[port] = msg;
  }
  for (const auto& c : changes) {
    if (c.has_upsert_port()) ApplyTapKernel(c.upsert_port());
  }
  return result;
}

}  // namespace switchyard::controlplane
