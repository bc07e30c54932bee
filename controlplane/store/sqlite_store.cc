#include "store/sqlite_store.h"

#include <spdlog/spdlog.h>

namespace switchyard::controlplane {

namespace {

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

Status SqlError(sqlite3* db, const char* what) {
  return Internal("store: {}: {}", what, sqlite3_errmsg(db));
}

Status Prepare(sqlite3* db, const std::string& sql, Stmt& out) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) return SqlError(db, "prepare");
  out.reset(raw);
  return {};
}

// A table per object kind (name -> serialized message), named as the kind's
// plural (config_state.h).
#define SWITCHYARD_KIND_TABLE(Type, field, plural) \
  "CREATE TABLE IF NOT EXISTS " #plural " (name TEXT PRIMARY KEY, data BLOB NOT NULL);"
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_TABLE)
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', 1);"
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', 0);";
#undef SWITCHYARD_KIND_TABLE

}  // namespace

Status SqliteStore::Open(const std::string& path, std::unique_ptr<SqliteStore>& out) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  SqliteDb db(raw);  // sqlite3_open_v2 allocates a handle even on failure
  if (rc != SQLITE_OK) {
    return {grpc::StatusCode::UNAVAILABLE,
            fmt::format("store: cannot open {}: {}", path, raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
  }
  sqlite3_busy_timeout(db.get(), 5000);
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, std::move(db)));
  // WAL + FULL: every committed transaction is fsynced before COMMIT returns.
  if (auto st = store->Exec("PRAGMA journal_mode=WAL;"); !st.ok()) return st;
  if (auto st = store->Exec("PRAGMA synchronous=FULL;"); !st.ok()) return st;
  if (auto st = store->Exec(kSchema); !st.ok()) return st;
  out = std::move(store);
  return {};
}

Status SqliteStore::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
    Status st = Internal("store: {}", err ? err : "unknown error");
    sqlite3_free(err);
    return st;
  }
  return {};
}

Status SqliteStore::Load(DesiredState& out) {
  DesiredState state;
  Stmt stmt;
  if (auto st = Prepare(db_.get(), "SELECT value FROM meta WHERE key = 'generation'", stmt); !st.ok()) return st;
  if (sqlite3_step(stmt.get()) == SQLITE_ROW) state.generation = sqlite3_column_int64(stmt.get(), 0);

  // Each kind's rows into its map.
  auto load = [&](const char* table, auto& objects) -> Status {
    if (auto st = Prepare(db_.get(), fmt::format("SELECT name, data FROM {}", table), stmt); !st.ok()) return st;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      std::string name(reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0)));
      const void* blob = sqlite3_column_blob(stmt.get(), 1);
      int size = sqlite3_column_bytes(stmt.get(), 1);
      if (!objects[name].ParseFromArray(blob, size)) return Internal("store: {} row '{}' does not parse", table, name);
    }
    if (rc != SQLITE_DONE) return SqlError(db_.get(), "load");
    return {};
  };
#define SWITCHYARD_KIND_LOAD(Type, field, plural) \
  if (auto st = load(#plural, state.plural); !st.ok()) return st;
  SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_LOAD)
#undef SWITCHYARD_KIND_LOAD
  out = std::move(state);
  return {};
}

Status SqliteStore::Put(const char* table, const std::string& name, const std::string& blob) {
  Stmt stmt;
  if (auto st = Prepare(db_.get(), fmt::format("INSERT OR REPLACE INTO {} (name, data) VALUES (?, ?)", table), stmt);
      !st.ok()) {
    return st;
  }
  sqlite3_bind_text(stmt.get(), 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
  sqlite3_bind_blob(stmt.get(), 2, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) return SqlError(db_.get(), "write");
  return {};
}

Status SqliteStore::Erase(const char* table, const std::string& name) {
  Stmt stmt;
  if (auto st = Prepare(db_.get(), fmt::format("DELETE FROM {} WHERE name = ?", table), stmt); !st.ok()) return st;
  sqlite3_bind_text(stmt.get(), 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) return SqlError(db_.get(), "delete");
  return {};
}

Status SqliteStore::SetGeneration(uint64_t generation) {
  Stmt stmt;
  if (auto st = Prepare(db_.get(), "UPDATE meta SET value = ? WHERE key = 'generation'", stmt); !st.ok()) return st;
  sqlite3_bind_int64(stmt.get(), 1, static_cast<sqlite3_int64>(generation));
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) return SqlError(db_.get(), "write generation");
  return {};
}

Status SqliteStore::ApplyOne(const pb::Change& change) {
#define SWITCHYARD_KIND_STORE(Type, field, plural)                                                   \
  case pb::Change::kUpsert##Type:                                                                   \
    return Put(#plural, change.upsert_##field().name(), change.upsert_##field().SerializeAsString()); \
  case pb::Change::kDelete##Type:                                                                   \
    return Erase(#plural, change.delete_##field());
  switch (change.change_case()) {
    SWITCHYARD_OBJECT_KINDS(SWITCHYARD_KIND_STORE)
    case pb::Change::CHANGE_NOT_SET:
      break;
  }
#undef SWITCHYARD_KIND_STORE
  return InvalidArgument("store: empty change");
}

Status SqliteStore::Commit(std::vector<pb::Change>& changes, uint64_t& generation) {
  // IMMEDIATE takes the write lock up front so the transaction cannot fail
  // half-way for lack of it.
  if (auto st = Exec("BEGIN IMMEDIATE;"); !st.ok()) return st;
  Status st;
  for (const auto& change : changes) {
    st = ApplyOne(change);
    if (!st.ok()) break;
  }
  if (st.ok()) st = SetGeneration(generation);
  if (st.ok()) st = Exec("COMMIT;");
  if (!st.ok()) {
    if (auto rb = Exec("ROLLBACK;"); !rb.ok()) spdlog::error("store: rollback failed: {}", rb.message());
    return st;
  }
  return {};
}

}  // namespace switchyard::controlplane
