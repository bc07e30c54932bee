// The status → exit code mapping. No server: statuses are built by hand.
#include "client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace yardctl {
namespace {
using ::testing::HasSubstr;

TEST(DescribeError, ServerErrorsExitOneWithControldsMessage) {
  for (auto code : {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::NOT_FOUND,
                    grpc::StatusCode::ALREADY_EXISTS, grpc::StatusCode::FAILED_PRECONDITION,
                    grpc::StatusCode::INTERNAL}) {
    ErrorReport r = DescribeError(grpc::Status(code, "tenant.vlan: 5000 is not 1..4094"), true,
                                  "/run/x.sock");
    EXPECT_EQ(r.exit_code, kExitServerError);
    EXPECT_EQ(r.message, "tenant.vlan: 5000 is not 1..4094");
  }
}

TEST(DescribeError, CannotConnectExitsThreeWithHint) {
  ErrorReport r = DescribeError(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses"), false,
      "/run/switchyard/controld.sock");
  EXPECT_EQ(r.exit_code, kExitUnavailable);
  EXPECT_THAT(r.message, HasSubstr("failed to connect to all addresses"));
  EXPECT_THAT(r.message, HasSubstr("is switchyard-controld running? "
                                   "(socket /run/switchyard/controld.sock)"));
}

TEST(DescribeError, PermissionDeniedSaysWhoMayConnect) {
  grpc::Status st(grpc::StatusCode::UNAVAILABLE,
                  "failed to connect to all addresses; last error: UNKNOWN: "
                  "unix:/run/switchyard/controld.sock: Permission denied");
  ErrorReport r = DescribeError(st, false, "/run/switchyard/controld.sock");
  EXPECT_EQ(r.exit_code, kExitUnavailable);
  EXPECT_EQ(r.message,
            "cannot reach controld: permission denied on /run/switchyard/controld.sock\n"
            "only root and members of the socket's group may use it (see controld's "
            "--socket-group)");
}

TEST(DescribeError, NoDataplaneExitsThreeWithoutControldHint) {
  ErrorReport r = DescribeError(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "no dataplane connected"), true, "/s");
  EXPECT_EQ(r.exit_code, kExitUnavailable);
  EXPECT_EQ(r.message, "no dataplane connected");
}

TEST(DescribeError, DeadlineExceeded) {
  ErrorReport never = DescribeError(
      grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"), false, "/s");
  EXPECT_EQ(never.exit_code, kExitUnavailable);
  EXPECT_THAT(never.message, HasSubstr("is switchyard-controld running?"));
  ErrorReport slow = DescribeError(
      grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"), true, "/s");
  EXPECT_EQ(slow.exit_code, kExitUnavailable);
  EXPECT_THAT(slow.message, HasSubstr("--timeout"));
}

TEST(DescribeError, EmptyMessageStillSaysSomething) {
  ErrorReport r = DescribeError(grpc::Status(grpc::StatusCode::INTERNAL, ""), true, "/s");
  EXPECT_EQ(r.exit_code, kExitServerError);
  EXPECT_FALSE(r.message.empty());
}

}  // namespace
}  // namespace yardctl
