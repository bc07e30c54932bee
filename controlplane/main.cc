// switchyard-controld: the control-plane daemon. Serves switchyard.v1.Control
// on a unix socket, persists desired state in SQLite and keeps the dataplane
// programmed to it.
//
// Threads: main (setup, then waits for SIGINT/SIGTERM), gRPC's server pool
// (Control handlers), the reconciler thread, and short-lived netns threads.

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "api/control_service.h"
#include "core/controller.h"
#include "kernel/netlink_kernel.h"
#include "store/sqlite_store.h"
#include "switchyard/rpc_limits.h"

namespace sc = switchyard::controlplane;

namespace {

bool MakeParentDir(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return true;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) spdlog::critical("cannot create {}: {}", parent.string(), ec.message());
  return !ec;
}

// True when something accepts connections on the unix socket `path`.
bool SocketInUse(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  bool in_use = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return in_use;
}

// A socket file left by a controld that died is removed; a live one is not.
bool ClearStaleSocket(const std::string& path) {
  struct stat st{};
  if (lstat(path.c_str(), &st) != 0) return true;
  if (!S_ISSOCK(st.st_mode)) {
    spdlog::critical("{} exists and is not a socket", path);
    return false;
  }
  if (SocketInUse(path)) {
    spdlog::critical("{} is in use: is another switchyard-controld running?", path);
    return false;
  }
  unlink(path.c_str());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket_path = "/run/switchyard/controld.sock";
  std::string dataplane_path = "/run/switchyard/dataplane.sock";
  std::string db_path = "/var/lib/switchyard/switchyard.db";
  std::string log_level = "info";
  uint32_t dataplane_timeout_ms = 10000;

  CLI::App app{"switchyard-controld: Switchyard control-plane daemon"};
  app.add_option("--socket", socket_path, "unix socket to serve switchyard.v1.Control on")->capture_default_str();
  app.add_option("--dataplane", dataplane_path, "unix socket of switchyard-dataplane")->capture_default_str();
  app.add_option("--db", db_path, "SQLite database holding the desired state")->capture_default_str();
  app.add_option("--dataplane-timeout", dataplane_timeout_ms,
                 "milliseconds a call to the dataplane may take before it counts as failed "
                 "(then controld retries with full Syncs, backing off up to 5 s)")
      ->capture_default_str()
      ->check(CLI::Range(100u, 600000u));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.set_version_flag("--version", SWITCHYARD_VERSION);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));

  // Block the stop signals before any thread exists so every thread inherits
  // the mask and main alone receives them through sigwait.
  // A background job of a non-interactive shell starts with SIGINT ignored,
  // and an ignored signal is discarded before sigwait() sees it.
  struct sigaction sa {};
  sa.sa_handler = [](int) {};
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (!MakeParentDir(socket_path) || !MakeParentDir(db_path)) return 1;

  std::unique_ptr<sc::SqliteStore> store;
  if (auto st = sc::SqliteStore::Open(db_path, store); !st.ok()) {
    spdlog::critical("{}", st.message());
    return 1;
  }
  sc::NetlinkKernel kernel;
  sc::Controller controller(*store, kernel, {.dataplane_socket = dataplane_path,
                                                  .rpc_timeout = std::chrono::milliseconds(dataplane_timeout_ms)});
  if (auto st = controller.Init(); !st.ok()) {
    spdlog::critical("loading {}: {}", db_path, st.message());
    return 1;
  }

  if (!ClearStaleSocket(socket_path)) return 1;
  sc::ControlService service(controller);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket_path, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(switchyard::kMaxControlRequestBytes);
  builder.SetMaxSendMessageSize(switchyard::kMaxControlReplyBytes);
  grpc::ResourceQuota quota("switchyard-controld");
  quota.SetMaxThreads(switchyard::kMaxControlThreads);
  builder.SetResourceQuota(quota);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    spdlog::critical("cannot serve on unix:{}", socket_path);
    return 1;
  }
  controller.Start();
  spdlog::info("switchyard-controld {} serving on unix:{}, dataplane at {}", SWITCHYARD_VERSION, socket_path,
               dataplane_path);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("{}: shutting down", strsignal(sig));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  controller.Stop();
  unlink(socket_path.c_str());
  return 0;
}
