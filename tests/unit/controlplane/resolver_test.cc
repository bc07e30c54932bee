// The underlay resolver: route choice (pure), and the resolver against a
// fake kernel and the fake dataplane over a real gRPC channel: next hops
// resolved, probed, re-pushed on a change and after a dataplane restart.

#include <arpa/inet.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_dataplane.h"
#include "reconcile/reconciler.h"
#include "test_util.h"
#include "underlay/next_hop.h"
#include "underlay/resolver.h"

namespace switchyard::controlplane {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::Eventually;
using testing::FakeDataplane;
using testing::TempDir;

uint32_t Ip(const char* s) {
  in_addr a{};
  inet_pton(AF_INET, s, &a);
  return a.s_addr;
}

TEST(NextHopFor, LongestPrefixThroughTheInterfaceElseTheGateway) {
  const std::vector<KernelRoute> routes = {
      {Ip("192.0.2.0"), 24, 0, 7},                      // connected
      {Ip("198.51.100.0"), 24, Ip("192.0.2.254"), 7},   // via a router
      {Ip("198.51.100.128"), 25, Ip("192.0.2.253"), 7}, // more specific
      {Ip("0.0.0.0"), 0, Ip("10.0.0.1"), 3},            // the host's default, elsewhere
  };
  EXPECT_EQ(NextHopFor(routes, 7, Ip("192.0.2.2"), 0), Ip("192.0.2.2")) << "on-link";
  EXPECT_EQ(NextHopFor(routes, 7, Ip("198.51.100.7"), 0), Ip("192.0.2.254"));
  EXPECT_EQ(NextHopFor(routes, 7, Ip("198.51.100.200"), 0), Ip("192.0.2.253"));
  EXPECT_EQ(NextHopFor(routes, 7, Ip("203.0.113.1"), 0), std::nullopt)
      << "the default route is another interface's";
  EXPECT_EQ(NextHopFor(routes, 7, Ip("203.0.113.1"), Ip("192.0.2.250")), Ip("192.0.2.250"));
}

// A kernel whose routes and neighbours the test sets; probes are recorded.
class FakeUnderlay final : public UnderlayKernel {
 public:
  bool WaitForChange(std::chrono::milliseconds timeout) override {
    std::this_thread::sleep_for(std::min(timeout, 20ms));
    return false;
  }
  int IfIndex(const std::string& iface) override {
    std::lock_guard lock(mu);
    return iface == this->iface ? 7 : 0;
  }
  std::vector<KernelRoute> Routes() override {
    std::lock_guard lock(mu);
    return routes;
  }
  std::optional<Neighbour> GetNeighbour(int ifindex, uint32_t ip) override {
    std::lock_guard lock(mu);
    auto it = neighbours.find(ip);
    if (ifindex != 7 || it == neighbours.end()) return std::nullopt;
    return it->second;
  }
  void Probe(int, uint32_t ip) override {
    std::lock_guard lock(mu);
    probes.push_back(ip);
  }
  void SetNeighbour(const char* ip, Neighbour n) {
    std::lock_guard lock(mu);
    neighbours[Ip(ip)] = std::move(n);
  }
  size_t Probes(const char* ip) {
    std::lock_guard lock(mu);
    return static_cast<size_t>(std::count(probes.begin(), probes.end(), Ip(ip)));
  }

  std::mutex mu;
  std::string iface = "vtep-up0";
  std::vector<KernelRoute> routes = {{Ip("192.0.2.0"), 24, 0, 7}};
  std::map<uint32_t, Neighbour> neighbours;
  std::vector<uint32_t> probes;
};

class ResolverTest : public ::testing::Test {
 protected:
  ResolverTest() : fake_(dir_.path("dp.sock")) {
    pb::Port up;
    up.set_name("up0");
    up.set_kind(pb::PORT_KIND_RING);
    up.set_role(pb::PORT_ROLE_UPLINK);
    up.set_vtep_ip("192.0.2.1/24");
    up.set_vtep_iface("vtep-up0");
    desired_.ports["up0"] = up;
    AddVtep("blue", "192.0.2.2");
    AddVtep("blue", "198.51.100.7");
    fake_.Start();
    reconciler_ = std::make_unique<Reconciler>(
        Reconciler::Options{dir_.path("dp.sock"), 100ms, 5000ms}, nullptr, with_desired());
    reconciler_->Start();
    resolver_ = std::make_unique<UnderlayResolver>(UnderlayResolver::Options{50ms, 5000ms},
                                                   &kernel_, reconciler_.get(), with_desired());
  }
  ~ResolverTest() override {
    resolver_->Stop();
    reconciler_->Stop();
  }
  Reconciler::WithDesired with_desired() {
    return [this](const std::function<void(const DesiredState&)>& fn) {
      std::lock_guard lock(mu_);
      fn(desired_);
    };
  }
  void AddVtep(const std::string& tenant, const std::string& remote) {
    std::lock_guard lock(mu_);
    pb::Vtep v;
    v.set_tenant(tenant);
    v.set_remote(remote);
    v.set_name(tenant + "@" + remote);
    desired_.vteps[v.name()] = v;
  }
  std::string DataplaneMac(const std::string& remote) {
    auto hops = fake_.next_hops();
    auto it = hops.find(remote);
    return it == hops.end() ? "(none)" : it->second.mac();
  }

  TempDir dir_;
  FakeDataplane fake_;
  std::mutex mu_;
  DesiredState desired_;
  FakeUnderlay kernel_;
  std::unique_ptr<Reconciler> reconciler_;
  std::unique_ptr<UnderlayResolver> resolver_;
};

TEST_F(ResolverTest, ResolvedNextHopsReachTheDataplaneAndTheMissingOnesAreProbed) {
  kernel_.SetNeighbour("192.0.2.2", {"02:00:00:00:00:22", false, false});
  ASSERT_TRUE(Eventually([&] { return reconciler_->GetSnapshot().connected; }));
  resolver_->Start();
  ASSERT_TRUE(Eventually([&] { return DataplaneMac("192.0.2.2") == "02:00:00:00:00:22"; }));
  auto hops = resolver_->NextHops();
  EXPECT_EQ(hops["192.0.2.2"].via(), "192.0.2.2");
  EXPECT_TRUE(hops["192.0.2.2"].error().empty());
  // Off the subnet, no route and no gateway: unresolved, and why.
  EXPECT_EQ(hops["198.51.100.7"].mac(), "");
  EXPECT_THAT(hops["198.51.100.7"].error(), HasSubstr("no route to 198.51.100.7 through vtep-up0"));
  EXPECT_EQ(fake_.next_hops().count("198.51.100.7"), 1u) << "pushed with its error";
  // A gateway makes it reachable; its neighbour is asked for, then known.
  {
    std::lock_guard lock(mu_);
    desired_.ports["up0"].set_gateway("192.0.2.254");
  }
  resolver_->Poke();
  ASSERT_TRUE(Eventually([&] { return kernel_.Probes("192.0.2.254") > 0; }));
  EXPECT_THAT(resolver_->NextHops()["198.51.100.7"].error(), HasSubstr("resolving 192.0.2.254"));
  kernel_.SetNeighbour("192.0.2.254", {"02:00:00:00:02:54", false, false});
  ASSERT_TRUE(Eventually([&] { return DataplaneMac("198.51.100.7") == "02:00:00:00:02:54"; }));
  EXPECT_EQ(resolver_->NextHops()["198.51.100.7"].via(), "192.0.2.254");
}

TEST_F(ResolverTest, AChangedNeighbourIsFollowedAndAStaleOneConfirmed) {
  kernel_.SetNeighbour("192.0.2.2", {"02:00:00:00:00:22", false, false});
  resolver_->Start();
  ASSERT_TRUE(Eventually([&] { return DataplaneMac("192.0.2.2") == "02:00:00:00:00:22"; }));
  EXPECT_EQ(kernel_.Probes("192.0.2.2"), 0u) << "a reachable neighbour is left alone";
  kernel_.SetNeighbour("192.0.2.2", {"02:00:00:00:00:99", false, true});
  ASSERT_TRUE(Eventually([&] { return DataplaneMac("192.0.2.2") == "02:00:00:00:00:99"; }));
  EXPECT_TRUE(Eventually([&] { return kernel_.Probes("192.0.2.2") > 0; })) << "stale: confirmed";
  kernel_.SetNeighbour("192.0.2.2", {"", true, false});
  ASSERT_TRUE(Eventually([&] { return DataplaneMac("192.0.2.2").empty(); }));
  EXPECT_THAT(resolver_->NextHops()["192.0.2.2"].error(), HasSubstr("does not answer ARP"));
}

TEST_F(ResolverTest, ARestartedDataplaneGetsTheNextHopsAgain) {
  kernel_.SetNeighbour("192.0.2.2", {"02:00:00:00:00:22", false, false});
  resolver_->Start();
  ASSERT_TRUE(Eventually([&] { return DataplaneMac("192.0.2.2") == "02:00:00:00:00:22"; }));
  const int pushes = fake_.calls().set_next_hops;
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(fake_.calls().set_next_hops, pushes) << "nothing changed: nothing sent";
  fake_.Stop();
  fake_.Start();  // a new instance, with no next hops
  EXPECT_TRUE(Eventually([&] { return DataplaneMac("192.0.2.2") == "02:00:00:00:00:22"; }));
}

TEST_F(ResolverTest, WithoutTheVtepInterfaceEveryRemoteSaysSo) {
  kernel_.iface = "other";
  resolver_->RunOnce();
  EXPECT_THAT(resolver_->NextHops()["192.0.2.2"].error(), HasSubstr("VTEP interface vtep-up0 of port up0"));
}

}  // namespace
}  // namespace switchyard::controlplane
