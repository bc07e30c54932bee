#pragma once
// The control plane's error type: a gRPC status code plus a message a person
// can act on (it names the offending field or object). Domain functions return
// it; the gRPC adapters in api/ turn it into a grpc::Status unchanged.

#include <string>
#include <utility>

#include <fmt/format.h>
#include <grpcpp/support/status.h>

namespace switchyard::controlplane {

class Status {
 public:
  Status() = default;  // OK
  Status(grpc::StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == grpc::StatusCode::OK; }
  grpc::StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  grpc::Status ToGrpc() const { return grpc::Status(code_, message_); }
  static Status FromGrpc(const grpc::Status& s) {
    return Status(s.error_code(), s.error_message());
  }

 private:
  grpc::StatusCode code_ = grpc::StatusCode::OK;
  std::string message_;
};

// Shorthands so call sites read as the rule they enforce.
template <typename... Args>
Status InvalidArgument(fmt::format_string<Args...> f, Args&&... args) {
  return {grpc::StatusCode::INVALID_ARGUMENT, fmt::format(f, std::forward<Args>(args)...)};
}
template <typename... Args>
Status NotFound(fmt::format_string<Args...> f, Args&&... args) {
  return {grpc::StatusCode::NOT_FOUND, fmt::format(f, std::forward<Args>(args)...)};
}
template <typename... Args>
Status AlreadyExists(fmt::format_string<Args...> f, Args&&... args) {
  return {grpc::StatusCode::ALREADY_EXISTS, fmt::format(f, std::forward<Args>(args)...)};
}
template <typename... Args>
Status FailedPrecondition(fmt::format_string<Args...> f, Args&&... args) {
  return {grpc::StatusCode::FAILED_PRECONDITION, fmt::format(f, std::forward<Args>(args)...)};
}
template <typename... Args>
Status Unavailable(fmt::format_string<Args...> f, Args&&... args) {
  return {grpc::StatusCode::UNAVAILABLE, fmt::format(f, std::forward<Args>(args)...)};
}
template <typename... Args>
Status Internal(fmt::format_string<Args...> f, Args&&... args) {
  return {grpc::StatusCode::INTERNAL, fmt::format(f, std::forward<Args>(args)...)};
}

}  // namespace switchyard::controlplane
