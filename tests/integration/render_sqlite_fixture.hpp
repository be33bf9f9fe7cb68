#pragma once
// The fixture of the SQLite render_changes() tests: schema pairs built from
// SQL in fresh files, migrated both ways by the rendered SQL, checked by
// introspection and by their rows (render_sqlite_test.cpp,
// render_sqlite_trigger_test.cpp).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "render_expect.hpp"
#include "strata/config/url.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/runner/runner.hpp"
#include "strata/schema/catalog.hpp"
#include "strata/schema/diff.hpp"
#include "test_support.hpp"

namespace strata::test {

inline const char* kOptions = R"J({"exclude_tables": []})J";

inline std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

inline std::string join(const std::vector<std::string>& v, const std::string& sep = ";\n") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

class RenderSqlite : public ::testing::Test {
 protected:
  TempDir dir;
  dialect::PluginRegistry registry{{test::build_plugin_dir()}};
  const dialect::Plugin* plugin = &registry.get("sqlite");
  int files = 0;

  // Durability is not under test: no fsync keeps hundreds of pairs fast.
  std::unique_ptr<dialect::Connection> connect(const std::string& file) {
    auto c = std::make_unique<dialect::Connection>(
        *plugin, runner::connect_options(config::parse_url("sqlite:///" + file, dir.path())));
    c->execute("PRAGMA synchronous = OFF");
    c->execute("PRAGMA journal_mode = MEMORY");
    return c;
  }

  std::vector<std::string> render(const std::vector<schema::Change>& changes) {
    return plugin->render_changes(schema::changes_json("sqlite", changes));
  }

  // Applies `statements` in one transaction; "" or the error.
  static std::string apply(dialect::Connection& c, const std::vector<std::string>& statements) {
    c.begin();
    for (const auto& s : statements) {
      try {
        c.execute(s);
      } catch (const std::exception& e) {
        c.rollback();
        return std::string(e.what()) + "\n  in: " + s;
      }
    }
    c.commit();
    return "";
  }

  // Row counts and the values of every column of each table, sorted: what
  // must survive a migration for the columns both schemas have.
  static std::string rows(dialect::Connection& c, const schema::Table& t, const std::vector<std::string>& columns) {
    std::string cols;
    for (const auto& n : columns) cols += (cols.empty() ? "" : " || ',' || ") + ("quote(" + quoted(n) + ")");
    if (cols.empty()) cols = "'-'";
    const auto r = c.query_column("SELECT count(*) || ':' || coalesce(group_concat(x, ';'), '') FROM (SELECT " + cols +
                                  " AS x FROM " + quoted(t.name) + " ORDER BY 1)");
    return r.empty() ? "" : r[0];
  }

  struct Result {
    std::vector<std::string> up, down;
    std::vector<schema::Change> up_changes, down_changes;
  };

  // Columns of `a` and `b` of the same name and declared type (values compare equal).
  static std::vector<std::string> common_columns(const schema::Table& a, const schema::Table& b) {
    std::vector<std::string> out;
    for (const auto& c : a.columns)
      if (const auto* d = b.column(c.name); d && d->type == c.type && d->collation == c.collation) out.push_back(c.name);
    return out;
  }

  // One direction: `from_file` (catalog from_text) migrated to to_text.
  void one_way(const std::string& from_file, const std::string& from_text, const std::string& to_text,
               std::vector<std::string>& sql, std::vector<schema::Change>& changes, const std::string& what,
               bool check_rows) {
    const auto from = schema::parse_catalog(from_text);
    const auto to = schema::parse_catalog(to_text);
    changes = schema::diff(from, to);
    sql = render(changes);
    auto c = connect(from_file);
    std::vector<std::string> before;
    for (const auto& t : from.tables)
      if (const auto* u = to.table(t.qualified())) before.push_back(rows(*c, t, common_columns(t, *u)));
    const std::string err = apply(*c, sql);
    ASSERT_EQ(err, "") << what << ": applying\n" << join(sql) << "\nfailed";
    const std::string now = c->introspect(kOptions);
    ASSERT_EQ(now, to_text) << what << ": after\n" << join(sql) << "\nthe schema differs";
    if (!check_rows) return;
    size_t i = 0;
    for (const auto& t : from.tables)
      if (const auto* u = to.table(t.qualified())) {
        EXPECT_EQ(rows(*c, *u, common_columns(t, *u)), before[i]) << what << ": rows of " << t.name << " after\n"
                                                                  << join(sql);
        ++i;
      }
    // Applying again finds nothing to do.
    EXPECT_TRUE(schema::diff(schema::parse_catalog(now), to).empty()) << what;
  }

  // The round trip of the header, A and B each built by its SQL (data included).
  Result round_trip(const std::string& sql_a, const std::string& sql_b, const std::string& what = "pair",
                    bool check_rows = true) {
    const std::string fa = "a" + std::to_string(files) + ".db", fb = "b" + std::to_string(files) + ".db";
    ++files;
    std::string ta, tb;
    {
      auto a = connect(fa);
      a->begin();
      a->execute(sql_a);
      a->commit();
      ta = a->introspect(kOptions);
      auto b = connect(fb);
      b->begin();
      b->execute(sql_b);
      b->commit();
      tb = b->introspect(kOptions);
    }
    Result r;
    one_way(fa, ta, tb, r.up, r.up_changes, what + " (upgrade)", check_rows);
    if (::testing::Test::HasFatalFailure()) return r;
    one_way(fb, tb, ta, r.down, r.down_changes, what + " (downgrade)", check_rows);
    return r;
  }
};

// The name prefix of the new table a rebuild copies a table into.
inline const char* kRebuildPrefix = "_strata_new_";

inline bool rebuilt(const std::vector<std::string>& sql) { return any_contains(sql, kRebuildPrefix); }

}  // namespace strata::test
