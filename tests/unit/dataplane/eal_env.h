#pragma once
// A real EAL for unit tests: no hugepages, no PCI, one lcore.
// Registered once per test binary before any test runs.

#include <gtest/gtest.h>
#include <rte_eal.h>

#include "testing/fixtures.h"

namespace switchyard::testing {

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { InitEal("unit"); }
  void TearDown() override { rte_eal_cleanup(); }
};

inline const bool kEalRegistered =
    (::testing::AddGlobalTestEnvironment(new EalEnvironment), true);

}  // namespace switchyard::testing
