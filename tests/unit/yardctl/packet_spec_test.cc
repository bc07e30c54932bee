#include "packet_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace yardctl {
namespace {

using ::testing::HasSubstr;

uint8_t At(const std::string& f, size_t i) { return static_cast<uint8_t>(f[i]); }
uint16_t Be16(const std::string& f, size_t i) { return static_cast<uint16_t>(At(f, i) << 8 | At(f, i + 1)); }

// The one's-complement sum of a correct header/segment (with its checksum)
// folds to 0xffff.
uint16_t SumOk(const std::string& f, size_t off, size_t len, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += Be16(f, off + i);
  if (len % 2) sum += At(f, off + len - 1) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

TEST(BuildPacket, EthVlanIpv4Udp) {
  auto r = BuildPacket(
      "eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02)/vlan(100,pcp=3)/"
      "ipv4(src=10.0.0.1,dst=10.0.0.2)/udp(sport=1000,dport=53)",
      "--packet");
  ASSERT_TRUE(r.ok()) << r.error();
  const std::string& f = r.value();
  ASSERT_EQ(f.size(), 60u);  // 18 + 20 + 8 = 46 bytes, padded to the minimum
  EXPECT_EQ(At(f, 5), 0x02);
  EXPECT_EQ(At(f, 11), 0x01);
  EXPECT_EQ(Be16(f, 12), 0x8100);
  EXPECT_EQ(Be16(f, 14), (3 << 13) | 100);
  EXPECT_EQ(Be16(f, 16), 0x0800);
  EXPECT_EQ(At(f, 18), 0x45);
  EXPECT_EQ(Be16(f, 18 + 2), 28);  // IP total length
  EXPECT_EQ(At(f, 18 + 9), 17);    // UDP
  EXPECT_EQ(SumOk(f, 18, 20), 0xffff) << "IPv4 header checksum";
  EXPECT_EQ(Be16(f, 38), 1000);
  EXPECT_EQ(Be16(f, 40), 53);
  EXPECT_EQ(Be16(f, 42), 8);
  // UDP checksum over pseudo-header + segment.
  uint32_t pseudo = Be16(f, 30) + Be16(f, 32) + Be16(f, 34) + Be16(f, 36) + 17 + 8;
  EXPECT_EQ(SumOk(f, 38, 8, pseudo), 0xffff) << "UDP checksum";
}

TEST(BuildPacket, Ipv6TcpAndIcmpv6) {
  auto r = BuildPacket("eth/ipv6(src=fd00::1,dst=fd00::2)/tcp(dport=22,flags=SA)", "--packet");
  ASSERT_TRUE(r.ok()) << r.error();
  const std::string& f = r.value();
  EXPECT_EQ(Be16(f, 12), 0x86dd);
  EXPECT_EQ(At(f, 14 + 6), 6);
  EXPECT_EQ(Be16(f, 14 + 4), 20);
  EXPECT_EQ(At(f, 54 + 13), 0x12);  // SYN|ACK
  uint32_t pseudo = 6 + 20;
  for (size_t i = 22; i < 54; i += 2) pseudo += Be16(f, i);
  EXPECT_EQ(SumOk(f, 54, 20, pseudo), 0xffff) << "TCP checksum";
  auto icmp = BuildPacket("eth/ipv6/icmp", "--packet");
  ASSERT_TRUE(icmp.ok()) << icmp.error();
  EXPECT_EQ(At(icmp.value(), 20), 58);
  EXPECT_EQ(At(icmp.value(), 54), 128);  // echo request
}

TEST(BuildPacket, ArpAndPadding) {
  auto r = BuildPacket("eth(src=02:00:00:00:00:07)/arp(sip=10.0.0.7,tip=10.0.0.8)", "--packet");
  ASSERT_TRUE(r.ok()) << r.error();
  const std::string& f = r.value();
  EXPECT_EQ(f.size(), 60u);
  EXPECT_EQ(Be16(f, 12), 0x0806);
  EXPECT_EQ(At(f, 14 + 8 + 5), 0x07);  // sender MAC from eth
  EXPECT_EQ(At(f, 14 + 24 + 3), 8);    // target IP 10.0.0.8
}

TEST(BuildPacket, Hex) {
  auto r = BuildPacket("ff:ff:ff:ff:ff:ff 02:00:00:00:00:01 0800 00", "--packet");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().size(), 15u);  // as given, not padded
  EXPECT_THAT(BuildPacket("0200", "--packet").error(), HasSubstr("at least 14"));
}

TEST(BuildPacket, ErrorsNameTheLayerAndField) {
  EXPECT_THAT(BuildPacket("eth(src=nope)", "--packet").error(),
              HasSubstr("--packet: eth (layer 1): src: 'nope' is not a MAC"));
  EXPECT_THAT(BuildPacket("eth/ipv4(dst=10.0.0.300)", "--packet").error(),
              HasSubstr("ipv4 (layer 2): dst: '10.0.0.300' is not an IPv4 address"));
  EXPECT_THAT(BuildPacket("eth/vlan(5000)", "--packet").error(), HasSubstr("not a number 0..4095"));
  EXPECT_THAT(BuildPacket("eth/udp", "--packet").error(), HasSubstr("comes after ipv4 or ipv6"));
  EXPECT_THAT(BuildPacket("eth/bogus", "--packet").error(), HasSubstr("unknown layer"));
  EXPECT_THAT(BuildPacket("eth(colour=red)", "--packet").error(), HasSubstr("unknown field 'colour'"));
  EXPECT_THAT(BuildPacket("vlan(3)", "--packet").error(), HasSubstr("vlan (layer 1): comes after eth"));
  EXPECT_THAT(BuildPacket("eth/ipv4(", "--packet").error(), HasSubstr("missing ')'"));
  EXPECT_THAT(BuildPacket("eth//ipv4", "--packet").error(), HasSubstr("empty layer"));
}

}  // namespace
}  // namespace yardctl
