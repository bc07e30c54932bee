// switchyard-controld: the control-plane daemon. Serves switchyard.v1.Control
// on a unix socket, persists desired state in SQLite or a fleet's etcd
// (docs/fleet.md) and keeps the dataplane programmed to it.
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
#include "underlay/netlink_underlay.h"
#include "store/sqlite_store.h"
#include "fleet/etcd_client.h"
#include "fleet/etcd_store.h"
#include "fleet/fleet.h"
#include "model/checks.h"
#include "metrics/metrics.h"
#include "switchyard/rpc_limits.h"
#include "switchyard/unix_listener.h"

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

}  // namespace

int main(int argc, char** argv) {
  std::string socket_path = "/run/switchyard/controld.sock";
  std::string dataplane_path = "/run/switchyard/dataplane.sock";
  std::string db_path = "/var/lib/switchyard/switchyard.db";
  std::string log_level = "info";
  uint32_t dataplane_timeout_ms = 10000;
  std::string socket_group = "switchyard";
  std::string socket_mode = "0660";
  std::vector<std::string> vhost_dirs;
  std::string pcap_dir = "/var/lib/switchyard/pcap";
  std::string metrics;  // empty: off
  std::string store_url;  // empty: SQLite at --db
  std::string host_name;
  uint32_t lease_ttl_s = 10;

  CLI::App app{"switchyard-controld: Switchyard control-plane daemon"};
  app.add_option("--socket", socket_path, "unix socket to serve switchyard.v1.Control on")->capture_default_str();
  app.add_option("--dataplane", dataplane_path, "unix socket of switchyard-dataplane")->capture_default_str();
  app.add_option("--db", db_path, "SQLite database holding the desired state")->capture_default_str();
  app.add_option("--dataplane-timeout", dataplane_timeout_ms,
                 "milliseconds a call to the dataplane may take before it counts as failed "
                 "(then controld retries with full Syncs, backing off up to 5 s)")
      ->capture_default_str()
      ->check(CLI::Range(100u, 600000u));
  app.add_option("--socket-group", socket_group,
                 "group owning the socket and its directory (name or number): its members may "
                 "use yardctl")
      ->capture_default_str();
  app.add_option("--socket-mode", socket_mode, "the socket's mode, octal")
      ->capture_default_str()
      ->check([](const std::string& v) {
        return v.find_first_not_of("01234567") == std::string::npos && !v.empty() && v.size() <= 4
                   ? std::string()
                   : std::string("must be an octal mode like 0660");
      });
  app.add_option("--vhost-dir", vhost_dirs,
                 "directory vhost-user socket paths must be under (repeatable; default "
                 "/run/switchyard/vhost)");
  app.add_option("--pcap-dir", pcap_dir,
                 "directory pcap ports' rx_pcap/tx_pcap files must be under")
      ->capture_default_str();
  app.add_option("--metrics", metrics,
                 "serve Prometheus metrics over HTTP on [ADDR:]PORT (loopback when ADDR is left "
                 "out; off by default), at /metrics");
  app.add_option("--store", store_url,
                 "where the desired state lives: etcd://HOST:PORT[,HOST:PORT...] for a fleet "
                 "(docs/fleet.md); by default the SQLite database --db");
  app.add_option("--host", host_name,
                 "this host's name in the fleet, 1..63 of [A-Za-z0-9_.-] (with --store etcd://; "
                 "default: the system's host name)");
  app.add_option("--lease-ttl", lease_ttl_s,
                 "seconds this host's fleet membership outlives its controld (with --store etcd://)")
      ->capture_default_str()
      ->check(CLI::Range(2u, 300u));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.set_version_flag("--version", SWITCHYARD_VERSION);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));
  std::string metrics_listen;
  if (!metrics.empty()) {
    std::string error;
    auto listen = sc::ParseMetricsAddress(metrics, &error);
    if (!listen) {
      spdlog::critical("{}", error);
      return 1;
    }
    metrics_listen = *listen;
  }

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

  std::unique_ptr<sc::Store> store;
  std::unique_ptr<sc::EtcdClient> etcd;
  sc::EtcdStore* etcd_store = nullptr;
  if (store_url.empty()) {
    if (!MakeParentDir(db_path)) return 1;
    std::unique_ptr<sc::SqliteStore> sqlite;
    if (auto st = sc::SqliteStore::Open(db_path, sqlite); !st.ok()) {
      spdlog::critical("{}", st.message());
      return 1;
    }
    store = std::move(sqlite);
  } else {
    std::vector<std::string> endpoints;
    if (auto st = sc::ParseEtcdUrl(store_url, endpoints); !st.ok()) {
      spdlog::critical("--store: {}", st.message());
      return 1;
    }
    if (host_name.empty()) {
      char buf[256] = {};
      gethostname(buf, sizeof(buf) - 1);
      host_name = buf;
    }
    if (auto st = sc::CheckHostName(host_name); !st.ok()) {
      spdlog::critical("--host: {}", st.message());
      return 1;
    }
    etcd = std::make_unique<sc::EtcdClient>(endpoints, std::chrono::milliseconds(3000));
    auto s = std::make_unique<sc::EtcdStore>(*etcd, sc::FleetKeys(host_name));
    etcd_store = s.get();
    store = std::move(s);
  }
  sc::NetlinkKernel kernel;
  if (vhost_dirs.empty()) vhost_dirs.push_back("/run/switchyard/vhost");
  sc::PathPolicy paths{vhost_dirs, pcap_dir};
  if (auto st = sc::CheckPathPolicy(paths); !st.ok()) {
    spdlog::critical("{}", st.message());
    return 1;
  }
  // The default directories live on tmpfs (/run) or may not exist on a new
  // host: make them (root's, 0755) so that ports can be added.
  for (const std::string& d : {vhost_dirs.front(), paths.pcap_dir}) {
    std::error_code ec;
    if (!std::filesystem::exists(d, ec) && std::filesystem::create_directories(d, ec))
      spdlog::info("created {}", d);
    if (ec) spdlog::warn("cannot create {}: {}", d, ec.message());
  }
  sc::NetlinkUnderlay underlay;
  sc::Controller controller(*store, kernel,
                            {.dataplane_socket = dataplane_path,
                             .rpc_timeout = std::chrono::milliseconds(dataplane_timeout_ms),
                             .paths = paths},
                            &underlay);
  if (auto st = controller.Init(); !st.ok()) {
    spdlog::critical("loading {}: {}", store->Location(), st.message());
    return 1;
  }
  std::unique_ptr<sc::Fleet> fleet;
  if (etcd_store != nullptr) {
    fleet = std::make_unique<sc::Fleet>(*etcd, *etcd_store, controller,
                                        sc::Fleet::Options{.lease_ttl = std::chrono::seconds(lease_ttl_s)});
    if (auto st = fleet->Init(); !st.ok()) {
      spdlog::critical("fleet: {}", st.message());
      return 1;
    }
    spdlog::info("fleet: host {} follows {} from revision {}", host_name, etcd->location(),
                 etcd_store->loaded_revision());
  }

  std::string error;
  switchyard::SocketAccess access{socket_group,
                                  static_cast<unsigned>(std::stoul(socket_mode, nullptr, 8)),
                                  app.count("--socket-group") == 0};
  auto listener = switchyard::UnixListener::Open(socket_path, access, &error);
  if (!listener) {
    spdlog::critical("cannot serve on {}: {}", socket_path, error);
    return 1;
  }
  sc::ControlService service(controller);
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(switchyard::kMaxControlRequestBytes);
  builder.SetMaxSendMessageSize(switchyard::kMaxControlReplyBytes);
  grpc::ResourceQuota quota("switchyard-controld");
  quota.SetMaxThreads(switchyard::kMaxControlThreads);
  builder.SetResourceQuota(quota);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    spdlog::critical("cannot start the gRPC server");
    return 1;
  }
  // The socket's owner, group and mode are the boundary: whoever can open
  // it may use yardctl.
  listener->Serve(server.get(), switchyard::AdmitAnyone());
  controller.Start();
  if (fleet) fleet->Start();
  std::unique_ptr<sc::MetricsServer> metrics_server;
  if (!metrics_listen.empty()) {
    try {
      metrics_server = std::make_unique<sc::MetricsServer>(metrics_listen, controller);
    } catch (const std::exception& e) {
      spdlog::critical("--metrics {}: cannot listen: {}", metrics, e.what());
      listener->Stop();
      server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
      controller.Stop();
      return 1;
    }
  }
  spdlog::info("switchyard-controld {} serving on unix:{}, dataplane at {}", SWITCHYARD_VERSION, socket_path,
               dataplane_path);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("{}: shutting down", strsignal(sig));
  metrics_server.reset();
  listener->Stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (fleet) fleet->Stop();
  controller.Stop();
  return 0;
}
