#include "ports/devargs.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

v1::Port MakePort(const std::string& name, v1::PortKind kind) {
  v1::Port p;
  p.set_name(name);
  p.set_kind(kind);
  return p;
}

TEST(Devargs, TapDefaultsIfaceToName) {
  DeviceSpec d = BuildDeviceSpec(MakePort("vm1", v1::PORT_KIND_TAP));
  EXPECT_EQ(d.error, "");
  EXPECT_EQ(d.name, "net_tap_vm1");
  EXPECT_EQ(d.devargs, "net_tap_vm1,iface=vm1");
}

TEST(Devargs, VhostServerAndClient) {
  auto p = MakePort("vm2", v1::PORT_KIND_VHOST_SERVER);
  p.set_socket("/tmp/vm2.sock");
  EXPECT_EQ(BuildDeviceSpec(p).devargs, "net_vhost_vm2,iface=/tmp/vm2.sock,queues=1,client=0");
  p.set_kind(v1::PORT_KIND_VHOST_CLIENT);
  p.set_devargs("iommu-support=1");
  EXPECT_EQ(BuildDeviceSpec(p).devargs,
            "net_vhost_vm2,iface=/tmp/vm2.sock,queues=1,client=1,iommu-support=1");
  p.clear_socket();
  EXPECT_NE(BuildDeviceSpec(p).error.find("port.socket"), std::string::npos);
}

TEST(Devargs, VhostOffloadsThatCannotWorkAreRefused) {
  auto p = MakePort("vm", v1::PORT_KIND_VHOST_SERVER);
  p.set_socket("/tmp/vm.sock");
  for (const char* bad : {"tso=1", "legacy-ol-flags=1", "iommu-support=1,tso=1"}) {
    p.set_devargs(bad);
    DeviceSpec d = BuildDeviceSpec(p);
    EXPECT_NE(d.error.find("port.devargs"), std::string::npos) << bad;
  }
  for (const char* ok : {"tso=0", "linear-buffer=1", "stso=10"}) {
    p.set_devargs(ok);
    EXPECT_EQ(BuildDeviceSpec(p).error, "") << ok;
  }
}

TEST(Devargs, KernelBackedKindsNeedIface) {
  for (auto kind : {v1::PORT_KIND_AF_PACKET, v1::PORT_KIND_AF_XDP}) {
    auto p = MakePort("up", kind);
    EXPECT_NE(BuildDeviceSpec(p).error.find("port.iface"), std::string::npos);
    p.set_iface("eth0");
    DeviceSpec d = BuildDeviceSpec(p);
    EXPECT_EQ(d.error, "");
    EXPECT_NE(d.devargs.find(",iface=eth0"), std::string::npos);
  }
}

TEST(Devargs, PcapRingNullPci) {
  auto pcap = MakePort("cap", v1::PORT_KIND_PCAP);
  EXPECT_NE(BuildDeviceSpec(pcap).error.find("port.devargs"), std::string::npos);
  pcap.set_devargs("rx_pcap=/tmp/a.pcap,tx_pcap=/tmp/b.pcap");
  EXPECT_EQ(BuildDeviceSpec(pcap).devargs, "net_pcap_cap,rx_pcap=/tmp/a.pcap,tx_pcap=/tmp/b.pcap");
  DeviceSpec ring =
      BuildDeviceSpec(MakePort("a-rather-long-ring-port-name", v1::PORT_KIND_RING), RingDeviceName(7));
  EXPECT_EQ(ring.error, "");
  EXPECT_EQ(ring.name, "net_ring_00000007");
  EXPECT_EQ(ring.devargs, ring.name);
  EXPECT_EQ(BuildDeviceSpec(MakePort("n", v1::PORT_KIND_NULL)).devargs, "net_null_n");
  auto pci = MakePort("nic", v1::PORT_KIND_PCI);
  pci.set_devargs("0000:01:00.0,rxq_pkt_pad_en=1");
  DeviceSpec d = BuildDeviceSpec(pci);
  EXPECT_EQ(d.name, "0000:01:00.0");
  EXPECT_EQ(d.devargs, "0000:01:00.0,rxq_pkt_pad_en=1");
  ASSERT_EQ(d.identity.size(), 1u);
  EXPECT_EQ(d.identity[0].field, "port.devargs");
  EXPECT_EQ(d.identity[0].what, "PCI address 0000:01:00.0");
}

// A ring device name fits net_ring's limit (17 characters) whatever the
// port's name, and the names of two serials differ.
TEST(Devargs, RingDeviceNames) {
  EXPECT_EQ(RingDeviceName(0), "net_ring_00000000");
  EXPECT_EQ(RingDeviceName(0xffffffffu), "net_ring_ffffffff");
  EXPECT_EQ(RingDeviceName(0xffffffffu).size(), 17u);
  EXPECT_NE(RingDeviceName(1), RingDeviceName(2));
  auto ring = MakePort("r", v1::PORT_KIND_RING);
  EXPECT_NE(BuildDeviceSpec(ring).error, "");  // no name allocated
  ring.set_devargs("nodeaction=net_ring_x:0:ATTACH");
  EXPECT_NE(BuildDeviceSpec(ring, RingDeviceName(1)).error.find("port.devargs"), std::string::npos);
}

TEST(Devargs, PciAddresses) {
  EXPECT_EQ(CanonicalPciAddress("0000:01:00.0"), "0000:01:00.0");
  EXPECT_EQ(CanonicalPciAddress("01:00.0"), "0000:01:00.0");
  EXPECT_EQ(CanonicalPciAddress("0000:AF:1F.7"), "0000:af:1f.7");
  EXPECT_EQ(CanonicalPciAddress("10000:00:02.1"), "10000:00:02.1");
  for (const char* bad : {"", "net_tap_vm1", "eth0", "0000:01:00", "0000:01:20.0", "0000:01:00.8",
                          "000:01:00.0", "0000:1:00.0", "0000:01:00.0x", "x0000:01:00.0",
                          "0000:01:00.0,a=1", "pci:0000:01:00.0"}) {
    EXPECT_EQ(CanonicalPciAddress(bad), std::nullopt) << bad;
  }
}

// A pci port is a PCI address, never a vdev: "--kind pci --devargs
// net_tap_vm1" once took over the live tap port vm1.
TEST(Devargs, PciPortsTakeOnlyPciAddresses) {
  auto pci = MakePort("evil", v1::PORT_KIND_PCI);
  for (const char* bad : {"net_tap_vm1", "net_ring_6fbed7e2", "eth_null0,size=64", "vdev:net_null0",
                          "eth0", "0000:01:00"}) {
    pci.set_devargs(bad);
    DeviceSpec d = BuildDeviceSpec(pci);
    EXPECT_NE(d.error.find("port.devargs: pci ports take a PCI address"), std::string::npos)
        << bad << ": " << d.error;
    EXPECT_EQ(d.devargs, "") << bad;
  }
  pci.set_devargs("net_tap_vm1");
  EXPECT_NE(BuildDeviceSpec(pci).error.find("names a virtual device"), std::string::npos);
  pci.set_devargs("01:00.1,rxq_pkt_pad_en=1");
  DeviceSpec d = BuildDeviceSpec(pci);
  EXPECT_EQ(d.error, "");
  EXPECT_EQ(d.name, "0000:01:00.1");
  EXPECT_EQ(d.devargs, "0000:01:00.1,rxq_pkt_pad_en=1");
}

// The interface or socket a port names is its identity; devargs cannot
// name another one.
TEST(Devargs, IdentityAndNoIfaceInDevargs) {
  auto tap = MakePort("vm1", v1::PORT_KIND_TAP);
  DeviceSpec d = BuildDeviceSpec(tap);
  ASSERT_EQ(d.identity.size(), 1u);
  EXPECT_EQ(d.identity[0].field, "port.iface");
  EXPECT_EQ(d.identity[0].what, "interface vm1");
  auto vhost = MakePort("vm2", v1::PORT_KIND_VHOST_CLIENT);
  vhost.set_socket("/run//sy/./vm2.sock");
  d = BuildDeviceSpec(vhost);
  ASSERT_EQ(d.identity.size(), 1u);
  EXPECT_EQ(d.identity[0].what, "socket /run/sy/vm2.sock");
  EXPECT_TRUE(BuildDeviceSpec(MakePort("n", v1::PORT_KIND_NULL)).identity.empty());

  for (const char* bad : {"iface=vm9", "mac=02:00:00:00:00:01,iface=vm9"}) {
    tap.set_devargs(bad);
    EXPECT_NE(BuildDeviceSpec(tap).error.find("port.devargs"), std::string::npos) << bad;
    vhost.set_devargs(bad);
    EXPECT_NE(BuildDeviceSpec(vhost).error.find("port.devargs"), std::string::npos) << bad;
    auto raw = MakePort("up", v1::PORT_KIND_AF_PACKET);
    raw.set_iface("eth0");
    raw.set_devargs(bad);
    EXPECT_NE(BuildDeviceSpec(raw).error.find("port.devargs"), std::string::npos) << bad;
  }
  tap.set_devargs("remote=eth0");
  EXPECT_EQ(BuildDeviceSpec(tap).error, "");
}

TEST(Devargs, PortNamesAreCheckedAgain) {
  for (const char* bad : {"", "a,iface=vm1", "a b", "123456789012345678901234567890123"}) {
    EXPECT_NE(BuildDeviceSpec(MakePort(bad, v1::PORT_KIND_NULL)).error.find("port.name"),
              std::string::npos)
        << bad;
  }
  EXPECT_EQ(BuildDeviceSpec(MakePort("12345678901234567890123456789012", v1::PORT_KIND_NULL)).error,
            "");
}

TEST(Devargs, NormalizePath) {
  EXPECT_EQ(NormalizePath("/run/vm.sock"), "/run/vm.sock");
  EXPECT_EQ(NormalizePath("//run///./vm.sock"), "/run/vm.sock");
  EXPECT_EQ(NormalizePath("/run/x/../vm.sock"), "/run/vm.sock");
  EXPECT_EQ(NormalizePath("/../run/vm.sock"), "/run/vm.sock");
  EXPECT_EQ(NormalizePath("/run/vm.sock/"), "/run/vm.sock");
  EXPECT_EQ(NormalizePath("a/../../b"), "../b");
}

TEST(Devargs, SameDeviceIgnoresRoleChanges) {
  auto a = MakePort("p", v1::PORT_KIND_TAP);
  auto b = a;
  b.set_role(v1::PORT_ROLE_TRUNK);
  b.set_tenant("x");
  EXPECT_TRUE(SameDevice(a, b));
  b.set_iface("other");
  EXPECT_FALSE(SameDevice(a, b));
}

}  // namespace
}  // namespace switchyard
