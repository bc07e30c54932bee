// switchyard-dataplane: EAL, workers, the Dataplane gRPC service, signals.
//
// Threads: the main thread initialises everything, then either runs a worker
// itself (when it is the only lcore) or waits; workers run on the other EAL
// lcores; gRPC handler threads call into Dataplane; a housekeeping thread
// ages MACs and polls links; a signal thread turns SIGINT/SIGTERM into an
// orderly stop.

#include <pwd.h>

#include <charconv>
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <spdlog/spdlog.h>

#include "api/dataplane_service.h"
#include "core/dataplane.h"
#include "switchyard/mac_limits.h"
#include "switchyard/rpc_limits.h"
#include "switchyard/unix_listener.h"

namespace {

struct Args {
  std::string socket = "/run/switchyard/dataplane.sock";
  bool no_huge = false;
  std::string lcores;
  uint32_t memory_mb = 0;
  std::string file_prefix;
  uint32_t mac_aging_s = 300;
  uint32_t mac_table_size = switchyard::kDefaultMacTableSize;
  uint32_t idle_sleep_us = 200;
  uint32_t mbufs = 32767;
  uint32_t rule_scope_max_mib = 256;
  bool no_pci = false;
  std::string log_level = "info";
  std::vector<std::string> eal_extra;
  std::string socket_group = "switchyard";
  std::string socket_mode = "0660";
  std::vector<std::string> control_users;
};

// A user name or number, as a uid.
bool ResolveUser(const std::string& user, uid_t* uid, std::string* error) {
  unsigned long n = 0;
  auto [end, ec] = std::from_chars(user.data(), user.data() + user.size(), n);
  if (!user.empty() && ec == std::errc() && end == user.data() + user.size()) {
    *uid = static_cast<uid_t>(n);
    return true;
  }
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    *error = "--control-user: no user '" + user + "'";
    return false;
  }
  *uid = found->pw_uid;
  return true;
}

std::string DefaultFilePrefix(const std::string& socket) {
  // Distinct per socket path so instances side by side do not collide.
  std::string out = "switchyard";
  size_t h = std::hash<std::string>{}(socket);
  return out + "-" + std::to_string(h % 100000);
}

std::vector<std::string> EalArgs(const Args& a) {
  std::vector<std::string> v = {"switchyard-dataplane"};
  std::string lcores = a.lcores;
  if (lcores.empty()) lcores = std::thread::hardware_concurrency() > 1 ? "0,1" : "0";
  v.insert(v.end(), {"--lcores", lcores});
  v.insert(v.end(), {"--file-prefix", a.file_prefix.empty() ? DefaultFilePrefix(a.socket)
                                                             : a.file_prefix});
  if (a.no_huge) v.push_back("--no-huge");
  uint32_t mem = a.memory_mb;
  if (mem == 0 && a.no_huge) mem = 512;
  if (mem != 0) v.insert(v.end(), {"-m", std::to_string(mem)});
  if (a.no_pci) {
    v.push_back("--no-pci");
  } else {
    // Allow-list mode with no real device: nothing on the PCI bus is taken
    // at start (not the host's own NICs); a PCI port added at runtime puts
    // its address on the list as it is probed.
    v.insert(v.end(), {"-a", "0000:00:00.0"});
  }
  v.insert(v.end(), {"--log-level", "lib.eal:notice"});
  v.insert(v.end(), a.eal_extra.begin(), a.eal_extra.end());
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CLI::App app{"switchyard-dataplane: the Switchyard DPDK forwarding process"};
  app.add_option("--socket", a.socket, "unix socket for the Dataplane gRPC service")
      ->capture_default_str();
  app.add_flag("--no-huge", a.no_huge, "run without hugepages (EAL --no-huge)");
  app.add_option("--lcores", a.lcores,
                 "EAL lcore list; the first is the main lcore, the rest run workers "
                 "(default 0,1; with one lcore the main lcore forwards)");
  app.add_option("--memory", a.memory_mb, "memory in MB (EAL -m; default 512 with --no-huge)");
  app.add_option("--file-prefix", a.file_prefix, "EAL file prefix (default derived from --socket)");
  app.add_option("--mac-aging", a.mac_aging_s, "seconds before an unused MAC is forgotten")
      ->capture_default_str()
      ->check(CLI::Range(1u, 86400u));
  app.add_option("--mac-table-size", a.mac_table_size, "MAC table capacity (all tenants)")
      ->capture_default_str()
      ->check(CLI::Range(1024u, 16u << 20));
  app.add_option("--idle-sleep-us", a.idle_sleep_us,
                 "idle workers sleep this long per loop; 0 = busy-poll always (benchmarks)")
      ->capture_default_str()
      ->check(CLI::Range(0u, 100000u));
  app.add_option("--mbufs", a.mbufs, "packet buffers in the pool")->capture_default_str();
  app.add_option("--rule-scope-max-mib", a.rule_scope_max_mib,
                 "most memory one tenant's (or the global) compiled flow rules may take; a scope "
                 "needing more drops its frames (rule_unavailable); 0 = no cap")
      ->capture_default_str()
      ->check(CLI::Range(0u, 65536u));
  app.add_flag("--no-pci", a.no_pci,
               "disable the PCI bus (no pci ports); by default PCI devices are probed only "
               "when added as ports");
  app.add_option("--log-level", a.log_level, "trace|debug|info|warn|error")->capture_default_str();
  app.add_option("--socket-group", a.socket_group,
                 "group owning the socket and its directory (name or number)")
      ->capture_default_str();
  app.add_option("--socket-mode", a.socket_mode, "the socket's mode, octal")
      ->capture_default_str()
      ->check([](const std::string& v) {
        return v.find_first_not_of("01234567") == std::string::npos && !v.empty() && v.size() <= 4
                   ? std::string()
                   : std::string("must be an octal mode like 0660");
      });
  app.add_option("--control-user", a.control_users,
                 "a user besides root that may program the dataplane (controld's user if it is "
                 "not root; repeatable). Every other peer is disconnected at once (SO_PEERCRED)");
  app.add_option("--eal", a.eal_extra, "extra EAL argument (repeatable)")->allow_extra_args(false);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(a.log_level));

  // Signals go to a dedicated thread; every thread created from here on
  // inherits the blocked mask.
  // A process started in the background by a non-interactive shell inherits
  // SIGINT (sometimes SIGTERM) ignored, and an ignored signal is discarded
  // before sigwait() can see it: give both a handler first.
  struct sigaction sa {};
  sa.sa_handler = [](int) {};
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  std::vector<std::string> eal = EalArgs(a);
  std::vector<char*> eal_argv;
  for (auto& s : eal) eal_argv.push_back(s.data());
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
    spdlog::critical("EAL initialisation failed: {}", rte_strerror(rte_errno));
    return 1;
  }

  switchyard::DataplaneOptions opts;
  unsigned lcore;
  RTE_LCORE_FOREACH_WORKER(lcore) { opts.worker_lcores.push_back(lcore); }
  const bool main_forwards = opts.worker_lcores.empty();
  if (main_forwards) opts.worker_lcores.push_back(rte_get_main_lcore());
  opts.mac_aging_s = a.mac_aging_s;
  opts.mac_capacity = a.mac_table_size;
  opts.idle_sleep_us = a.idle_sleep_us;
  opts.mbufs = a.mbufs;
  opts.rule_scope_max_bytes = size_t{a.rule_scope_max_mib} << 20;

  int rc = 0;
  {
    std::unique_ptr<switchyard::Dataplane> dp;
    try {
      dp = std::make_unique<switchyard::Dataplane>(opts);
    } catch (const std::exception& e) {
      spdlog::critical("{}", e.what());
      rte_eal_cleanup();
      return 1;
    }

    std::vector<uid_t> uids;
    std::string error;
    for (const auto& u : a.control_users) {
      uid_t uid;
      if (!ResolveUser(u, &uid, &error)) {
        spdlog::critical("{}", error);
        dp.reset();
        rte_eal_cleanup();
        return 1;
      }
      uids.push_back(uid);
    }
    switchyard::SocketAccess access{a.socket_group,
                                    static_cast<unsigned>(std::stoul(a.socket_mode, nullptr, 8)),
                                    app.count("--socket-group") == 0};
    auto listener = switchyard::UnixListener::Open(a.socket, access, &error);
    if (!listener) {
      spdlog::critical("cannot serve on {}: {}", a.socket, error);
      dp.reset();
      rte_eal_cleanup();
      return 1;
    }
    switchyard::DataplaneService service(dp.get());
    grpc::ServerBuilder builder;
    builder.RegisterService(&service);
    builder.SetMaxReceiveMessageSize(switchyard::kMaxDataplaneMessageBytes);
    builder.SetMaxSendMessageSize(switchyard::kMaxDataplaneMessageBytes);
    grpc::ResourceQuota quota("switchyard-dataplane");
    quota.SetMaxThreads(switchyard::kMaxDataplaneThreads);
    builder.SetResourceQuota(quota);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server) {
      spdlog::critical("cannot start the gRPC server");
      dp.reset();
      rte_eal_cleanup();
      return 1;
    }
    listener->Serve(server.get(), switchyard::AdmitUsers(uids));

    if (!main_forwards) dp->Start();
    spdlog::info("switchyard-dataplane {} serving on unix:{} with {} worker(s)", SWITCHYARD_VERSION,
                 a.socket, opts.worker_lcores.size());

    std::thread signal_thread([&] {
      int sig = 0;
      sigwait(&sigs, &sig);
      spdlog::info("signal {}: shutting down", sig);
      listener->Stop();
      service.Shutdown();
      server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
      if (main_forwards) dp->RequestStop();
    });
    if (main_forwards) {
      dp->RunOnMainLcore();
    }
    server->Wait();
    signal_thread.join();
    dp->Stop();
  }
  rte_eal_cleanup();
  spdlog::info("stopped");
  return rc;
}
