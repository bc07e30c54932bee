// Fuzzes `yardctl apply -f`: the YAML topology parser and the plan computed
// from what it parsed against a current configuration. Properties: nothing
// crashes or hangs on any text (yaml-cpp's parser included), every error
// says where (a YAML position or the path of a value), and a file that
// parses yields tenants and ports with unique names whose plan can be
// computed.
//
// Built as a libFuzzer target with -Dfuzzing=true, else with a
// deterministic driver over mutated topology files (main below).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <string_view>

#include "plan.h"
#include "topology.h"

namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "topology_fuzz: %s\n", what.c_str());
  std::abort();
}

void RunOne(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = yardctl::ParseTopology(text);
  if (!parsed.ok()) {
    if (parsed.error().empty()) Fail("an error without a message");
    return;
  }
  const yardctl::Topology& t = parsed.value();
  std::set<std::string> names;
  for (const auto& x : t.tenants)
    if (x.name().empty() || !names.insert("t/" + x.name()).second) Fail("tenant names");
  for (const auto& x : t.ports)
    if (x.name().empty() || !names.insert("p/" + x.name()).second) Fail("port names");
  // The plan against nothing, and against itself (which must be empty).
  (void)yardctl::ComputePlan(t, yardctl::Topology{}, true);
  auto same = yardctl::ComputePlan(t, t, true);
  if (same.ok() && !same.value().empty()) Fail("a topology against itself plans changes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  RunOne(data, size);
  return 0;
}

#ifndef SWITCHYARD_LIBFUZZER
int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 20000;
  static const char* kSeeds[] = {
      "tenants:\n  - name: red\n    id: 1\n    vlan: 501\n    mac_limit: 1000\n  - name: blue\n"
      "    vni: 5000\nports:\n  - name: vm1\n    kind: tap\n    tenant: red\n    vlan: 30\n"
      "    netns: vm1\n    ip: [10.0.0.1/24, \"fd00::1/64\"]\n    mtu: 1400\n  - name: up0\n"
      "    kind: af_packet\n    iface: eth1\n    trunk: {100: red, 200: blue}\n  - name: wan\n"
      "    kind: null\n    uplink: true\n",
      "ports:\n  - {name: a, kind: ring, tenant: red}\n  - {name: a, kind: ring, tenant: red}\n",
      "tenants: [{name: x, vlan: 4095}]\n",
      "tenants:\n  - &a {name: r}\n  - *a\nports: !!map {}\n",
      "{tenants: [[[[[[[[]]]]]]]], ports: 7}\n",
  };
  static const char* kTokens[] = {":", "-", "[", "]", "{", "}", "&a", "*a", "!!str", "\n  ",
                                  "'", "\"", "#", "|", ">", "0x10", "1e9", "~", "null", "?",
                                  "4294967296", "-1", "\t", "<<: *a", "%YAML 1.2\n---\n"};
  std::mt19937 rng(777);
  for (int it = 0; it < iterations; ++it) {
    std::string s = kSeeds[rng() % (sizeof(kSeeds) / sizeof(*kSeeds))];
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const size_t at = rng() % s.size();
      switch (rng() % 4) {
        case 0: s.insert(at, kTokens[rng() % (sizeof(kTokens) / sizeof(*kTokens))]); break;
        case 1: s.erase(at, 1 + rng() % 8); break;
        case 2: s[at] = static_cast<char>(rng()); break;
        default: s.insert(at, s.substr(rng() % s.size(), 1 + rng() % 20)); break;
      }
    }
    if (std::getenv("TOPOLOGY_FUZZ_TRACE") != nullptr)
      std::fprintf(stderr, "--- %d\n%s\n", it, s.c_str());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  std::printf("%d inputs, no crash\n", iterations);
  return 0;
}
#endif
