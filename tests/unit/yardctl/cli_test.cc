// Runs the yardctl binary for what needs no controld: argument parsing,
// usage errors (exit 2) and an unreachable socket (exit 3); one test
// listens on a socket itself to see what yardctl sends. End-to-end tests
// through a real controld live in tests/e2e.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

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

// Global options are accepted after the command too (parsing succeeded: the
// call was attempted, so exit 3), and the socket dialled is the one given.
TEST(Cli, GlobalOptionsAfterTheCommand) {
  std::string socket = std::string("--socket ") + kNoSocket;
  Outcome json = Yardctl(socket + " --timeout 5 mac list --json");
  EXPECT_EQ(json.exit_code, 3) << json.output;
  Outcome json_mid = Yardctl(socket + " mac list --json --tenant red --timeout 5");
  EXPECT_EQ(json_mid.exit_code, 3) << json_mid.output;
  Outcome timeout = Yardctl(socket + " tenant list --timeout 3");
  EXPECT_EQ(timeout.exit_code, 3) << timeout.output;

  Outcome before = Yardctl("--timeout 5 --socket /nonexistent/before.sock tenant list",
                           "SWITCHYARD_SOCKET=/nonexistent/env.sock");
  EXPECT_EQ(before.exit_code, 3) << before.output;
  EXPECT_THAT(before.output, HasSubstr("(socket /nonexistent/before.sock)"));
  Outcome after = Yardctl("tenant list --socket /nonexistent/after.sock --timeout 5",
                          "SWITCHYARD_SOCKET=/nonexistent/env.sock");
  EXPECT_EQ(after.exit_code, 3) << after.output;
  EXPECT_THAT(after.output, HasSubstr("(socket /nonexistent/after.sock)"));
}

// ... and they take effect there: `apply` refuses --json before reading its
// file, and a zero --timeout is a usage error wherever it is written.
TEST(Cli, GlobalOptionsAfterTheCommandTakeEffect) {
  Outcome json = Yardctl(Global() + " apply -f /nonexistent/topology.yaml --json");
  EXPECT_EQ(json.exit_code, 2) << json.output;
  EXPECT_THAT(json.output, HasSubstr("no JSON output"));
  Outcome timeout = Yardctl(std::string("--socket ") + kNoSocket + " tenant list --timeout 0");
  EXPECT_EQ(timeout.exit_code, 2) << timeout.output;
  EXPECT_THAT(timeout.output, HasSubstr("--timeout"));
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

TEST(Cli, RuleLimitAndPolicyUsageErrors) {
  struct Case {
    std::string args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"rule add web --priority 1 --action allow", "yardctl: --tenant, --global: give exactly one"},
           {"rule add web --tenant red --global --priority 1 --action allow",
            "yardctl: --tenant, --global: give exactly one"},
           {"rule add web --tenant red --priority 1 --match dport=80 --action allow",
            "yardctl: --match: unknown key 'dport'"},
           {"rule add web --tenant red --priority 1 --action accept",
            "yardctl: --action: unknown action 'accept'"},
           {"rule add web --tenant red --priority 99999 --action allow", "yardctl: --priority: "},
           {"rule set web --tenant red --global", "yardctl: --tenant, --global: give at most one"},
           {"rule list --tenant red --global", "yardctl: --tenant, --global: give at most one"},
           {"rule apply -f /nonexistent/rules.yaml", "yardctl: --tenant, --global: give exactly one"},
           {"rule apply -f /nonexistent/rules.yaml --global", "/nonexistent/rules.yaml: cannot read"},
           {"limit set --meter m1 --direction out --bps 1M", "yardctl: --direction: not with --meter"},
           {"limit set --meter m1 --port vm1 --bps 1M", "yardctl: --port, --tenant, --meter: "},
           {"tenant add red --default-policy maybe", "yardctl: --default-policy: "},
       }) {
    Outcome r = Yardctl(Global() + " " + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr(c.message)) << c.args;
  }
  // Parsed (an empty --match is a match of every frame): the call was tried.
  for (const char* args : {"rule add web --tenant red --priority 1 --match '' --action allow",
                           "rule set web --match ''", "rule set web --global",
                           "rule list --global", "rule show web --json", "rule del web",
                           "limit set --meter m1 --bps 1M", "limit clear --meter m1",
                           "limit list --meter m1", "tenant set red --default-policy deny"}) {
    Outcome r = Yardctl(Global() + " " + args);
    EXPECT_EQ(r.exit_code, 3) << args << ": " << r.output;
  }
}

TEST(Cli, RuleApplyDryRunReadsTheFile) {
  const std::string file = "/tmp/yardctl_cli_test_rules_" + std::to_string(getpid()) + ".yaml";
  FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("rules:\n"
             "  - {name: web, priority: 100, match: 'ip_proto=tcp,dst_port=80', action: allow}\n"
             "  - {name: rest, priority: 0, action: drop}\n",
             f);
  std::fclose(f);
  Outcome ok = Yardctl(Global() + " rule apply -f " + file + " --tenant red --dry-run");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("2 rules read"));
  EXPECT_THAT(ok.output, HasSubstr("nothing sent"));

  f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("rules:\n  - {name: web, priority: 100, match: 'dport=80', action: allow}\n", f);
  std::fclose(f);
  Outcome bad = Yardctl(Global() + " rule apply -f " + file + " --tenant red --dry-run");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr(file + ": rule 1 (web): match: unknown key 'dport'"));
  std::remove(file.c_str());
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

// Stands in for controld on a unix socket: answers the HTTP/2 handshake
// (an empty SETTINGS frame and an ACK of the client's) and records what the
// client sends until `want` shows up, the client hangs up, or 20 s pass.
class FakeControld {
 public:
  FakeControld() {
    char dir[] = "/tmp/yardctl-cli-test.XXXXXX";
    EXPECT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/cd.sock";
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << path_;
    EXPECT_EQ(listen(fd_, 4), 0);
  }
  ~FakeControld() {
    if (thread_.joinable()) thread_.join();
    close(fd_);
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  const std::string& path() const { return path_; }

  void Serve(const std::string& want) {
    thread_ = std::thread([this, want] {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      auto left_ms = [&] {
        return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
      };
      pollfd lp{fd_, POLLIN, 0};
      if (poll(&lp, 1, left_ms()) != 1) return;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      bool greeted = false;
      char buf[4096];
      while (received_.find(want) == std::string::npos && left_ms() > 0) {
        pollfd p{c, POLLIN, 0};
        if (poll(&p, 1, left_ms()) != 1) break;
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        received_.append(buf, static_cast<size_t>(n));
        // After the client's preface (24 bytes): SETTINGS, SETTINGS ACK.
        if (!greeted && received_.size() >= 24) {
          static const unsigned char kFrames[] = {0, 0, 0, 4, 0, 0, 0, 0, 0,
                                                  0, 0, 0, 4, 1, 0, 0, 0, 0};
          greeted = write(c, kFrames, sizeof kFrames) == sizeof kFrames;
        }
      }
      close(c);
    });
  }
  // What the client sent; call after the client is done.
  std::string Received() {
    if (thread_.joinable()) thread_.join();
    return received_;
  }

 private:
  std::string dir_, path_, received_;
  int fd_ = -1;
  std::thread thread_;
};

// After `port add`, --socket is the port's vhost-user socket: it is in the
// CreatePort request, which goes to controld's socket (the global --socket
// before the command, or $SWITCHYARD_SOCKET).
TEST(Cli, PortAddSocketIsInTheRequestToControld) {
  const std::string vhost = "/run/yardctl-cli-test-vm1.sock";
  for (bool global_option : {false, true}) {
    FakeControld controld;
    controld.Serve(vhost);
    std::string args = " port add vm1 --kind vhost-server --socket " + vhost + " --tenant red";
    Outcome r = global_option
                    ? Yardctl("--timeout 3 --socket " + controld.path() + args)
                    : Yardctl("--timeout 3" + args, "SWITCHYARD_SOCKET=" + controld.path());
    std::string sent = controld.Received();
    EXPECT_NE(r.exit_code, 2) << r.output;
    EXPECT_THAT(sent, HasSubstr("PRI * HTTP/2.0")) << "global option: " << global_option;
    EXPECT_THAT(sent, HasSubstr(vhost)) << "global option: " << global_option << "\n" << r.output;
    EXPECT_THAT(r.output, Not(HasSubstr("(socket " + vhost + ")")));
  }
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
