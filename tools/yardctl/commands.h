// Registration of yardctl's subcommands, and the few helpers they share.
//
// A handler only builds the request, calls controld and prints: a leaf
// subcommand's CLI11 callback stores the handler in `action`, and main runs
// it once parsing (of global options too) is complete.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "client.h"
#include "format.h"

namespace yardctl {

using Action = std::function<int()>;

void AddTenantCommands(CLI::App& app, const GlobalOptions& global, Action& action);
void AddPortCommands(CLI::App& app, const GlobalOptions& global, Action& action);
// limit set|clear|list.
void AddLimitCommands(CLI::App& app, const GlobalOptions& global, Action& action);
// rule add|set|del|list|show|apply.
void AddRuleCommands(CLI::App& app, const GlobalOptions& global, Action& action);
// vtep add|del|list.
void AddVtepCommands(CLI::App& app, const GlobalOptions& global, Action& action);
// mac, stats, status.
void AddLiveCommands(CLI::App& app, const GlobalOptions& global, Action& action);
// apply -f FILE [--prune] [--dry-run].
void AddApplyCommand(CLI::App& app, const GlobalOptions& global, Action& action);
// trace --port P (--packet SPEC [--commit] | --capture N [--wait S]).
void AddTraceCommand(CLI::App& app, const GlobalOptions& global, Action& action);

// Prints a read reply: JSON with --json, else the human rendering.
inline int PrintReply(const GlobalOptions& global, const google::protobuf::Message& reply,
                      const std::string& human) {
  std::fputs(global.json ? ToJson(reply).c_str() : human.c_str(), stdout);
  return kExitOk;
}

// Prints a mutation's result: the reply as JSON with --json, else `line`.
inline int PrintDone(const GlobalOptions& global, const google::protobuf::Message& reply,
                     const std::string& line) {
  return PrintReply(global, reply, line + "\n");
}

// A port stored by controld that the dataplane could not bring up: a
// warning on stderr (after what stdout has so far), not a failure.
inline void WarnPortError(const std::string& port, const std::string& error) {
  if (error.empty()) return;
  std::fflush(stdout);
  std::fprintf(stderr, "yardctl: warning: port %s: dataplane: %s\n", port.c_str(), error.c_str());
}

inline int UsageError(const std::string& message) {
  std::fprintf(stderr, "yardctl: %s\n", message.c_str());
  return kExitUsage;
}

}  // namespace yardctl
