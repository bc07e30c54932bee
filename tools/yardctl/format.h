// Human and JSON renderings of Control replies. Pure: messages in, text out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "switchyard/v1/control.pb.h"

namespace yardctl {

// A text table: a header row and data rows, columns separated by two spaces
// and padded to the widest cell. Right-aligned columns are for numbers.
// No trailing whitespace; every line ends in '\n'.
class Table {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string header;
    Align align = Align::kLeft;
  };

  explicit Table(std::vector<Column> columns);
  // Missing cells are empty; extra cells are an error (asserted).
  void AddRow(std::vector<std::string> cells);
  std::string Render() const;
  size_t rows() const { return rows_.size(); }

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// The reply as one JSON document: proto field names, every primitive field
// printed even when zero, indented, ending in '\n'.
std::string ToJson(const google::protobuf::Message& message);

// "1d2h03m04s", "2m05s", "7s" (milliseconds, truncated to seconds below a
// day; "0s" under a second).
std::string FormatDuration(uint64_t ms);

// The tenant/VLAN column of a port: "red", "red vlan 10", "10=red,20=blue",
// "(all with vlan)" for uplinks.
std::string PortAttachment(const switchyard::v1::Port& port);
std::string PortRoleName(switchyard::v1::PortRole role);
std::string LinkStateName(switchyard::v1::LinkState link);

std::string FormatTenantList(const switchyard::v1::ListTenantsReply& reply);
std::string FormatTenant(const switchyard::v1::Tenant& tenant);
std::string FormatPortList(const switchyard::v1::ListPortsReply& reply);
std::string FormatPortView(const switchyard::v1::PortView& view);
std::string FormatMacs(const switchyard::v1::ListMacsReply& reply);
std::string FormatVtepList(const switchyard::v1::ListVtepsReply& reply);
std::string FormatLimitList(const switchyard::v1::ListLimitsReply& reply);
// "allow" or "deny".
std::string PolicyName(switchyard::v1::RulePolicy policy);
// "global" or "tenant T": a rule's scope in words.
std::string RuleScope(const switchyard::v1::Rule& rule);
// NAME, SCOPE (the tenant or "global"), PRIO, MATCH, ACTION, PACKETS,
// BYTES; global rules first, then by tenant, each scope by priority (the
// highest first), then name. Long matches are cut ("...") so that lines fit
// 80 columns, and a last line then says how to see the whole rule.
std::string FormatRuleList(const switchyard::v1::ListRulesReply& reply);
// Every field of the rule on its own line, the match and actions in full.
std::string FormatRule(const switchyard::v1::RuleView& view);
// Sections "ports", "tenants", "drops" (non-zero reasons), "workers"; empty
// sections are left out.
std::string FormatStats(const switchyard::v1::Stats& stats);
std::string FormatStatus(const switchyard::v1::Status& status);
// Each traced packet's stages and verdicts, then the TX step's.
std::string FormatTrace(const switchyard::v1::TraceReply& reply);

}  // namespace yardctl
