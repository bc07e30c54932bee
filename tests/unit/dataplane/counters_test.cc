// Each counter is defined once (core/counters.h, features/*/..._defs.h):
// the proto messages must carry a uint64 field of every counter's name, and
// every uint64 field they carry must be a counter, so the stats reply, the
// sums and yardctl's columns cannot drift apart.

#include "core/counters.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "switchyard/v1/types.pb.h"

namespace switchyard {
namespace {

template <typename Message>
std::set<std::string> Uint64Fields(std::set<std::string> except = {}) {
  std::set<std::string> out;
  const auto* d = Message::descriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_UINT64 &&
        !except.count(f->name()))
      out.insert(f->name());
  }
  return out;
}

#define SWITCHYARD_NAME(f) names.insert(#f);

TEST(Counters, EveryPortCounterHasItsProtoFieldAndNoMore) {
  std::set<std::string> names;
  SWITCHYARD_PORT_COUNTERS(SWITCHYARD_NAME)
  // hw_* come from the ethdev, not from the workers.
  EXPECT_EQ(names, Uint64Fields<v1::PortCounters>({"hw_rx_missed", "hw_rx_nombuf", "hw_rx_errors",
                                                   "hw_tx_errors"}));
}

TEST(Counters, EveryTenantCounterHasItsProtoFieldAndNoMore) {
  std::set<std::string> names;
  SWITCHYARD_TENANT_COUNTERS(SWITCHYARD_NAME)
  EXPECT_EQ(names, Uint64Fields<v1::TenantCounters>());
}

TEST(Counters, ToProtoCopiesEachCounterIntoItsField) {
  TenantCounters c;
  uint64_t v = 1;
#define SWITCHYARD_FILL(f) c.f = v++;
  SWITCHYARD_TENANT_COUNTERS(SWITCHYARD_FILL)
#undef SWITCHYARD_FILL
  v1::TenantCounters out;
  TenantCountersToProto(c, &out);
  const auto* d = v1::TenantCounters::descriptor();
  uint64_t expect = 1;
#define SWITCHYARD_CHECK(f) \
  EXPECT_EQ(out.GetReflection()->GetUInt64(out, d->FindFieldByName(#f)), expect++) << #f;
  SWITCHYARD_TENANT_COUNTERS(SWITCHYARD_CHECK)
#undef SWITCHYARD_CHECK
  PortCounters p;
  p.tx_dropped = 7;
  v1::PortCounters po;
  PortCountersToProto(p, &po);
  EXPECT_EQ(po.tx_dropped(), 7u);
}

TEST(Counters, DropReasonNamesAreUnique) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < kDropReasonCount; ++i)
    EXPECT_TRUE(names.insert(DropReasonName(static_cast<DropReason>(i))).second);
}

}  // namespace
}  // namespace switchyard
