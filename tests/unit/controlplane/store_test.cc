// SqliteStore on a temp file: persist, reopen, generation survives, a failed
// commit changes nothing.

#include <memory>

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "test_util.h"

namespace switchyard::controlplane {
namespace {

using testing::TempDir;

pb::Change UpsertTenant(const std::string& name, uint32_t id, uint64_t gen) {
  pb::Change c;
  c.mutable_upsert_tenant()->set_name(name);
  c.mutable_upsert_tenant()->set_id(id);
  c.mutable_upsert_tenant()->set_generation(gen);
  return c;
}

pb::Change UpsertPort(const std::string& name, uint64_t gen) {
  pb::Change c;
  auto* p = c.mutable_upsert_port();
  p->set_name(name);
  p->set_kind(pb::PORT_KIND_TAP);
  p->set_iface(name);
  p->set_role(pb::PORT_ROLE_ACCESS);
  p->set_tenant("blue");
  p->mutable_tap()->add_addresses("10.0.0.1/24");
  p->set_generation(gen);
  return c;
}

// Commits `changes` proposing `generation` (the SQLite store keeps it).
Status CommitAt(Store& store, uint64_t generation, std::vector<pb::Change> changes) {
  uint64_t committed = generation;
  Status st = store.Commit(changes, committed);
  EXPECT_TRUE(!st.ok() || committed == generation);
  return st;
}

std::unique_ptr<SqliteStore> OpenOrDie(const std::string& path) {
  std::unique_ptr<SqliteStore> store;
  Status st = SqliteStore::Open(path, store);
  EXPECT_TRUE(st.ok()) << st.message();
  return store;
}

TEST(SqliteStore, EmptyStoreLoadsAtGenerationZero) {
  TempDir dir;
  auto store = OpenOrDie(dir.path("s.db"));
  DesiredState state;
  ASSERT_TRUE(store->Load(state).ok());
  EXPECT_EQ(state.generation, 0u);
  EXPECT_TRUE(state.tenants.empty());
  EXPECT_TRUE(state.ports.empty());
}

TEST(SqliteStore, PersistsAcrossReopen) {
  TempDir dir;
  pb::Change port = UpsertPort("tap0", 2);
  {
    auto store = OpenOrDie(dir.path("s.db"));
    ASSERT_TRUE(CommitAt(*store, 1, {UpsertTenant("blue", 1, 1)}).ok());
    ASSERT_TRUE(CommitAt(*store, 2, {port}).ok());
    ASSERT_TRUE(CommitAt(*store, 3, {UpsertTenant("red", 2, 3)}).ok());
    pb::Change del;
    del.set_delete_tenant("red");
    ASSERT_TRUE(CommitAt(*store, 4, {del}).ok());
  }
  auto store = OpenOrDie(dir.path("s.db"));
  DesiredState state;
  ASSERT_TRUE(store->Load(state).ok());
  EXPECT_EQ(state.generation, 4u);
  ASSERT_EQ(state.tenants.size(), 1u);
  EXPECT_EQ(state.tenants.at("blue").id(), 1u);
  ASSERT_EQ(state.ports.size(), 1u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(state.ports.at("tap0"), port.upsert_port()));
}

TEST(SqliteStore, GenerationOnlyCommitSurvives) {
  TempDir dir;
  { ASSERT_TRUE(CommitAt(*OpenOrDie(dir.path("s.db")), 41, {}).ok()); }
  DesiredState state;
  ASSERT_TRUE(OpenOrDie(dir.path("s.db"))->Load(state).ok());
  EXPECT_EQ(state.generation, 41u);
}

TEST(SqliteStore, FailedCommitChangesNothing) {
  TempDir dir;
  auto store = OpenOrDie(dir.path("s.db"));
  ASSERT_TRUE(CommitAt(*store, 1, {UpsertTenant("blue", 1, 1)}).ok());
  // The second change is empty: the store refuses it after having written
  // the first one inside the transaction, which must be rolled back.
  Status st = CommitAt(*store, 2, {UpsertTenant("red", 2, 2), pb::Change()});
  EXPECT_FALSE(st.ok());
  DesiredState state;
  ASSERT_TRUE(store->Load(state).ok());
  EXPECT_EQ(state.generation, 1u);
  EXPECT_EQ(state.tenants.size(), 1u);
  EXPECT_FALSE(state.tenants.count("red"));
  // And the store still works afterwards.
  ASSERT_TRUE(CommitAt(*store, 2, {UpsertTenant("red", 2, 2)}).ok());
  ASSERT_TRUE(store->Load(state).ok());
  EXPECT_EQ(state.tenants.size(), 2u);
}

TEST(SqliteStore, UsesWalJournal) {
  TempDir dir;
  auto store = OpenOrDie(dir.path("s.db"));
  ASSERT_TRUE(CommitAt(*store, 1, {UpsertTenant("blue", 1, 1)}).ok());
  EXPECT_TRUE(std::filesystem::exists(dir.path("s.db-wal")));
}

TEST(SqliteStore, OpenFailsForMissingDirectory) {
  std::unique_ptr<SqliteStore> store;
  Status st = SqliteStore::Open("/nonexistent-dir-sy/x/s.db", store);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/nonexistent-dir-sy/x/s.db"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::controlplane
