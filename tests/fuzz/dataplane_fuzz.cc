// Fuzzes the Dataplane service's handlers as controld would call them, with
// arbitrary protobuf: Sync, Apply, GetState, GetStats, ListMacs, FlushMacs.
// Every port's device spec is built from the port as given (the devargs
// policy and device identity checks see everything); ports then come up as
// ring or null devices (kinds that touch the host — taps, sockets, files,
// NICs — are not created by a fuzzer). The properties, after every input:
// nothing crashed; every port the state lists as up is on a live ethdev,
// and no ethdev is left over that no port owns; and once the
// configuration is emptied every packet buffer is back.
//
// Input layout: a sequence of (op byte, length byte, that many bytes of a
// serialized request). libFuzzer target with -Dfuzzing=true, else a
// deterministic driver (main below).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>
#include <rte_ethdev.h>
#include <spdlog/spdlog.h>

#include "core/dataplane.h"
#include "ports/devargs.h"
#include "testing/fixtures.h"

namespace {

using namespace switchyard;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "dataplane_fuzz: %s\n", what.c_str());
  std::abort();
}

struct Harness {
  std::unique_ptr<Dataplane> dp;
  uint64_t baseline_in_use = 0;
  uint64_t ports_seen_up = 0;  // over all inputs: that the inputs reach the devices

  Harness() {
    spdlog::set_level(spdlog::level::off);
    google::protobuf::SetLogHandler(nullptr);
    testing::InitEal("dataplane_fuzz", 512, "0@0,1@0");
    DataplaneOptions o;
    o.worker_lcores = {1};  // sharing CPU 0 with the handlers
    o.mac_capacity = 4096;
    o.mbufs = 2047;
    dp = std::make_unique<Dataplane>(o);
    dp->Start();  // flushes run on the housekeeping thread
    baseline_in_use = dp->State().mbufs_in_use();
  }

  // Devices a fuzzer may create: the port's own spec is checked, then it
  // becomes a ring or null port.
  static void Tame(v1::Port& p) {
    (void)BuildDeviceSpec(p, RingDeviceName(0));
    if (p.kind() != v1::PORT_KIND_RING) {
      p.set_kind(v1::PORT_KIND_NULL);
      p.clear_devargs();
    }
    p.clear_iface();
    p.clear_socket();
    p.clear_tap();
  }
  template <typename Req>
  static void TameAll(Req& r) {
    if (r.ports_size() > 8) r.mutable_ports()->DeleteSubrange(8, r.ports_size() - 8);
    for (auto& p : *r.mutable_ports()) Tame(p);
  }

  void Check() {
    const v1::DataplaneState st = dp->State();
    for (const auto& ps : st.port_status())
      if (!rte_eth_dev_is_valid_port(static_cast<uint16_t>(ps.port_id())))
        Fail("port " + ps.name() + " lists an ethdev that is gone");
    ports_seen_up += static_cast<uint64_t>(st.port_status_size());
    if (static_cast<int>(rte_eth_dev_count_avail()) != st.port_status_size())
      Fail("ethdevs " + std::to_string(rte_eth_dev_count_avail()) + " != ports up " +
           std::to_string(st.port_status_size()));
  }

  void Run(const uint8_t* data, size_t size) {
    size_t at = 0;
    uint64_t gen = dp->State().generation();
    while (at + 2 <= size) {
      const uint8_t op = data[at] % 6;
      const size_t len = std::min<size_t>(data[at + 1], size - at - 2);
      const uint8_t* body = data + at + 2;
      const int n = static_cast<int>(len);
      at += 2 + len;
      switch (op) {
        case 0: {
          v1::SyncRequest r;
          if (!r.ParseFromArray(body, n)) break;
          TameAll(r);
          dp->Sync(r);
          break;
        }
        case 1: {
          v1::ApplyRequest r;
          if (!r.ParseFromArray(body, n)) break;
          if (r.changes_size() > 8) r.mutable_changes()->DeleteSubrange(8, r.changes_size() - 8);
          for (auto& c : *r.mutable_changes())
            if (c.has_upsert_port()) Tame(*c.mutable_upsert_port());
          if (n % 2 == 0) r.set_base_generation(gen);  // half of them land
          v1::ApplyReply reply;
          dp->Apply(r, &reply);
          break;
        }
        case 2: {
          v1::ListMacsRequest r;
          v1::ListMacsReply reply;
          if (r.ParseFromArray(body, n)) (void)dp->ListMacs(r, &reply);
          break;
        }
        case 3: {
          v1::FlushMacsRequest r;
          if (r.ParseFromArray(body, n)) (void)dp->FlushMacs(r);
          break;
        }
        case 4: {
          v1::GetStatsRequest r;
          if (r.ParseFromArray(body, n)) (void)dp->GetStats(r);
          break;
        }
        default:
          (void)dp->State();
          break;
      }
      gen = dp->State().generation();
      Check();
    }
    // Empty again: every device gone, every buffer back.
    v1::SyncRequest empty;
    empty.set_generation(gen + 1);
    dp->Sync(empty);
    Check();
    if (rte_eth_dev_count_avail() != 0) Fail("devices left after an empty Sync");
    const uint64_t in_use = dp->State().mbufs_in_use();
    if (in_use > baseline_in_use) Fail("buffers leaked: " + std::to_string(in_use));
  }
};

Harness& H() {
  static Harness h;
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  H().Run(data, size);
  return 0;
}

#ifndef SWITCHYARD_LIBFUZZER
int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 300;
  std::mt19937 rng(99);
  auto pick = [&](std::initializer_list<const char*> v) {
    return std::string(*(v.begin() + rng() % v.size()));
  };
  auto tenant = [&] {
    v1::Tenant t;
    t.set_name(pick({"red", "blue", "", "..", "x,y"}));
    t.set_id(static_cast<uint32_t>(rng() % 5 == 0 ? rng() : rng() % 20000));
    if (rng() % 2) t.set_vlan(static_cast<uint32_t>(rng() % 5000));
    if (rng() % 3 == 0) t.set_mac_limit(static_cast<uint32_t>(rng() % 3 == 0 ? rng() : rng() % 8));
    return t;
  };
  auto port = [&] {
    v1::Port p;
    p.set_name(pick({"a", "b", "c", "", "d,iface=x", std::string(40, 'p').c_str()}));
    p.set_kind(static_cast<v1::PortKind>(rng() % 11));
    p.set_role(static_cast<v1::PortRole>(rng() % 5));
    p.set_tenant(pick({"red", "blue", "nosuch", ""}));
    p.set_access_vlan(static_cast<uint32_t>(rng() % 3 == 0 ? rng() : rng() % 4100));
    for (int v = static_cast<int>(rng() % 3); v > 0; --v) {
      auto* tv = p.add_trunk();
      tv->set_vlan(static_cast<uint32_t>(rng() % 4200));
      tv->set_tenant(pick({"red", "blue", "nosuch"}));
    }
    p.set_devargs(pick({"", "size=64", "iface=x", "0000:01:00.0", "nodeaction=x:0:ATTACH"}));
    p.set_socket(pick({"", "/tmp/x.sock", "/tmp/a,b"}));
    return p;
  };
  std::vector<uint8_t> in;
  for (int it = 0; it < iterations; ++it) {
    in.clear();
    for (int k = 1 + static_cast<int>(rng() % 6); k > 0; --k) {
      const uint8_t op = static_cast<uint8_t>(rng() % 6);
      std::string body;
      if (op == 0) {
        v1::SyncRequest r;
        r.set_generation(rng() % 100);
        for (int i = static_cast<int>(rng() % 3); i > 0; --i) *r.add_tenants() = tenant();
        for (int i = static_cast<int>(rng() % 4); i > 0; --i) *r.add_ports() = port();
        body = r.SerializeAsString();
      } else if (op == 1) {
        v1::ApplyRequest r;
        r.set_generation(rng() % 100);
        for (int i = 1 + static_cast<int>(rng() % 3); i > 0; --i) {
          auto* c = r.add_changes();
          switch (rng() % 4) {
            case 0: *c->mutable_upsert_tenant() = tenant(); break;
            case 1: c->set_delete_tenant(pick({"red", "blue", "x"})); break;
            case 2: *c->mutable_upsert_port() = port(); break;
            default: c->set_delete_port(pick({"a", "b", "c"})); break;
          }
        }
        body = r.SerializeAsString();
      } else if (op == 2) {
        v1::ListMacsRequest r;
        r.set_page_token(pick({"", "b0", "b99999999", "x", "b-1"}));
        r.set_page_size(static_cast<uint32_t>(rng() % 3 == 0 ? rng() : rng() % 30));
        body = r.SerializeAsString();
      }
      if (rng() % 6 == 0 && !body.empty()) body[rng() % body.size()] ^= static_cast<char>(1 + rng() % 255);
      body.resize(std::min<size_t>(body.size(), 255));
      in.push_back(op);
      in.push_back(static_cast<uint8_t>(body.size()));
      in.insert(in.end(), body.begin(), body.end());
    }
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  std::printf("%d inputs (%llu port-states up seen), no crash, no device or buffer left behind\n",
              iterations, static_cast<unsigned long long>(H().ports_seen_up));
  if (H().ports_seen_up == 0) Fail("no input brought a port up: the driver tests nothing");
  return 0;
}
#endif
