#include "core/eth_parse.h"

#include <gtest/gtest.h>

#include <vector>

namespace switchyard {
namespace {

std::vector<uint8_t> Frame(uint64_t dst, uint64_t src, std::vector<uint8_t> after_macs) {
  std::vector<uint8_t> f;
  for (int i = 5; i >= 0; --i) f.push_back(static_cast<uint8_t>(dst >> (8 * i)));
  for (int i = 5; i >= 0; --i) f.push_back(static_cast<uint8_t>(src >> (8 * i)));
  f.insert(f.end(), after_macs.begin(), after_macs.end());
  return f;
}

TEST(EthParse, UntaggedFrame) {
  auto f = Frame(0xffffffffffff, 0x020000000001, {0x08, 0x00, 0x45});
  ParseResult r = ParseEthernet(f.data(), static_cast<uint32_t>(f.size()));
  ASSERT_FALSE(r.drop.has_value());
  EXPECT_EQ(r.l2.dst, 0xffffffffffffULL);
  EXPECT_EQ(r.l2.src, 0x020000000001ULL);
  EXPECT_FALSE(r.l2.tagged);
  EXPECT_EQ(r.l2.vid, 0);
  EXPECT_EQ(r.l2.ethertype, 0x0800);
}

TEST(EthParse, TaggedFrameKeepsVidAndInnerType) {
  auto f = Frame(0x020000000002, 0x020000000001, {0x81, 0x00, 0xa0, 0x64, 0x86, 0xdd});
  ParseResult r = ParseEthernet(f.data(), static_cast<uint32_t>(f.size()));
  ASSERT_FALSE(r.drop.has_value());
  EXPECT_TRUE(r.l2.tagged);
  EXPECT_EQ(r.l2.vid, 100);  // priority bits (0xa000) masked off
  EXPECT_EQ(r.l2.ethertype, 0x86dd);
}

TEST(EthParse, QinQOuterTagIsTheVlan) {
  auto f = Frame(0x020000000002, 0x020000000001, {0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00});
  ParseResult r = ParseEthernet(f.data(), static_cast<uint32_t>(f.size()));
  ASSERT_FALSE(r.drop.has_value());
  EXPECT_EQ(r.l2.vid, 10);
}

TEST(EthParse, StrippedTciIsUsedForUntaggedData) {
  auto f = Frame(0x020000000002, 0x020000000001, {0x08, 0x00});
  ParseResult r = ParseEthernet(f.data(), static_cast<uint32_t>(f.size()), uint16_t{0x2005});
  ASSERT_FALSE(r.drop.has_value());
  EXPECT_FALSE(r.l2.tagged);
  EXPECT_EQ(r.l2.vid, 5);
}

// A NIC that strips a tag strips the outer one: a tag left in the frame is
// the customer's inner tag, part of the payload, and the stripped one
// classifies the frame.
TEST(EthParse, StrippedTciWinsOverATagLeftInTheFrame) {
  auto f = Frame(0x020000000002, 0x020000000001, {0x81, 0x00, 0x00, 0xc8, 0x08, 0x00});
  ParseResult r = ParseEthernet(f.data(), static_cast<uint32_t>(f.size()), uint16_t{0x0064});
  ASSERT_FALSE(r.drop.has_value());
  EXPECT_EQ(r.l2.vid, 100);
  EXPECT_FALSE(r.l2.tagged);
  EXPECT_EQ(r.l2.ethertype, 0x8100);
}

// A priority tag (VID 0) is "untagged"; with another tag behind it the
// frame would pass an untagged access port as untagged and land in the
// inner VLAN wherever the priority tag is popped. Dropped, whatever the
// inner TPID, in the data or stripped by a NIC; a plain priority tag passes.
TEST(EthParse, PriorityTagWithATagBehindIsDropped) {
  for (uint8_t tpid_hi : {0x81, 0x88, 0x91}) {
    const uint8_t tpid_lo = tpid_hi == 0x81 ? 0x00 : tpid_hi == 0x88 ? 0xa8 : 0x00;
    auto f = Frame(0x020000000002, 0x020000000001,
                   {0x81, 0x00, 0xe0, 0x00, tpid_hi, tpid_lo, 0x00, 0x0a, 0x08, 0x00});
    ParseResult r = ParseEthernet(f.data(), static_cast<uint32_t>(f.size()));
    ASSERT_TRUE(r.drop.has_value()) << int(tpid_hi);
    EXPECT_EQ(*r.drop, DropReason::PRIORITY_TAG_STACKED);
  }
  auto stripped = Frame(0x020000000002, 0x020000000001, {0x81, 0x00, 0x00, 0x0a, 0x08, 0x00});
  ParseResult r = ParseEthernet(stripped.data(), static_cast<uint32_t>(stripped.size()),
                                uint16_t{0xe000});
  ASSERT_TRUE(r.drop.has_value());
  EXPECT_EQ(*r.drop, DropReason::PRIORITY_TAG_STACKED);
  auto plain = Frame(0x020000000002, 0x020000000001, {0x81, 0x00, 0xe0, 0x00, 0x08, 0x00});
  r = ParseEthernet(plain.data(), static_cast<uint32_t>(plain.size()));
  EXPECT_FALSE(r.drop.has_value());
  EXPECT_EQ(r.l2.vid, 0);
}

TEST(EthParse, RuntsAreDropped) {
  auto f = Frame(0x020000000002, 0x020000000001, {0x08, 0x00});
  for (uint32_t len = 0; len < 14; ++len) {
    ParseResult r = ParseEthernet(f.data(), len);
    ASSERT_TRUE(r.drop.has_value()) << len;
    EXPECT_EQ(*r.drop, DropReason::RUNT);
  }
  auto t = Frame(0x020000000002, 0x020000000001, {0x81, 0x00, 0x00, 0x64, 0x08, 0x00});
  for (uint32_t len = 14; len < 18; ++len) {
    ParseResult r = ParseEthernet(t.data(), len);
    ASSERT_TRUE(r.drop.has_value()) << len;
    EXPECT_EQ(*r.drop, DropReason::RUNT);
  }
}

TEST(EthParse, BadSourcesAreDropped) {
  auto mc = Frame(0x020000000002, 0x010000000001, {0x08, 0x00});
  EXPECT_EQ(ParseEthernet(mc.data(), 14).drop, DropReason::SRC_MAC_MULTICAST);
  auto zero = Frame(0x020000000002, 0, {0x08, 0x00});
  EXPECT_EQ(ParseEthernet(zero.data(), 14).drop, DropReason::SRC_MAC_ZERO);
}

TEST(EthParse, DropReasonNamesAreDistinct) {
  for (std::size_t i = 0; i < kDropReasonCount; ++i)
    for (std::size_t j = i + 1; j < kDropReasonCount; ++j)
      EXPECT_NE(DropReasonName(static_cast<DropReason>(i)), DropReasonName(static_cast<DropReason>(j)));
}

}  // namespace
}  // namespace switchyard
