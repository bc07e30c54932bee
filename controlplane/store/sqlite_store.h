#pragma once
// Store on an embedded SQLite database: one row per tenant and per port
// holding the serialized protobuf, and a meta table with the global
// generation. WAL journal with synchronous=FULL: a commit that returned is on
// disk, so kill -9 loses nothing that was acknowledged.

#include <memory>
#include <string>

#include <sqlite3.h>

#include "store/store.h"

namespace switchyard::controlplane {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteDb = std::unique_ptr<sqlite3, SqliteCloser>;

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) the database at `path`. The parent directory
  // must exist.
  static Status Open(const std::string& path, std::unique_ptr<SqliteStore>& out);

  Status Load(DesiredState& out) override;
  Status Commit(std::vector<pb::Change>& changes, uint64_t& generation) override;
  std::string Location() const override { return path_; }

 private:
  SqliteStore(std::string path, SqliteDb db) : path_(std::move(path)), db_(std::move(db)) {}

  Status Exec(const char* sql);
  Status ApplyOne(const pb::Change& change);
  Status Put(const char* table, const std::string& name, const std::string& blob);
  Status Erase(const char* table, const std::string& name);
  Status SetGeneration(uint64_t generation);

  std::string path_;
  SqliteDb db_;
};

}  // namespace switchyard::controlplane
