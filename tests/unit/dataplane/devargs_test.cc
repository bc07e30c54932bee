#include "ports/devargs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "switchyard/devargs_policy.h"

namespace switchyard {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

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
  // legacy-ol-flags=2 and a repeated key used to get past a guard that
  // looked for the exact strings "tso=1" and "legacy-ol-flags=1".
  for (const char* bad : {"tso=1", "legacy-ol-flags=1", "iommu-support=1,tso=1",
                          "legacy-ol-flags=2", "tso=0,tso=1", "stso=10"}) {
    p.set_devargs(bad);
    DeviceSpec d = BuildDeviceSpec(p);
    EXPECT_NE(d.error.find("port.devargs"), std::string::npos) << bad;
  }
  for (const char* ok : {"tso=0", "linear-buffer=1", "legacy-ol-flags=0,iommu-support=1"}) {
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
  pci.set_devargs("0000:01:00.0");
  DeviceSpec d = BuildDeviceSpec(pci);
  EXPECT_EQ(d.name, "0000:01:00.0");
  EXPECT_EQ(d.devargs, "0000:01:00.0");
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
  pci.set_devargs("01:00.1");
  DeviceSpec d = BuildDeviceSpec(pci);
  EXPECT_EQ(d.error, "");
  EXPECT_EQ(d.name, "0000:01:00.1");
  EXPECT_EQ(d.devargs, "0000:01:00.1");
  // Driver arguments belong on the EAL command line (an operator's), not
  // in a caller's port: a driver argument may create further devices.
  pci.set_devargs("01:00.1,representor=[0-3]");
  EXPECT_THAT(BuildDeviceSpec(pci).error,
              HasSubstr("port.devargs: 'representor' is not an argument pci ports accept"));
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
  vhost.set_socket("/run/sy/vm2.sock");
  d = BuildDeviceSpec(vhost);
  ASSERT_EQ(d.identity.size(), 1u);
  EXPECT_EQ(d.identity[0].what, "socket /run/sy/vm2.sock");
  // Other spellings, and characters that would end the devargs value, are
  // refused (the dataplane checks again what controld checks).
  for (const char* bad : {"/run//sy/./vm2.sock", "/run/sy/../vm2.sock", "/run/sy/a,client=0",
                          "/run/sy/a b", "run/vm.sock"}) {
    vhost.set_socket(bad);
    EXPECT_THAT(BuildDeviceSpec(vhost).error, HasSubstr("port.socket: ")) << bad;
  }
  vhost.set_socket("/run/sy/vm2.sock");
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
  // tap's remote= would attach the port to another interface.
  tap.set_devargs("remote=eth0");
  EXPECT_THAT(BuildDeviceSpec(tap).error, HasSubstr("'remote' is not an argument tap ports accept"));
  tap.set_devargs("mac=02:00:00:00:00:01");
  EXPECT_EQ(BuildDeviceSpec(tap).error, "");
}

// Every kind's allow-list, and the shape of each value.
TEST(DevargsPolicy, AllowListAndValueShapes) {
  struct Case {
    v1::PortKind kind;
    const char* devargs;
    const char* error;  // "" = accepted
  };
  const Case cases[] = {
      {v1::PORT_KIND_PCAP, "rx_pcap=/var/lib/switchyard/pcap/a.pcap,infinite_rx=1", ""},
      {v1::PORT_KIND_PCAP, "tx_pcap=relative.pcap", "port.devargs: tx_pcap: must be an absolute path"},
      {v1::PORT_KIND_PCAP, "rx_iface=eth0", "'rx_iface' is not an argument pcap ports accept"},
      {v1::PORT_KIND_PCAP, "infinite_rx=yes", "infinite_rx=yes: must be 0 or 1"},
      {v1::PORT_KIND_AF_XDP, "xdp_prog=/tmp/x.o", "'xdp_prog' is not an argument af_xdp ports"},
      {v1::PORT_KIND_AF_XDP, "start_queue=2,queue_count=1", ""},
      {v1::PORT_KIND_AF_PACKET, "qpairs=2,framesz=2048", ""},
      {v1::PORT_KIND_AF_PACKET, "qpairs=-1", "qpairs=-1: must be a number"},
      {v1::PORT_KIND_NULL, "size=64,copy=1", ""},
      {v1::PORT_KIND_RING, "nodeaction=x:0:ATTACH", "(they take none)"},
      {v1::PORT_KIND_TAP, "mac=fixed", ""},
      {v1::PORT_KIND_TAP, "mac=02:00:00:00:00:0g", "must be a MAC address"},
      {v1::PORT_KIND_VHOST_CLIENT, "iommu-support=1,iommu-support=0", "appears twice"},
  };
  for (const Case& c : cases) {
    v1::Port p;
    p.set_kind(c.kind);
    p.set_devargs(c.devargs);
    auto e = CheckDevargs(p);
    if (*c.error == '\0') {
      EXPECT_FALSE(e.has_value()) << c.devargs << ": " << *e;
    } else {
      EXPECT_THAT(e.value_or(""), HasSubstr(c.error)) << c.devargs;
      EXPECT_THAT(e.value_or(""), StartsWith("port.devargs: ")) << c.devargs;
    }
  }
  EXPECT_TRUE(PathUnder("/run/switchyard/vhost/a.sock", "/run/switchyard/vhost"));
  EXPECT_FALSE(PathUnder("/run/switchyard/vhostX/a.sock", "/run/switchyard/vhost"));
  EXPECT_TRUE(PathUnder("/a", "/"));
  EXPECT_EQ(DevargsValue("a=1,rx_pcap=/x/y,b", "rx_pcap").value_or(""), "/x/y");
  EXPECT_FALSE(DevargsValue("a=1", "rx_pcap").has_value());
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
