// Fuzzes controld's handlers: arbitrary protobuf requests go through
// validation into the real SQLite store on a temporary file, with the real
// kernel answering whether interfaces and namespaces exist (it is only
// asked) and no dataplane connected. The properties, after every input:
// nothing crashed; every tenant and port in the desired state passes
// validation, refers to tenants that exist, and owns its device (names,
// interfaces, sockets, PCI addresses, tenant ids, VLANs and VNIs unique);
// the MAC limits fit the table; and the store, reopened, holds exactly the
// desired state (each change applied whole or not at all).
//
// Input layout: a sequence of (op byte, length byte, that many bytes of a
// serialized request). Built as a libFuzzer target with -Dfuzzing=true, else
// with a deterministic driver over generated requests (main below).

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include "core/controller.h"
#include "kernel/netlink_kernel.h"
#include "model/validate.h"
#include "store/sqlite_store.h"
#include "switchyard/config_state.h"
#include "switchyard/mac_limits.h"

namespace {

namespace sc = switchyard::controlplane;
namespace pb = switchyard::v1;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "control_fuzz: %s\n", what.c_str());
  std::abort();
}

std::string Dir() {
  static std::string dir = [] {
    char tmpl[] = "/tmp/sy-control-fuzz-XXXXXX";
    std::string d = mkdtemp(tmpl);
    std::filesystem::create_directory(d + "/vhost");
    std::filesystem::create_directory(d + "/pcap");
    return d;
  }();
  return dir;
}

void CheckInvariants(const sc::DesiredState& d) {
  std::set<uint32_t> ids, vlans, vnis;
  uint64_t reserved = 0;
  for (const auto& [name, t] : d.tenants) {
    if (name != t.name()) Fail("tenant keyed by another name");
    if (auto st = sc::ValidateTenant(t); !st.ok()) Fail("stored tenant invalid: " + st.message());
    if (t.id() == 0 || !ids.insert(t.id()).second) Fail("tenant id reused: " + name);
    if (t.vlan() != 0 && !vlans.insert(t.vlan()).second) Fail("tenant vlan reused: " + name);
    if (t.vni() != 0 && !vnis.insert(t.vni()).second) Fail("tenant vni reused: " + name);
    reserved += switchyard::EffectiveMacLimit(t.mac_limit());
  }
  if (reserved > switchyard::kDefaultMacTableSize) Fail("MAC limits exceed the table");
  std::set<std::string> ifaces, sockets, pcis;
  for (const auto& [name, p] : d.ports) {
    if (name != p.name()) Fail("port keyed by another name");
    if (auto st = sc::ValidatePort(p); !st.ok()) Fail("stored port invalid: " + st.message());
    if (!p.tenant().empty() && !d.tenants.count(p.tenant())) Fail("port on a missing tenant");
    for (const auto& tv : p.trunk())
      if (!d.tenants.count(tv.tenant())) Fail("trunk on a missing tenant");
    if (!p.iface().empty() && !ifaces.insert(p.iface()).second) Fail("iface reused: " + name);
    if (!p.socket().empty() && !sockets.insert(p.socket()).second) Fail("socket reused: " + name);
    if (auto pci = sc::PciAddressOf(p); pci && !pcis.insert(*pci).second) Fail("PCI reused");
  }
}

void RunOne(const uint8_t* data, size_t size) {
  const std::string db = Dir() + "/state.db";
  std::filesystem::remove(db);
  std::unique_ptr<sc::SqliteStore> store;
  if (!sc::SqliteStore::Open(db, store).ok()) Fail("cannot open the store");
  sc::NetlinkKernel kernel;
  sc::Controller::Options o;
  o.dataplane_socket = Dir() + "/no-dataplane.sock";
  o.paths.vhost_dirs = {Dir() + "/vhost"};
  o.paths.pcap_dir = Dir() + "/pcap";
  sc::Controller c(*store, kernel, o);
  if (!c.Init().ok()) Fail("init");
  size_t at = 0;
  while (at + 2 <= size) {
    const uint8_t op = data[at] % 9;
    const size_t len = std::min<size_t>(data[at + 1], size - at - 2);
    const uint8_t* body = data + at + 2;
    at += 2 + len;
    const int n = static_cast<int>(len);
    switch (op) {
      case 0: case 1: {
        pb::Tenant t, out;
        if (!t.ParseFromArray(body, n)) break;
        (void)(op == 0 ? c.CreateTenant(t, out) : c.UpdateTenant(t, out));
        break;
      }
      case 2: {
        uint64_t g;
        (void)c.DeleteTenant(std::string(reinterpret_cast<const char*>(body), len), g);
        break;
      }
      case 3: case 4: {
        pb::Port p;
        pb::PortView out;
        if (!p.ParseFromArray(body, n)) break;
        (void)(op == 3 ? c.CreatePort(p, out) : c.UpdatePort(p, out));
        break;
      }
      case 5: {
        uint64_t g;
        (void)c.DeletePort(std::string(reinterpret_cast<const char*>(body), len), g);
        break;
      }
      case 6: {
        pb::ListMacsRequest r;
        pb::ListMacsReply out;
        if (r.ParseFromArray(body, n)) (void)c.ListMacs(r, out);  // no dataplane: UNAVAILABLE
        break;
      }
      case 7: {
        pb::TraceRequest r;
        pb::TraceReply out;
        if (r.ParseFromArray(body, n)) (void)c.Trace(r, out);
        break;
      }
      default: {
        pb::Status st;
        c.GetStatus(st);
        (void)c.ListPorts();
        break;
      }
    }
  }
  const sc::DesiredState d = c.Desired();
  CheckInvariants(d);
  // What the store holds is what controld believes: reopen and compare.
  std::unique_ptr<sc::SqliteStore> again;
  sc::DesiredState loaded;
  if (!sc::SqliteStore::Open(db, again).ok() || !again->Load(loaded).ok()) Fail("reload");
  if (!switchyard::SameObjects(loaded, d) || loaded.generation != d.generation)
    Fail("the store differs from the desired state");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  google::protobuf::SetLogHandler(nullptr);  // "invalid UTF-8" on every other input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  RunOne(data, size);
  return 0;
}

#ifndef SWITCHYARD_LIBFUZZER
// Deterministic driver: requests built from a few names, values at and past
// the edges, kinds, paths inside and outside the allowed directories, then
// serialized and sometimes corrupted.
int main(int argc, char** argv) {
  LLVMFuzzerInitialize(nullptr, nullptr);
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 2000;
  std::mt19937 rng(4242);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  const std::vector<std::string> names = {"red", "blue", "green", ".", "..", "", "a,b",
                                          std::string(40, 'x'), "vm1", "vm2", "t1"};
  const std::vector<std::string> sockets = {Dir() + "/vhost/a.sock", Dir() + "/vhost/b.sock",
                                            Dir() + "/vhost//a.sock", "/etc/x.sock",
                                            Dir() + "/vhost/../x", "rel.sock", ""};
  const std::vector<std::string> devargs = {"", "0000:01:00.0", "01:00.0,x=1", "net_tap_vm1",
                                            "rx_pcap=" + Dir() + "/pcap/in.pcap",
                                            "tx_pcap=/etc/passwd", "iommu-support=1",
                                            "legacy-ol-flags=2", "mac=02:00:00:00:00:01"};
  const std::vector<uint32_t> nums = {0, 1, 2, 100, 4094, 4095, 16383, 16384, 4096, 1048576,
                                      1048577, 16777215, 16777216, UINT32_MAX};
  std::vector<uint8_t> in;
  for (int it = 0; it < iterations; ++it) {
    in.clear();
    const int ops = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < ops; ++k) {
      const uint8_t op = static_cast<uint8_t>(rng() % 9);
      std::string body;
      if (op <= 1) {
        pb::Tenant t;
        t.set_name(pick(names));
        if (rng() % 2) t.set_id(nums[rng() % nums.size()]);
        if (rng() % 2) t.set_vlan(nums[rng() % nums.size()]);
        if (rng() % 2) t.set_mac_limit(nums[rng() % nums.size()]);
        if (rng() % 3 == 0) t.set_vni(nums[rng() % nums.size()]);
        body = t.SerializeAsString();
      } else if (op == 3 || op == 4) {
        pb::Port p;
        p.set_name(pick(names));
        p.set_kind(static_cast<pb::PortKind>(rng() % 11));
        p.set_role(static_cast<pb::PortRole>(rng() % 5));
        if (rng() % 2) p.set_tenant(pick(names));
        if (rng() % 2) p.set_iface(pick(names));
        if (rng() % 2) p.set_socket(pick(sockets));
        if (rng() % 2) p.set_devargs(pick(devargs));
        if (rng() % 3 == 0) p.set_access_vlan(nums[rng() % nums.size()]);
        for (int v = static_cast<int>(rng() % 3); v > 0; --v) {
          auto* tv = p.add_trunk();
          tv->set_vlan(nums[rng() % nums.size()]);
          tv->set_tenant(pick(names));
        }
        if (rng() % 4 == 0) p.mutable_tap()->set_netns(pick(names));
        body = p.SerializeAsString();
      } else if (op == 2 || op == 5) {
        body = pick(names);
      } else {
        pb::ListMacsRequest r;
        r.set_page_token(pick(names));
        r.set_page_size(nums[rng() % nums.size()]);
        body = r.SerializeAsString();
      }
      if (rng() % 8 == 0 && !body.empty()) body[rng() % body.size()] ^= static_cast<char>(1 + rng() % 255);
      body.resize(std::min<size_t>(body.size(), 255));
      in.push_back(op);
      in.push_back(static_cast<uint8_t>(body.size()));
      in.insert(in.end(), body.begin(), body.end());
    }
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  std::filesystem::remove_all(Dir());
  std::printf("%d inputs, no crash, every invariant held\n", iterations);
  return 0;
}
#endif
