// yardctl rule add|set|del|list|show|apply: flow rules (docs/flow-rules.md).
// The requests (requests.h), the file (rule_file.h) and the renderings
// (format.h) are pure and unit-tested; this is the I/O around them.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "commands.h"
#include "yaml_input.h"
#include "requests.h"
#include "rule_file.h"

namespace yardctl {
namespace v1 = switchyard::v1;
using Stub = Client::Stub;

namespace {

// The scope options of list and apply.
struct ScopeArgs {
  std::string tenant;
  bool global = false;
};

struct RuleApplyArgs {
  std::string file;
  ScopeArgs scope;
  bool dry_run = false;
};


int RunRuleAdd(const GlobalOptions& g, const RuleArgs& a) {
  auto rule = BuildRule(a);
  if (!rule.ok()) return UsageError(rule.error());
  v1::CreateRuleRequest req;
  *req.mutable_rule() = rule.value();
  Client client(g);
  v1::Rule reply;
  if (auto st = client.Call(&Stub::CreateRule, req, &reply); !st.ok()) return client.Fail(st);
  return PrintDone(g, reply, fmt::format("rule {} added ({}, priority {})", reply.name(),
                                         RuleScope(reply), reply.priority()));
}

int RunRuleSet(const GlobalOptions& g, const RuleArgs& a) {
  if (!a.tenant.empty() && a.global) return UsageError("--tenant, --global: give at most one");
  Client client(g);
  v1::GetRuleRequest get;
  get.set_name(a.name);
  v1::RuleView current;
  if (auto st = client.Call(&Stub::GetRule, get, &current); !st.ok()) return client.Fail(st);
  auto rule = MergeRuleSet(current.rule(), a);
  if (!rule.ok()) return UsageError(rule.error());
  v1::UpdateRuleRequest req;
  *req.mutable_rule() = rule.value();
  v1::Rule reply;
  if (auto st = client.Call(&Stub::UpdateRule, req, &reply); !st.ok()) return client.Fail(st);
  return PrintDone(g, reply, fmt::format("rule {} updated", reply.name()));
}

int RunRuleDel(const GlobalOptions& g, const std::string& name) {
  v1::DeleteRuleRequest req;
  req.set_name(name);
  Client client(g);
  v1::DeleteReply reply;
  if (auto st = client.Call(&Stub::DeleteRule, req, &reply); !st.ok()) return client.Fail(st);
  return PrintDone(g, reply, fmt::format("rule {} deleted", name));
}

int RunRuleList(const GlobalOptions& g, const ScopeArgs& s) {
  if (!s.tenant.empty() && s.global) return UsageError("--tenant, --global: give at most one");
  v1::ListRulesRequest req;
  req.set_tenant(s.tenant);
  req.set_global(s.global);
  Client client(g);
  v1::ListRulesReply reply;
  if (auto st = client.Call(&Stub::ListRules, req, &reply); !st.ok()) return client.Fail(st);
  return PrintReply(g, reply, FormatRuleList(reply));
}

int RunRuleShow(const GlobalOptions& g, const std::string& name) {
  v1::GetRuleRequest req;
  req.set_name(name);
  Client client(g);
  v1::RuleView reply;
  if (auto st = client.Call(&Stub::GetRule, req, &reply); !st.ok()) return client.Fail(st);
  return PrintReply(g, reply, FormatRule(reply));
}

int RunRuleApply(const GlobalOptions& g, const RuleApplyArgs& a) {
  if (a.scope.tenant.empty() == !a.scope.global)
    return UsageError("--tenant, --global: give exactly one (whose rules the file replaces)");
  std::string text, error;
  if (!ReadInput(a.file, text, error)) return UsageError(error);
  const std::string source = a.file == "-" ? "stdin" : a.file;
  auto req = ParseRuleFile(text, source, a.scope.tenant, a.scope.global);
  if (!req.ok()) return UsageError(req.error());
  const std::string whose =
      a.scope.global ? std::string("global rules") : fmt::format("rules of tenant {}", a.scope.tenant);
  if (a.dry_run) {
    // With --json: the request that would be sent.
    const int n = req.value().rules_size();
    return PrintDone(g, req.value(),
                     fmt::format("{}: {} rule{} read, to replace the {} (dry run: nothing sent)",
                                 source, n, n == 1 ? "" : "s", whose));
  }
  Client client(g);
  v1::ReplaceRulesReply reply;
  if (auto st = client.Call(&Stub::ReplaceRules, req.value(), &reply); !st.ok()) {
    return client.Fail(st);
  }
  return PrintDone(g, reply,
                   fmt::format("{} replaced: {} added, {} changed, {} removed, {} unchanged "
                               "(generation {})",
                               whose, reply.added(), reply.changed(), reply.removed(),
                               reply.unchanged(), reply.generation()));
}

// The fields of `rule add` and `rule set`. `--match` is remembered as
// given or not (an empty one is a match of every frame).
void RuleFields(CLI::App* cmd, RuleArgs& a, std::string& match, CLI::Option*& match_opt,
                bool add) {
  cmd->add_option("NAME", a.name, "Rule name")->required()->type_name("");
  cmd->add_option("--tenant", a.tenant, add ? "A rule of this tenant" : "Move it to this tenant")
      ->type_name("T");
  cmd->add_flag("--global", a.global,
                add ? "A global rule (before every tenant's)" : "Make it a global rule");
  CLI::Option* prio = cmd->add_option("--priority", a.priority, "0..65535, the higher wins")
                          ->type_name("N");
  match_opt = cmd->add_option("--match", match,
                              add ? "What it matches: key=value,... (default: every frame)"
                                  : "What it matches: key=value,... ('' = every frame)")
                  ->type_name("EXPR");
  CLI::Option* act =
      cmd->add_option("--action", a.action,
                      "allow|drop|redirect:PORT[,mirror:PORT][,meter:NAME][,set_vlan:N|strip_vlan]")
          ->type_name("ACTIONS");
  if (add) {
    prio->required();
    act->required();
  }
}

void ScopeOptions(CLI::App* cmd, ScopeArgs& s, const std::string& what) {
  cmd->add_option("--tenant", s.tenant, what + " this tenant's rules")->type_name("T");
  cmd->add_flag("--global", s.global, what + " the global rules");
}

}  // namespace

void AddRuleCommands(CLI::App& app, const GlobalOptions& g, Action& action) {
  CLI::App* rule = app.add_subcommand(
      "rule", "Flow rules: match frames (L2-L4) and allow, drop, redirect, mirror, meter, retag");
  rule->require_subcommand(1);
  rule->footer(
      "MATCH keys: in_port, src_mac, dst_mac (MAC[/MASK]), vlan (0 = untagged), ethertype "
      "(0xNNNN, ipv4, ipv6, arp), src_ip, dst_ip (PREFIX), ip_proto (N, tcp, udp, sctp, icmp, "
      "icmpv6), src_port, dst_port (N or N-M). E.g. --match 'ip_proto=tcp,dst_port=80' "
      "--action 'redirect:fw0,mirror:tap1'.");

  auto add_args = std::make_shared<RuleArgs>();
  auto add_match = std::make_shared<std::string>();
  CLI::Option* add_match_opt = nullptr;
  CLI::App* add = rule->add_subcommand("add", "Create a rule (--tenant T or --global)");
  RuleFields(add, *add_args, *add_match, add_match_opt, true);
  add->callback([&g, &action, add_args, add_match, add_match_opt] {
    if (add_match_opt->count() > 0) add_args->match = *add_match;
    action = [&g, add_args] { return RunRuleAdd(g, *add_args); };
  });

  auto set_args = std::make_shared<RuleArgs>();
  auto set_match = std::make_shared<std::string>();
  CLI::Option* set_match_opt = nullptr;
  CLI::App* set = rule->add_subcommand("set", "Change a rule in place (only the fields given)");
  RuleFields(set, *set_args, *set_match, set_match_opt, false);
  set->callback([&g, &action, set_args, set_match, set_match_opt] {
    if (set_match_opt->count() > 0) set_args->match = *set_match;
    action = [&g, set_args] { return RunRuleSet(g, *set_args); };
  });

  auto del_name = std::make_shared<std::string>();
  CLI::App* del = rule->add_subcommand("del", "Delete a rule");
  del->add_option("NAME", *del_name, "Rule name")->required()->type_name("");
  del->callback([&g, &action, del_name] { action = [&g, del_name] { return RunRuleDel(g, *del_name); }; });

  auto list_scope = std::make_shared<ScopeArgs>();
  CLI::App* list = rule->add_subcommand(
      "list", "List rules with their counters (global first, then by tenant, highest priority first)");
  ScopeOptions(list, *list_scope, "Only");
  list->callback([&g, &action, list_scope] { action = [&g, list_scope] { return RunRuleList(g, *list_scope); }; });

  auto show_name = std::make_shared<std::string>();
  CLI::App* show = rule->add_subcommand("show", "Show one rule in full, with its counters");
  show->add_option("NAME", *show_name, "Rule name")->required()->type_name("");
  show->callback([&g, &action, show_name] { action = [&g, show_name] { return RunRuleShow(g, *show_name); }; });

  auto apply_args = std::make_shared<RuleApplyArgs>();
  CLI::App* apply = rule->add_subcommand(
      "apply", "Replace every rule of one scope with a YAML file's, as one change");
  apply->add_option("-f,--filename", apply_args->file, "Rule file ('rules:' list); '-' reads stdin")
      ->required()
      ->type_name("FILE");
  ScopeOptions(apply, apply_args->scope, "Replace");
  apply->add_flag("--dry-run", apply_args->dry_run, "Read and check the file, send nothing");
  apply->callback([&g, &action, apply_args] { action = [&g, apply_args] { return RunRuleApply(g, *apply_args); }; });
}

}  // namespace yardctl
