// The gRPC side of yardctl: one channel to controld, one deadline per call,
// and the mapping of a failed call to a message and an exit code.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "switchyard/v1/control.grpc.pb.h"

namespace yardctl {

// Process exit codes; documented in docs/operations.md.
enum ExitCode : int {
  kExitOk = 0,
  kExitServerError = 1,   // controld answered with an error
  kExitUsage = 2,         // bad command line; nothing was sent
  kExitUnavailable = 3,   // controld (or, for live reads, the dataplane) unreachable
};

// Options that come before the subcommand.
struct GlobalOptions {
  std::string socket;     // filesystem path of controld's unix socket
  bool json = false;
  double timeout_s = 10;  // per call
};

// What to tell the user about a failed call, and how to exit.
struct ErrorReport {
  int exit_code;
  std::string message;  // lines without the "yardctl: " prefix
};

// `reached_server` is false when the channel never connected: then
// UNAVAILABLE and DEADLINE_EXCEEDED mean controld is not there, and the
// report says so with the socket path. A server-sent UNAVAILABLE (live
// reads while no dataplane is connected) keeps controld's message.
ErrorReport DescribeError(const grpc::Status& status, bool reached_server,
                          const std::string& socket);

class Client {
 public:
  using Stub = switchyard::v1::Control::Stub;

  explicit Client(const GlobalOptions& options);

  // Calls one unary RPC with the configured deadline.
  template <class Request, class Reply>
  grpc::Status Call(grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Reply*),
                    const Request& request, Reply* reply) {
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    return (stub_.get()->*rpc)(&context, request, reply);
  }

  // Prints the report for a failed call to stderr; returns the exit code.
  int Fail(const grpc::Status& status) const;

 private:
  std::chrono::system_clock::time_point Deadline() const;

  GlobalOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace yardctl
