// NetlinkKernel against the real kernel: a persistent tap (ip tuntap) stands
// in for the tap interface the dataplane created. Needs root (netns and link
// creation); the kernel here has no dummy links.

#include <unistd.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "kernel/netlink_kernel.h"

namespace switchyard::controlplane {
namespace {

namespace pb = ::switchyard::v1;

// Runs a shell command, returns its stdout ("" on failure to start).
std::string Capture(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((cmd + " 2>&1").c_str(), "r"), pclose);
  if (!pipe) return out;
  std::array<char, 512> buf;
  while (fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
  return out;
}

int Sh(const std::string& cmd) { return system((cmd + " >/dev/null 2>&1").c_str()); }

class KernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    if (Sh("ip -V") != 0) GTEST_SKIP() << "needs iproute2";
    const std::string id = std::to_string(getpid() % 100000);
    ns_ = "sy-cp-test-" + id;
    link_ = "sycp" + id;
    ASSERT_EQ(Sh("ip netns add " + ns_), 0);
    ASSERT_EQ(Sh("ip tuntap add dev " + link_ + " mode tap"), 0);
  }
  void TearDown() override {
    if (ns_.empty()) return;
    Sh("ip link del " + link_);
    Sh("ip -n " + ns_ + " link del " + link_);
    Sh("ip netns del " + ns_);
  }

  std::string ns_;
  std::string link_;
  NetlinkKernel kernel_;
};

TEST_F(KernelTest, Exists) {
  EXPECT_TRUE(kernel_.NetnsExists(ns_));
  EXPECT_FALSE(kernel_.NetnsExists("sy-cp-no-such-ns"));
  EXPECT_TRUE(kernel_.LinkExists(link_));
  EXPECT_TRUE(kernel_.LinkExists("lo"));
  EXPECT_FALSE(kernel_.LinkExists("sycp-nosuch"));
}

TEST_F(KernelTest, MovesIntoNetnsAndConfiguresIdempotently) {
  pb::TapKernelConfig cfg;
  cfg.set_netns(ns_);
  cfg.add_addresses("10.77.0.1/24");
  cfg.add_addresses("fd77::1/64");
  cfg.set_mtu(1400);

  for (int round = 0; round < 2; ++round) {  // the second round must change nothing and succeed
    Status st = kernel_.ConfigureTap(link_, cfg);
    ASSERT_TRUE(st.ok()) << "round " << round << ": " << st.message();
    EXPECT_FALSE(kernel_.LinkExists(link_));  // gone from our namespace
    std::string addr = Capture("ip -n " + ns_ + " addr show dev " + link_);
    EXPECT_NE(addr.find("inet 10.77.0.1/24"), std::string::npos) << addr;
    EXPECT_NE(addr.find("inet6 fd77::1/64"), std::string::npos) << addr;
    EXPECT_NE(addr.find("mtu 1400"), std::string::npos) << addr;
    EXPECT_NE(addr.find(",UP"), std::string::npos) << addr;
  }
  // Our own thread never left our namespace.
  EXPECT_TRUE(kernel_.LinkExists("lo"));
}

TEST_F(KernelTest, RecreatedInterfaceIsMovedAgain) {
  pb::TapKernelConfig cfg;
  cfg.set_netns(ns_);
  cfg.add_addresses("10.77.0.1/24");
  ASSERT_TRUE(kernel_.ConfigureTap(link_, cfg).ok());
  // A restarted dataplane: the old interface is gone, a new one appears here.
  ASSERT_EQ(Sh("ip -n " + ns_ + " link del " + link_), 0);
  ASSERT_EQ(Sh("ip tuntap add dev " + link_ + " mode tap"), 0);
  Status st = kernel_.ConfigureTap(link_, cfg);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_NE(Capture("ip -n " + ns_ + " addr show dev " + link_).find("inet 10.77.0.1/24"), std::string::npos);
}

TEST_F(KernelTest, ConfiguresInCurrentNamespaceWhenNoNetns) {
  pb::TapKernelConfig cfg;
  cfg.add_addresses("10.78.0.1/30");
  ASSERT_TRUE(kernel_.ConfigureTap(link_, cfg).ok());
  std::string addr = Capture("ip addr show dev " + link_);
  EXPECT_NE(addr.find("inet 10.78.0.1/30"), std::string::npos) << addr;
  EXPECT_NE(addr.find(",UP"), std::string::npos) << addr;
}

TEST_F(KernelTest, MissingInterfaceIsNotFound) {
  pb::TapKernelConfig cfg;
  cfg.set_netns(ns_);
  Status st = kernel_.ConfigureTap("sycp-nosuch", cfg);
  EXPECT_EQ(st.code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(st.message().find("port.iface"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::controlplane

namespace switchyard::controlplane {
namespace {

TEST_F(KernelTest, TapLinkIsReadInTheInterfacesNamespace) {
  pb::TapKernelConfig cfg;
  cfg.set_netns(ns_);
  ASSERT_TRUE(kernel_.ConfigureTap(link_, cfg).ok());
  // Admin up but no process holds the tap: no carrier, so DOWN.
  EXPECT_EQ(kernel_.TapLink(link_, ns_), pb::LINK_STATE_DOWN);
  // Not in our namespace any more.
  EXPECT_EQ(kernel_.TapLink(link_, ""), pb::LINK_STATE_UNKNOWN);
  ASSERT_EQ(Sh("ip -n " + ns_ + " link set lo up"), 0);
  EXPECT_EQ(kernel_.TapLink("lo", ns_), pb::LINK_STATE_UP);
  EXPECT_EQ(kernel_.TapLink("sycp-nosuch", ns_), pb::LINK_STATE_UNKNOWN);
  EXPECT_EQ(kernel_.TapLink(link_, "sy-cp-no-such-ns"), pb::LINK_STATE_UNKNOWN);
}

}  // namespace
}  // namespace switchyard::controlplane
