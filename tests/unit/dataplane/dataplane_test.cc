// The dataplane's own Sync / Apply / State, and the tracer's worker hand-off,
// on a real EAL with a worker lcore and real ring ports (a ring port's TX
// comes back on its RX; nothing here transmits but where said).

#include "core/dataplane.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rte_cycles.h>
#include <grpcpp/grpcpp.h>
#include <rte_eal.h>
#include <unistd.h>

#include <memory>
#include <set>
#include <string>

#include "api/dataplane_service.h"
#include "switchyard/rpc_limits.h"
#include "testing/fixtures.h"

namespace switchyard {
namespace {

using ::testing::HasSubstr;

v1::Port RingPort(const std::string& name, const std::string& tenant, uint32_t vlan = 0) {
  v1::Port p;
  p.set_name(name);
  p.set_kind(v1::PORT_KIND_RING);
  p.set_role(v1::PORT_ROLE_ACCESS);
  p.set_tenant(tenant);
  p.set_access_vlan(vlan);
  return p;
}

class DataplaneTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // lcore 0 runs the test, lcore 1 the worker (both may share a CPU).
    testing::InitEal("dataplane_test", 512, "0@0,1@0");
  }
  static void TearDownTestSuite() { rte_eal_cleanup(); }

  void SetUp() override {
    DataplaneOptions o;
    o.worker_lcores = {1};
    o.mac_capacity = 4096;
    o.mbufs = 4095;
    dp_ = std::make_unique<Dataplane>(o);
    dp_->Start();
  }
  void TearDown() override { dp_.reset(); }

  v1::SyncRequest Config(uint64_t generation) {
    v1::SyncRequest req;
    req.set_generation(generation);
    *req.add_tenants() = testing::MakeTenant("red", 1);
    *req.add_ports() = RingPort("a", "red");
    *req.add_ports() = RingPort("b", "red");
    return req;
  }
  uint32_t PortId(const std::string& name) {
    const v1::DataplaneState st = dp_->State();
    for (const auto& ps : st.port_status())
      if (ps.name() == name) return ps.port_id();
    return ~0u;
  }

  std::unique_ptr<Dataplane> dp_;
};

TEST_F(DataplaneTest, SyncThenIdenticalSyncChangesNothing) {
  v1::SyncReply r = dp_->Sync(Config(3));
  EXPECT_EQ(r.port_errors_size(), 0);
  EXPECT_EQ(r.changed(), 3u);
  EXPECT_EQ(r.generation(), 3u);
  const uint32_t a = PortId("a");
  r = dp_->Sync(Config(4));
  EXPECT_EQ(r.changed(), 0u) << "an identical configuration touches nothing";
  EXPECT_EQ(PortId("a"), a);
  v1::DataplaneState st = dp_->State();
  EXPECT_EQ(st.generation(), 4u);
  EXPECT_EQ(st.ports_size(), 2);
  EXPECT_EQ(st.tenants_size(), 1);
}

TEST_F(DataplaneTest, ApplyOnlyOnTopOfItsBaseAndInPlace) {
  dp_->Sync(Config(3));
  const uint32_t a = PortId("a");
  v1::ApplyRequest req;
  req.set_base_generation(2);
  req.set_generation(4);
  *req.add_changes()->mutable_upsert_port() = RingPort("a", "red", 30);
  v1::ApplyReply reply;
  auto refused = dp_->Apply(req, &reply);
  ASSERT_TRUE(refused.has_value());
  EXPECT_THAT(*refused, HasSubstr("at generation 3"));

  req.set_base_generation(3);
  EXPECT_FALSE(dp_->Apply(req, &reply).has_value());
  EXPECT_EQ(reply.generation(), 4u);
  EXPECT_EQ(PortId("a"), a) << "a VLAN change keeps the device";
  v1::DataplaneState st = dp_->State();
  for (const auto& p : st.ports()) {
    if (p.name() == "a") {
      EXPECT_EQ(p.access_vlan(), 30u);
    }
  }

  v1::ApplyRequest del;
  del.set_base_generation(4);
  del.set_generation(5);
  del.add_changes()->set_delete_port("b");
  *del.add_changes()->mutable_upsert_tenant() = testing::MakeTenant("blue", 2);
  EXPECT_FALSE(dp_->Apply(del, &reply).has_value());
  st = dp_->State();
  ASSERT_EQ(st.ports_size(), 1);
  EXPECT_EQ(st.ports(0).name(), "a");
  EXPECT_EQ(st.tenants_size(), 2);
}

TEST_F(DataplaneTest, ChangingTheDeviceRecreatesIt) {
  dp_->Sync(Config(3));
  v1::SyncRequest req = Config(4);
  req.mutable_ports(1)->set_kind(v1::PORT_KIND_NULL);
  v1::SyncReply r = dp_->Sync(req);
  EXPECT_EQ(r.port_errors_size(), 0);
  v1::DataplaneState st = dp_->State();
  for (const auto& ps : st.port_status()) {
    if (ps.name() == "b") {
      EXPECT_THAT(ps.driver(), HasSubstr("null"));
    }
  }
}

uint64_t RxPackets(Dataplane& dp, const std::string& port) {
  const v1::Stats st = dp.GetStats(v1::GetStatsRequest());
  for (const auto& p : st.ports())
    if (p.port() == port) return p.rx_packets();
  return 0;
}

// The dataplane does not rely on controld: a port whose devargs name a
// running port's device is refused, and the running port keeps its device
// and its worker. (A pci port on net_tap_f1 used to close f1's device while
// the worker polled it.) The live port is a null device, whose RX hands the
// worker frames (all-zero sources, dropped at parse) for as long as it is
// polled.
TEST_F(DataplaneTest, APortNamingAnotherPortsDeviceIsRefusedAndTheOtherRuns) {
  v1::SyncRequest req = Config(3);
  v1::Port live = RingPort("live", "red");
  live.set_kind(v1::PORT_KIND_NULL);
  *req.add_ports() = live;
  ASSERT_EQ(dp_->Sync(req).port_errors_size(), 0);
  const uint32_t pid = PortId("live");
  const uint32_t pid_a = PortId("a");

  v1::ApplyRequest add;
  add.set_base_generation(3);
  add.set_generation(4);
  for (const char* devargs : {"net_null_live", "eth_null_live"}) {
    v1::Port evil = RingPort(std::string("evil-") + devargs, "red");
    evil.set_kind(v1::PORT_KIND_PCI);
    evil.set_devargs(devargs);
    *add.add_changes()->mutable_upsert_port() = evil;
  }
  v1::ApplyReply reply;
  ASSERT_FALSE(dp_->Apply(add, &reply).has_value());
  EXPECT_EQ(reply.port_errors_size(), 2);
  for (const auto& e : reply.port_errors())
    EXPECT_THAT(e.message(), HasSubstr("port.devargs: pci ports take a PCI address")) << e.port();

  EXPECT_EQ(PortId("live"), pid);
  EXPECT_EQ(PortId("a"), pid_a);
  const v1::DataplaneState st = dp_->State();
  for (const auto& ps : st.port_status()) {
    if (ps.name() == "live") {
      EXPECT_EQ(ps.driver(), "net_null");
    }
  }
  const uint64_t before = RxPackets(*dp_, "live");
  for (int i = 0; i < 200 && RxPackets(*dp_, "live") <= before; ++i) rte_delay_ms(5);
  EXPECT_GT(RxPackets(*dp_, "live"), before) << "the worker no longer polls the live port";
}

// Two ring ports whose names share a 32-bit FNV-1a hash (0x6fbed7e2, once
// their device name) each get a device.
TEST_F(DataplaneTest, RingPortsWithCollidingNameHashesBothRun) {
  v1::SyncRequest req = Config(3);
  *req.add_ports() = RingPort("r66999", "red");
  *req.add_ports() = RingPort("r916676", "red");
  v1::SyncReply r = dp_->Sync(req);
  EXPECT_EQ(r.port_errors_size(), 0) << r.port_errors(0).message();
  EXPECT_NE(PortId("r66999"), ~0u);
  EXPECT_NE(PortId("r916676"), ~0u);
  EXPECT_NE(PortId("r66999"), PortId("r916676"));
  const v1::DataplaneState st = dp_->State();
  for (const auto& ps : st.port_status()) EXPECT_EQ(ps.driver(), "net_ring") << ps.name();
}

// The tracer's hand-off: the worker takes the job, runs the traced stages
// and answers; a dry run sends and learns nothing.
// ListMacs in pages: every entry exactly once over the pages, no page above
// its size, and bad paging arguments refused naming the field.
TEST_F(DataplaneTest, ListMacsInPages) {
  dp_->Sync(Config(3));
  const int n = 60;
  for (int i = 0; i < n; ++i) {
    v1::TraceRequest req;
    req.set_port("a");
    req.set_commit(true);
    std::string frame(60, '\0');
    const uint8_t head[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 1,
                            static_cast<uint8_t>(i), 0x08, 0x00};
    frame.replace(0, sizeof(head), reinterpret_cast<const char*>(head), sizeof(head));
    req.set_packet(frame);
    v1::TraceReply reply;
    ASSERT_FALSE(dp_->Trace(req, &reply).has_value());
  }
  std::set<std::string> seen;
  v1::ListMacsRequest req;
  req.set_page_size(7);
  int pages = 0;
  do {
    v1::ListMacsReply page;
    auto err = dp_->ListMacs(req, &page);
    ASSERT_FALSE(err.has_value()) << *err;
    EXPECT_LE(page.macs_size(), 7);
    for (const auto& m : page.macs()) EXPECT_TRUE(seen.insert(m.mac()).second) << m.mac();
    req.set_page_token(page.next_page_token());
    ASSERT_LT(++pages, 1000);
  } while (!req.page_token().empty());
  EXPECT_EQ(seen.size(), static_cast<size_t>(n));
  EXPECT_GE(pages, n / 7);

  v1::ListMacsReply page;
  req.set_page_token("b999999999");
  EXPECT_THAT(dp_->ListMacs(req, &page).value_or(""), HasSubstr("page_token: "));
  req.set_page_token("x1");
  EXPECT_THAT(dp_->ListMacs(req, &page).value_or(""), HasSubstr("page_token: "));
  req.clear_page_token();
  req.set_page_size(20001);
  EXPECT_THAT(dp_->ListMacs(req, &page).value_or(""),
              HasSubstr("page_size: must be at most 20000"));
}

// Each WatchEvents stream holds a server thread: past kMaxEventStreams a
// new one is refused, and a closed one frees its place.
TEST_F(DataplaneTest, EventStreamsAreBounded) {
  const std::string sock = "/tmp/dataplane_test_" + std::to_string(getpid()) + ".sock";
  DataplaneService service(dp_.get());
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + sock, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_TRUE(server);
  auto stub = v1::Dataplane::NewStub(
      grpc::CreateChannel("unix:" + sock, grpc::InsecureChannelCredentials()));
  struct Stream {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<v1::Event>> reader;
  };
  std::vector<std::unique_ptr<Stream>> open;
  for (int i = 0; i < kMaxEventStreams; ++i) {
    auto s = std::make_unique<Stream>();
    s->reader = stub->WatchEvents(&s->ctx, v1::WatchEventsRequest());
    v1::Event hello;
    ASSERT_TRUE(s->reader->Read(&hello)) << "stream " << i;
    EXPECT_TRUE(hello.has_hello());
    open.push_back(std::move(s));
  }
  {
    grpc::ClientContext ctx;
    auto reader = stub->WatchEvents(&ctx, v1::WatchEventsRequest());
    v1::Event e;
    EXPECT_FALSE(reader->Read(&e));
    grpc::Status st = reader->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_THAT(st.error_message(), HasSubstr("too many event streams"));
  }
  // Close one: a new stream is served again.
  open.back()->ctx.TryCancel();
  open.back()->reader->Finish();
  open.pop_back();
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    grpc::ClientContext ctx;
    auto reader = stub->WatchEvents(&ctx, v1::WatchEventsRequest());
    v1::Event e;
    served = reader->Read(&e) && e.has_hello();
    ctx.TryCancel();
    reader->Finish();
    if (!served) rte_delay_ms(20);
  }
  EXPECT_TRUE(served);
  for (auto& s : open) s->ctx.TryCancel();
  for (auto& s : open) s->reader->Finish();
  service.Shutdown();
  server->Shutdown();
  unlink(sock.c_str());
}

TEST_F(DataplaneTest, TraceInjectRunsOnTheWorker) {
  dp_->Sync(Config(3));
  v1::TraceRequest req;
  req.set_port("a");
  std::string frame(60, '\0');
  const uint8_t head[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00};
  frame.replace(0, sizeof(head), reinterpret_cast<const char*>(head), sizeof(head));
  req.set_packet(frame);
  v1::TraceReply reply;
  auto err = dp_->Trace(req, &reply);
  ASSERT_FALSE(err.has_value()) << err->message;
  ASSERT_EQ(reply.bursts_size(), 1);
  ASSERT_EQ(reply.bursts(0).packets_size(), 1);
  std::string steps;
  for (const auto& s : reply.bursts(0).packets(0).steps()) steps += s.stage() + ": " + s.verdict() + "\n";
  EXPECT_THAT(steps, HasSubstr("vlan: access port a, untagged -> tenant red"));
  EXPECT_THAT(steps, HasSubstr("would be learned on a (dry run)"));
  EXPECT_THAT(steps, HasSubstr("egress: flood to b (untagged)"));
  ASSERT_EQ(reply.bursts(0).tx_size(), 1);
  EXPECT_EQ(reply.bursts(0).tx(0).verdict(), "b: 1 packet not sent (dry run)");
  v1::ListMacsReply macs;
  ASSERT_FALSE(dp_->ListMacs(v1::ListMacsRequest(), &macs).has_value());
  EXPECT_EQ(macs.macs_size(), 0);
  v1::Stats stats = dp_->GetStats(v1::GetStatsRequest());
  for (const auto& p : stats.ports()) EXPECT_EQ(p.rx_packets(), 0u) << p.port();

  // Committed on a tenant's only port: learned, then nowhere to flood.
  v1::SyncRequest solo = Config(4);
  *solo.add_tenants() = testing::MakeTenant("blue", 2);
  *solo.add_ports() = RingPort("c", "blue");
  dp_->Sync(solo);
  req.set_port("c");
  req.set_commit(true);
  reply.Clear();
  ASSERT_FALSE(dp_->Trace(req, &reply).has_value());
  macs.Clear();
  ASSERT_FALSE(dp_->ListMacs(v1::ListMacsRequest(), &macs).has_value());
  EXPECT_EQ(macs.macs_size(), 1);
  EXPECT_THAT(reply.bursts(0).packets(0).steps(4).verdict(), HasSubstr("drop: flood_no_ports"));

  v1::TraceRequest bad;
  bad.set_port("nosuch");
  bad.set_packet(frame);
  auto e = dp_->Trace(bad, &reply);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, Dataplane::TraceError::kNotFound);
  bad.set_port("a");
  bad.set_capture(3);
  e = dp_->Trace(bad, &reply);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, Dataplane::TraceError::kInvalidArgument);
}

}  // namespace
}  // namespace switchyard
