// The Prometheus exposition built from the dataplane's Stats: names, types,
// labels, sparse columns, and the --metrics address.

#include <gtest/gtest.h>

#include <prometheus/text_serializer.h>

#include "metrics/metrics.h"

namespace switchyard::controlplane {
namespace {

std::string Text(const ScrapeInput& in) {
  return prometheus::TextSerializer().Serialize(BuildMetrics(in));
}

ScrapeInput Sample(pb::Stats& s) {
  ScrapeInput in;
  in.status.set_version("1.2.3");
  in.status.set_generation(42);
  in.status.mutable_dataplane()->set_connected(true);
  in.status.mutable_dataplane()->set_generation(41);
  in.status.mutable_dataplane()->set_mac_table_size(1024);
  pb::Port& p1 = in.ports["vm1"];
  p1.set_name("vm1");
  p1.set_kind(pb::PORT_KIND_TAP);
  p1.set_tenant("blue");
  pb::Port& up = in.ports["up"];
  up.set_name("up");
  up.set_kind(pb::PORT_KIND_AF_PACKET);
  auto* pc = s.add_ports();
  pc->set_port("vm1");
  pc->set_rx_packets(10);
  pc->set_tx_bytes(1500);
  s.add_ports()->set_port("up");
  auto* t = s.add_tenants();
  t->set_tenant("blue");
  t->set_macs(3);
  t->set_learned(5);
  auto* red = s.add_tenants();
  red->set_tenant("red");
  red->set_vxlan_encap(7);
  auto* d = s.add_drops();
  d->set_reason("rule_drop");
  d->set_packets(4);
  auto* w = s.add_workers();
  w->set_lcore(1);
  w->set_busy_cycles(123456);
  auto* r = s.add_rules();
  r->set_rule("no-icmp");
  r->set_packets(2);
  s.set_tsc_hz(2000000000);
  in.stats = &s;
  return in;
}

TEST(Metrics, CountersAreNamedByTheirProtoFieldWithLabels) {
  pb::Stats s;
  const std::string text = Text(Sample(s));
  EXPECT_NE(text.find("# TYPE switchyard_port_rx_packets_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("switchyard_port_rx_packets_total{port=\"vm1\",tenant=\"blue\",kind=\"tap\"} 10\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("switchyard_port_tx_bytes_total{port=\"vm1\",tenant=\"blue\",kind=\"tap\"} 1500\n"),
            std::string::npos);
  EXPECT_NE(text.find("switchyard_port_rx_packets_total{port=\"up\",tenant=\"\",kind=\"af_packet\"} 0\n"),
            std::string::npos)
      << "a port without a tenant (uplink, trunk) has an empty tenant label";
  EXPECT_NE(text.find("# TYPE switchyard_tenant_macs gauge\n"), std::string::npos);
  EXPECT_NE(text.find("switchyard_tenant_macs{tenant=\"blue\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("switchyard_tenant_learned_total{tenant=\"blue\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("switchyard_drops_total{reason=\"rule_drop\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("switchyard_worker_busy_cycles_total{lcore=\"1\"} 123456\n"), std::string::npos);
  EXPECT_NE(text.find("switchyard_rule_packets_total{rule=\"no-icmp\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("switchyard_desired_generation 42\n"), std::string::npos);
  EXPECT_NE(text.find("switchyard_dataplane_generation 41\n"), std::string::npos);
  EXPECT_NE(text.find("switchyard_build_info{version=\"1.2.3\"} 1\n"), std::string::npos);
  EXPECT_EQ(text.find("switchyard_worker_lcore"), std::string::npos) << "the key is a label, not a metric";
  EXPECT_EQ(text.find("switchyard_port_port"), std::string::npos);
}

TEST(Metrics, ASparseColumnShowsOnlyWhereItMoved) {
  pb::Stats s;
  const std::string text = Text(Sample(s));
  EXPECT_NE(text.find("switchyard_tenant_vxlan_encap_total{tenant=\"red\"} 7\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("switchyard_tenant_vxlan_encap_total{tenant=\"blue\"}"), std::string::npos)
      << "blue uses no VXLAN";
  EXPECT_EQ(text.find("switchyard_tenant_vxlan_decap_total"), std::string::npos);
}

TEST(Metrics, WithoutTheDataplaneOnlyControldsOwn) {
  pb::Stats s;
  ScrapeInput in = Sample(s);
  in.stats = nullptr;
  in.status.mutable_dataplane()->set_connected(false);
  const std::string text = Text(in);
  EXPECT_NE(text.find("switchyard_dataplane_connected 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("switchyard_desired_generation 42\n"), std::string::npos);
  EXPECT_EQ(text.find("switchyard_port_"), std::string::npos);
  EXPECT_EQ(text.find("switchyard_mac_table_size"), std::string::npos);
}

TEST(Metrics, EveryFamilyHasOneTypeAndHelp) {
  pb::Stats s;
  const auto families = BuildMetrics(Sample(s));
  std::set<std::string> names;
  for (const auto& f : families) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name << " twice";
    EXPECT_FALSE(f.help.empty()) << f.name;
    EXPECT_EQ(f.name.rfind("switchyard_", 0), 0u) << f.name;
    const bool total = f.name.size() > 6 && f.name.compare(f.name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(total, f.type == prometheus::MetricType::Counter) << f.name << ": counters end in _total";
  }
}

TEST(Metrics, TheAddressIsPortOrAddrPort) {
  std::string error;
  EXPECT_EQ(ParseMetricsAddress("9477", &error), "127.0.0.1:9477");
  EXPECT_EQ(ParseMetricsAddress("0.0.0.0:9477", &error), "0.0.0.0:9477");
  EXPECT_EQ(ParseMetricsAddress("[::1]:9477", &error), "[::1]:9477");
  for (const char* bad : {"", "0", "65536", "abc", "localhost:9477", "1.2.3:80", "[::g]:80", "127.0.0.1:",
                          "127.0.0.1:80,8080", "9477s"}) {
    error.clear();
    EXPECT_EQ(ParseMetricsAddress(bad, &error), std::nullopt) << bad;
    EXPECT_NE(error.find("--metrics"), std::string::npos) << bad << ": " << error;
  }
}

}  // namespace
}  // namespace switchyard::controlplane
