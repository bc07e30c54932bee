#pragma once
// A real EAL for unit tests: no hugepages, no PCI, one lcore.
// Registered once per test binary before any test runs.

#include <gtest/gtest.h>
#include <rte_eal.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace switchyard::testing {

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    std::vector<std::string> args = {"unit", "--no-huge", "-m", "256", "--no-pci",
                                     "--file-prefix", "unit-" + std::to_string(getpid()),
                                     "--lcores", "0", "--log-level", "*:error",
                                     "--no-telemetry"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      // Without an EAL every test would be skipped; fail the binary instead.
      std::fprintf(stderr, "EAL initialisation failed\n");
      std::exit(1);
    }
  }
  void TearDown() override { rte_eal_cleanup(); }
};

inline const bool kEalRegistered =
    (::testing::AddGlobalTestEnvironment(new EalEnvironment), true);

}  // namespace switchyard::testing
