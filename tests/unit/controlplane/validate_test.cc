// Field rules (model/validate) and cross-object rules (model/checks): every
// rule has a failing case that asserts the gRPC code and that the message
// names the field.

#include <filesystem>
#include <functional>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kernel/netlink_kernel.h"
#include "model/checks.h"
#include "model/validate.h"
#include "switchyard/mac_limits.h"
#include "switchyard/unix_listener.h"
#include "test_util.h"

namespace switchyard::controlplane {
namespace {

using grpc::StatusCode;
using ::testing::HasSubstr;
using testing::TempDir;

struct Case {
  std::string label;
  std::function<void(pb::Port&)> mutate;
  StatusCode code;
  std::string field;  // must appear in the message
};

pb::Port AccessPort() {
  pb::Port p;
  p.set_name("vm1");
  p.set_kind(pb::PORT_KIND_VHOST_SERVER);
  p.set_socket("/run/vm1.sock");
  p.set_role(pb::PORT_ROLE_ACCESS);
  p.set_tenant("blue");
  return p;
}

pb::Tenant MakeTenant(const std::string& name, uint32_t id = 0, uint32_t vlan = 0) {
  pb::Tenant t;
  t.set_name(name);
  t.set_id(id);
  t.set_vlan(vlan);
  return t;
}

TEST(ValidateTenant, AcceptsGoodTenant) {
  pb::Tenant t = MakeTenant("blue-1.a_b", 7, 100);
  t.set_mac_limit(1048576);
  t.set_vni(16777215);
  EXPECT_TRUE(ValidateTenant(t).ok());
}

TEST(ValidateTenant, RejectsEachBadField) {
  struct TenantCase {
    std::function<void(pb::Tenant&)> mutate;
    std::string field;
  };
  const TenantCase cases[] = {
      {[](pb::Tenant& t) { t.set_name(""); }, "tenant.name"},
      {[](pb::Tenant& t) { t.set_name(std::string(33, 'a')); }, "tenant.name"},
      {[](pb::Tenant& t) { t.set_name("bad name"); }, "tenant.name"},
      {[](pb::Tenant& t) { t.set_id(16384); }, "tenant.id"},
      {[](pb::Tenant& t) { t.set_vlan(4095); }, "tenant.vlan"},
      {[](pb::Tenant& t) { t.set_mac_limit(1048577); }, "tenant.mac_limit"},
      {[](pb::Tenant& t) { t.set_vni(16777216); }, "tenant.vni"},
  };
  for (const auto& c : cases) {
    pb::Tenant t = MakeTenant("blue", 1);
    c.mutate(t);
    Status st = ValidateTenant(t);
    EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_NE(st.message().find(c.field + ":"), std::string::npos) << st.message();
  }
}

TEST(ValidatePort, AcceptsGoodPorts) {
  EXPECT_TRUE(ValidatePort(AccessPort()).ok());

  pb::Port tap;
  tap.set_name("tap0");
  tap.set_kind(pb::PORT_KIND_TAP);
  tap.set_role(pb::PORT_ROLE_TRUNK);
  auto* tv = tap.add_trunk();
  tv->set_vlan(10);
  tv->set_tenant("blue");
  tap.mutable_tap()->set_netns("ns1");
  tap.mutable_tap()->add_addresses("10.0.0.1/24");
  tap.mutable_tap()->add_addresses("fd00::1/64");
  tap.mutable_tap()->set_mtu(1500);
  NormalizePort(tap);
  EXPECT_EQ(tap.iface(), "tap0");
  EXPECT_TRUE(ValidatePort(tap).ok()) << ValidatePort(tap).message();

  pb::Port up;
  up.set_name("up0");
  up.set_kind(pb::PORT_KIND_PCI);
  up.set_devargs("0000:01:00.0");
  up.set_role(pb::PORT_ROLE_UPLINK);
  EXPECT_TRUE(ValidatePort(up).ok());
}

TEST(ValidatePort, RejectsEachBadField) {
  const Case cases[] = {
      {"name empty", [](pb::Port& p) { p.set_name(""); }, StatusCode::INVALID_ARGUMENT, "port.name"},
      {"name chars", [](pb::Port& p) { p.set_name("a/b"); }, StatusCode::INVALID_ARGUMENT, "port.name"},
      {"kind missing", [](pb::Port& p) { p.set_kind(pb::PORT_KIND_UNSPECIFIED); }, StatusCode::INVALID_ARGUMENT,
       "port.kind"},
      {"role missing", [](pb::Port& p) { p.set_role(pb::PORT_ROLE_UNSPECIFIED); }, StatusCode::INVALID_ARGUMENT,
       "port.role"},
      {"vhost socket missing", [](pb::Port& p) { p.clear_socket(); }, StatusCode::INVALID_ARGUMENT, "port.socket"},
      {"vhost socket relative", [](pb::Port& p) { p.set_socket("vm.sock"); }, StatusCode::INVALID_ARGUMENT,
       "port.socket"},
      {"iface on vhost", [](pb::Port& p) { p.set_iface("eth0"); }, StatusCode::INVALID_ARGUMENT, "port.iface"},
      {"access tenant missing", [](pb::Port& p) { p.clear_tenant(); }, StatusCode::INVALID_ARGUMENT, "port.tenant"},
      {"access vlan", [](pb::Port& p) { p.set_access_vlan(5000); }, StatusCode::INVALID_ARGUMENT,
       "port.access_vlan"},
      {"trunk on access", [](pb::Port& p) { p.add_trunk()->set_vlan(5); }, StatusCode::INVALID_ARGUMENT,
       "port.trunk"},
      {"trunk empty",
       [](pb::Port& p) {
         p.set_role(pb::PORT_ROLE_TRUNK);
         p.clear_tenant();
       },
       StatusCode::INVALID_ARGUMENT, "port.trunk"},
      {"trunk vlan range",
       [](pb::Port& p) {
         p.set_role(pb::PORT_ROLE_TRUNK);
         p.clear_tenant();
         auto* tv = p.add_trunk();
         tv->set_vlan(0);
         tv->set_tenant("blue");
       },
       StatusCode::INVALID_ARGUMENT, "port.trunk[0].vlan"},
      {"trunk vlan duplicate",
       [](pb::Port& p) {
         p.set_role(pb::PORT_ROLE_TRUNK);
         p.clear_tenant();
         for (int i = 0; i < 2; ++i) {
           auto* tv = p.add_trunk();
           tv->set_vlan(7);
           tv->set_tenant("blue");
         }
       },
       StatusCode::INVALID_ARGUMENT, "port.trunk[1].vlan"},
      {"trunk maps one tenant to two VLANs",
       [](pb::Port& p) {
         p.set_role(pb::PORT_ROLE_TRUNK);
         p.clear_tenant();
         for (uint32_t vlan : {7u, 8u}) {
           auto* tv = p.add_trunk();
           tv->set_vlan(vlan);
           tv->set_tenant("blue");
         }
       },
       StatusCode::INVALID_ARGUMENT, "port.trunk[1].tenant"},
      {"trunk tenant missing",
       [](pb::Port& p) {
         p.set_role(pb::PORT_ROLE_TRUNK);
         p.clear_tenant();
         p.add_trunk()->set_vlan(7);
       },
       StatusCode::INVALID_ARGUMENT, "port.trunk[0].tenant"},
      {"uplink with tenant", [](pb::Port& p) { p.set_role(pb::PORT_ROLE_UPLINK); }, StatusCode::INVALID_ARGUMENT,
       "port.tenant"},
      {"tap config on vhost", [](pb::Port& p) { p.mutable_tap()->set_mtu(1500); }, StatusCode::INVALID_ARGUMENT,
       "port.tap"},
      {"pci without devargs",
       [](pb::Port& p) {
         p.set_kind(pb::PORT_KIND_PCI);
         p.clear_socket();
       },
       StatusCode::INVALID_ARGUMENT, "port.devargs"},
      {"af_packet without iface",
       [](pb::Port& p) {
         p.set_kind(pb::PORT_KIND_AF_PACKET);
         p.clear_socket();
       },
       StatusCode::INVALID_ARGUMENT, "port.iface"},
  };
  for (const auto& c : cases) {
    pb::Port p = AccessPort();
    c.mutate(p);
    NormalizePort(p);
    Status st = ValidatePort(p);
    EXPECT_EQ(st.code(), c.code) << c.label << ": " << st.message();
    EXPECT_NE(st.message().find(c.field + ":"), std::string::npos) << c.label << ": " << st.message();
  }
}

TEST(ValidatePort, TapRules) {
  auto tap = [] {
    pb::Port p;
    p.set_name("tap0");
    p.set_kind(pb::PORT_KIND_TAP);
    p.set_role(pb::PORT_ROLE_ACCESS);
    p.set_tenant("blue");
    return p;
  };
  const Case cases[] = {
      {"default iface too long", [](pb::Port& p) { p.set_name("a-very-long-port-name"); },
       StatusCode::INVALID_ARGUMENT, "port.iface"},
      {"bad address", [](pb::Port& p) { p.mutable_tap()->add_addresses("10.0.0.1"); }, StatusCode::INVALID_ARGUMENT,
       "port.tap.addresses[0]"},
      {"bad prefix", [](pb::Port& p) { p.mutable_tap()->add_addresses("10.0.0.1/33"); },
       StatusCode::INVALID_ARGUMENT, "port.tap.addresses[0]"},
      {"mtu low", [](pb::Port& p) { p.mutable_tap()->set_mtu(67); }, StatusCode::INVALID_ARGUMENT, "port.tap.mtu"},
      {"mtu high", [](pb::Port& p) { p.mutable_tap()->set_mtu(9001); }, StatusCode::INVALID_ARGUMENT,
       "port.tap.mtu"},
      {"netns name", [](pb::Port& p) { p.mutable_tap()->set_netns("../etc"); }, StatusCode::INVALID_ARGUMENT,
       "port.tap.netns"},
  };
  for (const auto& c : cases) {
    pb::Port p = tap();
    c.mutate(p);
    NormalizePort(p);
    Status st = ValidatePort(p);
    EXPECT_EQ(st.code(), c.code) << c.label << ": " << st.message();
    EXPECT_NE(st.message().find(c.field + ":"), std::string::npos) << c.label << ": " << st.message();
  }
}

// A pci port is a PCI address and its arguments, never a vdev: "--kind pci
// --devargs net_tap_f1" took over the live tap port f1.
TEST(ValidatePort, PciDevargsMustBeAPciAddress) {
  pb::Port p;
  p.set_name("evil");
  p.set_kind(pb::PORT_KIND_PCI);
  p.set_role(pb::PORT_ROLE_ACCESS);
  p.set_tenant("blue");
  for (const char* bad : {"net_tap_f1", "net_ring_6fbed7e2", "eth_null0,size=64", "net_null0", "eth0",
                          "0000:01:00", "0000:01:20.0", "pci:0000:01:00.0", ",0000:01:00.0"}) {
    p.set_devargs(bad);
    Status st = ValidatePort(p);
    EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << bad << ": " << st.message();
    EXPECT_NE(st.message().find("port.devargs: pci ports take a PCI address"), std::string::npos)
        << bad << ": " << st.message();
  }
  p.set_devargs("net_tap_f1");
  EXPECT_EQ(ValidatePort(p).message(),
            "port.devargs: pci ports take a PCI address like 0000:01:00.0 (then its arguments), got "
            "'net_tap_f1', which names a virtual device");
  for (const char* good : {"0000:01:00.0", "01:00.0", "0000:AF:1f.7"}) {
    p.set_devargs(good);
    EXPECT_TRUE(ValidatePort(p).ok()) << good << ": " << ValidatePort(p).message();
  }
  // Driver arguments are the operator's (EAL command line), not a caller's.
  p.set_devargs("0000:AF:1f.7,rxq_pkt_pad_en=1");
  EXPECT_EQ(ValidatePort(p).message(),
            "port.devargs: 'rxq_pkt_pad_en' is not an argument pci ports accept (they take none)");
}

// Devargs cannot point a device somewhere else than its port's fields say.
TEST(ValidatePort, DevargsCannotNameAnotherDevice) {
  const Case cases[] = {
      {"iface= on vhost", [](pb::Port& p) { p.set_devargs("iface=/run/other.sock"); },
       StatusCode::INVALID_ARGUMENT, "port.devargs"},
      {"iface= on tap",
       [](pb::Port& p) {
         p.set_kind(pb::PORT_KIND_TAP);
         p.clear_socket();
         p.set_devargs("remote=eth0,iface=f1");
       },
       StatusCode::INVALID_ARGUMENT, "port.devargs"},
      {"iface= on af_packet",
       [](pb::Port& p) {
         p.set_kind(pb::PORT_KIND_AF_PACKET);
         p.clear_socket();
         p.set_iface("eth0");
         p.set_devargs("iface=eth1");
       },
       StatusCode::INVALID_ARGUMENT, "port.devargs"},
      {"ring arguments",
       [](pb::Port& p) {
         p.set_kind(pb::PORT_KIND_RING);
         p.clear_socket();
         p.set_devargs("nodeaction=net_ring_x:0:ATTACH");
       },
       StatusCode::INVALID_ARGUMENT, "port.devargs"},
  };
  for (const auto& c : cases) {
    pb::Port p = AccessPort();
    c.mutate(p);
    NormalizePort(p);
    Status st = ValidatePort(p);
    EXPECT_EQ(st.code(), c.code) << c.label << ": " << st.message();
    EXPECT_NE(st.message().find(c.field + ":"), std::string::npos) << c.label << ": " << st.message();
  }
  pb::Port ok = AccessPort();
  ok.set_devargs("iommu-support=1");
  EXPECT_TRUE(ValidatePort(ok).ok()) << ValidatePort(ok).message();
}

TEST(ValidatePort, MessageNamesFieldAndValue) {
  pb::Port p = AccessPort();
  p.set_access_vlan(5000);
  EXPECT_EQ(ValidatePort(p).message(), "port.access_vlan: must be 0 or 1..4094, got 5000");
}

TEST(IsCidr, ParsesBothFamilies) {
  EXPECT_TRUE(IsCidr("10.0.0.1/24"));
  EXPECT_TRUE(IsCidr("fd00::1/128"));
  EXPECT_FALSE(IsCidr("fd00::1/129"));
  EXPECT_FALSE(IsCidr("10.0.0.1/"));
  EXPECT_FALSE(IsCidr("10.0.0.1/2x"));
  EXPECT_FALSE(IsCidr("host/24"));
}

// --- cross-object rules ---

class ChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddTenant(MakeTenant("blue", 1, 100));
    AddTenant(MakeTenant("red", 3, 0));
  }
  void AddTenant(pb::Tenant t) { state_.tenants[t.name()] = t; }
  void AddPort(pb::Port p) { state_.ports[p.name()] = p; }

  DesiredState state_;
  NetlinkKernel kernel_;  // the real kernel: "lo" exists, made-up names do not
  PathPolicy paths_{{"/run"}, "/tmp"};
};

TEST_F(ChecksTest, TenantIdAssignedLowestFree) {
  pb::Tenant t = MakeTenant("green");
  ASSERT_TRUE(PrepareTenantCreate(state_, t, kDefaultMacTableSize).ok());
  EXPECT_EQ(t.id(), 2u);
}

// Each tenant's MAC limit is reserved in the dataplane's table: a limit
// that does not fit beside the others is refused (with what is left), on
// create and on update; what fits exactly is accepted.
TEST_F(ChecksTest, TenantMacLimitsMustFitTheTable) {
  // blue and red use the default limit: 2 x 4096 reserved.
  const uint32_t table = 3 * kDefaultMacLimit + 1000;
  pb::Tenant big = MakeTenant("green");
  big.set_mac_limit(kDefaultMacLimit + 1001);
  Status st = PrepareTenantCreate(state_, big, table);
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION) << st.message();
  EXPECT_EQ(st.message(), fmt::format("tenant.mac_limit: {} MACs cannot be reserved for tenant "
                                      "'green': the dataplane's MAC table holds {} and the other "
                                      "tenants reserve {}, leaving {} (lower a limit, or run the "
                                      "dataplane with a larger --mac-table-size)",
                                      kDefaultMacLimit + 1001, table, 2 * kDefaultMacLimit,
                                      kDefaultMacLimit + 1000));
  big.set_mac_limit(kDefaultMacLimit + 1000);
  ASSERT_TRUE(PrepareTenantCreate(state_, big, table).ok());
  AddTenant(big);
  // The table is now fully reserved: a default tenant does not fit, and
  // the message says it is the default.
  pb::Tenant dflt = MakeTenant("black");
  st = PrepareTenantCreate(state_, dflt, table);
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.message().find("4096 MACs (the default) cannot be reserved"), std::string::npos)
      << st.message();
  // Raising red's limit does not fit; lowering it does, and frees room.
  pb::Tenant red = state_.tenants["red"];
  red.set_mac_limit(kDefaultMacLimit + 1);
  EXPECT_EQ(PrepareTenantUpdate(state_, red, table).code(), StatusCode::FAILED_PRECONDITION);
  red.set_mac_limit(100);
  ASSERT_TRUE(PrepareTenantUpdate(state_, red, table).ok());
}

TEST_F(ChecksTest, TenantDuplicates) {
  struct TC {
    pb::Tenant t;
    std::string field;
  };
  pb::Tenant vni = MakeTenant("green");
  state_.tenants["red"].set_vni(42);
  vni.set_vni(42);
  const TC cases[] = {
      {MakeTenant("blue"), "tenant.name"},
      {MakeTenant("green", 3), "tenant.id"},
      {MakeTenant("green", 0, 100), "tenant.vlan"},
      {vni, "tenant.vni"},
  };
  for (auto c : cases) {
    Status st = PrepareTenantCreate(state_, c.t, kDefaultMacTableSize);
    EXPECT_EQ(st.code(), StatusCode::ALREADY_EXISTS) << st.message();
    EXPECT_NE(st.message().find(c.field + ":"), std::string::npos) << st.message();
  }
}

TEST_F(ChecksTest, TenantDeleteInUseNamesPorts) {
  AddPort(AccessPort());
  pb::Port trunk;
  trunk.set_name("tr0");
  auto* tv = trunk.add_trunk();
  tv->set_vlan(5);
  tv->set_tenant("blue");
  AddPort(trunk);
  Status st = CheckTenantDelete(state_, "blue");
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.message().find("tr0, vm1"), std::string::npos) << st.message();
  EXPECT_TRUE(CheckTenantDelete(state_, "red").ok());
  EXPECT_EQ(CheckTenantDelete(state_, "nope").code(), StatusCode::NOT_FOUND);
}

TEST_F(ChecksTest, PortCrossObjectRules) {
  pb::Port existing = AccessPort();
  AddPort(existing);
  pb::Port tap_existing;
  tap_existing.set_name("tapA");
  tap_existing.set_kind(pb::PORT_KIND_TAP);
  tap_existing.set_iface("tapA");
  AddPort(tap_existing);

  const Case cases[] = {
      {"duplicate name", [](pb::Port&) {}, StatusCode::ALREADY_EXISTS, "port.name"},
      {"duplicate socket", [](pb::Port& p) { p.set_name("vm2"); }, StatusCode::ALREADY_EXISTS, "port.socket"},
      {"unknown tenant",
       [](pb::Port& p) {
         p.set_name("vm2");
         p.set_socket("/run/vm2.sock");
         p.set_tenant("nope");
       },
       StatusCode::NOT_FOUND, "port.tenant"},
      {"unknown trunk tenant",
       [](pb::Port& p) {
         p.set_name("vm2");
         p.set_socket("/run/vm2.sock");
         p.set_role(pb::PORT_ROLE_TRUNK);
         p.clear_tenant();
         auto* tv = p.add_trunk();
         tv->set_vlan(9);
         tv->set_tenant("nope");
       },
       StatusCode::NOT_FOUND, "port.trunk[0].tenant"},
      {"duplicate tap iface",
       [](pb::Port& p) {
         p.set_name("tapB");
         p.set_kind(pb::PORT_KIND_TAP);
         p.clear_socket();
         p.set_iface("tapA");
       },
       StatusCode::ALREADY_EXISTS, "port.iface"},
      {"af_packet iface missing",
       [](pb::Port& p) {
         p.set_name("raw0");
         p.set_kind(pb::PORT_KIND_AF_PACKET);
         p.clear_socket();
         p.set_iface("sy-no-such0");
       },
       StatusCode::FAILED_PRECONDITION, "port.iface"},
      {"tap netns missing",
       [](pb::Port& p) {
         p.set_name("tapC");
         p.set_kind(pb::PORT_KIND_TAP);
         p.clear_socket();
         p.mutable_tap()->set_netns("sy-no-such-ns");
       },
       StatusCode::FAILED_PRECONDITION, "port.tap.netns"},
  };
  for (const auto& c : cases) {
    pb::Port p = AccessPort();
    c.mutate(p);
    Status st = PreparePortCreate(state_, kernel_, paths_, p);
    EXPECT_EQ(st.code(), c.code) << c.label << ": " << st.message();
    EXPECT_NE(st.message().find(c.field + ":"), std::string::npos) << c.label << ": " << st.message();
  }

  pb::Port raw;
  raw.set_name("raw0");
  raw.set_kind(pb::PORT_KIND_AF_PACKET);
  raw.set_iface("lo");
  raw.set_role(pb::PORT_ROLE_UPLINK);
  EXPECT_TRUE(PreparePortCreate(state_, kernel_, paths_, raw).ok());
  EXPECT_EQ(CheckPortDelete(state_, "nope").code(), StatusCode::NOT_FOUND);
}

// One device, one port: a PCI address (however it is written) or a vhost
// socket (however the path is spelled) that another port has is refused,
// naming the field and that port.
TEST_F(ChecksTest, DeviceIdentityIsUnique) {
  pb::Port nic;
  nic.set_name("nic0");
  nic.set_kind(pb::PORT_KIND_PCI);
  nic.set_devargs("01:00.0");
  nic.set_role(pb::PORT_ROLE_UPLINK);
  AddPort(nic);
  AddPort(AccessPort());  // vm1 on /run/vm1.sock

  pb::Port dup = nic;
  dup.set_name("nic1");
  for (const char* same : {"0000:01:00.0", "01:00.0", "0000:01:00.0"}) {
    dup.set_devargs(same);
    Status st = PreparePortCreate(state_, kernel_, paths_, dup);
    EXPECT_EQ(st.code(), StatusCode::ALREADY_EXISTS) << same << ": " << st.message();
    EXPECT_EQ(st.message(), "port.devargs: PCI address 0000:01:00.0 is already used by port 'nic0'") << same;
  }
  dup.set_devargs("0000:01:00.1");
  EXPECT_TRUE(PreparePortCreate(state_, kernel_, paths_, dup).ok());

  pb::Port vm = AccessPort();
  vm.set_name("vm2");
  vm.set_kind(pb::PORT_KIND_VHOST_CLIENT);
  Status st = PreparePortCreate(state_, kernel_, paths_, vm);
  EXPECT_EQ(st.code(), StatusCode::ALREADY_EXISTS) << st.message();
  EXPECT_EQ(st.message(), "port.socket: socket '/run/vm1.sock' is already used by port 'vm1'");
  // Another spelling of the same path is refused before it could be
  // compared: a socket path must be in its normal spelling.
  for (const char* other : {"/run//vm1.sock", "/run/./vm1.sock", "/run/x/../vm1.sock"}) {
    vm.set_socket(other);
    st = PreparePortCreate(state_, kernel_, paths_, vm);
    EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << other << ": " << st.message();
    EXPECT_THAT(st.message(), HasSubstr("is not in its normal spelling (write '/run/vm1.sock'"))
        << other;
  }
}

// The files a caller names stay in the directories the operator allows: a
// vhost socket under --vhost-dir, pcap files under --pcap-dir, with no
// symbolic link leading out; names that are path components are not "."
// or "..".
TEST_F(ChecksTest, PathsAreConfined) {
  TempDir dir;
  const std::string vhost = dir.path("vhost"), pcap = dir.path("pcap"), out = dir.path("out");
  for (const auto& d : {vhost, pcap, out}) std::filesystem::create_directory(d);
  std::filesystem::create_directory_symlink(out, vhost + "/escape");
  std::filesystem::create_symlink("/etc/passwd", pcap + "/link.pcap");
  PathPolicy paths{{vhost}, pcap};

  struct PathCase {
    const char* label;
    std::function<void(pb::Port&)> mutate;
    StatusCode code;
    std::string message;  // a part of it
  };
  const PathCase cases[] = {
      {"socket outside", [&](pb::Port& p) { p.set_socket(out + "/vm.sock"); },
       StatusCode::INVALID_ARGUMENT, "port.socket: '" + out + "/vm.sock' is not under " + vhost +
       " (an operator can allow another directory with controld's --vhost-dir)"},
      {"socket is the dir's sibling prefix", [&](pb::Port& p) { p.set_socket(vhost + "x/vm.sock"); },
       StatusCode::INVALID_ARGUMENT, "is not under"},
      {"socket through a symlink", [&](pb::Port& p) { p.set_socket(vhost + "/escape/vm.sock"); },
       StatusCode::INVALID_ARGUMENT, "leads out of " + vhost + " through a symbolic link"},
      {"socket with a comma", [&](pb::Port& p) { p.set_socket(vhost + "/a,client=0"); },
       StatusCode::INVALID_ARGUMENT, "port.socket: "},
      {"socket in a missing dir", [&](pb::Port& p) { p.set_socket(vhost + "/no/vm.sock"); },
       StatusCode::FAILED_PRECONDITION, "does not exist"},
      {"tx_pcap anywhere", [&](pb::Port& p) {
         p.set_kind(pb::PORT_KIND_PCAP);
         p.clear_socket();
         p.set_devargs("tx_pcap=/etc/shadow");
       }, StatusCode::INVALID_ARGUMENT, "port.devargs: tx_pcap: '/etc/shadow' is not under " + pcap},
      {"rx_pcap a symlink", [&](pb::Port& p) {
         p.set_kind(pb::PORT_KIND_PCAP);
         p.clear_socket();
         p.set_devargs("rx_pcap=" + pcap + "/link.pcap");
       }, StatusCode::INVALID_ARGUMENT, "is a symbolic link"},
      {"netns ..", [&](pb::Port& p) {
         p.set_kind(pb::PORT_KIND_TAP);
         p.clear_socket();
         p.set_iface("tapZ");
         p.mutable_tap()->set_netns("..");
       }, StatusCode::INVALID_ARGUMENT, "port.tap.netns: '..' is not a name"},
      {"name .", [&](pb::Port& p) { p.set_name("."); }, StatusCode::INVALID_ARGUMENT,
       "port.name: '.' is not a name"},
  };
  for (const auto& c : cases) {
    pb::Port p = AccessPort();
    p.set_name("vmP");
    p.set_socket(vhost + "/vmP.sock");
    c.mutate(p);
    Status st = PreparePortCreate(state_, kernel_, paths, p);
    EXPECT_EQ(st.code(), c.code) << c.label << ": " << st.message();
    EXPECT_THAT(st.message(), HasSubstr(c.message)) << c.label;
  }
  pb::Port ok = AccessPort();
  ok.set_name("vmP");
  ok.set_socket(vhost + "/vmP.sock");
  EXPECT_TRUE(PreparePortCreate(state_, kernel_, paths, ok).ok());
  ok.set_kind(pb::PORT_KIND_PCAP);
  ok.clear_socket();
  ok.set_devargs("rx_pcap=" + pcap + "/in.pcap,tx_pcap=" + pcap + "/out.pcap");
  EXPECT_TRUE(PreparePortCreate(state_, kernel_, paths, ok).ok())
      << PreparePortCreate(state_, kernel_, paths, ok).message();
}

TEST(SocketAccess, GroupsByNameOrNumber) {
  gid_t gid = 1;
  std::string error;
  ASSERT_TRUE(ResolveGroup("root", &gid, &error)) << error;
  EXPECT_EQ(gid, 0u);
  ASSERT_TRUE(ResolveGroup("4242", &gid, &error));
  EXPECT_EQ(gid, 4242u);
  EXPECT_FALSE(ResolveGroup("sy-no-such-group", &gid, &error));
  EXPECT_THAT(error, HasSubstr("group 'sy-no-such-group' does not exist"));
}

}  // namespace
}  // namespace switchyard::controlplane

namespace switchyard::controlplane {
namespace {

pb::Port VtepUplink(const std::string& name = "up0") {
  pb::Port p;
  p.set_name(name);
  p.set_kind(pb::PORT_KIND_RING);
  p.set_role(pb::PORT_ROLE_UPLINK);
  p.set_vtep_ip("192.0.2.1/24");
  return p;
}

TEST(ValidatePort, UnderlayRules) {
  pb::Port ok = VtepUplink();
  NormalizePort(ok);
  EXPECT_EQ(ok.vtep_iface(), "vtep-up0") << "defaulted";
  ok.set_gateway("192.0.2.254");
  EXPECT_TRUE(ValidatePort(ok).ok()) << ValidatePort(ok).message();
  const Case cases[] = {
      {"vtep_ip on access", [](pb::Port& p) { p.set_role(pb::PORT_ROLE_ACCESS); p.set_tenant("blue"); },
       StatusCode::INVALID_ARGUMENT, "port.vtep_ip"},
      {"no prefix", [](pb::Port& p) { p.set_vtep_ip("192.0.2.1"); }, StatusCode::INVALID_ARGUMENT, "port.vtep_ip"},
      {"ipv6", [](pb::Port& p) { p.set_vtep_ip("fd00::1/64"); }, StatusCode::INVALID_ARGUMENT, "port.vtep_ip"},
      {"multicast", [](pb::Port& p) { p.set_vtep_ip("239.1.1.1/24"); }, StatusCode::INVALID_ARGUMENT,
       "port.vtep_ip"},
      {"prefix 0", [](pb::Port& p) { p.set_vtep_ip("192.0.2.1/0"); }, StatusCode::INVALID_ARGUMENT, "port.vtep_ip"},
      {"gateway outside", [](pb::Port& p) { p.set_gateway("198.51.100.1"); }, StatusCode::INVALID_ARGUMENT,
       "port.gateway"},
      {"gateway is us", [](pb::Port& p) { p.set_gateway("192.0.2.1"); }, StatusCode::INVALID_ARGUMENT,
       "port.gateway"},
      {"gateway garbage", [](pb::Port& p) { p.set_gateway("router"); }, StatusCode::INVALID_ARGUMENT,
       "port.gateway"},
      {"gateway alone",
       [](pb::Port& p) {
         p.clear_vtep_ip();
         p.clear_vtep_iface();
         p.set_gateway("192.0.2.254");
       },
       StatusCode::INVALID_ARGUMENT, "port.gateway"},
      {"iface too long", [](pb::Port& p) { p.set_vtep_iface("a-very-long-name-x"); }, StatusCode::INVALID_ARGUMENT,
       "port.vtep_iface"},
      {"iface with slash", [](pb::Port& p) { p.set_vtep_iface("a/b"); }, StatusCode::INVALID_ARGUMENT,
       "port.vtep_iface"},
  };
  for (const auto& c : cases) {
    pb::Port p = VtepUplink();
    NormalizePort(p);
    c.mutate(p);
    Status st = ValidatePort(p);
    EXPECT_EQ(st.code(), c.code) << c.label;
    EXPECT_THAT(st.message(), HasSubstr(c.field)) << c.label;
  }
  // A name too long for the default interface name needs one given.
  pb::Port longname = VtepUplink("uplink-number-1");
  NormalizePort(longname);
  Status st = ValidatePort(longname);
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.message(), HasSubstr("port.vtep_iface: required"));
}

TEST(NormalizeVtep, CanonicalNameAndUnicastRemote) {
  pb::Vtep v;
  v.set_tenant("blue");
  v.set_remote("192.0.2.002");
  Status st = NormalizeVtep(v);
  // inet_pton refuses leading zeros: an address has one spelling.
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT);
  v.set_remote("192.0.2.2");
  ASSERT_TRUE(NormalizeVtep(v).ok());
  EXPECT_EQ(v.name(), "blue@192.0.2.2");
  for (const char* bad : {"", "0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255", "fd00::2", "x"}) {
    v.set_remote(bad);
    st = NormalizeVtep(v);
    EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_THAT(st.message(), HasSubstr("vtep.remote")) << bad;
  }
}

class VtepChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pb::Tenant blue = MakeTenant("blue", 1);
    blue.set_vni(5001);
    state_.tenants["blue"] = blue;
    state_.tenants["red"] = MakeTenant("red", 2);
    pb::Port up = VtepUplink();
    NormalizePort(up);
    state_.ports["up0"] = up;
  }
  Status Add(const std::string& tenant, const std::string& remote) {
    pb::Vtep v;
    v.set_tenant(tenant);
    v.set_remote(remote);
    Status st = PrepareVtepCreate(state_, v);
    if (st.ok()) state_.vteps[v.name()] = v;
    return st;
  }
  DesiredState state_;
  NetlinkKernel kernel_;
};

TEST_F(VtepChecksTest, CrossObjectRules) {
  EXPECT_TRUE(Add("blue", "192.0.2.2").ok());
  Status st = Add("blue", "192.0.2.2");
  EXPECT_EQ(st.code(), StatusCode::ALREADY_EXISTS);
  st = Add("green", "192.0.2.3");
  EXPECT_EQ(st.code(), StatusCode::NOT_FOUND);
  EXPECT_THAT(st.message(), HasSubstr("vtep.tenant"));
  st = Add("red", "192.0.2.3");
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.message(), HasSubstr("has no VNI"));
  st = Add("blue", "192.0.2.1");
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.message(), HasSubstr("local VTEP"));
  // The tenant keeps its VNI while it has VTEPs, and is not deleted.
  pb::Tenant blue = state_.tenants["blue"];
  blue.set_vni(0);
  st = PrepareTenantUpdate(state_, blue, kDefaultMacTableSize);
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.message(), HasSubstr("192.0.2.2"));
  blue.set_vni(6000);
  EXPECT_TRUE(PrepareTenantUpdate(state_, blue, kDefaultMacTableSize).ok()) << "a new VNI is fine";
  st = CheckTenantDelete(state_, "blue");
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.message(), HasSubstr("remote VTEPs"));
  std::string name;
  EXPECT_TRUE(FindVtep(state_, "blue", "192.0.2.2", name).ok());
  EXPECT_EQ(name, "blue@192.0.2.2");
  EXPECT_EQ(FindVtep(state_, "blue", "192.0.2.9", name).code(), StatusCode::NOT_FOUND);
}

TEST_F(VtepChecksTest, OneLocalVtepAndItsInterfaceIsNew) {
  pb::Port second = VtepUplink("up1");
  second.set_kind(pb::PORT_KIND_NULL);
  second.set_vtep_ip("198.51.100.1/24");
  PathPolicy paths;
  Status st = PreparePortCreate(state_, kernel_, paths, second);
  EXPECT_EQ(st.code(), StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(st.message(), HasSubstr("port.vtep_ip"));
  state_.ports.clear();
  pb::Port lo = VtepUplink("up1");
  lo.set_kind(pb::PORT_KIND_NULL);
  lo.set_vtep_iface("lo");  // exists in the kernel
  st = PreparePortCreate(state_, kernel_, paths, lo);
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.message(), HasSubstr("port.vtep_iface"));
  // A VTEP address that a remote has is refused.
  ASSERT_TRUE(Add("blue", "198.51.100.7").ok());
  pb::Port clash = VtepUplink("up1");
  clash.set_kind(pb::PORT_KIND_NULL);
  clash.set_vtep_ip("198.51.100.7/24");
  st = PreparePortCreate(state_, kernel_, paths, clash);
  EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.message(), HasSubstr("remote VTEP"));
}

TEST_F(VtepChecksTest, VtepAddressCannotChangeInPlaceTheGatewayCan) {
  pb::Port p = state_.ports["up0"];
  p.set_gateway("192.0.2.254");
  EXPECT_TRUE(PreparePortUpdate(state_, kernel_, p).ok());
  p.set_vtep_ip("192.0.2.9/24");
  Status st = PreparePortUpdate(state_, kernel_, p);
  EXPECT_EQ(st.code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.message(), HasSubstr("port.vtep_ip: cannot change in place"));
}

// --- limits ---

pb::Limit PortLimit(const std::string& port, uint64_t bps) {
  pb::Limit l;
  l.set_port(port);
  l.set_bps(bps);
  return l;
}

TEST(NormalizeLimit, NamesAndDefaults) {
  pb::Limit l = PortLimit("vm1", 1'000'000);
  l.set_generation(9);
  ASSERT_TRUE(NormalizeLimit(l).ok());
  EXPECT_EQ(l.name(), "port/vm1/in");
  EXPECT_EQ(l.direction(), pb::LIMIT_DIRECTION_IN) << "unspecified is in";
  EXPECT_EQ(l.generation(), 0u) << "set by controld, not the caller";
  l.set_direction(pb::LIMIT_DIRECTION_OUT);
  ASSERT_TRUE(NormalizeLimit(l).ok());
  EXPECT_EQ(l.name(), "port/vm1/out");
  l.set_direction(pb::LIMIT_DIRECTION_IN);
  l.set_storm(pb::STORM_CLASS_UNKNOWN);
  ASSERT_TRUE(NormalizeLimit(l).ok());
  EXPECT_EQ(l.name(), "port/vm1/storm-unknown");
  pb::Limit t;
  t.set_tenant("blue");
  t.set_pps(1000);
  ASSERT_TRUE(NormalizeLimit(t).ok());
  EXPECT_EQ(t.name(), "tenant/blue");
  // The extremes of each range are accepted.
  pb::Limit edge = PortLimit("vm1", 8000);
  edge.set_burst_bytes(64);
  edge.set_pps(1'000'000'000);
  edge.set_burst_packets(1);
  EXPECT_TRUE(NormalizeLimit(edge).ok());
  edge.set_bps(400'000'000'000);
  edge.set_peak_bps(400'000'000'000);
  edge.set_peak_burst_bytes(10'000'000'000);
  EXPECT_TRUE(NormalizeLimit(edge).ok());
}

TEST(NormalizeLimit, RejectsEachBadFieldNamingIt) {
  struct LimitCase {
    std::string label;
    std::function<void(pb::Limit&)> mutate;
    std::string field;
  };
  const std::vector<LimitCase> cases = {
      {"neither port nor tenant", [](pb::Limit& l) { l.clear_port(); }, "limit.port"},
      {"both port and tenant", [](pb::Limit& l) { l.set_tenant("blue"); }, "limit.tenant"},
      {"bad port name", [](pb::Limit& l) { l.set_port("a/b"); }, "limit.port"},
      {"unknown direction", [](pb::Limit& l) { l.set_direction(static_cast<pb::LimitDirection>(7)); },
       "limit.direction"},
      {"unknown storm class", [](pb::Limit& l) { l.set_storm(static_cast<pb::StormClass>(9)); }, "limit.storm"},
      {"tenant out", [](pb::Limit& l) { l.clear_port(); l.set_tenant("blue"); l.set_direction(pb::LIMIT_DIRECTION_OUT); },
       "limit.direction"},
      {"tenant storm", [](pb::Limit& l) { l.clear_port(); l.set_tenant("blue"); l.set_storm(pb::STORM_CLASS_BROADCAST); },
       "limit.storm"},
      {"storm out", [](pb::Limit& l) { l.set_storm(pb::STORM_CLASS_MULTICAST); l.set_direction(pb::LIMIT_DIRECTION_OUT); },
       "limit.storm"},
      {"no rate", [](pb::Limit& l) { l.set_bps(0); }, "limit.bps"},
      {"bps below 8 kbit/s", [](pb::Limit& l) { l.set_bps(7999); }, "limit.bps"},
      {"bps above 400 Gbit/s", [](pb::Limit& l) { l.set_bps(400'000'000'001); }, "limit.bps"},
      {"pps above 1 G", [](pb::Limit& l) { l.set_pps(1'000'000'001); }, "limit.pps"},
      {"burst below a frame", [](pb::Limit& l) { l.set_burst_bytes(63); }, "limit.burst_bytes"},
      {"burst above 10 GB", [](pb::Limit& l) { l.set_burst_bytes(10'000'000'001); }, "limit.burst_bytes"},
      {"excess burst below a frame", [](pb::Limit& l) { l.set_excess_burst_bytes(10); }, "limit.excess_burst_bytes"},
      {"byte burst without bps", [](pb::Limit& l) { l.set_bps(0); l.set_pps(10); l.set_burst_bytes(1000); },
       "limit.bps"},
      {"packet burst without pps", [](pb::Limit& l) { l.set_burst_packets(10); }, "limit.burst_packets"},
      {"peak below committed", [](pb::Limit& l) { l.set_peak_bps(999'999); }, "limit.peak_bps"},
      {"peak burst without peak", [](pb::Limit& l) { l.set_peak_burst_bytes(5000); }, "limit.peak_burst_bytes"},
      {"excess burst with a peak", [](pb::Limit& l) { l.set_peak_bps(2'000'000); l.set_excess_burst_bytes(5000); },
       "limit.excess_burst_bytes"},
  };
  for (const auto& c : cases) {
    pb::Limit l = PortLimit("vm1", 1'000'000);
    c.mutate(l);
    Status st = NormalizeLimit(l);
    EXPECT_EQ(st.code(), StatusCode::INVALID_ARGUMENT) << c.label;
    EXPECT_THAT(st.message(), HasSubstr(c.field)) << c.label << ": " << st.message();
  }
}

TEST_F(ChecksTest, LimitTargetsExistAndTheSlotsAreBounded) {
  AddPort(AccessPort());
  pb::Limit l = PortLimit("vm9", 1'000'000);
  Status st = PrepareLimitSet(state_, l);
  EXPECT_EQ(st.code(), StatusCode::NOT_FOUND);
  EXPECT_THAT(st.message(), HasSubstr("limit.port"));
  pb::Limit t;
  t.set_tenant("green");
  t.set_bps(1'000'000);
  st = PrepareLimitSet(state_, t);
  EXPECT_EQ(st.code(), StatusCode::NOT_FOUND);
  EXPECT_THAT(st.message(), HasSubstr("limit.tenant"));
  // Full: a new limit is refused, a change of an existing one is not.
  for (size_t i = 0; i < kMaxLimits; ++i) state_.limits[fmt::format("port/p{}/in", i)] = pb::Limit();
  l = PortLimit("vm1", 1'000'000);
  st = PrepareLimitSet(state_, l);
  EXPECT_EQ(st.code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(st.message(), HasSubstr("4096"));
  state_.limits.erase("port/p0/in");
  state_.limits["port/vm1/in"] = pb::Limit();
  l = PortLimit("vm1", 2'000'000);
  EXPECT_TRUE(PrepareLimitSet(state_, l).ok()) << "changed in place";
}

TEST_F(ChecksTest, LimitsOfAPortOrTenant) {
  state_.limits["port/vm1/in"] = PortLimit("vm1", 1'000'000);
  state_.limits["port/vm1/storm-broadcast"] = PortLimit("vm1", 1'000'000);
  state_.limits["port/vm2/in"] = PortLimit("vm2", 1'000'000);
  pb::Limit t;
  t.set_tenant("blue");
  state_.limits["tenant/blue"] = t;
  EXPECT_EQ(LimitsOf(state_, "vm1", ""), (std::vector<std::string>{"port/vm1/in", "port/vm1/storm-broadcast"}));
  EXPECT_EQ(LimitsOf(state_, "", "blue"), std::vector<std::string>{"tenant/blue"});
  EXPECT_TRUE(LimitsOf(state_, "vm3", "red").empty());
}

}  // namespace
}  // namespace switchyard::controlplane
