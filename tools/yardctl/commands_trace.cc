// yardctl trace: run a frame through the live pipeline, or trace real
// packets arriving on a port, and print each stage's verdict.
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "packet_spec.h"

namespace yardctl {
namespace v1 = switchyard::v1;
using Stub = Client::Stub;

namespace {

struct TraceArgs {
  std::string port, packet;
  uint32_t capture = 0;
  double wait_s = 10;
  bool commit = false;
};

int RunTrace(const GlobalOptions& g, const TraceArgs& a) {
  if (a.packet.empty() == (a.capture == 0))
    return UsageError("--packet, --capture: give exactly one");
  if (a.commit && a.capture != 0)
    return UsageError("--commit: only with --packet (captured packets are real already)");
  v1::TraceRequest req;
  req.set_port(a.port);
  req.set_commit(a.commit);
  GlobalOptions opts = g;
  if (!a.packet.empty()) {
    auto frame = BuildPacket(a.packet, "--packet");
    if (!frame.ok()) return UsageError(frame.error());
    req.set_packet(frame.value());
  } else {
    if (a.wait_s <= 0 || a.wait_s > 60) return UsageError("--wait: 0..60 seconds");
    req.set_capture(a.capture);
    req.set_timeout_ms(static_cast<uint32_t>(a.wait_s * 1000));
    opts.timeout_s = std::max(opts.timeout_s, a.wait_s + 5);  // the call waits that long
  }
  Client client(opts);
  v1::TraceReply reply;
  if (auto st = client.Call(&Stub::Trace, req, &reply); !st.ok()) return client.Fail(st);
  return PrintReply(g, reply, FormatTrace(reply));
}

}  // namespace

void AddTraceCommand(CLI::App& app, const GlobalOptions& g, Action& action) {
  auto args = std::make_shared<TraceArgs>();
  CLI::App* trace = app.add_subcommand(
      "trace", "Show what each pipeline stage decides for a packet (injected or real)");
  trace->add_option("--port", args->port, "The ingress port")->required()->type_name("P");
  trace->add_option("--packet", args->packet,
                    "Inject this frame: eth(src=MAC,dst=MAC)/vlan(ID)/ipv4(src=IP,dst=IP)/"
                    "udp(sport=N,dport=N) or hex bytes (see docs/operations.md)")
      ->type_name("SPEC");
  trace->add_option("--capture", args->capture, "Trace the next N packets arriving on the port")
      ->type_name("N")
      ->check(CLI::Range(1, 1000));
  trace->add_option("--wait", args->wait_s, "With --capture: seconds to wait (default 10)")
      ->type_name("S");
  trace->add_flag("--commit", args->commit,
                  "With --packet: learn and transmit it for real (default: a dry run)");
  trace->callback([&g, &action, args] { action = [&g, args] { return RunTrace(g, *args); }; });
}

}  // namespace yardctl
