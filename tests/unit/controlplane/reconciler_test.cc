// The reconciler against an in-process fake dataplane on a unix socket.

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "fake_dataplane.h"
#include "reconcile/reconciler.h"
#include "test_util.h"

namespace switchyard::controlplane {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::FakeDataplane;
using testing::TempDir;

class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest() : fake_(dir_.path("dp.sock")) {
    // Desired state at generation 2: one tenant, one port.
    pb::Change t;
    t.mutable_upsert_tenant()->set_name("blue");
    t.mutable_upsert_tenant()->set_id(1);
    t.mutable_upsert_tenant()->set_generation(1);
    ApplyChange(desired_, t);
    ApplyChange(desired_, PortChange("p0", 2));
    desired_.generation = 2;
  }
  ~ReconcilerTest() override {
    if (reconciler_) reconciler_->Stop();
  }

  static pb::Change PortChange(const std::string& name, uint64_t gen) {
    pb::Change c;
    auto* p = c.mutable_upsert_port();
    p->set_name(name);
    p->set_kind(pb::PORT_KIND_RING);
    p->set_role(pb::PORT_ROLE_ACCESS);
    p->set_tenant("blue");
    p->set_generation(gen);
    return c;
  }

  std::unique_ptr<Reconciler> MakeReconciler() {
    return std::make_unique<Reconciler>(
        Reconciler::Options{dir_.path("dp.sock"), 100ms, 5000ms}, nullptr,
        [this](const std::function<void(const DesiredState&)>& fn) {
          std::lock_guard lock(mu_);
          fn(desired_);
        });
  }

  void StartReconciler() {
    reconciler_ = MakeReconciler();
    reconciler_->Start();
  }

  // What a controller mutation does: change desired, then push, under mu_.
  Reconciler::PushResult Mutate(const pb::Change& change) {
    std::lock_guard lock(mu_);
    ApplyChange(desired_, change);
    desired_.generation += 1;
    return reconciler_->Push(desired_, {change});
  }

  bool InSync() {
    return fake_.generation() == desired_.generation && reconciler_->GetSnapshot().generation == desired_.generation;
  }

  TempDir dir_;
  FakeDataplane fake_;
  std::mutex mu_;
  DesiredState desired_;
  std::unique_ptr<Reconciler> reconciler_;
};

TEST_F(ReconcilerTest, FullSyncOnConnect) {
  fake_.Start();
  StartReconciler();
  ASSERT_TRUE(Eventually([&] { return fake_.calls().sync == 1 && InSync(); }));
  EXPECT_EQ(fake_.port_names(), std::set<std::string>{"p0"});
  EXPECT_EQ(fake_.tenant_names(), std::set<std::string>{"blue"});
  auto snap = reconciler_->GetSnapshot();
  EXPECT_TRUE(snap.connected);
  EXPECT_EQ(snap.instance_id, fake_.instance_id());
  EXPECT_EQ(snap.full_syncs, 1u);
}

TEST_F(ReconcilerTest, ConnectsWhenDataplaneComesUpLater) {
  StartReconciler();
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(reconciler_->GetSnapshot().connected);
  EXPECT_EQ(reconciler_->NotConnected().code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(reconciler_->NotConnected().message().find(dir_.path("dp.sock")), std::string::npos);
  fake_.Start();
  ASSERT_TRUE(Eventually([&] { return InSync(); }, 2000ms));
}

TEST_F(ReconcilerTest, NoSyncWhenDataplaneAlreadyHasDesiredGeneration) {
  fake_.Start();
  StartReconciler();
  ASSERT_TRUE(Eventually([&] { return InSync(); }));
  // A controld restart: a new reconciler that has never seen this instance.
  reconciler_->Stop();
  StartReconciler();
  ASSERT_TRUE(Eventually([&] { return reconciler_->GetSnapshot().connected; }));
  std::this_thread::sleep_for(300ms);
  auto calls = fake_.calls();
  EXPECT_EQ(calls.sync, 1);
  EXPECT_EQ(calls.apply, 0);
  EXPECT_EQ(calls.watch, 2);
  EXPECT_EQ(reconciler_->GetSnapshot().full_syncs, 0u);
}

TEST_F(ReconcilerTest, ResyncsWhenDataplaneRestartsWithNewInstance) {
  fake_.Start();
  StartReconciler();
  ASSERT_TRUE(Eventually([&] { return InSync(); }));
  std::string first = fake_.instance_id();

  fake_.Stop();
  ASSERT_TRUE(Eventually([&] { return !reconciler_->GetSnapshot().connected; }));
  auto restarted = std::chrono::steady_clock::now();
  fake_.Start();  // empty, generation 0, new instance id
  ASSERT_NE(fake_.instance_id(), first);
  ASSERT_TRUE(Eventually([&] { return fake_.calls().sync == 2 && InSync(); }, 2000ms));
  // Re-programmed well within a second.
  EXPECT_LT(std::chrono::steady_clock::now() - restarted, 1000ms);
  EXPECT_EQ(fake_.port_names(), std::set<std::string>{"p0"});
  EXPECT_EQ(reconciler_->GetSnapshot().instance_id, fake_.instance_id());
}

TEST_F(ReconcilerTest, PushSendsDeltaOnTopOfDataplaneGeneration) {
  fake_.Start();
  StartReconciler();
  ASSERT_TRUE(Eventually([&] { return InSync(); }));
  auto result = Mutate(PortChange("p1", 3));
  EXPECT_TRUE(result.delivered);
  EXPECT_TRUE(result.port_errors.empty());
  auto calls = fake_.calls();
  EXPECT_EQ(calls.apply, 1);
  EXPECT_EQ(calls.sync, 1);
  EXPECT_EQ(fake_.generation(), 3u);
  EXPECT_EQ(fake_.port_names(), (std::set<std::string>{"p0", "p1"}));
}

TEST_F(ReconcilerTest, ApplyBaseMismatchFallsBackToFullSync) {
  fake_.Start();
  StartReconciler();
  ASSERT_TRUE(Eventually([&] { return InSync(); }));
  fake_.ForceGeneration(7);  // someone else moved it
  auto result = Mutate(PortChange("p1", 3));
  EXPECT_TRUE(result.delivered);
  auto calls = fake_.calls();
  EXPECT_EQ(calls.apply_refused, 1);
  EXPECT_EQ(calls.sync, 2);
  EXPECT_EQ(fake_.generation(), 3u);
  EXPECT_EQ(fake_.port_names(), (std::set<std::string>{"p0", "p1"}));
}

TEST_F(ReconcilerTest, PushWhileDisconnectedIsDeliveredAtNextConnect) {
  StartReconciler();
  auto result = Mutate(PortChange("p1", 3));
  EXPECT_FALSE(result.delivered);
  fake_.Start();
  ASSERT_TRUE(Eventually([&] { return InSync(); }));
  EXPECT_EQ(fake_.port_names(), (std::set<std::string>{"p0", "p1"}));
  EXPECT_EQ(fake_.calls().apply, 0);
}

// An Apply that times out (the dataplane hangs) is repaired with full Syncs
// and backoff, with no further mutation to trigger them; meanwhile the
// snapshot says out of sync, with the error.
TEST_F(ReconcilerTest, FailedApplyIsRetriedWithBackoffUntilInSync) {
  fake_.Start();
  reconciler_ = std::make_unique<Reconciler>(
      Reconciler::Options{dir_.path("dp.sock"), 100ms, 300ms, 1000ms}, nullptr,
      [this](const std::function<void(const DesiredState&)>& fn) {
        std::lock_guard lock(mu_);
        fn(desired_);
      });
  reconciler_->Start();
  ASSERT_TRUE(Eventually([&] { return InSync(); }));
  // The Apply and the first two repair Syncs hang past the 300 ms deadline.
  fake_.FailNextWrites(3, 400ms);
  auto result = Mutate(PortChange("p1", 3));
  EXPECT_FALSE(result.delivered);
  auto snap = reconciler_->GetSnapshot();
  EXPECT_TRUE(snap.out_of_sync);
  EXPECT_EQ(snap.failed_attempts, 1u);
  EXPECT_NE(snap.last_error.find("Apply to generation 3 failed"), std::string::npos) << snap.last_error;
  EXPECT_GT(snap.next_retry_ms, 0);
  EXPECT_LE(snap.next_retry_ms, 100);
  ASSERT_TRUE(Eventually([&] { return reconciler_->GetSnapshot().failed_attempts >= 2; }, 3000ms));
  ASSERT_TRUE(Eventually([&] { return InSync(); }, 5000ms));
  snap = reconciler_->GetSnapshot();
  EXPECT_FALSE(snap.out_of_sync);
  EXPECT_EQ(snap.failed_attempts, 0u);
  EXPECT_EQ(fake_.port_names(), (std::set<std::string>{"p0", "p1"}));
  // One initial Sync, two that hung, the one that worked; nothing since.
  EXPECT_EQ(fake_.calls().sync, 4);
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(fake_.calls().sync, 4);
}

TEST_F(ReconcilerTest, RecordsPortErrors) {
  fake_.FailPort("bad", "no such device");
  fake_.Start();
  StartReconciler();
  ASSERT_TRUE(Eventually([&] { return InSync(); }));
  auto result = Mutate(PortChange("bad", 3));
  EXPECT_TRUE(result.delivered);
  ASSERT_EQ(result.port_errors.count("bad"), 1u);
  EXPECT_EQ(reconciler_->GetSnapshot().port_errors.at("bad"), "no such device");

  pb::Change del;
  del.set_delete_port("bad");
  Mutate(del);
  EXPECT_EQ(reconciler_->GetSnapshot().port_errors.count("bad"), 0u);
}

}  // namespace
}  // namespace switchyard::controlplane
