// Churn: create and delete tenants and ports many times over, through the
// dataplane as controld programs it (Apply deltas) and through controld's
// handlers into its SQLite store, and check nothing is lost or left behind:
// every cycle ends with no ethdev, no learned MAC, as many packet buffers in
// use as at the start; a port id the dataplane hands out again carries none
// of its previous owner's MACs; controld's store ends empty. Run under
// AddressSanitizer/LeakSanitizer (build with -Db_sanitize=address) it also
// proves no memory leaks and no use after free; see docs/reliability.md.
//
//   churn [CYCLES]   (default 300; the documented run is 10000)
//
// Ports rotate through tap, ring and vhost-user (server) kinds. Needs root
// (tap interfaces).

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <google/protobuf/stubs/logging.h>
#include <rte_ethdev.h>
#include <spdlog/spdlog.h>

#include "core/controller.h"
#include "core/dataplane.h"
#include "kernel/netlink_kernel.h"
#include "store/sqlite_store.h"
#include "testing/fixtures.h"

namespace {

using namespace switchyard;
namespace sc = switchyard::controlplane;

[[noreturn]] void Fail(int cycle, const std::string& what) {
  std::fprintf(stderr, "churn: cycle %d: %s\n", cycle, what.c_str());
  std::exit(1);
}

v1::Port ChurnPort(int cycle, const std::string& dir) {
  v1::Port p;
  p.set_name("ch" + std::to_string(cycle % 7));
  p.set_role(v1::PORT_ROLE_ACCESS);
  p.set_tenant("t" + std::to_string(cycle % 5));
  switch (cycle % 3) {
    case 0:
      p.set_kind(v1::PORT_KIND_TAP);
      p.set_iface("sych" + std::to_string(getpid() % 10000));
      break;
    case 1: p.set_kind(v1::PORT_KIND_RING); break;
    default:
      p.set_kind(v1::PORT_KIND_VHOST_SERVER);
      p.set_socket(dir + "/vh" + std::to_string(cycle % 4) + ".sock");
      break;
  }
  return p;
}

// A frame from `src` learned on `port` (the tracer, committed: a real learn).
void Learn(Dataplane& dp, const std::string& port, uint8_t src) {
  v1::TraceRequest req;
  req.set_port(port);
  req.set_commit(true);
  std::string f(60, '\0');
  const uint8_t head[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 9, src, 0x08, 0};
  f.replace(0, sizeof(head), reinterpret_cast<const char*>(head), sizeof(head));
  req.set_packet(f);
  v1::TraceReply reply;
  (void)dp.Trace(req, &reply);
}

int DataplaneChurn(int cycles, const std::string& dir) {
  DataplaneOptions o;
  o.worker_lcores = {1};
  o.mac_capacity = 4096;
  o.mbufs = 4095;
  Dataplane dp(o);
  dp.Start();
  const uint64_t baseline = dp.State().mbufs_in_use();
  uint64_t gen = 0;
  auto apply = [&](int cycle, std::initializer_list<v1::Change> changes) {
    v1::ApplyRequest r;
    r.set_base_generation(gen);
    r.set_generation(++gen);
    for (const auto& c : changes) *r.add_changes() = c;
    v1::ApplyReply reply;
    if (auto e = dp.Apply(r, &reply)) Fail(cycle, "apply refused: " + *e);
    if (reply.port_errors_size() != 0) Fail(cycle, "port error: " + reply.port_errors(0).message());
  };
  int reused = 0;
  int last_id = -1;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    v1::Change t, p, dt, dport;
    *t.mutable_upsert_tenant() = testing::MakeTenant("t" + std::to_string(cycle % 5), 1 + cycle % 5);
    *p.mutable_upsert_port() = ChurnPort(cycle, dir);
    apply(cycle, {t, p});
    const v1::DataplaneState st = dp.State();
    if (st.port_status_size() != 1 || rte_eth_dev_count_avail() != 1)
      Fail(cycle, "expected exactly one port up");
    const int id = static_cast<int>(st.port_status(0).port_id());
    if (id == last_id) ++reused;
    last_id = id;
    // A port id handed out again starts with no MACs of its previous owner
    // (ours are 02:00:00:00:09:xx; a tap's kernel side may send its own).
    auto ours = [&] {
      v1::ListMacsReply macs;
      (void)dp.ListMacs(v1::ListMacsRequest(), &macs);
      int n = 0;
      for (const auto& m : macs.macs()) n += m.mac().rfind("02:00:00:00:09:", 0) == 0 ? 1 : 0;
      return n;
    };
    if (ours() != 0) Fail(cycle, "a new port found MACs learned before it existed");
    Learn(dp, p.upsert_port().name(), static_cast<uint8_t>(cycle));
    if (ours() != 1) Fail(cycle, "the port did not learn its MAC");
    v1::ListMacsReply macs;
    dport.set_delete_port(p.upsert_port().name());
    dt.set_delete_tenant(t.upsert_tenant().name());
    apply(cycle, {dport, dt});
    macs.Clear();
    (void)dp.ListMacs(v1::ListMacsRequest(), &macs);
    if (macs.macs_size() != 0) Fail(cycle, "MACs outlived their port");
    if (rte_eth_dev_count_avail() != 0) Fail(cycle, "a device outlived its port");
    const v1::DataplaneState after = dp.State();
    if (after.mbuf_pools() > 2) Fail(cycle, "retired buffer pools pile up");
    if (cycle % 100 == 99)
      std::printf("dataplane: %d cycles, buffers in use %llu (start %llu), pools %u\n", cycle + 1,
                  static_cast<unsigned long long>(after.mbufs_in_use()),
                  static_cast<unsigned long long>(baseline), after.mbuf_pools());
  }
  const uint64_t end = dp.State().mbufs_in_use();
  // Workers' mempool caches may hold a few buffers of the shared pool.
  if (end > baseline + 2 * 256) Fail(cycles, "buffers in use grew: " + std::to_string(end));
  std::printf("dataplane: %d cycles, port ids reused %d times, buffers in use %llu at the end "
              "(%llu at the start)\n",
              cycles, reused, static_cast<unsigned long long>(end),
              static_cast<unsigned long long>(baseline));
  return 0;
}

int ControldChurn(int cycles, const std::string& dir) {
  std::unique_ptr<sc::SqliteStore> store;
  if (!sc::SqliteStore::Open(dir + "/state.db", store).ok()) Fail(0, "store");
  sc::NetlinkKernel kernel;
  sc::Controller::Options o;
  o.dataplane_socket = dir + "/none.sock";
  o.paths.vhost_dirs = {dir};
  o.paths.pcap_dir = dir;
  sc::Controller c(*store, kernel, o);
  if (!c.Init().ok()) Fail(0, "init");
  for (int cycle = 0; cycle < cycles; ++cycle) {
    v1::Tenant t = testing::MakeTenant("t" + std::to_string(cycle % 5), 0), out;
    if (auto st = c.CreateTenant(t, out); !st.ok()) Fail(cycle, st.message());
    v1::PortView pv;
    v1::Port p = ChurnPort(cycle, dir);
    if (auto st = c.CreatePort(p, pv); !st.ok()) Fail(cycle, st.message());
    uint64_t g;
    if (auto st = c.DeletePort(p.name(), g); !st.ok()) Fail(cycle, st.message());
    if (auto st = c.DeleteTenant(t.name(), g); !st.ok()) Fail(cycle, st.message());
  }
  sc::DesiredState loaded;
  if (!store->Load(loaded).ok() || !loaded.tenants.empty() || !loaded.ports.empty())
    Fail(cycles, "controld's store is not empty after the churn");
  std::printf("controld: %d cycles, store empty at generation %llu\n", cycles,
              static_cast<unsigned long long>(loaded.generation));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (geteuid() != 0) {
    std::printf("SKIP: churn needs root (tap interfaces)\n");
    return 77;
  }
  const int cycles = argc > 1 ? std::atoi(argv[1]) : 300;
  spdlog::set_level(spdlog::level::warn);
  google::protobuf::SetLogHandler(nullptr);
  char tmpl[] = "/tmp/sy-churn-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  testing::InitEal("churn", 512, "0@0,1@0");
  int rc = DataplaneChurn(cycles, dir);
  if (rc == 0) rc = ControldChurn(cycles, dir);
  rte_eal_cleanup();
  std::filesystem::remove_all(dir);
  return rc;
}
