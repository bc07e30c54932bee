// Runs the yardctl binary for what needs no controld: argument parsing,
// usage errors (exit 2) and an unreachable socket (exit 3). End-to-end
// tests through a real controld live in tests/e2e.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {
using ::testing::HasSubstr;
using ::testing::Not;

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// A socket path nothing listens on.
constexpr const char* kNoSocket = "/nonexistent/yardctl-test/controld.sock";

Outcome Yardctl(const std::string& args, const std::string& env = "") {
  const char* bin = std::getenv("YARDCTL");
  EXPECT_NE(bin, nullptr) << "YARDCTL must name the binary";
  std::string cmd = env + " '" + (bin ? bin : "yardctl") + "' " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string Global() { return std::string("--timeout 5 --socket ") + kNoSocket; }

TEST(Cli, Version) {
  Outcome r = Yardctl("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr(SWITCHYARD_VERSION));
}

TEST(Cli, GlobalOptionAfterCommandIsUsageErrorWithHint) {
  Outcome r = Yardctl("tenant list --json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--json"));
  EXPECT_THAT(r.output, HasSubstr("go before the command"));
}

TEST(Cli, SyntaxErrorsExitTwoNamingTheOption) {
  Outcome vlan = Yardctl(Global() + " tenant add red --vlan 5000");
  EXPECT_EQ(vlan.exit_code, 2);
  EXPECT_THAT(vlan.output, HasSubstr("yardctl: --vlan: "));
  Outcome kind = Yardctl(Global() + " port add p --kind vhost --tenant red");
  EXPECT_EQ(kind.exit_code, 2);
  EXPECT_THAT(kind.output, HasSubstr("yardctl: --kind: "));
  Outcome both = Yardctl(Global() + " stats --port a --tenant b");
  EXPECT_EQ(both.exit_code, 2);
  Outcome timeout = Yardctl("--timeout 0 status");
  EXPECT_EQ(timeout.exit_code, 2);
  EXPECT_THAT(timeout.output, HasSubstr("--timeout"));
  EXPECT_EQ(Yardctl("").exit_code, 2);
  EXPECT_EQ(Yardctl("tenant").exit_code, 2);
  EXPECT_EQ(Yardctl("frobnicate").exit_code, 2);
}

TEST(Cli, UnreachableControldExitsThreeWithHint) {
  Outcome r = Yardctl(Global() + " status");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.output, HasSubstr(std::string("is switchyard-controld running? (socket ") +
                                  kNoSocket + ")"));
}

TEST(Cli, SocketFromEnvironment) {
  Outcome r = Yardctl("--timeout 5 tenant list", "SWITCHYARD_SOCKET=/nonexistent/env.sock");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.output, HasSubstr("(socket /nonexistent/env.sock)"));
}

// Parsing succeeded (the call was attempted, so exit 3) for command lines
// that exercise the option rules.
TEST(Cli, PortAddSocketAfterCommandIsTheVhostSocket) {
  Outcome r = Yardctl(Global() + " port add vm1 --kind vhost-server --socket /run/vm1.sock "
                             "--tenant red");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  // The global socket is still the one dialled.
  EXPECT_THAT(r.output, HasSubstr(kNoSocket));
  EXPECT_THAT(r.output, Not(HasSubstr("(socket /run/vm1.sock)")));
}

TEST(Cli, TrunkAndIpRepeat) {
  Outcome r = Yardctl(Global() + " port add t1 --kind tap --trunk 10=red,20=blue --trunk 30=green "
                             "--ip 10.0.0.1/24 --ip fd00::1/64 --mtu 1500");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  // One value per occurrence: a positional after --trunk is the port name.
  Outcome after = Yardctl(Global() + " port add --kind ring --trunk 10=red p2");
  EXPECT_EQ(after.exit_code, 3) << after.output;
}

TEST(Cli, NameMayEqualASubcommand) {
  Outcome r = Yardctl(Global() + " tenant add list");
  EXPECT_EQ(r.exit_code, 3) << r.output;
}

}  // namespace
