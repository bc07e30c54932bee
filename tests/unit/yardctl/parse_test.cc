#include "parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace yardctl {
namespace {
namespace v1 = switchyard::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ParseUint, AcceptsDecimalInRange) {
  EXPECT_EQ(ParseUint("0", "--vlan", 0, 4094).value(), 0u);
  EXPECT_EQ(ParseUint("4094", "--vlan", 0, 4094).value(), 4094u);
  EXPECT_EQ(ParseUint("4294967295", "--id", 0, kMaxU32).value(), 4294967295u);
}

TEST(ParseUint, RejectsNonNumbersNamingTheOption) {
  for (const char* bad : {"", "abc", "-1", "+1", "1.5", "12x", " 1", "0x10"}) {
    auto r = ParseUint(bad, "--vlan", 0, 4094);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error(), StartsWith("--vlan: ")) << bad;
  }
}

TEST(ParseUint, RejectsOutOfRangeAndOverflow) {
  auto r = ParseUint("4095", "--vlan", 0, 4094);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "--vlan: '4095' is out of range 0..4094");
  EXPECT_FALSE(ParseUint("4294967296", "--id", 0, kMaxU32).ok());
  EXPECT_FALSE(ParseUint("99999999999999999999999", "--id", 0, kMaxU32).ok());
  EXPECT_FALSE(ParseUint("0", "--trunk", 1, 4094).ok());
}

TEST(ParseTimeout, PositiveFiniteSeconds) {
  EXPECT_DOUBLE_EQ(ParseTimeout("2", "--timeout").value(), 2.0);
  EXPECT_DOUBLE_EQ(ParseTimeout("0.25", "--timeout").value(), 0.25);
  for (const char* bad : {"", "0", "-1", "abc", "1s", "inf", "nan"}) {
    auto r = ParseTimeout(bad, "--timeout");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error(), StartsWith("--timeout: ")) << bad;
  }
}

TEST(ParsePortKind, EveryNameAndAlias) {
  struct Case {
    const char* name;
    v1::PortKind kind;
  };
  for (const Case& c : {Case{"vhost-server", v1::PORT_KIND_VHOST_SERVER},
                        Case{"vhost-user", v1::PORT_KIND_VHOST_SERVER},
                        Case{"vhost-client", v1::PORT_KIND_VHOST_CLIENT},
                        Case{"tap", v1::PORT_KIND_TAP},
                        Case{"af_packet", v1::PORT_KIND_AF_PACKET},
                        Case{"af_xdp", v1::PORT_KIND_AF_XDP}, Case{"pci", v1::PORT_KIND_PCI},
                        Case{"pcap", v1::PORT_KIND_PCAP}, Case{"ring", v1::PORT_KIND_RING},
                        Case{"null", v1::PORT_KIND_NULL}}) {
    auto r = ParsePortKind(c.name, "--kind");
    ASSERT_TRUE(r.ok()) << c.name;
    EXPECT_EQ(r.value(), c.kind) << c.name;
  }
}

TEST(ParsePortKind, UnknownNamesTheOptionAndListsKinds) {
  for (const char* bad : {"", "TAP", "vhost", "af-packet", "virtio"}) {
    auto r = ParsePortKind(bad, "--kind");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error(), StartsWith("--kind: unknown port kind")) << bad;
    EXPECT_THAT(r.error(), HasSubstr("vhost-server, vhost-user, vhost-client, tap")) << bad;
  }
}

TEST(PortKindName, PrintsThePrimaryName) {
  EXPECT_EQ(PortKindName(v1::PORT_KIND_VHOST_SERVER), "vhost-server");
  EXPECT_EQ(PortKindName(v1::PORT_KIND_AF_XDP), "af_xdp");
  EXPECT_EQ(PortKindName(v1::PORT_KIND_UNSPECIFIED), "unspecified");
}

TEST(ParseTrunkSpecs, CommaSeparatedAndRepeated) {
  auto r = ParseTrunkSpecs({"10=red,20=blue", "30=green"}, "--trunk");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r.value().size(), 3u);
  EXPECT_EQ(r.value()[0].vlan(), 10u);
  EXPECT_EQ(r.value()[0].tenant(), "red");
  EXPECT_EQ(r.value()[1].vlan(), 20u);
  EXPECT_EQ(r.value()[1].tenant(), "blue");
  EXPECT_EQ(r.value()[2].vlan(), 30u);
  EXPECT_EQ(r.value()[2].tenant(), "green");
}

TEST(ParseTrunkSpecs, DuplicatesAreLeftToControld) {
  auto r = ParseTrunkSpecs({"10=red", "10=blue"}, "--trunk");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().size(), 2u);
}

TEST(ParseTrunkSpecs, BadSyntaxNamesTheOption) {
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"10"},
                                             {"red"},
                                             {"=red"},
                                             {"10="},
                                             {"0=red"},
                                             {"4095=red"},
                                             {"x=red"},
                                             {"10=red,"},
                                             {",10=red"},
                                             {"10=red,,20=blue"},
                                             {""},
                                             {}}) {
    auto r = ParseTrunkSpecs(bad, "--trunk");
    ASSERT_FALSE(r.ok()) << (bad.empty() ? "(none)" : bad[0]);
    EXPECT_THAT(r.error(), StartsWith("--trunk: ")) << (bad.empty() ? "(none)" : bad[0]);
  }
  EXPECT_THAT(ParseTrunkSpecs({"4095=red"}, "--trunk").error(), HasSubstr("1..4094"));
  EXPECT_THAT(ParseTrunkSpecs({"10"}, "--trunk").error(), HasSubstr("VLAN=TENANT"));
}

TEST(CheckCidr, AcceptsIpv4AndIpv6WithPrefix) {
  for (const char* good :
       {"10.0.0.1/24", "0.0.0.0/0", "192.168.1.1/32", "fd00::1/64", "::/0", "fe80::1/128"}) {
    auto r = CheckCidr(good, "--ip");
    ASSERT_TRUE(r.ok()) << good << ": " << r.error();
    EXPECT_EQ(r.value(), good);
  }
}

TEST(CheckCidr, RejectsBadSyntaxNamingTheOption) {
  for (const char* bad : {"10.0.0.1", "10.0.0.1/", "10.0.0.1/33", "10.0.0/24", "fd00::1/129",
                          "host/24", "10.0.0.1/2x", "10.0.0.1/-1", "/24", ""}) {
    auto r = CheckCidr(bad, "--ip");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error(), StartsWith("--ip: ")) << bad;
  }
}

TEST(DefaultSocketPath, EnvironmentThenDefault) {
  EXPECT_EQ(DefaultSocketPath(nullptr), "/run/switchyard/controld.sock");
  EXPECT_EQ(DefaultSocketPath(""), "/run/switchyard/controld.sock");
  EXPECT_EQ(DefaultSocketPath("/tmp/c.sock"), "/tmp/c.sock");
}

}  // namespace
}  // namespace yardctl
