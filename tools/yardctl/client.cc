#include "client.h"

#include <cstdio>

#include <fmt/format.h>

#include "switchyard/rpc_limits.h"

namespace yardctl {

ErrorReport DescribeError(const grpc::Status& status, bool reached_server,
                          const std::string& socket) {
  const std::string& msg = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return {kExitOk, ""};
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      if (!reached_server && msg.find("Permission denied") != std::string::npos) {
        return {kExitUnavailable,
                fmt::format("cannot reach controld: permission denied on {}\n"
                            "only root and members of the socket's group may use it "
                            "(see controld's --socket-group)",
                            socket)};
      }
      if (!reached_server) {
        return {kExitUnavailable,
                fmt::format("cannot reach controld: {}\n"
                            "is switchyard-controld running? (socket {})",
                            msg.empty() ? "no answer" : msg, socket)};
      }
      if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
        return {kExitUnavailable,
                fmt::format("no answer from controld in time ({}); a change may still "
                            "have been applied (raise --timeout?)",
                            msg.empty() ? "deadline exceeded" : msg)};
      }
      return {kExitUnavailable, msg.empty() ? "unavailable" : msg};
    default:
      return {kExitServerError, msg.empty() ? fmt::format("error code {}",
                                                          static_cast<int>(status.error_code()))
                                            : msg};
  }
}

namespace {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& socket) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(switchyard::kMaxControlReplyBytes);
  return grpc::CreateCustomChannel("unix:" + socket, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

Client::Client(const GlobalOptions& options)
    : options_(options),
      channel_(MakeChannel(options.socket)),
      stub_(switchyard::v1::Control::NewStub(channel_)) {}

std::chrono::system_clock::time_point Client::Deadline() const {
  auto timeout = std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::duration<double>(options_.timeout_s));
  return std::chrono::system_clock::now() + timeout;
}

int Client::Fail(const grpc::Status& status) const {
  // A channel that got an answer a moment ago is READY; one that
  // never connected sits in CONNECTING or TRANSIENT_FAILURE.
  grpc_connectivity_state state = channel_->GetState(/*try_to_connect=*/false);
  bool reached = state == GRPC_CHANNEL_READY;
  ErrorReport report = DescribeError(status, reached, options_.socket);
  size_t start = 0;
  while (start <= report.message.size()) {
    size_t nl = report.message.find('\n', start);
    if (nl == std::string::npos) nl = report.message.size();
    std::fprintf(stderr, "yardctl: %.*s\n", static_cast<int>(nl - start),
                 report.message.data() + start);
    start = nl + 1;
  }
  return report.exit_code;
}

}  // namespace yardctl
