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
  DeviceSpec ring = BuildDeviceSpec(MakePort("a-rather-long-ring-port-name", v1::PORT_KIND_RING));
  EXPECT_EQ(ring.name.size(), 17u);  // net_ring fails on longer device names
  EXPECT_EQ(ring.name.rfind("net_ring_", 0), 0u);
  EXPECT_EQ(ring.devargs, ring.name);
  EXPECT_NE(BuildDeviceSpec(MakePort("a-rather-long-ring-port-nam3", v1::PORT_KIND_RING)).name,
            ring.name);
  EXPECT_EQ(BuildDeviceSpec(MakePort("n", v1::PORT_KIND_NULL)).devargs, "net_null_n");
  auto pci = MakePort("nic", v1::PORT_KIND_PCI);
  pci.set_devargs("0000:01:00.0,rxq_pkt_pad_en=1");
  DeviceSpec d = BuildDeviceSpec(pci);
  EXPECT_EQ(d.name, "0000:01:00.0");
  EXPECT_EQ(d.devargs, "0000:01:00.0,rxq_pkt_pad_en=1");
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
