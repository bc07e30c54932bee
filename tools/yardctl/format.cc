#include "format.h"

#include <algorithm>
#include <array>
#include <cassert>

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include "parse.h"
#include "switchyard/rule_syntax.h"

namespace yardctl {
namespace v1 = switchyard::v1;

namespace {

constexpr Table::Align kR = Table::Align::kRight;
constexpr Table::Align kL = Table::Align::kLeft;

std::string OrDash(uint64_t value) { return value == 0 ? "-" : std::to_string(value); }
std::string OrDash(const std::string& value) { return value.empty() ? "-" : value; }
std::string Num(uint64_t value) { return std::to_string(value); }

// "key   value" lines, keys padded to the longest.
class KeyValues {
 public:
  void Add(std::string key, std::string value) {
    lines_.emplace_back(std::move(key), std::move(value));
  }
  std::string Render(std::string_view indent = "") const {
    size_t width = 0;
    for (const auto& [k, v] : lines_) width = std::max(width, k.size());
    std::string out;
    for (const auto& [k, v] : lines_) {
      if (v.empty()) {
        out += fmt::format("{}{}\n", indent, k);
      } else {
        out += fmt::format("{}{:<{}}  {}\n", indent, k, width, v);
      }
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> lines_;
};

}  // namespace

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::AddRow(std::vector<std::string> cells) {
  assert(cells.size() <= columns_.size());
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<size_t> width(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) width[c] = columns_[c].header.size();
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  auto render_row = [&](auto cell_at) {
    std::string line;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const std::string& cell = cell_at(c);
      if (c > 0) line += "  ";
      if (columns_[c].align == kR) {
        line += fmt::format("{:>{}}", cell, width[c]);
      } else {
        line += fmt::format("{:<{}}", cell, width[c]);
      }
    }
    line.erase(line.find_last_not_of(' ') + 1);
    line += '\n';
    return line;
  };
  std::string out = render_row([&](size_t c) -> const std::string& { return columns_[c].header; });
  for (const auto& row : rows_) {
    out += render_row([&](size_t c) -> const std::string& { return row[c]; });
  }
  return out;
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  options.add_whitespace = true;
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  // Only fails on messages with unresolvable Any fields, which v1 has none of.
  assert(status.ok());
  (void)status;
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

std::string FormatDuration(uint64_t ms) {
  uint64_t s = ms / 1000;
  uint64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
  s %= 60;
  if (d > 0) return fmt::format("{}d{}h{:02}m{:02}s", d, h, m, s);
  if (h > 0) return fmt::format("{}h{:02}m{:02}s", h, m, s);
  if (m > 0) return fmt::format("{}m{:02}s", m, s);
  return fmt::format("{}s", s);
}

std::string PortRoleName(v1::PortRole role) {
  switch (role) {
    case v1::PORT_ROLE_ACCESS: return "access";
    case v1::PORT_ROLE_TRUNK: return "trunk";
    case v1::PORT_ROLE_UPLINK: return "uplink";
    default: return "-";
  }
}

std::string LinkStateName(v1::LinkState link) {
  switch (link) {
    case v1::LINK_STATE_UP: return "up";
    case v1::LINK_STATE_DOWN: return "down";
    default: return "unknown";
  }
}

std::string PortAttachment(const v1::Port& port) {
  switch (port.role()) {
    case v1::PORT_ROLE_ACCESS:
      if (port.access_vlan() == 0) return port.tenant();
      return fmt::format("{} vlan {}", port.tenant(), port.access_vlan());
    case v1::PORT_ROLE_TRUNK: {
      std::string out;
      for (const auto& tv : port.trunk()) {
        if (!out.empty()) out += ',';
        out += fmt::format("{}={}", tv.vlan(), tv.tenant());
      }
      return out;
    }
    case v1::PORT_ROLE_UPLINK: return "(all with vlan)";
    default: return "-";
  }
}

std::string PolicyName(v1::RulePolicy policy) {
  return policy == v1::RULE_POLICY_DENY ? "deny" : "allow";
}

std::string FormatTenantList(const v1::ListTenantsReply& reply) {
  Table t({{"NAME"}, {"ID", kR}, {"VLAN", kR}, {"VNI", kR}, {"MAC-LIMIT", kR}, {"POLICY"},
           {"GEN", kR}});
  for (const auto& tn : reply.tenants()) {
    t.AddRow({tn.name(), Num(tn.id()), OrDash(tn.vlan()), OrDash(tn.vni()),
              tn.mac_limit() == 0 ? "default" : Num(tn.mac_limit()),
              PolicyName(tn.default_policy()), Num(tn.generation())});
  }
  return t.Render();
}

std::string FormatTenant(const v1::Tenant& tn) {
  KeyValues kv;
  kv.Add("name", tn.name());
  kv.Add("id", Num(tn.id()));
  kv.Add("vlan", OrDash(tn.vlan()));
  kv.Add("vni", OrDash(tn.vni()));
  kv.Add("mac limit", tn.mac_limit() == 0 ? "default" : Num(tn.mac_limit()));
  kv.Add("default policy", PolicyName(tn.default_policy()));
  kv.Add("generation", Num(tn.generation()));
  return kv.Render();
}

std::string FormatPortList(const v1::ListPortsReply& reply) {
  Table t({{"NAME"}, {"KIND"}, {"ROLE"}, {"TENANT/VLANS"}, {"LINK"}, {"PORT-ID", kR}, {"ERROR"}});
  for (const auto& view : reply.ports()) {
    const auto& p = view.port();
    bool live = view.has_status();
    t.AddRow({p.name(), std::string(PortKindName(p.kind())), PortRoleName(p.role()),
              PortAttachment(p), live ? LinkStateName(view.status().link()) : "-",
              live ? Num(view.status().port_id()) : "-", view.error()});
  }
  return t.Render();
}

std::string FormatPortView(const v1::PortView& view) {
  const auto& p = view.port();
  KeyValues kv;
  kv.Add("name", p.name());
  kv.Add("kind", std::string(PortKindName(p.kind())));
  if (!p.iface().empty()) kv.Add("iface", p.iface());
  if (!p.socket().empty()) kv.Add("socket", p.socket());
  if (!p.devargs().empty()) kv.Add("devargs", p.devargs());
  kv.Add("role", PortRoleName(p.role()));
  if (p.role() == v1::PORT_ROLE_ACCESS) {
    kv.Add("tenant", p.tenant());
    kv.Add("vlan", p.access_vlan() == 0 ? "untagged" : Num(p.access_vlan()));
  } else if (p.role() == v1::PORT_ROLE_TRUNK) {
    kv.Add("trunk", PortAttachment(p));
  }
  if (p.has_tap()) {
    const auto& tap = p.tap();
    kv.Add("netns", OrDash(tap.netns()));
    std::string addrs;
    for (const auto& a : tap.addresses()) addrs += (addrs.empty() ? "" : " ") + a;
    kv.Add("addresses", OrDash(addrs));
    kv.Add("mtu", tap.mtu() == 0 ? "unchanged" : Num(tap.mtu()));
  }
  if (!p.vtep_ip().empty()) {
    kv.Add("vtep ip", p.vtep_ip());
    kv.Add("vtep iface", p.vtep_iface());
    kv.Add("gateway", OrDash(p.gateway()));
  }
  kv.Add("generation", Num(p.generation()));
  if (view.has_status()) {
    const auto& s = view.status();
    kv.Add("port id", Num(s.port_id()));
    kv.Add("driver", OrDash(s.driver()));
    kv.Add("link", s.link_speed_mbps() == 0
                       ? LinkStateName(s.link())
                       : fmt::format("{} {} Mb/s", LinkStateName(s.link()), s.link_speed_mbps()));
    kv.Add("mac", OrDash(s.mac()));
    kv.Add("queues", fmt::format("rx {} tx {}", s.rx_queues(), s.tx_queues()));
    std::string workers;
    for (size_t q = 0; q < static_cast<size_t>(s.rx_workers_size()); ++q) {
      workers += fmt::format("{}rxq{}:lcore{}", q == 0 ? "" : " ", q, s.rx_workers(q));
    }
    kv.Add("rx workers", OrDash(workers));
  } else {
    kv.Add("status", "(no dataplane connected)");
  }
  if (!view.error().empty()) kv.Add("error", view.error());
  return kv.Render();
}

std::string FormatMacs(const v1::ListMacsReply& reply) {
  Table t({{"TENANT"}, {"MAC"}, {"WHERE"}, {"AGE", kR}});
  for (const auto& m : reply.macs()) {
    t.AddRow({m.tenant(), m.mac(), m.remote_vtep().empty() ? m.port() : "vtep " + m.remote_vtep(),
              fmt::format("{:.1f}s", m.age_ms() / 1000.0)});
  }
  return t.Render();
}

// A rate as it would be typed: 20000000 -> "20M", 2500000 -> "2.5M",
// 1000 -> "1k", 1234 -> "1234"; 0 -> "-".
std::string Rate(uint64_t v) {
  if (v == 0) return "-";
  // Each suffix, and the step a value must be a multiple of to take it
  // (three decimals at most; "1.5k" but not "1.234k").
  struct Unit {
    uint64_t size;
    const char* suffix;
    uint64_t step;
  };
  for (const Unit& u : {Unit{1'000'000'000, "G", 1'000'000}, Unit{1'000'000, "M", 1'000}, Unit{1'000, "k", 100}}) {
    if (v < u.size || v % u.step != 0) continue;
    std::string n = fmt::format("{:.3f}", static_cast<double>(v) / static_cast<double>(u.size));
    while (n.back() == '0') n.pop_back();
    if (n.back() == '.') n.pop_back();
    return n + u.suffix;
  }
  return std::to_string(v);
}

std::string FormatLimitList(const v1::ListLimitsReply& reply) {
  Table t({{"LIMIT"}, {"BPS", kR}, {"BURST", kR}, {"PEAK-BPS", kR}, {"PPS", kR}, {"GREEN", kR},
           {"YELLOW", kR}, {"RED", kR}, {"RED-BYTES", kR}});
  std::string basis;
  for (const auto& v : reply.limits()) {
    const auto& l = v.limit();
    const bool live = v.has_counters();
    const auto& c = v.counters();
    t.AddRow({l.name(), Rate(l.bps()),
              l.bps() == 0 ? "-" : l.burst_bytes() == 0 ? "10ms" : Num(l.burst_bytes()),
              Rate(l.peak_bps()), Rate(l.pps()), live ? Num(c.green_packets()) : "-",
              live ? Num(c.yellow_packets()) : "-", live ? Num(c.red_packets()) : "-",
              live ? Num(c.red_bytes()) : "-"});
    if (!v.basis().empty()) basis = v.basis();
  }
  std::string out = t.Render();
  if (!basis.empty()) out += "bytes: " + basis + "\n";
  return out;
}

std::string RuleScope(const v1::Rule& rule) {
  return rule.global() ? "global" : "tenant " + rule.tenant();
}

namespace {

std::string MatchText(const v1::RuleMatch& m) {
  std::string text = switchyard::rules::FormatMatch(m);
  return text.empty() ? "(every frame)" : text;
}

}  // namespace

std::string FormatRuleList(const v1::ListRulesReply& reply) {
  constexpr size_t kLineWidth = 80;
  constexpr size_t kMinMatchWidth = 16;  // when the other columns leave less
  constexpr size_t kMatch = 3;           // the MATCH column
  constexpr size_t kColumns = 7;
  const std::array<Table::Column, kColumns> columns = {
      Table::Column{"NAME"},          Table::Column{"SCOPE"},       Table::Column{"PRIO", kR},
      Table::Column{"MATCH"},         Table::Column{"ACTION"},      Table::Column{"PACKETS", kR},
      Table::Column{"BYTES", kR}};

  std::vector<const v1::RuleView*> views;
  views.reserve(static_cast<size_t>(reply.rules_size()));
  for (const auto& v : reply.rules()) views.push_back(&v);
  std::sort(views.begin(), views.end(), [](const v1::RuleView* x, const v1::RuleView* y) {
    const v1::Rule& a = x->rule();
    const v1::Rule& b = y->rule();
    if (a.global() != b.global()) return a.global();
    if (a.tenant() != b.tenant()) return a.tenant() < b.tenant();
    if (a.priority() != b.priority()) return a.priority() > b.priority();
    return a.name() < b.name();
  });

  std::vector<std::vector<std::string>> rows;
  rows.reserve(views.size());
  std::array<size_t, kColumns> width{};
  for (size_t c = 0; c < kColumns; ++c) width[c] = columns[c].header.size();
  for (const v1::RuleView* v : views) {
    const v1::Rule& r = v->rule();
    const bool live = v->has_counters();
    std::vector<std::string> cells = {
        r.name(),
        r.global() ? "global" : r.tenant(),
        Num(r.priority()),
        MatchText(r.match()),
        switchyard::rules::FormatActions(r.actions()),
        live ? Num(v->counters().packets()) : "-",
        live ? Num(v->counters().bytes()) : "-"};
    for (size_t c = 0; c < kColumns; ++c) width[c] = std::max(width[c], cells[c].size());
    rows.push_back(std::move(cells));
  }
  // What the other columns and the separators take; MATCH gets the rest.
  size_t others = 2 * (kColumns - 1);
  for (size_t c = 0; c < kColumns; ++c) {
    if (c != kMatch) others += width[c];
  }
  const size_t match_width =
      others + kMinMatchWidth >= kLineWidth ? kMinMatchWidth : kLineWidth - others;
  bool cut = false;
  std::vector<Table::Column> table_columns(columns.begin(), columns.end());
  Table t(std::move(table_columns));
  for (auto& cells : rows) {
    std::string& match = cells[kMatch];
    if (match.size() > match_width) {
      match.resize(match_width - 3);
      match += "...";
      cut = true;
    }
    t.AddRow(std::move(cells));
  }
  std::string out = t.Render();
  if (cut) out += "(rule show NAME for the whole rule)\n";
  return out;
}

std::string FormatRule(const v1::RuleView& view) {
  const v1::Rule& r = view.rule();
  const bool live = view.has_counters();
  KeyValues kv;
  kv.Add("name", r.name());
  kv.Add("scope", RuleScope(r));
  kv.Add("priority", Num(r.priority()));
  kv.Add("match", MatchText(r.match()));
  kv.Add("action", switchyard::rules::FormatActions(r.actions()));
  kv.Add("packets", live ? Num(view.counters().packets()) : "- (no dataplane connected)");
  kv.Add("bytes", live ? Num(view.counters().bytes()) : "-");
  kv.Add("generation", Num(r.generation()));
  return kv.Render();
}

std::string FormatVtepList(const v1::ListVtepsReply& reply) {
  Table t({{"TENANT"}, {"VNI", kR}, {"REMOTE"}, {"NEXT-HOP"}, {"MAC"}, {"ENCAP", kR},
           {"DECAP", kR}, {"UNRESOLVED", kR}, {"STATE"}});
  for (const auto& v : reply.vteps()) {
    const auto& nh = v.next_hop();
    const bool live = v.has_counters();
    const auto& c = v.counters();
    t.AddRow({v.vtep().tenant(), Num(v.vni()), v.vtep().remote(), OrDash(nh.via()), OrDash(nh.mac()),
              live ? Num(c.encap_packets()) : "-", live ? Num(c.decap_packets()) : "-",
              live ? Num(c.unresolved()) : "-",
              !v.has_next_hop()   ? "not looked up yet"
              : nh.mac().empty() ? "unresolved: " + nh.error()
                                 : "resolved"});
  }
  return t.Render();
}

namespace {

// A counters message as a table: the first (string) field names the row,
// every numeric field after it is a column headed by its name ("rx_packets"
// -> "RX-PACKETS"). Columns follow the proto, which follows the dataplane's
// counter definitions, so a new counter needs no change here.
template <typename Message>
std::string CountersTable(const google::protobuf::RepeatedPtrField<Message>& rows) {
  const auto* d = Message::descriptor();
  // The fields shown: all but the sparse ones that are zero in every row.
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    bool shown = !f->options().GetExtension(v1::sparse_column);
    for (int k = 0; !shown && k < rows.size(); ++k) shown = rows[k].GetReflection()->HasField(rows[k], f);
    if (shown) fields.push_back(f);
  }
  std::vector<Table::Column> columns;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string name = fields[i]->name();
    for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::toupper(c));
    columns.push_back({name, i == 0 ? Table::Align::kLeft : kR});
  }
  Table t(columns);
  for (const auto& row : rows) {
    const auto* r = row.GetReflection();
    std::vector<std::string> cells;
    for (const auto* f : fields) {
      switch (f->cpp_type()) {
        case google::protobuf::FieldDescriptor::CPPTYPE_STRING:
          cells.push_back(r->GetString(row, f));
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_UINT64:
          cells.push_back(Num(r->GetUInt64(row, f)));
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_UINT32:
          cells.push_back(Num(r->GetUInt32(row, f)));
          break;
        default:
          cells.push_back("?");
      }
    }
    t.AddRow(cells);
  }
  return t.Render();
}

}  // namespace

std::string FormatStats(const v1::Stats& stats) {
  std::vector<std::string> sections;
  if (stats.ports_size() > 0) sections.push_back(CountersTable(stats.ports()));
  if (stats.tenants_size() > 0) sections.push_back(CountersTable(stats.tenants()));
  if (stats.vteps_size() > 0) sections.push_back(CountersTable(stats.vteps()));
  Table drops({{"DROP-REASON"}, {"PACKETS", kR}});
  for (const auto& d : stats.drops()) {
    if (d.packets() != 0) drops.AddRow({d.reason(), Num(d.packets())});
  }
  if (drops.rows() > 0) sections.push_back(drops.Render());
  if (stats.workers_size() > 0) {
    Table t({{"LCORE", kR}, {"POLLS", kR}, {"BUSY-POLLS", kR}, {"PACKETS", kR},
             {"CYCLES/PKT", kR}, {"IDLE-SLEEPS", kR}});
    for (const auto& w : stats.workers()) {
      // Cycles per packet counts busy polls only: idle polling is not the
      // cost of forwarding.
      std::string cpp = w.packets() == 0
                            ? "-"
                            : fmt::format("{:.1f}", static_cast<double>(w.busy_cycles()) /
                                                        static_cast<double>(w.packets()));
      t.AddRow({Num(w.lcore()), Num(w.polls()), Num(w.busy_polls()), Num(w.packets()), cpp,
                Num(w.idle_sleeps())});
    }
    sections.push_back(t.Render());
  }
  std::string out;
  for (const auto& s : sections) {
    if (!out.empty()) out += '\n';
    out += s;
  }
  return out;
}

std::string FormatStatus(const v1::Status& st) {
  KeyValues kv;
  kv.Add("controld", "");
  kv.Add("  version", OrDash(st.version()));
  kv.Add("  uptime", FormatDuration(st.uptime_ms()));
  kv.Add("  generation", Num(st.generation()));
  const auto& store = st.store();
  if (store.host().empty()) {
    kv.Add("  db", OrDash(st.db()));
  } else {
    kv.Add("  store", fmt::format("{} ({})", OrDash(store.location()),
                                  store.reachable() ? "reachable"
                                                    : "UNREACHABLE: changes are refused; " + store.error()));
    kv.Add("  host", store.host());
    kv.Add("  revision", Num(store.revision()));
    kv.Add("  lease", store.lease_id() ? fmt::format("{:x}", store.lease_id()) : "-");
    kv.Add("  peers", Num(store.peers()));
  }
  kv.Add("  tenants", Num(st.tenants()));
  kv.Add("  ports", Num(st.ports()));
  const auto& dp = st.dataplane();
  kv.Add("dataplane", "");
  kv.Add("  connected", dp.connected() ? "yes" : "no");
  kv.Add("  socket", OrDash(dp.socket()));
  if (dp.connected()) {
    kv.Add("  version", OrDash(dp.version()));
    kv.Add("  instance", OrDash(dp.instance_id()));
    kv.Add("  uptime", FormatDuration(dp.uptime_ms()));
    std::string sync;
    if (dp.out_of_sync()) {
      sync = fmt::format("{} (OUT OF SYNC with desired {}: {} failed attempt{}, next in {:.1f}s)",
                         dp.generation(), st.generation(), dp.failed_attempts(),
                         dp.failed_attempts() == 1 ? "" : "s", dp.next_retry_ms() / 1000.0);
    } else if (dp.in_sync()) {
      sync = fmt::format("{} (in sync)", dp.generation());
    } else {
      sync = fmt::format("{} (behind desired {})", dp.generation(), st.generation());
    }
    kv.Add("  generation", sync);
    kv.Add("  workers", Num(dp.workers()));
    kv.Add("  ports up", fmt::format("{}/{}", dp.ports_up(), dp.ports_total()));
    if (dp.mbufs() != 0)
      kv.Add("  mbufs", fmt::format("{} in use of {} ({} pool{})", dp.mbufs_in_use(), dp.mbufs(),
                                    dp.mbuf_pools(), dp.mbuf_pools() == 1 ? "" : "s"));
    if (dp.mac_table_size() != 0)
      kv.Add("  MAC table",
           fmt::format("{} used, {} reserved by tenants, {} entries{}", dp.mac_table_used(),
                       dp.mac_table_reserved(), dp.mac_table_size(),
                       dp.mac_table_reserved() > dp.mac_table_size()
                           ? " (OVERCOMMITTED: tenant limits are not guaranteed)"
                           : ""));
  }
  kv.Add("  full syncs", Num(dp.full_syncs()));
  if (!dp.last_error().empty()) kv.Add("  last error", dp.last_error());
  return kv.Render();
}

std::string FormatTrace(const v1::TraceReply& reply) {
  std::string out;
  if (reply.packets() == 0) return "no packet traced (none arrived in time)\n";
  uint32_t n = 0;
  for (const auto& b : reply.bursts()) {
    for (const auto& p : b.packets()) {
      out += fmt::format("packet {} on {}{}\n", ++n, b.port(),
                         reply.commit() ? "" : " (dry run: nothing learned, sent or counted)");
      for (const auto& st : p.steps()) out += fmt::format("  {:<7} {}\n", st.stage(), st.verdict());
    }
    for (const auto& st : b.tx()) out += fmt::format("  {:<7} {}\n", st.stage(), st.verdict());
  }
  return out;
}

}  // namespace yardctl
