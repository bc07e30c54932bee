#include "metrics/metrics.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <stdexcept>

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <prometheus/exposer.h>
#include <spdlog/spdlog.h>

#include "core/controller.h"

namespace switchyard::controlplane {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

// Families by name, in the order they were first asked for.
class Families {
 public:
  void Add(const std::string& name, const std::string& help, MetricType type, Labels labels,
           double value) {
    auto [it, fresh] = index_.try_emplace(name, out_.size());
    if (fresh) out_.push_back(MetricFamily{name, help, type, {}});
    ClientMetric m;
    m.label = std::move(labels);
    if (type == MetricType::Counter) m.counter.value = value;
    else m.gauge.value = value;
    out_[it->second].metric.push_back(std::move(m));
  }
  void Gauge(const std::string& name, const std::string& help, double value, Labels labels = {}) {
    Add(name, help, MetricType::Gauge, std::move(labels), value);
  }
  std::vector<MetricFamily> Take() { return std::move(out_); }

 private:
  std::vector<MetricFamily> out_;
  std::map<std::string, size_t> index_;
};

// One row of a counters message (PortCounters, TenantCounters, ...): each
// uint64 field a counter switchyard_<object>_<field>_total, each uint32 a
// gauge switchyard_<object>_<field>; `key` (the row's name field) and any
// other string are labels, given by the caller. A sparse field (a column
// only some rows use, e.g. a tenant's VXLAN counters) is left out while 0.
void AddRow(Families& f, const std::string& object, const Message& row, const std::string& key,
            const Labels& labels) {
  const auto* desc = row.GetDescriptor();
  const auto* refl = row.GetReflection();
  for (int i = 0; i < desc->field_count(); ++i) {
    const FieldDescriptor* fd = desc->field(i);
    if (fd->is_repeated() || fd->name() == key) continue;
    const bool sparse = fd->options().GetExtension(pb::sparse_column);
    if (fd->cpp_type() == FieldDescriptor::CPPTYPE_UINT64) {
      const uint64_t v = refl->GetUInt64(row, fd);
      if (sparse && v == 0) continue;
      f.Add(fmt::format("switchyard_{}_{}_total", object, fd->name()),
            fmt::format("{} counter {} (summed over the workers)", object, fd->name()),
            MetricType::Counter, labels, static_cast<double>(v));
    } else if (fd->cpp_type() == FieldDescriptor::CPPTYPE_UINT32) {
      const uint32_t v = refl->GetUInt32(row, fd);
      if (sparse && v == 0) continue;
      f.Add(fmt::format("switchyard_{}_{}", object, fd->name()), fmt::format("{} {}", object, fd->name()),
            MetricType::Gauge, labels, static_cast<double>(v));
    }
  }
}

std::string KindName(pb::PortKind k) {
  std::string n = pb::PortKind_Name(k);
  constexpr std::string_view prefix = "PORT_KIND_";
  if (n.rfind(prefix, 0) == 0) n = n.substr(prefix.size());
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  return n;
}

class Collector : public prometheus::Collectable {
 public:
  explicit Collector(const Controller& c) : controller_(c) {}
  std::vector<MetricFamily> Collect() const override {
    ScrapeInput in;
    controller_.GetStatus(in.status);
    for (pb::Port& p : controller_.DesiredPorts()) in.ports[p.name()] = std::move(p);
    pb::Stats stats;
    pb::GetStatsRequest req;
    req.set_rules(true);
    const auto t0 = std::chrono::steady_clock::now();
    const bool ok = in.status.dataplane().connected() && controller_.GetStats(req, stats).ok();
    in.stats_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (ok) in.stats = &stats;
    return BuildMetrics(in);
  }

 private:
  const Controller& controller_;
};

}  // namespace

std::vector<MetricFamily> BuildMetrics(const ScrapeInput& in) {
  Families f;
  const pb::DataplaneStatus& dp = in.status.dataplane();
  f.Gauge("switchyard_build_info", "the version of switchyard-controld", 1,
          {{"version", in.status.version()}});
  f.Gauge("switchyard_desired_generation", "generation of the desired state", static_cast<double>(in.status.generation()));
  f.Gauge("switchyard_dataplane_connected", "1 while controld is connected to the dataplane", dp.connected());
  f.Gauge("switchyard_dataplane_in_sync", "1 while the dataplane is known to hold the desired generation", dp.in_sync());
  f.Gauge("switchyard_dataplane_generation", "generation the dataplane has applied", static_cast<double>(dp.generation()));
  f.Add("switchyard_dataplane_full_syncs_total", "full Syncs controld sent to the dataplane", MetricType::Counter, {},
        static_cast<double>(dp.full_syncs()));
  f.Gauge("switchyard_dataplane_failed_attempts", "consecutive failed writes to the dataplane", dp.failed_attempts());
  f.Gauge("switchyard_tenants", "tenants in the desired state", in.status.tenants());
  f.Gauge("switchyard_ports", "ports in the desired state", in.status.ports());
  if (dp.connected()) {
    f.Gauge("switchyard_dataplane_workers", "worker lcores", dp.workers());
    f.Gauge("switchyard_dataplane_ports_up", "ports whose link is up", dp.ports_up());
    f.Gauge("switchyard_mac_table_size", "MAC table capacity (all tenants)", dp.mac_table_size());
    f.Gauge("switchyard_mac_table_used", "MAC table entries in use", dp.mac_table_used());
    f.Gauge("switchyard_mac_table_reserved", "MAC table entries the tenants' limits reserve",
            static_cast<double>(dp.mac_table_reserved()));
    f.Gauge("switchyard_mbufs", "packet buffers in all pools", static_cast<double>(dp.mbufs()));
    f.Gauge("switchyard_mbufs_in_use", "packet buffers in use", static_cast<double>(dp.mbufs_in_use()));
  }
  f.Gauge("switchyard_scrape_dataplane_seconds", "how long this scrape's GetStats call to the dataplane took",
          in.stats_seconds);
  if (in.stats == nullptr) return f.Take();
  const pb::Stats& s = *in.stats;
  f.Gauge("switchyard_tsc_hz", "TSC cycles per second (for the workers' busy cycles)", static_cast<double>(s.tsc_hz()));
  for (const auto& p : s.ports()) {
    auto it = in.ports.find(p.port());
    std::string tenant, kind;
    if (it != in.ports.end()) {
      tenant = it->second.tenant();
      kind = KindName(it->second.kind());
    }
    AddRow(f, "port", p, "port", {{"port", p.port()}, {"tenant", tenant}, {"kind", kind}});
  }
  for (const auto& t : s.tenants()) AddRow(f, "tenant", t, "tenant", {{"tenant", t.tenant()}});
  for (const auto& d : s.drops())
    f.Add("switchyard_drops_total", "frames dropped, by reason (docs/operations.md)", MetricType::Counter,
          {{"reason", d.reason()}}, static_cast<double>(d.packets()));
  for (const auto& w : s.workers()) AddRow(f, "worker", w, "lcore", {{"lcore", std::to_string(w.lcore())}});
  for (const auto& v : s.vteps()) AddRow(f, "vtep", v, "remote", {{"remote", v.remote()}});
  for (const auto& l : s.limits()) AddRow(f, "limit", l, "limit", {{"limit", l.limit()}});
  for (const auto& r : s.rules()) AddRow(f, "rule", r, "rule", {{"rule", r.rule()}});
  return f.Take();
}

std::optional<std::string> ParseMetricsAddress(const std::string& value, std::string* error) {
  std::string host = "127.0.0.1", port = value;
  const size_t colon = value.rfind(':');
  if (colon != std::string::npos) {
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
  }
  auto fail = [&](const std::string& why) -> std::optional<std::string> {
    *error = fmt::format("--metrics '{}': {} (want [ADDR:]PORT, e.g. 9477 or 127.0.0.1:9477 or [::1]:9477)",
                         value, why);
    return std::nullopt;
  };
  unsigned n = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || n == 0 || n > 65535)
    return fail("the port must be 1..65535");
  unsigned char buf[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) != 1)
      return fail("not an IPv6 address");
  } else if (inet_pton(AF_INET, host.c_str(), buf) != 1) {
    return fail("the address must be an IPv4 address or [IPv6]");
  }
  return host + ":" + port;
}

MetricsServer::MetricsServer(const std::string& listen, const Controller& controller)
    : collector_(std::make_shared<Collector>(controller)) {
  // One thread: scrapes are serialised, so two scrapers never load the
  // dataplane twice at once.
  exposer_ = std::make_unique<prometheus::Exposer>(std::vector<std::string>{
      "listening_ports", listen, "num_threads", "1"});
  exposer_->RegisterCollectable(collector_);
  spdlog::info("metrics on http://{}/metrics", listen);
}

MetricsServer::~MetricsServer() = default;

}  // namespace switchyard::controlplane
