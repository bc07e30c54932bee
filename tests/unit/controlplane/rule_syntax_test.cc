// The flow-rule grammar and its semantics (proto/switchyard/rule_syntax.h):
// the match and action expressions yardctl parses and prints, the field
// rules of a RuleMatch, overlap of two matches and the reference semantics
// (which frame a match holds for). Every error case asserts that the
// message names the key, action or field at fault.

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "switchyard/rule_syntax.h"

namespace switchyard::rules {
namespace {

using google::protobuf::util::MessageDifferencer;

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}
bool StartsWith(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

// The expression parsed; a parse error fails the test.
v1::RuleMatch Expr(const std::string& expr) {
  v1::RuleMatch m;
  if (auto e = ParseMatchExpr(expr, &m)) ADD_FAILURE() << "'" << expr << "': " << *e;
  return m;
}

// The expression parsed and checked; either error fails the test.
Match Checked(const std::string& expr) {
  Match out;
  const v1::RuleMatch m = Expr(expr);
  if (auto e = ParseMatch(m, &out)) ADD_FAILURE() << "'" << expr << "': " << *e;
  return out;
}

// The error of ParseMatchExpr, "" when it parses.
std::string MatchExprError(const std::string& expr) {
  v1::RuleMatch m;
  auto e = ParseMatchExpr(expr, &m);
  return e ? *e : std::string();
}

// The error of ParseMatch on a RuleMatch, "" when it passes.
std::string MatchError(const v1::RuleMatch& m) {
  Match out;
  auto e = ParseMatch(m, &out);
  return e ? *e : std::string();
}

std::string ActionsError(const std::string& expr) {
  v1::RuleActions a;
  auto e = ParseActionsExpr(expr, &a);
  return e ? *e : std::string();
}

v1::RuleActions Actions(const std::string& expr) {
  v1::RuleActions a;
  if (auto e = ParseActionsExpr(expr, &a)) ADD_FAILURE() << "'" << expr << "': " << *e;
  return a;
}

// --- ParseMatchExpr ---

TEST(ParseMatchExpr, EveryKey) {
  v1::RuleMatch m = Expr("in_port=vm1,src_mac=aa:bb:cc:dd:ee:ff,dst_mac=01:00:5e:00:00:00/ff:ff:ff:80:00:00,"
                         "vlan=7,ethertype=0x88cc,src_ip=10.0.0.0/8,dst_ip=192.0.2.1,ip_proto=tcp,"
                         "src_port=1024-65535,dst_port=443");
  EXPECT_EQ(m.in_port(), "vm1");
  EXPECT_EQ(m.src_mac(), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(m.dst_mac(), "01:00:5e:00:00:00/ff:ff:ff:80:00:00");
  ASSERT_TRUE(m.has_vlan());
  EXPECT_EQ(m.vlan(), 7u);
  EXPECT_EQ(m.ethertype(), 0x88ccu);
  EXPECT_EQ(m.src_ip(), "10.0.0.0/8");
  EXPECT_EQ(m.dst_ip(), "192.0.2.1");
  ASSERT_TRUE(m.has_ip_proto());
  EXPECT_EQ(m.ip_proto(), 6u);
  ASSERT_TRUE(m.has_src_port());
  EXPECT_EQ(m.src_port().min(), 1024u);
  EXPECT_EQ(m.src_port().max(), 65535u);
  ASSERT_TRUE(m.has_dst_port());
  EXPECT_EQ(m.dst_port().min(), 443u);
  EXPECT_EQ(m.dst_port().max(), 443u);
}

TEST(ParseMatchExpr, VlanZeroIsUntaggedAndSet) {
  v1::RuleMatch m = Expr("vlan=0");
  EXPECT_TRUE(m.has_vlan());
  EXPECT_EQ(m.vlan(), 0u);
  EXPECT_FALSE(Expr("in_port=vm1").has_vlan());
  EXPECT_EQ(Expr("vlan=4094").vlan(), 4094u);
}

TEST(ParseMatchExpr, EthertypesByNameAndNumber) {
  EXPECT_EQ(Expr("ethertype=0x88cc").ethertype(), 0x88ccu);
  EXPECT_EQ(Expr("ethertype=0x88CC").ethertype(), 0x88ccu);
  EXPECT_EQ(Expr("ethertype=0x0600").ethertype(), 0x0600u);
  EXPECT_EQ(Expr("ethertype=0xffff").ethertype(), 0xffffu);
  EXPECT_EQ(Expr("ethertype=ipv4").ethertype(), 0x0800u);
  EXPECT_EQ(Expr("ethertype=ipv6").ethertype(), 0x86ddu);
  EXPECT_EQ(Expr("ethertype=arp").ethertype(), 0x0806u);
}

TEST(ParseMatchExpr, AddressesOfBothFamilies) {
  v1::RuleMatch v4 = Expr("src_ip=10.1.0.0/16,dst_ip=10.2.3.4");
  EXPECT_EQ(v4.src_ip(), "10.1.0.0/16");
  EXPECT_EQ(v4.dst_ip(), "10.2.3.4");
  v1::RuleMatch v6 = Expr("src_ip=fd00::/64,dst_ip=fd00::1");
  EXPECT_EQ(v6.src_ip(), "fd00::/64");
  EXPECT_EQ(v6.dst_ip(), "fd00::1");
}

TEST(ParseMatchExpr, ProtocolsByNameAndNumber) {
  const struct {
    std::string text;
    uint32_t value;
  } cases[] = {{"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"icmpv6", 58}, {"sctp", 132},
               {"0", 0},    {"47", 47}, {"255", 255}};
  for (const auto& c : cases) {
    v1::RuleMatch m = Expr("ip_proto=" + c.text);
    EXPECT_TRUE(m.has_ip_proto()) << c.text;
    EXPECT_EQ(m.ip_proto(), c.value) << c.text;
  }
}

TEST(ParseMatchExpr, PortsAndRanges) {
  v1::RuleMatch m = Expr("ip_proto=udp,src_port=53,dst_port=1000-2000");
  EXPECT_EQ(m.src_port().min(), 53u);
  EXPECT_EQ(m.src_port().max(), 53u);
  EXPECT_EQ(m.dst_port().min(), 1000u);
  EXPECT_EQ(m.dst_port().max(), 2000u);
  v1::RuleMatch all = Expr("ip_proto=tcp,dst_port=0-65535");
  EXPECT_EQ(all.dst_port().min(), 0u);
  EXPECT_EQ(all.dst_port().max(), 65535u);
  v1::RuleMatch zero = Expr("ip_proto=tcp,src_port=0");
  EXPECT_TRUE(zero.has_src_port());
  EXPECT_EQ(zero.src_port().max(), 0u);
}

TEST(ParseMatchExpr, SpacesAroundItemsAreIgnored) {
  v1::RuleMatch m = Expr(" vlan = 5 , ip_proto = udp ");
  EXPECT_EQ(m.vlan(), 5u);
  EXPECT_EQ(m.ip_proto(), 17u);
}

TEST(ParseMatchExpr, EmptyExpressionIsTheEmptyMatch) {
  for (const std::string expr : {"", "  "}) {
    v1::RuleMatch m;
    m.set_in_port("stale");  // overwritten
    auto e = ParseMatchExpr(expr, &m);
    ASSERT_FALSE(e) << *e;
    EXPECT_TRUE(MessageDifferencer::Equals(m, v1::RuleMatch())) << "'" << expr << "'";
    EXPECT_EQ(FormatMatch(m), "");
    Match checked;
    ASSERT_FALSE(ParseMatch(m, &checked));
    EXPECT_EQ(static_cast<int>(checked.families), static_cast<int>(kAnyFamily));
  }
}

TEST(ParseMatchExpr, ErrorsNameTheKey) {
  const struct {
    std::string expr;
    std::string part;  // must appear in the error
  } cases[] = {
      {"colour=blue", "unknown key 'colour'"},
      {"vlan=1,in_port=a,vlan=2", "vlan given twice"},
      {"in_port=a,in_port=a", "in_port given twice"},
      {"vlan", "'vlan' is not key=value"},
      {"ip_proto=tcp,dst_port", "'dst_port' is not key=value"},
      {"vlan=1,", "is not key=value"},
      {"vlan=", "vlan"},
      {"ip_proto=tcp,src_port=5-3", "src_port"},
      {"ip_proto=tcp,dst_port=70000", "dst_port"},
      {"ip_proto=tcp,dst_port=1-70000", "dst_port"},
      {"ip_proto=tcp,src_port=80-", "src_port"},
      {"ip_proto=tcp,src_port=http", "src_port"},
      {"vlan=4095", "vlan"},
      {"vlan=-1", "vlan"},
      {"vlan=ten", "vlan"},
      {"ethertype=0x0500", "ethertype"},
      {"ethertype=0x10000", "ethertype"},
      {"ethertype=2048", "ethertype"},
      {"ethertype=ip", "ethertype"},
      {"ip_proto=256", "ip_proto"},
      {"ip_proto=gre", "ip_proto"},
  };
  for (const auto& c : cases) {
    const std::string e = MatchExprError(c.expr);
    EXPECT_FALSE(e.empty()) << "'" << c.expr << "' was accepted";
    EXPECT_TRUE(Contains(e, c.part)) << "'" << c.expr << "': " << e;
    EXPECT_TRUE(StartsWith(e, "match")) << "'" << c.expr << "': " << e;
  }
}

TEST(ParseMatchExpr, ErrorLeavesTheOutputAlone) {
  v1::RuleMatch m;
  m.set_in_port("kept");
  EXPECT_TRUE(ParseMatchExpr("in_port=other,vlan=4095", &m));
  EXPECT_EQ(m.in_port(), "kept");
  EXPECT_FALSE(m.has_vlan());
}

// --- ParseActionsExpr ---

TEST(ParseActionsExpr, EachAction) {
  v1::RuleActions allow = Actions("allow");
  EXPECT_EQ(allow.verdict(), v1::RULE_VERDICT_ALLOW);
  EXPECT_TRUE(allow.redirect().empty());

  EXPECT_EQ(Actions("drop").verdict(), v1::RULE_VERDICT_DROP);

  v1::RuleActions redirect = Actions("redirect:vm2");
  EXPECT_EQ(redirect.verdict(), v1::RULE_VERDICT_REDIRECT);
  EXPECT_EQ(redirect.redirect(), "vm2");

  v1::RuleActions all = Actions("allow,mirror:tap1,meter:gold,set_vlan:100");
  EXPECT_EQ(all.verdict(), v1::RULE_VERDICT_ALLOW);
  EXPECT_EQ(all.mirror(), "tap1");
  EXPECT_EQ(all.meter(), "gold");
  ASSERT_TRUE(all.has_set_vlan());
  EXPECT_EQ(all.set_vlan(), 100u);
  EXPECT_FALSE(all.strip_vlan());

  v1::RuleActions strip = Actions("strip_vlan,redirect:up0");  // the verdict need not come first
  EXPECT_EQ(strip.verdict(), v1::RULE_VERDICT_REDIRECT);
  EXPECT_EQ(strip.redirect(), "up0");
  EXPECT_TRUE(strip.strip_vlan());
  EXPECT_FALSE(strip.has_set_vlan());

  EXPECT_EQ(Actions("allow,set_vlan:1").set_vlan(), 1u);
  EXPECT_EQ(Actions("allow,set_vlan:4094").set_vlan(), 4094u);
}

TEST(ParseActionsExpr, DropWithMirrorIsAccepted) {
  v1::RuleActions a = Actions("drop,mirror:tap1");
  EXPECT_EQ(a.verdict(), v1::RULE_VERDICT_DROP);
  EXPECT_EQ(a.mirror(), "tap1");
}

TEST(ParseActionsExpr, ErrorsNameTheAction) {
  const struct {
    std::string expr;
    std::string part;
  } cases[] = {
      // exactly one verdict
      {"", "allow, drop or redirect"},
      {"mirror:vm2", "allow, drop or redirect"},
      {"meter:gold,strip_vlan", "allow, drop or redirect"},
      {"allow,drop", "'drop'"},
      {"drop,redirect:vm2", "'redirect:vm2'"},
      {"allow,allow", "'allow'"},
      // each action once, with its argument
      {"allow,mirror:a,mirror:b", "mirror given twice"},
      {"allow,meter:a,meter:b", "meter given twice"},
      {"redirect", "redirect"},
      {"redirect:", "redirect"},
      {"allow,mirror", "mirror"},
      {"allow:x", "allow takes no argument"},
      {"allow,strip_vlan:1", "strip_vlan takes no argument"},
      {"allow,count", "unknown action 'count'"},
      // set_vlan 1..4094, not with strip_vlan
      {"allow,set_vlan:0", "set_vlan"},
      {"allow,set_vlan:4095", "set_vlan"},
      {"allow,set_vlan:x", "set_vlan"},
      {"allow,set_vlan:5,strip_vlan", "strip_vlan"},
      {"allow,strip_vlan,set_vlan:5", "strip_vlan"},
      // nothing a drop makes meaningless
      {"drop,set_vlan:5", "actions.set_vlan"},
      {"drop,strip_vlan", "dropped"},
      {"drop,meter:gold", "actions.meter"},
  };
  for (const auto& c : cases) {
    const std::string e = ActionsError(c.expr);
    EXPECT_FALSE(e.empty()) << "'" << c.expr << "' was accepted";
    EXPECT_TRUE(Contains(e, c.part)) << "'" << c.expr << "': " << e;
  }
}

TEST(CheckActions, RedirectOnlyWithItsVerdict) {
  v1::RuleActions a;
  a.set_verdict(v1::RULE_VERDICT_ALLOW);
  a.set_redirect("vm2");
  auto e = CheckActions(a);
  ASSERT_TRUE(e);
  EXPECT_TRUE(StartsWith(*e, "actions.redirect:")) << *e;

  a.set_verdict(v1::RULE_VERDICT_REDIRECT);
  EXPECT_FALSE(CheckActions(a));
  a.clear_redirect();
  e = CheckActions(a);
  ASSERT_TRUE(e);
  EXPECT_TRUE(StartsWith(*e, "actions.redirect:")) << *e;

  a.set_verdict(static_cast<v1::RuleVerdict>(9));
  e = CheckActions(a);
  ASSERT_TRUE(e);
  EXPECT_TRUE(StartsWith(*e, "actions.verdict:")) << *e;

  v1::RuleActions vlan;
  vlan.set_set_vlan(4095);
  e = CheckActions(vlan);
  ASSERT_TRUE(e);
  EXPECT_TRUE(StartsWith(*e, "actions.set_vlan:")) << *e;
}

// --- Format, round trips and the canonical spelling ---

TEST(FormatMatch, RoundTripsThroughTheParser) {
  const std::vector<std::string> exprs = {
      "in_port=vm1,src_mac=aa:bb:cc:dd:ee:ff,dst_mac=01:00:5e:00:00:00/ff:ff:ff:80:00:00,vlan=0,"
      "ethertype=ipv4,src_ip=10.0.0.0/8,dst_ip=192.168.1.1/32,ip_proto=tcp,src_port=1024-65535,"
      "dst_port=443",
      "ethertype=0x88cc",
      "ethertype=arp,vlan=4094",
      "vlan=12",
      "ip_proto=47",
      "ip_proto=udp,src_port=0,dst_port=53",
      "src_ip=fd00::/64,dst_ip=fd00::1/128,ip_proto=icmpv6",
      "ip_proto=sctp,dst_port=0-65535",
      "",
  };
  for (const auto& expr : exprs) {
    const v1::RuleMatch a = Expr(expr);
    const std::string text = FormatMatch(a);
    const v1::RuleMatch b = Expr(text);
    EXPECT_TRUE(MessageDifferencer::Equals(a, b)) << "'" << expr << "' -> '" << text << "'";
  }
  // Written in FormatMatch's order and spelling, they come back verbatim.
  for (const auto& expr : exprs) {
    // "ethertype=arp,vlan=4094" is not in that order.
    if (expr == "ethertype=arp,vlan=4094") continue;
    EXPECT_EQ(FormatMatch(Expr(expr)), expr);
  }
}

TEST(FormatMatch, UsesNamesOrderAndShortRanges) {
  EXPECT_EQ(FormatMatch(Expr("ethertype=arp,vlan=4094")), "vlan=4094,ethertype=arp");
  EXPECT_EQ(FormatMatch(Expr("ethertype=0x0800")), "ethertype=ipv4");
  EXPECT_EQ(FormatMatch(Expr("ethertype=0x86DD")), "ethertype=ipv6");
  EXPECT_EQ(FormatMatch(Expr("ethertype=0x0806")), "ethertype=arp");
  EXPECT_EQ(FormatMatch(Expr("ethertype=0x0600")), "ethertype=0x0600");
  EXPECT_EQ(FormatMatch(Expr("ip_proto=6")), "ip_proto=tcp");
  EXPECT_EQ(FormatMatch(Expr("ip_proto=17")), "ip_proto=udp");
  EXPECT_EQ(FormatMatch(Expr("ip_proto=132")), "ip_proto=sctp");
  EXPECT_EQ(FormatMatch(Expr("ip_proto=1")), "ip_proto=icmp");
  EXPECT_EQ(FormatMatch(Expr("ip_proto=58")), "ip_proto=icmpv6");
  EXPECT_EQ(FormatMatch(Expr("dst_port=80-80,ip_proto=tcp")), "ip_proto=tcp,dst_port=80");
}

TEST(FormatActions, RoundTripsThroughTheParser) {
  const std::vector<std::string> exprs = {
      "allow",
      "drop",
      "redirect:vm2",
      "drop,mirror:tap1",
      "allow,mirror:tap1,meter:gold,set_vlan:100",
      "redirect:vm2,strip_vlan",
      "allow,meter:gold,strip_vlan",
      "redirect:up0,mirror:tap1,set_vlan:4094",
  };
  for (const auto& expr : exprs) {
    const v1::RuleActions a = Actions(expr);
    const std::string text = FormatActions(a);
    EXPECT_EQ(text, expr);
    const v1::RuleActions b = Actions(text);
    EXPECT_TRUE(MessageDifferencer::Equals(a, b)) << "'" << expr << "' -> '" << text << "'";
  }
  EXPECT_EQ(FormatActions(Actions("set_vlan:7,mirror:tap1,allow")), "allow,mirror:tap1,set_vlan:7");
  EXPECT_EQ(FormatActions(v1::RuleActions()), "allow");
}

TEST(Canonicalize, WritesTheCanonicalSpelling) {
  v1::RuleMatch m;
  m.set_src_mac("AA:BB:CC:DD:EE:FF/ff:ff:ff:ff:ff:ff");
  m.set_dst_mac("01:00:5E:12:34:56/FF:FF:FF:80:00:00");
  m.set_src_ip("10.1.2.3/8");
  m.set_dst_ip("192.0.2.9");
  ASSERT_EQ(MatchError(m), "");
  Canonicalize(m);
  EXPECT_EQ(m.src_mac(), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(m.dst_mac(), "01:00:5e:00:00:00/ff:ff:ff:80:00:00");
  EXPECT_EQ(m.src_ip(), "10.0.0.0/8");
  EXPECT_EQ(m.dst_ip(), "192.0.2.9/32");

  // Idempotent.
  v1::RuleMatch again = m;
  Canonicalize(again);
  EXPECT_TRUE(MessageDifferencer::Equals(m, again));

  v1::RuleMatch v6;
  v6.set_src_ip("fd00::1");
  v6.set_dst_ip("FD00:1:2:3:4:5:6:7/32");
  Canonicalize(v6);
  EXPECT_EQ(v6.src_ip(), "fd00::1/128");
  EXPECT_EQ(v6.dst_ip(), "fd00:1::/32");

  v1::RuleMatch upper;
  upper.set_src_mac("AA:BB:CC:DD:EE:FF");
  Canonicalize(upper);
  EXPECT_EQ(upper.src_mac(), "aa:bb:cc:dd:ee:ff");

  v1::RuleMatch any;
  any.set_src_ip("10.1.2.3/0");
  Canonicalize(any);
  EXPECT_EQ(any.src_ip(), "0.0.0.0/0");
}

TEST(Canonicalize, FormatsTheCanonicalExpression) {
  v1::RuleMatch m = Expr("src_mac=AA:BB:CC:DD:EE:FF/ff:ff:ff:ff:ff:ff,src_ip=10.1.2.3/8,dst_ip=10.9.9.9");
  Canonicalize(m);
  EXPECT_EQ(FormatMatch(m), "src_mac=aa:bb:cc:dd:ee:ff,src_ip=10.0.0.0/8,dst_ip=10.9.9.9/32");
}

TEST(Canonicalize, LeavesAnInvalidMatchAlone) {
  v1::RuleMatch m;
  m.set_src_mac("AA:BB:CC:DD:EE:FF");
  m.set_src_ip("10.0.0.300");
  Canonicalize(m);
  EXPECT_EQ(m.src_mac(), "AA:BB:CC:DD:EE:FF");
  EXPECT_EQ(m.src_ip(), "10.0.0.300");
}

// --- ParseMatch: the field rules ---

TEST(ParseMatch, ParsesEachField) {
  Match m = Checked("in_port=vm1,src_mac=aa:bb:cc:dd:ee:ff/ff:ff:ff:00:00:00,dst_mac=01:02:03:04:05:06,"
                    "vlan=0,src_ip=10.1.2.3/8,ip_proto=tcp,src_port=1000-2000,dst_port=80");
  EXPECT_EQ(m.in_port, "vm1");
  EXPECT_EQ(m.src_mac.value, 0xaabbcc000000ULL);
  EXPECT_EQ(m.src_mac.mask, 0xffffff000000ULL);
  EXPECT_EQ(m.dst_mac.value, 0x010203040506ULL);
  EXPECT_EQ(m.dst_mac.mask, 0xffffffffffffULL);
  ASSERT_TRUE(m.vlan.has_value());
  EXPECT_EQ(*m.vlan, 0);
  EXPECT_EQ(m.ethertype, 0);
  EXPECT_TRUE(m.src_ip.set);
  EXPECT_FALSE(m.src_ip.v6);
  EXPECT_EQ(m.src_ip.len, 8);
  EXPECT_EQ(m.src_ip.addr[0], 10);
  EXPECT_EQ(m.src_ip.addr[1], 0);  // host bits cleared
  EXPECT_EQ(m.src_ip.addr[2], 0);
  EXPECT_FALSE(m.dst_ip.set);
  ASSERT_TRUE(m.ip_proto.has_value());
  EXPECT_EQ(static_cast<int>(*m.ip_proto), 6);
  EXPECT_TRUE(m.src_port.set);
  EXPECT_EQ(m.src_port.lo, 1000);
  EXPECT_EQ(m.src_port.hi, 2000);
  EXPECT_TRUE(m.dst_port.set);
  EXPECT_EQ(m.dst_port.lo, 80);
  EXPECT_EQ(m.dst_port.hi, 80);
  EXPECT_EQ(static_cast<int>(m.families), static_cast<int>(kIpv4));

  Match empty = Checked("");
  EXPECT_EQ(empty.src_mac.mask, 0u);
  EXPECT_FALSE(empty.vlan.has_value());
  EXPECT_FALSE(empty.src_ip.set);
  EXPECT_FALSE(empty.ip_proto.has_value());
  EXPECT_FALSE(empty.src_port.set);
  EXPECT_FALSE(empty.dst_port.set);
}

TEST(ParseMatch, ComputesTheFamilies) {
  const struct {
    std::string expr;
    int families;
  } cases[] = {
      {"", kAnyFamily},
      {"in_port=vm1,vlan=3", kAnyFamily},
      {"ip_proto=tcp", kIpv4 | kIpv6},
      {"ip_proto=0", kIpv4 | kIpv6},
      {"src_ip=fd00::/8", kIpv6},
      {"dst_ip=10.0.0.0/8", kIpv4},
      {"src_ip=10.0.0.0/8,ip_proto=udp", kIpv4},
      {"ethertype=ipv4", kIpv4},
      {"ethertype=ipv6", kIpv6},
      {"ethertype=ipv6,ip_proto=icmpv6", kIpv6},
      {"ethertype=arp", kOther},
      {"ethertype=0x88cc", kOther},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(static_cast<int>(Checked(c.expr).families), c.families) << "'" << c.expr << "'";
  }
}

TEST(ParseMatch, AcceptsConsistentFields) {
  for (const std::string expr :
       {"ethertype=ipv4,src_ip=10.0.0.0/8,dst_ip=192.0.2.0/24", "ethertype=ipv6,dst_ip=fd00::1",
        "ip_proto=tcp,src_port=1-2", "ip_proto=udp,dst_port=53", "ip_proto=sctp,src_port=0-65535",
        "ethertype=ipv4,ip_proto=icmp", "dst_mac=01:00:00:00:00:00/01:00:00:00:00:00"}) {
    EXPECT_EQ(MatchError(Expr(expr)), "") << "'" << expr << "'";
  }
}

TEST(ParseMatch, ErrorsNameTheField) {
  const struct {
    std::string expr;
    std::string field;  // the error starts with it
    std::string also;   // and contains this
  } cases[] = {
      {"src_ip=10.0.0.0/8,dst_ip=fd00::/64", "match.dst_ip:", "fd00::/64"},
      {"src_ip=fd00::1,dst_ip=10.0.0.1", "match.dst_ip:", "10.0.0.1"},
      {"ethertype=arp,src_ip=10.0.0.1", "match.ethertype:", "src_ip"},
      {"ethertype=ipv6,dst_ip=10.0.0.1", "match.ethertype:", "dst_ip"},
      {"ethertype=ipv4,src_ip=fd00::1", "match.ethertype:", "src_ip"},
      {"ethertype=arp,ip_proto=tcp", "match.ip_proto:", "IP"},
      {"ethertype=0x88cc,ip_proto=0", "match.ip_proto:", "IP"},
      {"src_port=80", "match.src_port:", "tcp"},
      {"dst_port=80", "match.dst_port:", "tcp"},
      {"ip_proto=icmp,src_port=80", "match.src_port:", "tcp"},
      {"ip_proto=47,dst_port=80", "match.dst_port:", "tcp"},
      {"src_mac=aa:bb:cc:dd:ee", "match.src_mac:", "aa:bb:cc:dd:ee"},
      {"src_mac=aa-bb-cc-dd-ee-ff", "match.src_mac:", "aa-bb-cc-dd-ee-ff"},
      {"dst_mac=aa:bb:cc:dd:ee:ff/ff:ff", "match.dst_mac:", "ff:ff"},
      {"dst_mac=aa:bb:cc:dd:ee:ff/00:00:00:00:00:00", "match.dst_mac:", "zero"},
      {"src_ip=10.0.0.300", "match.src_ip:", "10.0.0.300"},
      {"src_ip=10.0.0.0/33", "match.src_ip:", "10.0.0.0/33"},
      {"src_ip=10.0.0.0/", "match.src_ip:", "10.0.0.0/"},
      {"dst_ip=fd00::/129", "match.dst_ip:", "fd00::/129"},
      {"dst_ip=host", "match.dst_ip:", "host"},
  };
  for (const auto& c : cases) {
    const std::string e = MatchError(Expr(c.expr));
    EXPECT_TRUE(StartsWith(e, c.field)) << "'" << c.expr << "': " << e;
    EXPECT_TRUE(Contains(e, c.also)) << "'" << c.expr << "': " << e;
  }
}

TEST(ParseMatch, RefusesOutOfRangeProtoValues) {
  // Values the grammar cannot produce but a caller's proto can.
  v1::RuleMatch vlan;
  vlan.set_vlan(4095);
  EXPECT_TRUE(StartsWith(MatchError(vlan), "match.vlan:")) << MatchError(vlan);

  v1::RuleMatch low;
  low.set_ethertype(0x0500);
  EXPECT_TRUE(StartsWith(MatchError(low), "match.ethertype:")) << MatchError(low);
  v1::RuleMatch high;
  high.set_ethertype(0x10000);
  EXPECT_TRUE(StartsWith(MatchError(high), "match.ethertype:")) << MatchError(high);

  v1::RuleMatch proto;
  proto.set_ip_proto(256);
  EXPECT_TRUE(StartsWith(MatchError(proto), "match.ip_proto:")) << MatchError(proto);

  v1::RuleMatch inverted;
  inverted.set_ip_proto(6);
  inverted.mutable_src_port()->set_min(5);
  inverted.mutable_src_port()->set_max(3);
  EXPECT_TRUE(StartsWith(MatchError(inverted), "match.src_port:")) << MatchError(inverted);

  v1::RuleMatch wide;
  wide.set_ip_proto(17);
  wide.mutable_dst_port()->set_min(1);
  wide.mutable_dst_port()->set_max(70000);
  EXPECT_TRUE(StartsWith(MatchError(wide), "match.dst_port:")) << MatchError(wide);
}

// --- CanOverlap ---

struct Pair {
  std::string a, b;
};

void ExpectOverlap(const Pair& p, bool expected) {
  const Match a = Checked(p.a), b = Checked(p.b);
  EXPECT_EQ(CanOverlap(a, b), expected) << "'" << p.a << "' vs '" << p.b << "'";
  EXPECT_EQ(CanOverlap(b, a), expected) << "'" << p.b << "' vs '" << p.a << "'";
}

TEST(CanOverlap, DisjointByEachField) {
  const Pair cases[] = {
      {"in_port=vm1", "in_port=vm2"},
      {"in_port=vm1,ip_proto=tcp", "in_port=vm2"},
      // MACs that differ under both masks
      {"src_mac=aa:bb:cc:00:00:00/ff:ff:ff:00:00:00", "src_mac=aa:bb:dd:00:00:00/ff:ff:ff:00:00:00"},
      {"src_mac=aa:bb:cc:00:00:00/ff:ff:ff:00:00:00", "src_mac=aa:bb:cd:dd:ee:ff"},
      {"dst_mac=00:00:00:00:00:01", "dst_mac=00:00:00:00:00:02"},
      {"dst_mac=01:00:00:00:00:00/01:00:00:00:00:00", "dst_mac=00:00:00:00:00:00/01:00:00:00:00:00"},
      {"vlan=0", "vlan=10"},
      {"vlan=10", "vlan=20"},
      {"ethertype=arp", "ethertype=0x88cc"},
      {"ethertype=ipv4", "ethertype=ipv6"},
      // families
      {"src_ip=10.0.0.0/8", "src_ip=fd00::/8"},
      {"src_ip=10.0.0.0/8", "dst_ip=fd00::/64"},
      {"ethertype=arp", "ip_proto=udp"},
      {"ethertype=0x88cc", "src_ip=10.0.0.0/8"},
      {"ethertype=ipv6", "src_ip=10.0.0.0/8"},
      {"ethertype=ipv4", "dst_ip=::/0"},
      // prefixes that do not nest
      {"src_ip=10.0.0.0/8", "src_ip=11.0.0.0/8"},
      {"dst_ip=10.0.0.0/24", "dst_ip=10.0.1.0/24"},
      {"src_ip=10.0.0.0/7", "src_ip=12.0.0.0/8"},
      {"src_ip=192.0.2.1", "src_ip=192.0.2.2"},
      {"dst_ip=fd00::/64", "dst_ip=fd00:0:0:1::/64"},
      {"dst_ip=fc00::/7", "dst_ip=fe80::/10"},
      // protocol
      {"ip_proto=tcp", "ip_proto=udp"},
      {"ip_proto=tcp,dst_port=80", "ip_proto=udp,dst_port=80"},
      // port ranges that do not intersect
      {"ip_proto=tcp,dst_port=1-100", "ip_proto=tcp,dst_port=101-200"},
      {"ip_proto=udp,src_port=53", "ip_proto=udp,src_port=54"},
      {"ip_proto=tcp,src_port=0,dst_port=80", "ip_proto=tcp,src_port=1-65535"},
  };
  for (const auto& c : cases) ExpectOverlap(c, false);
}

TEST(CanOverlap, OverlappingCases) {
  const Pair cases[] = {
      {"", ""},
      {"", "in_port=vm1,vlan=5,ip_proto=tcp,dst_port=80"},
      {"in_port=vm1", "in_port=vm1"},
      // nested prefixes
      {"src_ip=10.0.0.0/8", "src_ip=10.1.0.0/16"},
      {"src_ip=10.0.0.0/7", "src_ip=11.2.3.4"},
      {"src_ip=0.0.0.0/0", "src_ip=192.0.2.1"},
      {"dst_ip=::/0", "dst_ip=fd00::1"},
      {"dst_ip=fc00::/7", "dst_ip=fd00::/8"},
      {"src_ip=10.0.0.0/8", "src_ip=10.0.0.0/8"},
      // masked MACs that agree where both look
      {"src_mac=aa:bb:cc:00:00:00/ff:ff:ff:00:00:00", "src_mac=aa:bb:cc:dd:ee:ff"},
      {"dst_mac=aa:00:00:00:00:00/ff:00:00:00:00:00", "dst_mac=00:bb:00:00:00:00/00:ff:00:00:00:00"},
      {"dst_mac=01:00:00:00:00:00/01:00:00:00:00:00", "dst_mac=ff:ff:ff:ff:ff:ff"},
      // port ranges that touch at one value
      {"ip_proto=tcp,dst_port=1-100", "ip_proto=tcp,dst_port=100-200"},
      {"ip_proto=tcp,src_port=1000-2000", "ip_proto=tcp,src_port=1500"},
      {"ip_proto=udp,src_port=0-65535", "ip_proto=udp,src_port=65535"},
      // a field set on one side only
      {"ip_proto=tcp,dst_port=80", "ip_proto=tcp"},
      {"ip_proto=tcp", "src_ip=10.0.0.0/8"},
      {"ip_proto=tcp", "dst_ip=fd00::/8"},
      {"src_ip=10.0.0.0/8", "dst_ip=192.168.0.0/16"},
      {"vlan=0", "in_port=vm1"},
      {"vlan=7", "src_mac=aa:bb:cc:dd:ee:ff"},
      {"ethertype=ipv4", "src_ip=10.0.0.0/8"},
      {"ethertype=ipv6", "ip_proto=udp"},
      {"ethertype=0x88cc", "vlan=5"},
      {"ethertype=arp", "in_port=vm1,dst_mac=ff:ff:ff:ff:ff:ff"},
  };
  for (const auto& c : cases) ExpectOverlap(c, true);
}

// --- Matches: the reference semantics ---

std::array<uint8_t, 16> Addr(const char* text) {
  std::array<uint8_t, 16> a{};
  const int family = std::strchr(text, ':') ? AF_INET6 : AF_INET;
  if (inet_pton(family, text, a.data()) != 1) ADD_FAILURE() << "not an address: " << text;
  return a;
}

Frame Ipv4(const char* src, const char* dst) {
  Frame f;
  f.in_port = "vm1";
  f.ethertype = kEtherIpv4;
  f.family = kIpv4;
  f.src_ip = Addr(src);
  f.dst_ip = Addr(dst);
  return f;
}

Frame Ipv6(const char* src, const char* dst) {
  Frame f;
  f.in_port = "vm1";
  f.ethertype = kEtherIpv6;
  f.family = kIpv6;
  f.src_ip = Addr(src);
  f.dst_ip = Addr(dst);
  return f;
}

Frame L4(Frame f, uint8_t proto, uint16_t src_port, uint16_t dst_port) {
  f.ip_proto = proto;
  f.has_ports = true;
  f.src_port = src_port;
  f.dst_port = dst_port;
  return f;
}

Frame Other(uint16_t ethertype) {
  Frame f;
  f.in_port = "vm1";
  f.ethertype = ethertype;
  f.family = kOther;
  return f;
}

TEST(Matches, EmptyMatchHoldsForEveryFrame) {
  const Match any = Checked("");
  EXPECT_TRUE(Matches(any, Ipv4("10.0.0.1", "10.0.0.2")));
  EXPECT_TRUE(Matches(any, Ipv6("fd00::1", "fd00::2")));
  EXPECT_TRUE(Matches(any, Other(kEtherArp)));
}

TEST(Matches, PrefixContainment) {
  const Match v4_all = Checked("src_ip=0.0.0.0/0");
  EXPECT_TRUE(Matches(v4_all, Ipv4("1.2.3.4", "10.0.0.1")));
  EXPECT_TRUE(Matches(v4_all, Ipv4("255.255.255.255", "10.0.0.1")));
  EXPECT_FALSE(Matches(v4_all, Ipv6("fd00::1", "fd00::2"))) << "/0 still names a family";
  EXPECT_FALSE(Matches(v4_all, Other(kEtherArp)));

  const Match v6_all = Checked("src_ip=::/0");
  EXPECT_TRUE(Matches(v6_all, Ipv6("fe80::1", "fd00::2")));
  EXPECT_FALSE(Matches(v6_all, Ipv4("1.2.3.4", "10.0.0.1")));

  const Match v4_7 = Checked("dst_ip=10.0.0.0/7");
  EXPECT_TRUE(Matches(v4_7, Ipv4("1.1.1.1", "10.255.255.255")));
  EXPECT_TRUE(Matches(v4_7, Ipv4("1.1.1.1", "11.0.0.0")));
  EXPECT_FALSE(Matches(v4_7, Ipv4("1.1.1.1", "12.0.0.0")));
  EXPECT_FALSE(Matches(v4_7, Ipv4("1.1.1.1", "9.255.255.255")));
  EXPECT_FALSE(Matches(v4_7, Ipv4("10.0.0.1", "1.1.1.1"))) << "dst, not src";

  const Match v6_7 = Checked("dst_ip=fc00::/7");
  EXPECT_TRUE(Matches(v6_7, Ipv6("::1", "fd12::1")));
  EXPECT_TRUE(Matches(v6_7, Ipv6("::1", "fc00::")));
  EXPECT_FALSE(Matches(v6_7, Ipv6("::1", "fe80::1")));

  const Match v4_32 = Checked("src_ip=192.0.2.1/32");
  EXPECT_TRUE(Matches(v4_32, Ipv4("192.0.2.1", "10.0.0.1")));
  EXPECT_FALSE(Matches(v4_32, Ipv4("192.0.2.0", "10.0.0.1")));
  EXPECT_FALSE(Matches(v4_32, Ipv4("192.0.2.3", "10.0.0.1")));
  const Match host = Checked("src_ip=192.0.2.1");  // a bare address is a host
  EXPECT_TRUE(Matches(host, Ipv4("192.0.2.1", "10.0.0.1")));
  EXPECT_FALSE(Matches(host, Ipv4("192.0.2.2", "10.0.0.1")));

  const Match v6_128 = Checked("src_ip=fd00::1/128");
  EXPECT_TRUE(Matches(v6_128, Ipv6("fd00::1", "fd00::9")));
  EXPECT_FALSE(Matches(v6_128, Ipv6("fd00::2", "fd00::9")));
  EXPECT_FALSE(Matches(v6_128, Ipv6("fd00::1:0:0:1", "fd00::9")));

  const Match both = Checked("src_ip=10.0.0.0/8,dst_ip=192.168.0.0/16");
  EXPECT_TRUE(Matches(both, Ipv4("10.9.9.9", "192.168.3.4")));
  EXPECT_FALSE(Matches(both, Ipv4("10.9.9.9", "192.169.3.4")));
  EXPECT_FALSE(Matches(both, Ipv4("11.9.9.9", "192.168.3.4")));
}

TEST(PrefixContains, AtEachLength) {
  Prefix p;
  p.set = true;
  p.addr = Addr("10.128.0.0");
  p.len = 9;
  EXPECT_TRUE(PrefixContains(p, Addr("10.128.0.1")));
  EXPECT_TRUE(PrefixContains(p, Addr("10.255.255.255")));
  EXPECT_FALSE(PrefixContains(p, Addr("10.127.255.255")));
  p.len = 0;
  EXPECT_TRUE(PrefixContains(p, Addr("200.1.1.1")));
}

TEST(Matches, MaskedMac) {
  const Match group = Checked("dst_mac=01:00:5e:00:00:00/ff:ff:ff:80:00:00");
  Frame f = Other(0x88cc);
  f.dst_mac = 0x01005e7ffffaULL;
  EXPECT_TRUE(Matches(group, f));
  f.dst_mac = 0x01005e000001ULL;
  EXPECT_TRUE(Matches(group, f));
  f.dst_mac = 0x01005e800001ULL;
  EXPECT_FALSE(Matches(group, f));
  f.dst_mac = 0x01005f000000ULL;
  EXPECT_FALSE(Matches(group, f));

  const Match exact = Checked("src_mac=02:00:00:00:00:01");
  f.src_mac = 0x020000000001ULL;
  EXPECT_TRUE(Matches(exact, f));
  f.src_mac = 0x020000000002ULL;
  EXPECT_FALSE(Matches(exact, f));
  f.src_mac = 0x030000000001ULL;
  EXPECT_FALSE(Matches(exact, f));
}

TEST(Matches, VlanZeroIsUntagged) {
  const Match untagged = Checked("vlan=0"), ten = Checked("vlan=10"), any = Checked("");
  Frame f = Other(0x88cc);
  f.vlan = 0;
  EXPECT_TRUE(Matches(untagged, f));
  EXPECT_FALSE(Matches(ten, f));
  EXPECT_TRUE(Matches(any, f));
  f.vlan = 10;
  EXPECT_FALSE(Matches(untagged, f));
  EXPECT_TRUE(Matches(ten, f));
  EXPECT_TRUE(Matches(any, f));
  f.vlan = 11;
  EXPECT_FALSE(Matches(ten, f));
}

TEST(Matches, InPortAndEthertype) {
  const Match vm1 = Checked("in_port=vm1");
  Frame f = Other(kEtherArp);
  EXPECT_TRUE(Matches(vm1, f));
  f.in_port = "vm2";
  EXPECT_FALSE(Matches(vm1, f));

  const Match arp = Checked("ethertype=arp");
  EXPECT_TRUE(Matches(arp, Other(kEtherArp)));
  EXPECT_FALSE(Matches(arp, Other(0x88cc)));
  EXPECT_FALSE(Matches(arp, Ipv4("10.0.0.1", "10.0.0.2")));

  const Match ipv4 = Checked("ethertype=ipv4");
  EXPECT_TRUE(Matches(ipv4, Ipv4("10.0.0.1", "10.0.0.2")));
  EXPECT_FALSE(Matches(ipv4, Ipv6("fd00::1", "fd00::2")));
}

TEST(Matches, PortRangesNeedPorts) {
  const Match all_ports = Checked("ip_proto=tcp,dst_port=0-65535");
  Frame f = L4(Ipv4("10.0.0.1", "10.0.0.2"), kProtoTcp, 40000, 80);
  EXPECT_TRUE(Matches(all_ports, f));
  f.has_ports = false;  // a later fragment
  EXPECT_FALSE(Matches(all_ports, f)) << "a frame without ports matches no port range";
  EXPECT_TRUE(Matches(Checked("ip_proto=tcp"), f)) << "without a port range the protocol is enough";

  const Match src = Checked("ip_proto=udp,src_port=0-65535");
  Frame u = L4(Ipv6("fd00::1", "fd00::2"), kProtoUdp, 0, 0);
  EXPECT_TRUE(Matches(src, u));
  u.has_ports = false;
  EXPECT_FALSE(Matches(src, u));

  const Match range = Checked("ip_proto=udp,src_port=1000-2000");
  for (uint16_t port : {1000, 1500, 2000})
    EXPECT_TRUE(Matches(range, L4(Ipv4("10.0.0.1", "10.0.0.2"), kProtoUdp, port, 53))) << port;
  for (uint16_t port : {999, 2001, 0, 65535})
    EXPECT_FALSE(Matches(range, L4(Ipv4("10.0.0.1", "10.0.0.2"), kProtoUdp, port, 53))) << port;
  EXPECT_FALSE(Matches(range, L4(Ipv4("10.0.0.1", "10.0.0.2"), kProtoTcp, 1500, 53)))
      << "another protocol";

  const Match dst = Checked("ip_proto=tcp,dst_port=443");
  EXPECT_TRUE(Matches(dst, L4(Ipv6("fd00::1", "fd00::2"), kProtoTcp, 1, 443)));
  EXPECT_FALSE(Matches(dst, L4(Ipv6("fd00::1", "fd00::2"), kProtoTcp, 443, 444)));
}

TEST(Matches, IpProtoNeverMatchesANonIpFrame) {
  const Match zero = Checked("ip_proto=0");
  Frame f = Other(0x88cc);
  f.ip_proto = 0;
  EXPECT_FALSE(Matches(zero, f));
  Frame v4 = Ipv4("10.0.0.1", "10.0.0.2");
  v4.ip_proto = 0;
  EXPECT_TRUE(Matches(zero, v4));

  const Match tcp = Checked("ip_proto=tcp");
  Frame arp = Other(kEtherArp);
  arp.ip_proto = kProtoTcp;  // whatever the field says
  EXPECT_FALSE(Matches(tcp, arp));
  EXPECT_TRUE(Matches(tcp, L4(Ipv4("10.0.0.1", "10.0.0.2"), kProtoTcp, 1, 2)));
  EXPECT_TRUE(Matches(tcp, L4(Ipv6("fd00::1", "fd00::2"), kProtoTcp, 1, 2)));
  EXPECT_FALSE(Matches(tcp, L4(Ipv6("fd00::1", "fd00::2"), kProtoUdp, 1, 2)));
}

TEST(MacString, LowerCaseColonSeparated) {
  EXPECT_EQ(MacString(0xaabbcc000001ULL), "aa:bb:cc:00:00:01");
  EXPECT_EQ(MacString(0xffffffffffffULL), "ff:ff:ff:ff:ff:ff");
  EXPECT_EQ(MacString(0), "00:00:00:00:00:00");
}

}  // namespace
}  // namespace switchyard::rules
