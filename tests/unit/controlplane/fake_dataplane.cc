#include "fake_dataplane.h"

#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

namespace switchyard::controlplane::testing {

void FakeDataplane::Start() {
  {
    std::lock_guard lock(mu_);
    std::random_device rd;
    instance_id_ = "fake-" + std::to_string(++instances_) + "-" + std::to_string(rd());
    generation_ = 0;
    tenants_.clear();
    ports_.clear();
    next_hops_.clear();
  }
  stopping_ = false;
  unlink(socket_.c_str());
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket_, grpc::InsecureServerCredentials());
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
}

void FakeDataplane::Stop() {
  if (!server_) return;
  stopping_ = true;  // ends WatchEvents handlers
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  server_->Wait();
  server_.reset();
  unlink(socket_.c_str());
}

void FakeDataplane::FailPort(const std::string& name, const std::string& message) {
  std::lock_guard lock(mu_);
  fail_ports_[name] = message;
}

void FakeDataplane::ForceGeneration(uint64_t generation) {
  std::lock_guard lock(mu_);
  generation_ = generation;
}

FakeDataplane::Calls FakeDataplane::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

uint64_t FakeDataplane::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

std::string FakeDataplane::instance_id() const {
  std::lock_guard lock(mu_);
  return instance_id_;
}

std::set<std::string> FakeDataplane::port_names() const {
  std::lock_guard lock(mu_);
  std::set<std::string> out;
  for (const auto& [name, p] : ports_) out.insert(name);
  return out;
}

std::set<std::string> FakeDataplane::tenant_names() const {
  std::lock_guard lock(mu_);
  std::set<std::string> out;
  for (const auto& [name, t] : tenants_) out.insert(name);
  return out;
}

void FakeDataplane::UpsertPortLocked(const pb::Port& port,
                                     google::protobuf::RepeatedPtrField<pb::PortError>* errors) {
  if (auto it = fail_ports_.find(port.name()); it != fail_ports_.end()) {
    auto* e = errors->Add();
    e->set_port(port.name());
    e->set_message(it->second);
    ports_.erase(port.name());
    return;
  }
  ports_[port.name()] = port;
}

void FakeDataplane::FailNextWrites(int n, std::chrono::milliseconds stall) {
  std::lock_guard lock(mu_);
  fail_writes_ = n;
  fail_stall_ = stall;
}

bool FakeDataplane::FailThisWrite(std::unique_lock<std::mutex>& lock) {
  if (fail_writes_ == 0) return false;
  --fail_writes_;
  const auto stall = fail_stall_;
  lock.unlock();
  std::this_thread::sleep_for(stall);
  lock.lock();
  return true;
}

grpc::Status FakeDataplane::Sync(grpc::ServerContext*, const pb::SyncRequest* req, pb::SyncReply* reply) {
  std::unique_lock lock(mu_);
  ++calls_.sync;
  if (FailThisWrite(lock)) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stalled");
  tenants_.clear();
  ports_.clear();
  for (const auto& t : req->tenants()) tenants_[t.name()] = t;
  for (const auto& p : req->ports()) UpsertPortLocked(p, reply->mutable_port_errors());
  generation_ = req->generation();
  reply->set_generation(generation_);
  return grpc::Status::OK;
}

grpc::Status FakeDataplane::Apply(grpc::ServerContext*, const pb::ApplyRequest* req, pb::ApplyReply* reply) {
  std::unique_lock lock(mu_);
  ++calls_.apply;
  if (FailThisWrite(lock)) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stalled");
  if (req->base_generation() != generation_) {
    ++calls_.apply_refused;
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "at generation " + std::to_string(generation_) + ", not " +
                            std::to_string(req->base_generation()));
  }
  for (const auto& c : req->changes()) {
    if (c.has_upsert_tenant()) tenants_[c.upsert_tenant().name()] = c.upsert_tenant();
    if (c.has_delete_tenant()) tenants_.erase(c.delete_tenant());
    if (c.has_upsert_port()) UpsertPortLocked(c.upsert_port(), reply->mutable_port_errors());
    if (c.has_delete_port()) ports_.erase(c.delete_port());
  }
  generation_ = req->generation();
  reply->set_generation(generation_);
  return grpc::Status::OK;
}

grpc::Status FakeDataplane::GetState(grpc::ServerContext*, const pb::GetStateRequest*, pb::DataplaneState* out) {
  std::lock_guard lock(mu_);
  ++calls_.get_state;
  out->set_instance_id(instance_id_);
  out->set_generation(generation_);
  out->set_workers(2);
  out->set_version("fake");
  for (const auto& [name, t] : tenants_) *out->add_tenants() = t;
  uint32_t id = 0;
  for (const auto& [name, p] : ports_) {
    *out->add_ports() = p;
    auto* st = out->add_port_status();
    st->set_name(name);
    st->set_port_id(id++);
    st->set_link(pb::LINK_STATE_UP);
    st->set_driver("net_fake");
  }
  return grpc::Status::OK;
}

grpc::Status FakeDataplane::SetNextHops(grpc::ServerContext*, const pb::SetNextHopsRequest* req,
                                        pb::SetNextHopsReply*) {
  std::lock_guard lock(mu_);
  ++calls_.set_next_hops;
  next_hops_.clear();
  for (const auto& nh : req->next_hops()) next_hops_[nh.remote()] = nh;
  return grpc::Status::OK;
}

std::map<std::string, pb::NextHop> FakeDataplane::next_hops() const {
  std::lock_guard lock(mu_);
  return next_hops_;
}

grpc::Status FakeDataplane::GetStats(grpc::ServerContext*, const pb::GetStatsRequest*, pb::Stats* out) {
  out->add_ports()->set_port("p0");
  out->set_tsc_hz(1000000000);
  return grpc::Status::OK;
}

grpc::Status FakeDataplane::ListMacs(grpc::ServerContext*, const pb::ListMacsRequest* req, pb::ListMacsReply* out) {
  auto* m = out->add_macs();
  m->set_tenant(req->tenant().empty() ? "blue" : req->tenant());
  m->set_mac("02:00:00:00:00:01");
  m->set_port("p0");
  return grpc::Status::OK;
}

grpc::Status FakeDataplane::FlushMacs(grpc::ServerContext*, const pb::FlushMacsRequest*, pb::FlushMacsReply* out) {
  out->set_flushed(3);
  return grpc::Status::OK;
}

grpc::Status FakeDataplane::WatchEvents(grpc::ServerContext* ctx, const pb::WatchEventsRequest*,
                                        grpc::ServerWriter<pb::Event>* writer) {
  pb::Event hello;
  {
    std::lock_guard lock(mu_);
    ++calls_.watch;
    hello.mutable_hello()->set_instance_id(instance_id_);
    hello.mutable_hello()->set_generation(generation_);
  }
  if (!writer->Write(hello)) return grpc::Status::OK;
  while (!stopping_ && !ctx->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, "dataplane going away");
}

}  // namespace switchyard::controlplane::testing
