// The etcd store and the fleet against a real etcd (Debian's etcd-server),
// started by the test on loopback with a temp data dir and ports of its own:
// the key layout, the Txn compares that keep hosts from overwriting each
// other, the watch, computed flood lists, lease expiry and the re-read after
// a compaction.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "core/controller.h"
#include "fleet/etcd_client.h"
#include "fleet/etcd_store.h"
#include "fleet/fleet.h"
#include "kernel/netlink_kernel.h"
#include "test_util.h"

namespace switchyard::controlplane {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::TempDir;

// One etcd member on 127.0.0.1, ports from the pid (tests run in parallel).
class Etcd {
 public:
  Etcd() {
    const int port = 21000 + (getpid() % 4000) * 2;
    endpoint_ = "127.0.0.1:" + std::to_string(port);
    pid_ = fork();
    if (pid_ == 0) {
      const std::string client = "http://" + endpoint_, peer = "http://127.0.0.1:" + std::to_string(port + 1);
      freopen((dir_.path("etcd.log")).c_str(), "w", stderr);
      execl("/usr/bin/etcd", "etcd", "--name", "t", "--data-dir", dir_.path("data").c_str(), "--listen-client-urls",
            client.c_str(), "--advertise-client-urls", client.c_str(), "--listen-peer-urls", peer.c_str(),
            "--initial-advertise-peer-urls", peer.c_str(), "--initial-cluster", ("t=" + peer).c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    // A client that connects before etcd serves waits out gRPC's connect
    // timeout: first the log line, then a call.
    up_ = Eventually(
        [&] {
          std::ifstream log(dir_.path("etcd.log"));
          std::stringstream text;
          text << log.rdbuf();
          return text.str().find("ready to serve client requests") != std::string::npos;
        },
        20s);
    EtcdClient probe({endpoint_}, 2000ms);
    etcdpb::RangeResponse r;
    up_ = up_ && Eventually([&] { return probe.RangePrefix("/", 0, r).ok(); }, 20s);
  }
  ~Etcd() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  bool up() const { return up_; }
  const std::string& endpoint() const { return endpoint_; }

 private:
  TempDir dir_;
  std::string endpoint_;
  pid_t pid_ = -1;
  bool up_ = false;
};

pb::Change Tenant(const std::string& name, uint32_t id, uint32_t vni) {
  pb::Change c;
  c.mutable_upsert_tenant()->set_name(name);
  c.mutable_upsert_tenant()->set_id(id);
  c.mutable_upsert_tenant()->set_vni(vni);
  return c;
}

pb::Change AccessPort(const std::string& name, const std::string& tenant) {
  pb::Change c;
  auto* p = c.mutable_upsert_port();
  p->set_name(name);
  p->set_kind(pb::PORT_KIND_TAP);
  p->set_iface(name);
  p->set_role(pb::PORT_ROLE_ACCESS);
  p->set_tenant(tenant);
  return c;
}

pb::Change VtepPort(const std::string& ip) {
  pb::Change c;
  auto* p = c.mutable_upsert_port();
  p->set_name("up0");
  p->set_kind(pb::PORT_KIND_AF_PACKET);
  p->set_iface("eth0");
  p->set_role(pb::PORT_ROLE_UPLINK);
  p->set_vtep_ip(ip + "/24");
  return c;
}

Status Commit(Store& store, std::vector<pb::Change> changes, uint64_t* generation = nullptr) {
  uint64_t g = 1;
  Status st = store.Commit(changes, g);
  if (generation) *generation = g;
  return st;
}

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/usr/bin/etcd", X_OK) != 0) GTEST_FAIL() << "etcd not installed (tools/setup.sh: etcd-server)";
    etcd_ = std::make_unique<Etcd>();
    ASSERT_TRUE(etcd_->up()) << "etcd did not start on " << etcd_->endpoint();
    client_ = std::make_unique<EtcdClient>(std::vector<std::string>{etcd_->endpoint()}, 2000ms);
  }
  std::unique_ptr<EtcdStore> StoreOf(const std::string& host) {
    auto s = std::make_unique<EtcdStore>(*client_, FleetKeys(host));
    DesiredState ignored;
    EXPECT_TRUE(s->Load(ignored).ok());
    return s;
  }

  std::unique_ptr<Etcd> etcd_;
  std::unique_ptr<EtcdClient> client_;
};

TEST(EtcdUrl, NamesWhatIsWrong) {
  std::vector<std::string> eps;
  ASSERT_TRUE(ParseEtcdUrl("etcd://127.0.0.1:2379,127.0.0.2:2379", eps).ok());
  EXPECT_EQ(eps, (std::vector<std::string>{"127.0.0.1:2379", "127.0.0.2:2379"}));
  ASSERT_TRUE(ParseEtcdUrl("etcd://etcd.example:2379", eps).ok());
  EXPECT_NE(ParseEtcdUrl("http://127.0.0.1:2379", eps).message().find("must be etcd://"), std::string::npos);
  EXPECT_NE(ParseEtcdUrl("etcd://127.0.0.1", eps).message().find("HOST:PORT"), std::string::npos);
  EXPECT_NE(ParseEtcdUrl("etcd://127.0.0.1:99999", eps).message().find("port must be"), std::string::npos);
  EXPECT_NE(ParseEtcdUrl("etcd://a;b:1", eps).message().find("host must be"), std::string::npos);
  EXPECT_NE(ParseEtcdUrl("etcd://a.example:1,127.0.0.1:2", eps).message().find("IPV4:PORT"), std::string::npos);
  EXPECT_FALSE(CheckHostName("a/b").ok());
  EXPECT_FALSE(CheckHostName("..").ok());
  EXPECT_TRUE(CheckHostName("rack7-host12.dc1").ok());
}

TEST(FleetKeys, EveryKindRoundTrips) {
  FleetKeys keys("h1");
  pb::Change limit;
  limit.mutable_upsert_limit()->set_name("port/vm1/in");
  limit.mutable_upsert_limit()->set_port("vm1");
  for (const pb::Change& c : {Tenant("red", 1, 5), AccessPort("vm1", "red"), limit}) {
    const std::string key = keys.KeyOf(c);
    pb::Change back;
    std::string blob = c.has_upsert_tenant() ? c.upsert_tenant().SerializeAsString()
                       : c.has_upsert_port() ? c.upsert_port().SerializeAsString()
                                             : c.upsert_limit().SerializeAsString();
    ASSERT_TRUE(keys.ChangeOf(key, blob, false, back)) << key;
    EXPECT_EQ(back.SerializeAsString(), c.SerializeAsString()) << key;
  }
  EXPECT_EQ(keys.KeyOf(limit), "/switchyard/hosts/h1/limits/port/vm1/in");
  pb::Change c;
  EXPECT_FALSE(keys.ChangeOf("/switchyard/hosts/h2/ports/vm1", "", true, c));  // another host's
  EXPECT_FALSE(keys.ChangeOf(keys.Lease(), "1", false, c));
  EXPECT_FALSE(keys.ChangeOf("/switchyard/hosts/h1/ports/vm1", "\xff\xff", false, c));  // does not parse
  std::string tenant, host;
  ASSERT_TRUE(keys.ParseMember("/switchyard/members/red/h2", tenant, host));
  EXPECT_EQ(tenant + " " + host, "red h2");
  EXPECT_FALSE(keys.ParseMember("/switchyard/members/red/h2/x", tenant, host));
}

TEST_F(FleetTest, TenantsAreSharedPortsStayWithTheirHost) {
  auto a = StoreOf("a");
  uint64_t g1 = 0, g2 = 0;
  ASSERT_TRUE(Commit(*a, {Tenant("red", 1, 5001)}, &g1).ok());
  ASSERT_TRUE(Commit(*a, {AccessPort("vm1", "red")}, &g2).ok());
  EXPECT_GT(g2, g1);  // etcd's revisions, not the proposed 1

  DesiredState b;
  EtcdStore store_b(*client_, FleetKeys("b"));
  ASSERT_TRUE(store_b.Load(b).ok());
  ASSERT_EQ(b.tenants.count("red"), 1u);
  EXPECT_EQ(b.tenants["red"].generation(), g1);  // the key's mod revision
  EXPECT_TRUE(b.ports.empty());
  EXPECT_EQ(b.generation, g2);

  DesiredState again;
  ASSERT_TRUE(StoreOf("a")->Load(again).ok());
  ASSERT_EQ(again.ports.count("vm1"), 1u);
  EXPECT_EQ(again.ports["vm1"].generation(), g2);
}

TEST_F(FleetTest, AHostThatMissedATenantChangeIsRefused) {
  auto a = StoreOf("a"), b = StoreOf("b");
  ASSERT_TRUE(Commit(*a, {Tenant("red", 1, 5001)}).ok());
  // b has not seen red: its checks (VNI, id unique) ran on a stale set.
  Status st = Commit(*b, {Tenant("blue", 1, 5001)});
  EXPECT_EQ(st.code(), grpc::StatusCode::ABORTED) << st.message();
  DesiredState now;
  ASSERT_TRUE(StoreOf("c")->Load(now).ok());
  EXPECT_EQ(now.tenants.count("blue"), 0u);
  EXPECT_TRUE(Commit(*StoreOf("b"), {Tenant("blue", 2, 5002)}).ok());  // after a fresh read
}

TEST_F(FleetTest, ATenantInUseOnAnotherHostCannotBeDeleted) {
  auto a = StoreOf("a");
  ASSERT_TRUE(Commit(*a, {Tenant("red", 1, 5001)}).ok());
  ASSERT_TRUE(Commit(*a, {AccessPort("vm1", "red")}).ok());
  pb::Change del;
  del.set_delete_tenant("red");
  Status st = Commit(*StoreOf("b"), {del});
  EXPECT_EQ(st.code(), grpc::StatusCode::FAILED_PRECONDITION) << st.message();
  EXPECT_NE(st.message().find("in use on host a"), std::string::npos) << st.message();
  // Once a's port is gone, so is the users key: the delete goes through.
  pb::Change del_port;
  del_port.set_delete_port("vm1");
  ASSERT_TRUE(Commit(*a, {del_port}).ok());
  st = Commit(*StoreOf("b"), {del});
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST_F(FleetTest, APortNamingATenantDeletedMeanwhileIsRefused) {
  auto b = StoreOf("b");
  ASSERT_TRUE(Commit(*b, {Tenant("red", 1, 5001)}).ok());
  auto a = StoreOf("a");  // sees red
  pb::Change del;
  del.set_delete_tenant("red");
  ASSERT_TRUE(Commit(*b, {del}).ok());
  Status st = Commit(*a, {AccessPort("vm1", "red")});
  EXPECT_EQ(st.code(), grpc::StatusCode::ABORTED) << st.message();
}

TEST_F(FleetTest, ATenantSeenDeletedButKeptHereTakesNoNewObjects) {
  auto b = StoreOf("b");
  ASSERT_TRUE(Commit(*b, {Tenant("red", 1, 5001)}).ok());
  auto a = StoreOf("a");
  pb::Change del;
  del.set_delete_tenant("red");
  uint64_t deleted_at = 0;
  ASSERT_TRUE(Commit(*b, {del}, &deleted_at).ok());
  // a's watch brings the delete; a keeps red while its ports use it.
  mvccpb::Event e;
  e.set_type(mvccpb::Event::DELETE);
  e.mutable_kv()->set_key("/switchyard/tenants/red");
  e.mutable_kv()->set_mod_revision(static_cast<int64_t>(deleted_at));
  pb::Change c;
  ASSERT_TRUE(a->ObserveEvent(e, c));
  // A missing key compares as revision 0 in etcd: the store must refuse
  // by itself, or the port would name a tenant that is gone.
  Status st = Commit(*a, {AccessPort("vm1", "red")});
  EXPECT_EQ(st.code(), grpc::StatusCode::FAILED_PRECONDITION) << st.message();
  EXPECT_NE(st.message().find("deleted in the fleet"), std::string::npos) << st.message();
}

TEST_F(FleetTest, AChangeTooBigForOneTxnSaysSo) {
  auto a = StoreOf("a");
  std::vector<pb::Change> many;
  for (uint32_t i = 1; i <= 200; ++i) many.push_back(Tenant("t" + std::to_string(i), i, 0));
  Status st = Commit(*a, many);
  EXPECT_EQ(st.code(), grpc::StatusCode::INVALID_ARGUMENT) << st.message();
  EXPECT_NE(st.message().find("--max-txn-ops"), std::string::npos) << st.message();
  DesiredState now;
  ASSERT_TRUE(StoreOf("b")->Load(now).ok());
  EXPECT_TRUE(now.tenants.empty());
}

TEST_F(FleetTest, AWatchEventIsNewsOnceAndNotForItsOwnWriter) {
  auto a = StoreOf("a"), b = StoreOf("b");
  uint64_t g = 0;
  ASSERT_TRUE(Commit(*a, {Tenant("red", 1, 5001)}, &g).ok());
  etcdpb::RangeResponse r;
  ASSERT_TRUE(client_->RangePrefix("/switchyard/tenants/", 0, r).ok());
  mvccpb::Event e;
  e.set_type(mvccpb::Event::PUT);
  *e.mutable_kv() = r.kvs(0);
  pb::Change c;
  EXPECT_FALSE(a->ObserveEvent(e, c));  // a wrote it
  ASSERT_TRUE(b->ObserveEvent(e, c));
  EXPECT_EQ(c.upsert_tenant().name(), "red");
  EXPECT_EQ(c.upsert_tenant().generation(), g);
  EXPECT_FALSE(b->ObserveEvent(e, c));  // seen
}

// A controld per host, without a dataplane, following etcd.
class Host {
 public:
  Host(EtcdClient& client, const std::string& name, std::chrono::seconds ttl)
      : store_(client, FleetKeys(name)),
        controller_(store_, kernel_, Controller::Options{dir_.path("dp.sock"), 100ms, 1000ms}),
        fleet_(client, store_, controller_, Fleet::Options{ttl, 200ms}) {
    EXPECT_TRUE(controller_.Init().ok());
    EXPECT_TRUE(fleet_.Init().ok());
    controller_.Start();
    fleet_.Start();
  }
  ~Host() {
    fleet_.Stop();
    controller_.Stop();
  }
  bool HasVtep(const std::string& name) { return controller_.Desired().vteps.count(name) != 0; }
  Controller& controller() { return controller_; }
  Fleet& fleet() { return fleet_; }

 private:
  TempDir dir_;
  NetlinkKernel kernel_;
  EtcdStore store_;
  Controller controller_;
  Fleet fleet_;
};

TEST_F(FleetTest, FloodListsComeFromMembershipAndLeaveWithTheLease) {
  Host a(*client_, "a", 2s), b(*client_, "b", 2s);
  pb::Tenant out;
  pb::Change red = Tenant("red", 0, 5001);
  ASSERT_TRUE(a.controller().CreateTenant(red.upsert_tenant(), out).ok());
  ASSERT_TRUE(Eventually([&] { return b.controller().Desired().tenants.count("red") == 1; }));
  // Each host's ports written to etcd by an orchestrator: the hosts' watches
  // bring them to their controllers, which publish membership.
  ASSERT_TRUE(Commit(*StoreOf("a"), {VtepPort("192.0.2.1"), AccessPort("vm1", "red")}).ok());
  ASSERT_TRUE(Commit(*StoreOf("b"), {VtepPort("192.0.2.2"), AccessPort("vm2", "red")}).ok());
  EXPECT_TRUE(Eventually([&] { return a.HasVtep("red@192.0.2.2") && b.HasVtep("red@192.0.2.1"); }));
  EXPECT_EQ(a.controller().Desired().vteps.size(), 1u);  // not itself
  uint64_t generation = 0;
  Status st = b.controller().DeleteVtep("red", "192.0.2.1", generation);
  EXPECT_EQ(st.code(), grpc::StatusCode::FAILED_PRECONDITION) << st.message();

  // a's controld stops: its lease runs out and b forgets it.
  a.fleet().Stop();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(Eventually([&] { return !b.HasVtep("red@192.0.2.1"); }, 10s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 1s);  // not before the lease (2 s)
}

TEST_F(FleetTest, AWatchBehindACompactionReadsEverythingAgain) {
  Host b(*client_, "b", 5s);
  auto a = StoreOf("a");
  ASSERT_TRUE(Commit(*a, {Tenant("red", 1, 5001)}).ok());
  ASSERT_TRUE(Eventually([&] { return b.controller().Desired().tenants.count("red") == 1; }));
  b.fleet().Stop();
  pb::Change del;
  del.set_delete_tenant("red");
  ASSERT_TRUE(Commit(*a, {Tenant("blue", 2, 5002)}).ok());
  uint64_t last = 0;
  ASSERT_TRUE(Commit(*a, {del}, &last).ok());
  {
    auto kv = etcdpb::KV::NewStub(grpc::CreateChannel(etcd_->endpoint(), grpc::InsecureChannelCredentials()));
    etcdpb::CompactionRequest req;
    req.set_revision(static_cast<int64_t>(last));
    etcdpb::CompactionResponse reply;
    grpc::ClientContext ctx;
    ASSERT_TRUE(kv->Compact(&ctx, req, &reply).ok());
  }
  b.fleet().Start();
  EXPECT_TRUE(Eventually([&] {
    auto d = b.controller().Desired();
    return d.tenants.count("blue") == 1 && d.tenants.count("red") == 0;
  }));
}

}  // namespace
}  // namespace switchyard::controlplane
