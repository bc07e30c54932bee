// The Control service through a real gRPC channel, backed by a real
// SqliteStore, the real kernel and (where a dataplane matters) the fake
// dataplane.

#include <chrono>
#include <memory>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "api/control_service.h"
#include "core/controller.h"
#include "fake_dataplane.h"
#include "kernel/netlink_kernel.h"
#include "store/sqlite_store.h"
#include "switchyard/v1/control.grpc.pb.h"
#include "test_util.h"

namespace switchyard::controlplane {
namespace {

using namespace std::chrono_literals;
using grpc::StatusCode;
using testing::Eventually;
using testing::FakeDataplane;
using testing::TempDir;

// One running controld, in-process.
class Daemon {
 public:
  Daemon(const TempDir& dir) : dir_(dir) {
    EXPECT_TRUE(SqliteStore::Open(dir.path("s.db"), store_).ok());
    controller_ = std::make_unique<Controller>(*store_, kernel_,
                                               Controller::Options{dir.path("dp.sock"), 100ms, 5000ms});
    EXPECT_TRUE(controller_->Init().ok());
    service_ = std::make_unique<ControlService>(*controller_);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + dir.path("c.sock"), grpc::InsecureServerCredentials());
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    controller_->Start();
    stub_ = pb::Control::NewStub(grpc::CreateChannel("unix:" + dir.path("c.sock"), grpc::InsecureChannelCredentials()));
  }
  ~Daemon() {
    server_->Shutdown(std::chrono::system_clock::now() + 1s);
    controller_->Stop();
  }
  pb::Control::Stub& stub() { return *stub_; }
  Controller& controller() { return *controller_; }

  // What is on disk right now, read through a second connection.
  DesiredState OnDisk() {
    std::unique_ptr<SqliteStore> reader;
    EXPECT_TRUE(SqliteStore::Open(dir_.path("s.db"), reader).ok());
    DesiredState state;
    EXPECT_TRUE(reader->Load(state).ok());
    return state;
  }

 private:
  const TempDir& dir_;
  std::unique_ptr<SqliteStore> store_;
  NetlinkKernel kernel_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<ControlService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::Control::Stub> stub_;
};

class ControlServiceTest : public ::testing::Test {
 protected:
  grpc::Status CreateTenant(const std::string& name, uint32_t id = 0, uint32_t vlan = 0, pb::Tenant* out = nullptr) {
    grpc::ClientContext ctx;
    pb::CreateTenantRequest req;
    req.mutable_tenant()->set_name(name);
    req.mutable_tenant()->set_id(id);
    req.mutable_tenant()->set_vlan(vlan);
    pb::Tenant reply;
    auto st = daemon_->stub().CreateTenant(&ctx, req, &reply);
    if (out) *out = reply;
    return st;
  }
  grpc::Status CreatePort(const pb::Port& port, pb::PortView* out = nullptr) {
    grpc::ClientContext ctx;
    pb::CreatePortRequest req;
    *req.mutable_port() = port;
    pb::PortView reply;
    auto st = daemon_->stub().CreatePort(&ctx, req, &reply);
    if (out) *out = reply;
    return st;
  }
  grpc::Status DeleteTenant(const std::string& name) {
    grpc::ClientContext ctx;
    pb::DeleteTenantRequest req;
    req.set_name(name);
    pb::DeleteReply reply;
    return daemon_->stub().DeleteTenant(&ctx, req, &reply);
  }
  grpc::Status DeletePort(const std::string& name) {
    grpc::ClientContext ctx;
    pb::DeletePortRequest req;
    req.set_name(name);
    pb::DeleteReply reply;
    return daemon_->stub().DeletePort(&ctx, req, &reply);
  }
  static pb::Port RingPort(const std::string& name, const std::string& tenant = "blue") {
    pb::Port p;
    p.set_name(name);
    p.set_kind(pb::PORT_KIND_RING);
    p.set_role(pb::PORT_ROLE_ACCESS);
    p.set_tenant(tenant);
    return p;
  }

  TempDir dir_;
  FakeDataplane fake_{dir_.path("dp.sock")};
  std::unique_ptr<Daemon> daemon_ = std::make_unique<Daemon>(dir_);
};

TEST_F(ControlServiceTest, TenantLifecycle) {
  pb::Tenant t;
  ASSERT_TRUE(CreateTenant("blue", 0, 0, &t).ok());
  EXPECT_EQ(t.id(), 1u);
  EXPECT_EQ(t.generation(), 1u);
  ASSERT_TRUE(CreateTenant("red", 0, 20, &t).ok());
  EXPECT_EQ(t.id(), 2u);

  grpc::ClientContext list_ctx;
  pb::ListTenantsReply list;
  ASSERT_TRUE(daemon_->stub().ListTenants(&list_ctx, pb::ListTenantsRequest(), &list).ok());
  ASSERT_EQ(list.tenants_size(), 2);

  grpc::ClientContext get_ctx;
  pb::GetTenantRequest get;
  get.set_name("red");
  ASSERT_TRUE(daemon_->stub().GetTenant(&get_ctx, get, &t).ok());
  EXPECT_EQ(t.vlan(), 20u);

  EXPECT_TRUE(DeleteTenant("red").ok());
  auto st = DeleteTenant("red");
  EXPECT_EQ(st.error_code(), StatusCode::NOT_FOUND);
  EXPECT_NE(st.error_message().find("red"), std::string::npos);

  DesiredState disk = daemon_->OnDisk();
  EXPECT_EQ(disk.generation, 3u);
  EXPECT_EQ(disk.tenants.size(), 1u);
}

TEST_F(ControlServiceTest, ErrorCodesAndFailedRequestsChangeNothing) {
  ASSERT_TRUE(CreateTenant("blue", 5, 100).ok());
  ASSERT_TRUE(CreatePort(RingPort("r0")).ok());
  const DesiredState before = daemon_->OnDisk();

  auto st = CreateTenant("blue");
  EXPECT_EQ(st.error_code(), StatusCode::ALREADY_EXISTS);
  EXPECT_NE(st.error_message().find("tenant.name"), std::string::npos);
  st = CreateTenant("green", 5);
  EXPECT_EQ(st.error_code(), StatusCode::ALREADY_EXISTS);
  EXPECT_NE(st.error_message().find("tenant.id"), std::string::npos);
  st = CreateTenant("green", 0, 4095);
  EXPECT_EQ(st.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("tenant.vlan"), std::string::npos);

  pb::Port bad = RingPort("r1");
  bad.set_access_vlan(5000);
  st = CreatePort(bad);
  EXPECT_EQ(st.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "port.access_vlan: must be 0 or 1..4094, got 5000");
  st = CreatePort(RingPort("r0"));
  EXPECT_EQ(st.error_code(), StatusCode::ALREADY_EXISTS);
  st = CreatePort(RingPort("r1", "nope"));
  EXPECT_EQ(st.error_code(), StatusCode::NOT_FOUND);
  EXPECT_NE(st.error_message().find("port.tenant"), std::string::npos);

  pb::Port raw;
  raw.set_name("raw0");
  raw.set_kind(pb::PORT_KIND_AF_PACKET);
  raw.set_iface("sy-missing0");
  raw.set_role(pb::PORT_ROLE_UPLINK);
  st = CreatePort(raw);
  EXPECT_EQ(st.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("port.iface"), std::string::npos);

  pb::Port tap = RingPort("tap0");
  tap.set_kind(pb::PORT_KIND_TAP);
  tap.mutable_tap()->set_netns("sy-missing-ns");
  st = CreatePort(tap);
  EXPECT_EQ(st.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("port.tap.netns"), std::string::npos);

  st = DeleteTenant("blue");
  EXPECT_EQ(st.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("r0"), std::string::npos);
  EXPECT_EQ(DeletePort("nope").error_code(), StatusCode::NOT_FOUND);

  const DesiredState after = daemon_->OnDisk();
  EXPECT_EQ(after.generation, before.generation);
  EXPECT_EQ(after.tenants.size(), before.tenants.size());
  EXPECT_EQ(after.ports.size(), before.ports.size());
}

TEST_F(ControlServiceTest, PortLifecycleWithoutDataplane) {
  ASSERT_TRUE(CreateTenant("blue").ok());
  pb::PortView view;
  pb::Port tap = RingPort("tap0");
  tap.set_kind(pb::PORT_KIND_TAP);
  ASSERT_TRUE(CreatePort(tap, &view).ok());
  EXPECT_EQ(view.port().iface(), "tap0");  // defaulted
  EXPECT_EQ(view.port().generation(), 2u);
  EXPECT_FALSE(view.has_status());

  grpc::ClientContext ctx;
  pb::ListPortsReply list;
  ASSERT_TRUE(daemon_->stub().ListPorts(&ctx, pb::ListPortsRequest(), &list).ok());
  ASSERT_EQ(list.ports_size(), 1);

  EXPECT_TRUE(DeletePort("tap0").ok());
  EXPECT_TRUE(DeleteTenant("blue").ok());
  EXPECT_EQ(daemon_->OnDisk().generation, 4u);
}

TEST_F(ControlServiceTest, LiveReadsWithoutDataplaneAreUnavailable) {
  grpc::ClientContext ctx;
  pb::ListMacsReply macs;
  auto st = daemon_->stub().ListMacs(&ctx, pb::ListMacsRequest(), &macs);
  EXPECT_EQ(st.error_code(), StatusCode::UNAVAILABLE);
  EXPECT_EQ(st.error_message(), "dataplane not connected (socket " + dir_.path("dp.sock") + ")");

  grpc::ClientContext status_ctx;
  pb::Status status;
  ASSERT_TRUE(daemon_->stub().GetStatus(&status_ctx, pb::GetStatusRequest(), &status).ok());
  EXPECT_FALSE(status.dataplane().connected());
  EXPECT_EQ(status.dataplane().socket(), dir_.path("dp.sock"));
  EXPECT_EQ(status.db(), dir_.path("s.db"));
}

TEST_F(ControlServiceTest, ChangesReachTheDataplane) {
  fake_.Start();
  ASSERT_TRUE(Eventually([&] { return daemon_->controller().reconciler().GetSnapshot().connected; }));
  ASSERT_TRUE(CreateTenant("blue").ok());
  pb::PortView view;
  ASSERT_TRUE(CreatePort(RingPort("r0"), &view).ok());
  EXPECT_EQ(fake_.port_names(), std::set<std::string>{"r0"});
  EXPECT_EQ(fake_.generation(), 2u);
  EXPECT_EQ(view.status().link(), pb::LINK_STATE_UP);

  grpc::ClientContext macs_ctx;
  pb::ListMacsReply macs;
  ASSERT_TRUE(daemon_->stub().ListMacs(&macs_ctx, pb::ListMacsRequest(), &macs).ok());
  EXPECT_EQ(macs.macs_size(), 1);
  grpc::ClientContext flush_ctx;
  pb::FlushMacsReply flushed;
  ASSERT_TRUE(daemon_->stub().FlushMacs(&flush_ctx, pb::FlushMacsRequest(), &flushed).ok());
  EXPECT_EQ(flushed.flushed(), 3u);

  grpc::ClientContext status_ctx;
  pb::Status status;
  ASSERT_TRUE(daemon_->stub().GetStatus(&status_ctx, pb::GetStatusRequest(), &status).ok());
  EXPECT_TRUE(status.dataplane().connected());
  EXPECT_TRUE(status.dataplane().in_sync());
  EXPECT_EQ(status.dataplane().instance_id(), fake_.instance_id());
  EXPECT_EQ(status.dataplane().ports_up(), 1u);
  EXPECT_EQ(status.generation(), 2u);
  EXPECT_EQ(status.tenants(), 1u);

  ASSERT_TRUE(DeletePort("r0").ok());
  EXPECT_TRUE(fake_.port_names().empty());
}

TEST_F(ControlServiceTest, DataplaneRefusalRollsBack) {
  fake_.FailPort("bad", "boom");
  fake_.Start();
  ASSERT_TRUE(Eventually([&] { return daemon_->controller().reconciler().GetSnapshot().connected; }));
  ASSERT_TRUE(CreateTenant("blue").ok());
  auto st = CreatePort(RingPort("bad"));
  EXPECT_EQ(st.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(st.error_message(), "dataplane could not add port bad: boom");
  EXPECT_FALSE(daemon_->OnDisk().ports.count("bad"));
  EXPECT_TRUE(fake_.port_names().empty());
  EXPECT_EQ(fake_.generation(), daemon_->OnDisk().generation);
  grpc::ClientContext ctx;
  pb::GetPortRequest get;
  get.set_name("bad");
  pb::PortView view;
  EXPECT_EQ(daemon_->stub().GetPort(&ctx, get, &view).error_code(), StatusCode::NOT_FOUND);
}

TEST_F(ControlServiceTest, RestartKeepsStateAndChangesNothingOnTheWire) {
  fake_.Start();
  ASSERT_TRUE(CreateTenant("blue").ok());
  ASSERT_TRUE(Eventually([&] { return fake_.generation() == 1; }));
  ASSERT_TRUE(CreatePort(RingPort("r0")).ok());
  auto calls = fake_.calls();

  daemon_.reset();  // controld stops
  daemon_ = std::make_unique<Daemon>(dir_);
  ASSERT_TRUE(Eventually([&] { return daemon_->controller().reconciler().GetSnapshot().connected; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(fake_.calls().sync, calls.sync);
  EXPECT_EQ(fake_.calls().apply, calls.apply);

  grpc::ClientContext ctx;
  pb::ListPortsReply list;
  ASSERT_TRUE(daemon_->stub().ListPorts(&ctx, pb::ListPortsRequest(), &list).ok());
  ASSERT_EQ(list.ports_size(), 1);
  EXPECT_EQ(list.ports(0).port().name(), "r0");
  EXPECT_EQ(list.ports(0).status().driver(), "net_fake");
}

}  // namespace
}  // namespace switchyard::controlplane
