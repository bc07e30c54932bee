// yardctl: the Switchyard operator CLI. Talks to switchyard-controld's
// Control service over gRPC on a unix socket.
//
//   yardctl [--socket PATH] [--json] [--timeout SECONDS] <command> ...
//
// The global options may also follow the command (`yardctl mac list --json`):
// every subcommand falls through to its parent for an option it does not
// know. A subcommand's own option of the same name wins, which is what lets
// `port add --socket` (the vhost-user socket) and the global `--socket`
// (controld's) share a name.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "parse.h"

int main(int argc, char** argv) {
  using namespace yardctl;

  GlobalOptions global;
  global.socket = DefaultSocketPath(std::getenv("SWITCHYARD_SOCKET"));
  std::string timeout = "10";
  Action action;

  CLI::App app("Switchyard operator CLI: talks to switchyard-controld.", "yardctl");
  app.set_version_flag("--version", SWITCHYARD_VERSION);
  app.require_subcommand(1);
  // Inherited by every subcommand added below.
  app.fallthrough();
  app.add_option("--socket", global.socket,
                 "controld's unix socket (default: $SWITCHYARD_SOCKET or " +
                     std::string(kDefaultSocketPath) + ")")
      ->type_name("PATH");
  app.add_flag("--json", global.json, "Print replies as JSON (one document)");
  app.add_option("--timeout", timeout, "Seconds to wait for each call (default: 10)")
      ->type_name("SECONDS");
  app.footer(
      "Global options may go before or after the command, except that after `port add` "
      "--socket is the vhost-user socket: `yardctl --socket /x.sock port add vm1 "
      "--kind vhost-server --socket /vm1.sock --tenant red`.\n"
      "Exit codes: 0 ok, 1 controld refused the request, 2 usage error, 3 controld "
      "(or the dataplane) unavailable.");

  AddTenantCommands(app, global, action);
  AddPortCommands(app, global, action);
  AddVtepCommands(app, global, action);
  AddLimitCommands(app, global, action);
  AddRuleCommands(app, global, action);
  AddLiveCommands(app, global, action);
  AddApplyCommand(app, global, action);
  AddTraceCommand(app, global, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "yardctl: %s\n", e.what());
    std::fprintf(stderr, "Run 'yardctl --help' (or 'yardctl COMMAND --help').\n");
    return kExitUsage;
  }

  auto t = ParseTimeout(timeout, "--timeout");
  if (!t.ok()) return UsageError(t.error());
  global.timeout_s = t.value();
  if (global.socket.empty()) return UsageError("--socket: empty path");
  if (!action) return UsageError("no command given; run 'yardctl --help'");
  return action();
}
