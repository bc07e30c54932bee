#include "format.h"

#include "switchyard/rule_syntax.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <sstream>

namespace yardctl {
namespace {
namespace v1 = switchyard::v1;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Every line of a rendered block ends without spaces and in '\n'.
void ExpectTidy(const std::string& text) {
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  for (const auto& line : Lines(text)) {
    EXPECT_TRUE(line.empty() || line.back() != ' ') << "trailing space: '" << line << "'";
  }
}

TEST(Table, AlignsColumnsLeftAndRight) {
  Table t({{"NAME"}, {"COUNT", Table::Align::kRight}, {"NOTE"}});
  t.AddRow({"a", "1", "x"});
  t.AddRow({"longer-name", "12345", ""});
  EXPECT_EQ(t.Render(),
            "NAME         COUNT  NOTE\n"
            "a                1  x\n"
            "longer-name  12345\n");
}

TEST(Table, HeaderOnlyWhenEmpty) {
  Table t({{"A"}, {"B"}});
  EXPECT_EQ(t.Render(), "A  B\n");
  EXPECT_EQ(t.rows(), 0u);
}

v1::ListTenantsReply SampleTenants() {
  v1::ListTenantsReply r;
  auto* red = r.add_tenants();
  red->set_name("red");
  red->set_id(1);
  red->set_vlan(100);
  red->set_generation(3);
  auto* blue = r.add_tenants();
  blue->set_name("blue-team");
  blue->set_id(12);
  blue->set_vni(5000);
  blue->set_mac_limit(1024);
  blue->set_default_policy(v1::RULE_POLICY_DENY);
  blue->set_generation(4);
  return r;
}

TEST(FormatTenantList, Table) {
  EXPECT_EQ(FormatTenantList(SampleTenants()),
            "NAME       ID  VLAN   VNI  MAC-LIMIT  POLICY  GEN\n"
            "red         1   100     -    default  allow     3\n"
            "blue-team  12     -  5000       1024  deny      4\n");
}

TEST(FormatTenant, KeyValues) {
  std::string out = FormatTenant(SampleTenants().tenants(1));
  ExpectTidy(out);
  EXPECT_THAT(out, HasSubstr("name            blue-team\n"));
  EXPECT_THAT(out, HasSubstr("vni             5000\n"));
  EXPECT_THAT(out, HasSubstr("vlan            -\n"));
  EXPECT_THAT(out, HasSubstr("default policy  deny\n"));
  EXPECT_THAT(FormatTenant(SampleTenants().tenants(0)), HasSubstr("default policy  allow\n"));
}

v1::ListPortsReply SamplePorts() {
  v1::ListPortsReply r;
  auto* vm = r.add_ports();
  vm->mutable_port()->set_name("vm1");
  vm->mutable_port()->set_kind(v1::PORT_KIND_VHOST_SERVER);
  vm->mutable_port()->set_role(v1::PORT_ROLE_ACCESS);
  vm->mutable_port()->set_tenant("red");
  vm->mutable_status()->set_link(v1::LINK_STATE_UP);
  vm->mutable_status()->set_port_id(0);
  auto* trunk = r.add_ports();
  trunk->mutable_port()->set_name("eth1");
  trunk->mutable_port()->set_kind(v1::PORT_KIND_AF_PACKET);
  trunk->mutable_port()->set_role(v1::PORT_ROLE_TRUNK);
  for (auto [vlan, tenant] : {std::pair{10u, "red"}, std::pair{20u, "blue"}}) {
    auto* tv = trunk->mutable_port()->add_trunk();
    tv->set_vlan(vlan);
    tv->set_tenant(tenant);
  }
  trunk->mutable_status()->set_link(v1::LINK_STATE_DOWN);
  trunk->mutable_status()->set_port_id(12);
  auto* up = r.add_ports();
  up->mutable_port()->set_name("uplink0");
  up->mutable_port()->set_kind(v1::PORT_KIND_PCI);
  up->mutable_port()->set_role(v1::PORT_ROLE_UPLINK);
  up->set_error("probe failed: no such device");
  auto* tap = r.add_ports();
  tap->mutable_port()->set_name("t1");
  tap->mutable_port()->set_kind(v1::PORT_KIND_TAP);
  tap->mutable_port()->set_role(v1::PORT_ROLE_ACCESS);
  tap->mutable_port()->set_tenant("blue");
  tap->mutable_port()->set_access_vlan(30);
  return r;
}

TEST(FormatPortList, Table) {
  EXPECT_EQ(FormatPortList(SamplePorts()),
            "NAME     KIND          ROLE    TENANT/VLANS     LINK  PORT-ID  ERROR\n"
            "vm1      vhost-server  access  red              up          0\n"
            "eth1     af_packet     trunk   10=red,20=blue   down       12\n"
            "uplink0  pci           uplink  (all with vlan)  -           -  probe failed: no such device\n"
            "t1       tap           access  blue vlan 30     -           -\n");
}

TEST(FormatPortView, ConfigAndStatus) {
  v1::PortView view = SamplePorts().ports(0);
  view.mutable_port()->set_socket("/run/vm1.sock");
  view.mutable_status()->set_driver("net_vhost");
  view.mutable_status()->set_link_speed_mbps(10000);
  view.mutable_status()->add_rx_workers(2);
  view.mutable_status()->add_rx_workers(3);
  std::string out = FormatPortView(view);
  ExpectTidy(out);
  EXPECT_THAT(out, HasSubstr("socket      /run/vm1.sock\n"));
  EXPECT_THAT(out, HasSubstr("vlan        untagged\n"));
  EXPECT_THAT(out, HasSubstr("link        up 10000 Mb/s\n"));
  EXPECT_THAT(out, HasSubstr("rx workers  rxq0:lcore2 rxq1:lcore3\n"));
}

TEST(FormatPortView, NoDataplaneAndTapConfig) {
  v1::PortView view = SamplePorts().ports(3);
  view.mutable_port()->mutable_tap()->set_netns("ns1");
  view.mutable_port()->mutable_tap()->add_addresses("10.0.0.1/24");
  std::string out = FormatPortView(view);
  ExpectTidy(out);
  EXPECT_THAT(out, HasSubstr("(no dataplane connected)"));
  EXPECT_THAT(out, HasSubstr("netns       ns1\n"));
  EXPECT_THAT(out, HasSubstr("addresses   10.0.0.1/24\n"));
  EXPECT_THAT(out, HasSubstr("mtu         unchanged\n"));
}

TEST(FormatMacs, Table) {
  v1::ListMacsReply r;
  auto* m = r.add_macs();
  m->set_tenant("red");
  m->set_mac("02:00:00:00:00:01");
  m->set_port("vm1");
  m->set_age_ms(1300);
  m = r.add_macs();
  m->set_tenant("red");
  m->set_mac("02:00:00:00:00:02");
  m->set_remote_vtep("192.0.2.2");
  m->set_age_ms(12000);
  EXPECT_EQ(FormatMacs(r),
            "TENANT  MAC                WHERE             AGE\n"
            "red     02:00:00:00:00:01  vm1              1.3s\n"
            "red     02:00:00:00:00:02  vtep 192.0.2.2  12.0s\n");
}

v1::Stats SampleStats() {
  v1::Stats s;
  auto* p = s.add_ports();
  p->set_port("vm1");
  p->set_rx_packets(1000);
  p->set_rx_bytes(64000);
  p->set_tx_packets(900);
  p->set_tx_bytes(57600);
  p->set_rx_dropped(3);
  auto* t = s.add_tenants();
  t->set_tenant("red");
  t->set_rx_packets(1000);
  t->set_macs(2);
  auto* d1 = s.add_drops();
  d1->set_reason("no_tenant");
  d1->set_packets(3);
  auto* d0 = s.add_drops();
  d0->set_reason("malformed");
  d0->set_packets(0);
  auto* w = s.add_workers();
  w->set_lcore(1);
  w->set_polls(500);
  w->set_busy_polls(40);
  w->set_busy_cycles(123456);
  w->set_packets(1000);
  auto* idle = s.add_workers();
  idle->set_lcore(2);
  idle->set_polls(500);
  s.set_tsc_hz(2000000000);
  return s;
}

TEST(FormatStats, SectionsAndCyclesPerPacket) {
  std::string out = FormatStats(SampleStats());
  ExpectTidy(out);
  auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 12u) << out;
  // Columns are the proto fields, in their order, named after them.
  EXPECT_EQ(lines[0],
            "PORT  RX-PACKETS  RX-BYTES  TX-PACKETS  TX-BYTES  RX-DROPPED  TX-DROPPED  FLOODED  "
            "HW-RX-MISSED  HW-RX-NOMBUF  HW-RX-ERRORS  HW-TX-ERRORS");
  EXPECT_EQ(lines[1],
            "vm1         1000     64000         900     57600           3           0        0  "
            "           0             0             0             0");
  EXPECT_EQ(lines[2], "");
  EXPECT_EQ(lines[3],
            "TENANT  RX-PACKETS  RX-BYTES  UNICAST  FLOODED  DROPPED  LEARNED  MOVED  LEARN-LIMIT  "
            "LEARN-TABLE-FULL  MACS");
  EXPECT_EQ(lines[5], "");
  EXPECT_EQ(lines[6], "DROP-REASON  PACKETS");
  EXPECT_EQ(lines[7], "no_tenant          3");
  EXPECT_THAT(out, Not(HasSubstr("malformed")));  // zero reasons are left out
  EXPECT_EQ(lines[9], "LCORE  POLLS  BUSY-POLLS  PACKETS  CYCLES/PKT  IDLE-SLEEPS");
  EXPECT_EQ(lines[10], "    1    500          40     1000       123.5            0");
  EXPECT_EQ(lines[11], "    2    500           0        0           -            0");
}

TEST(FormatStats, EmptySectionsLeftOut) {
  v1::Stats s;
  auto* p = s.add_ports();
  p->set_port("vm1");
  std::string out = FormatStats(s);
  EXPECT_EQ(Lines(out).size(), 2u) << out;
  EXPECT_EQ(FormatStats(v1::Stats{}), "");
}

TEST(FormatStatus, ConnectedAndBehind) {
  v1::Status s;
  s.set_version("0.1.0");
  s.set_generation(42);
  s.set_db("/var/lib/switchyard/state.db");
  s.set_uptime_ms(3723000);
  auto* dp = s.mutable_dataplane();
  dp->set_connected(true);
  dp->set_generation(40);
  dp->set_in_sync(false);
  dp->set_ports_up(3);
  dp->set_ports_total(4);
  std::string out = FormatStatus(s);
  ExpectTidy(out);
  EXPECT_THAT(out, HasSubstr("  uptime      1h02m03s\n"));
  EXPECT_THAT(out, HasSubstr("  generation  40 (behind desired 42)\n"));
  EXPECT_THAT(out, HasSubstr("  ports up    3/4\n"));
}

TEST(FormatStatus, OutOfSyncSaysRetryAndError) {
  v1::Status s;
  s.set_generation(42);
  auto* dp = s.mutable_dataplane();
  dp->set_connected(true);
  dp->set_generation(41);
  dp->set_out_of_sync(true);
  dp->set_failed_attempts(3);
  dp->set_next_retry_ms(800);
  dp->set_last_error("Apply to generation 42 failed: Deadline Exceeded");
  dp->set_mac_table_size(1000);
  dp->set_mac_table_reserved(1200);
  std::string out = FormatStatus(s);
  ExpectTidy(out);
  EXPECT_THAT(out, HasSubstr("  generation  41 (OUT OF SYNC with desired 42: 3 failed attempts, "
                             "next in 0.8s)\n"));
  EXPECT_THAT(out, HasSubstr("  last error  Apply to generation 42 failed: Deadline Exceeded\n"));
  EXPECT_THAT(out, HasSubstr("OVERCOMMITTED"));
}

TEST(FormatStatus, Disconnected) {
  v1::Status s;
  s.mutable_dataplane()->set_last_error("connect: No such file or directory");
  std::string out = FormatStatus(s);
  EXPECT_THAT(out, HasSubstr("  connected   no\n"));
  EXPECT_THAT(out, HasSubstr("  last error  connect: No such file or directory\n"));
  EXPECT_THAT(out, Not(HasSubstr("ports up")));
}

TEST(FormatDuration, Units) {
  EXPECT_EQ(FormatDuration(999), "0s");
  EXPECT_EQ(FormatDuration(7000), "7s");
  EXPECT_EQ(FormatDuration(125000), "2m05s");
  EXPECT_EQ(FormatDuration(90061000), "1d1h01m01s");
}

TEST(ToJson, ValidPrimitiveFieldsAndProtoNames) {
  v1::ListTenantsReply reply = SampleTenants();
  std::string json = ToJson(reply);
  EXPECT_EQ(json.back(), '\n');
  // Proto field names, zero fields included.
  EXPECT_THAT(json, HasSubstr("\"mac_limit\""));
  EXPECT_THAT(json, Not(HasSubstr("macLimit")));
  EXPECT_THAT(json, HasSubstr("\"vni\": 0"));
  // Valid: parses back to the same message.
  v1::ListTenantsReply back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok()) << json;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(reply, back));
}

TEST(ToJson, EnumsByNameAndEmptyMessage) {
  v1::ListPortsReply ports = SamplePorts();
  std::string json = ToJson(ports);
  EXPECT_THAT(json, HasSubstr("\"PORT_KIND_VHOST_SERVER\""));
  EXPECT_THAT(json, HasSubstr("\"access_vlan\""));
  v1::ListPortsReply back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(ports, back));
  std::string empty = ToJson(v1::FlushMacsReply{});
  EXPECT_THAT(empty, HasSubstr("\"flushed\": 0"));
}

TEST(FormatLimitList, RatesAsTypedAndTheByteBasis) {
  v1::ListLimitsReply reply;
  auto* a = reply.add_limits();
  a->mutable_limit()->set_name("port/vm1/in");
  a->mutable_limit()->set_bps(20'000'000);
  a->mutable_counters()->set_green_packets(5226);
  a->mutable_counters()->set_red_packets(21574);
  a->mutable_counters()->set_red_bytes(31109708);
  a->set_basis("Ethernet frame as the VM sent it");
  auto* t = reply.add_limits();
  t->mutable_limit()->set_name("tenant/red");
  t->mutable_limit()->set_bps(2'500'000);
  t->mutable_limit()->set_burst_bytes(64000);
  t->mutable_limit()->set_peak_bps(10'000'000'000);
  t->mutable_limit()->set_pps(1234);
  const std::string out = FormatLimitList(reply);
  ExpectTidy(out);
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 4u) << out;
  EXPECT_THAT(lines[1], ::testing::MatchesRegex("port/vm1/in +20M +10ms +- +- +5226 +0 +21574 +31109708"));
  EXPECT_THAT(lines[2], ::testing::MatchesRegex("tenant/red +2.5M +64000 +10G +1234 +- +- +- +-"))
      << "no counters yet: dashes";
  EXPECT_EQ(lines[3], "bytes: Ethernet frame as the VM sent it");
}

constexpr const char* kLongMatch =
    "in_port=vm1,src_mac=aa:bb:cc:dd:ee:ff,dst_mac=11:22:33:44:55:66/ff:ff:ff:00:00:00,vlan=10,"
    "src_ip=10.0.0.0/8,dst_ip=10.1.2.3,ip_proto=tcp,src_port=1024-65535,dst_port=443";

// A rule as controld returns it; `tenant` empty: a global rule; packets
// < 0: no counters (no dataplane).
void AddRule(v1::ListRulesReply& reply, const std::string& name, const std::string& tenant,
             uint32_t priority, const std::string& match, const std::string& action,
             int64_t packets = -1, uint64_t bytes = 0) {
  v1::RuleView* v = reply.add_rules();
  v1::Rule* r = v->mutable_rule();
  r->set_name(name);
  if (tenant.empty()) {
    r->set_global(true);
  } else {
    r->set_tenant(tenant);
  }
  r->set_priority(priority);
  r->set_generation(9);
  auto m = switchyard::rules::ParseMatchExpr(match, r->mutable_match());
  EXPECT_FALSE(m.has_value()) << *m;
  auto a = switchyard::rules::ParseActionsExpr(action, r->mutable_actions());
  EXPECT_FALSE(a.has_value()) << *a;
  if (packets >= 0) {
    v->mutable_counters()->set_rule(name);
    v->mutable_counters()->set_packets(static_cast<uint64_t>(packets));
    v->mutable_counters()->set_bytes(bytes);
  }
}

v1::ListRulesReply SampleRules() {
  v1::ListRulesReply r;
  AddRule(r, "web", "red", 100, "ip_proto=tcp,dst_port=80", "allow", 12, 3400);
  AddRule(r, "long", "blue", 5, kLongMatch, "drop");
  AddRule(r, "ssh", "red", 200, "ip_proto=tcp,dst_port=22", "drop");
  AddRule(r, "any", "", 10, "", "allow,mirror:tap1");
  AddRule(r, "b-web", "red", 100, "ip_proto=tcp,dst_port=8080", "allow");
  AddRule(r, "dns", "blue", 50, "ip_proto=udp,dst_port=53", "redirect:dns0");
  return r;
}

TEST(FormatRuleList, SortedByScopePriorityNameAndFitsEightyColumns) {
  const std::string out = FormatRuleList(SampleRules());
  ExpectTidy(out);
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 8u) << out;
  for (const auto& line : lines) EXPECT_LE(line.size(), 80u) << "'" << line << "'";
  EXPECT_THAT(lines[0], ::testing::MatchesRegex(
                            "NAME +SCOPE +PRIO +MATCH +ACTION +PACKETS +BYTES"));
  // Global first; then by tenant, the highest priority first, ties by name.
  std::vector<std::string> names;
  for (size_t i = 1; i < 7; ++i) names.push_back(lines[i].substr(0, lines[i].find(' ')));
  EXPECT_EQ(names, (std::vector<std::string>{"any", "dns", "long", "ssh", "b-web", "web"}));
  EXPECT_THAT(lines[1], ::testing::MatchesRegex(
                            "any +global +10 +\\(every frame\\) +allow,mirror:tap1 +- +-"));
  EXPECT_THAT(lines[6], ::testing::MatchesRegex(
                            "web +red +100 +ip_proto=tcp,dst_port=80 +allow +12 +3400"));
  EXPECT_THAT(lines[4], ::testing::MatchesRegex(
                            "ssh +red +200 +ip_proto=tcp,dst_port=22 +drop +- +-"));
  // The other columns take 5+6+4+17+7+5 and 12 of separators: MATCH gets
  // 80 - 56 = 24, the long match is cut to 21 and "...".
  const std::string cut = std::string(kLongMatch).substr(0, 21) + "...";
  EXPECT_THAT(lines[3], HasSubstr(" " + cut + " "));
  EXPECT_THAT(lines[3], Not(HasSubstr("dst_port=443")));
  EXPECT_THAT(lines[3], ::testing::MatchesRegex("long +blue +5 +.* +drop +- +-"));
  EXPECT_EQ(lines[7], "(rule show NAME for the whole rule)");
}

TEST(FormatRuleList, NothingCutNoHint) {
  v1::ListRulesReply r;
  AddRule(r, "web", "red", 100, "ip_proto=tcp,dst_port=80", "allow", 1, 60);
  const std::string out = FormatRuleList(r);
  EXPECT_EQ(out,
            "NAME  SCOPE  PRIO  MATCH                     ACTION  PACKETS  BYTES\n"
            "web   red     100  ip_proto=tcp,dst_port=80  allow         1     60\n");
  EXPECT_EQ(FormatRuleList(v1::ListRulesReply{}),
            "NAME  SCOPE  PRIO  MATCH  ACTION  PACKETS  BYTES\n");
}

TEST(FormatRuleList, LongNamesStillLeaveSomeMatch) {
  v1::ListRulesReply r;
  const std::string name(64, 'n');
  AddRule(r, name, "red", 1, kLongMatch, "redirect:a-long-port-name,mirror:another-port");
  const auto lines = Lines(FormatRuleList(r));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[1], HasSubstr(" " + std::string(kLongMatch).substr(0, 13) + "... "))
      << "at least 16 columns of match";
  EXPECT_EQ(lines[2], "(rule show NAME for the whole rule)");
}

// "key  value" as FormatRule prints it: keys padded to "generation".
std::string KeyLine(const std::string& key, const std::string& value) {
  return key + std::string(12 - key.size(), ' ') + value + "\n";
}

TEST(FormatRule, EveryFieldInFull) {
  const v1::ListRulesReply r = SampleRules();
  const std::string out = FormatRule(r.rules(1));  // long, no counters
  ExpectTidy(out);
  EXPECT_EQ(out, KeyLine("name", "long") + KeyLine("scope", "tenant blue") +
                     KeyLine("priority", "5") + KeyLine("match", kLongMatch) +
                     KeyLine("action", "drop") +
                     KeyLine("packets", "- (no dataplane connected)") + KeyLine("bytes", "-") +
                     KeyLine("generation", "9"));
  const std::string web = FormatRule(r.rules(0));
  EXPECT_THAT(web, HasSubstr(KeyLine("scope", "tenant red")));
  EXPECT_THAT(web, HasSubstr(KeyLine("match", "ip_proto=tcp,dst_port=80")));
  EXPECT_THAT(web, HasSubstr(KeyLine("packets", "12")));
  EXPECT_THAT(web, HasSubstr(KeyLine("bytes", "3400")));
  const std::string any = FormatRule(r.rules(3));
  EXPECT_THAT(any, HasSubstr(KeyLine("scope", "global")));
  EXPECT_THAT(any, HasSubstr(KeyLine("match", "(every frame)")));
  EXPECT_THAT(any, HasSubstr(KeyLine("action", "allow,mirror:tap1")));
}

}  // namespace
}  // namespace yardctl
