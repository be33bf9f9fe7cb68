// The loader's refusals, each proven with a deliberately broken plugin.
#include <gtest/gtest.h>

#include <cstdlib>

#include "strata/dialect/dialect.hpp"
#include "test_support.hpp"

using strata::dialect::PluginError;
using strata::dialect::PluginRegistry;

namespace {

std::string plugin(const std::string& variant) {
  return strata::test::test_plugin_dir() + "/strata-dialect-" + variant + ".so";
}

// Loads and returns the refusal message ("" when it loaded).
std::string refusal(const std::string& variant, const std::string& expected_name = "broken") {
  try {
    PluginRegistry::load_file(plugin(variant), expected_name);
  } catch (const PluginError& e) {
    return e.what();
  }
  return "";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(PluginLoader, LoadsTheRealSqlitePlugin) {
  auto p = PluginRegistry::load_file(strata::test::build_plugin_dir() + "/strata-dialect-sqlite.so", "sqlite");
  EXPECT_EQ(p.name, "sqlite");
  EXPECT_TRUE(p.has(STRATA_CAP_TRANSACTIONAL_DDL));
  EXPECT_EQ(p.api->abi_major, static_cast<uint32_t>(STRATA_DIALECT_ABI_MAJOR));
  EXPECT_EQ(p.quote("we\"ird"), "\"we\"\"ird\"");
}

TEST(PluginLoader, RefusesAnotherMajorVersionNamingFileAndBothVersions) {
  auto msg = refusal("brokenmajor");
  EXPECT_TRUE(has(msg, plugin("brokenmajor"))) << msg;
  const std::string minor = std::to_string(STRATA_DIALECT_ABI_MINOR);
  EXPECT_TRUE(has(msg, "ABI 2." + minor)) << msg;
  EXPECT_TRUE(has(msg, "speaks 1." + minor)) << msg;
}

TEST(PluginLoader, RefusesANewerMinorVersion) {
  auto msg = refusal("brokenminor");
  EXPECT_TRUE(has(msg, plugin("brokenminor"))) << msg;
  EXPECT_TRUE(has(msg, "ABI 1." + std::to_string(STRATA_DIALECT_ABI_MINOR + 1))) << msg;
  EXPECT_TRUE(has(msg, "newer than this strata's 1." + std::to_string(STRATA_DIALECT_ABI_MINOR))) << msg;
}

// A plugin built for ABI 1.0 has a shorter table, without statement_traits:
// it keeps working, and its statements count as possibly in doubt.
TEST(PluginLoader, LoadsAnAbi10PluginAndTreatsItsStatementsAsPossiblyInDoubt) {
  auto p = PluginRegistry::load_file(plugin("brokenold10"), "broken");
  EXPECT_EQ(p.api->abi_minor, 0u);
  EXPECT_EQ(p.api->struct_size, STRATA_DIALECT_API_SIZE_1_0);
  EXPECT_EQ(p.statement_traits("INSERT INTO t VALUES (1)"), STRATA_STMT_NO_TRANSACTION);
  // The schema engine's calls are not in its table: a clear error, no crash.
  EXPECT_FALSE(STRATA_API_HAS(p.api, introspect));
  EXPECT_FALSE(STRATA_API_HAS(p.api, render_changes));
  try {
    p.render_changes(R"({"format":1,"dialect":"broken","changes":[]})");
    ADD_FAILURE() << "a 1.0 plugin rendered schema changes";
  } catch (const strata::dialect::DialectError& e) {
    EXPECT_TRUE(has(e.what(), "cannot render schema changes")) << e.what();
  }
}

// A plugin built for ABI 1.1 ends before execute_batch: it keeps its
// statement traits, and batches run one statement at a time.
TEST(PluginLoader, LoadsAnAbi11PluginKeepingItsTraitsWithoutBatches) {
  auto p = PluginRegistry::load_file(plugin("brokenold11"), "broken");
  EXPECT_EQ(p.api->abi_minor, 1u);
  EXPECT_EQ(p.api->struct_size, STRATA_DIALECT_API_SIZE_1_1);
  EXPECT_FALSE(p.batches());
  EXPECT_EQ(p.statement_traits("INSERT INTO t VALUES (1)"), 0u);
}

TEST(PluginLoader, ServerPluginsBatchAndSqliteDoesNot) {
  const auto dir = strata::test::build_plugin_dir();
  EXPECT_TRUE(PluginRegistry::load_file(dir + "/strata-dialect-postgresql.so", "postgresql").batches());
  EXPECT_TRUE(PluginRegistry::load_file(dir + "/strata-dialect-mysql.so", "mysql").batches());
  EXPECT_FALSE(PluginRegistry::load_file(dir + "/strata-dialect-sqlite.so", "sqlite").batches());
}

TEST(PluginLoader, RealPluginsClassifyStatementsForProgressTracking) {
  auto sqlite = PluginRegistry::load_file(strata::test::build_plugin_dir() + "/strata-dialect-sqlite.so", "sqlite");
  EXPECT_EQ(sqlite.statement_traits("INSERT INTO t VALUES (1)"), 0u);
  EXPECT_EQ(sqlite.statement_traits("CREATE TABLE t (x INT)"), 0u);
  EXPECT_EQ(sqlite.statement_traits("-- tidy up\nVACUUM"), STRATA_STMT_NO_TRANSACTION);
  auto mysql = PluginRegistry::load_file(strata::test::build_plugin_dir() + "/strata-dialect-mysql.so", "mysql");
  EXPECT_EQ(mysql.statement_traits("INSERT INTO t SELECT * FROM u"), 0u);
  EXPECT_EQ(mysql.statement_traits("/* bulk */ update t set x = 1"), 0u);
  EXPECT_EQ(mysql.statement_traits("# note\nDELETE FROM t"), 0u);
  EXPECT_EQ(mysql.statement_traits("CREATE TABLE u (x INT)"), STRATA_STMT_NO_TRANSACTION);
  EXPECT_EQ(mysql.statement_traits("CREATE TABLE u AS SELECT 1"), STRATA_STMT_NO_TRANSACTION);
  EXPECT_EQ(mysql.statement_traits("CALL fill_all()"), STRATA_STMT_NO_TRANSACTION);
  EXPECT_EQ(mysql.statement_traits("/*!40101 SET NAMES utf8 */"), STRATA_STMT_NO_TRANSACTION);
  EXPECT_EQ(mysql.statement_traits(""), STRATA_STMT_NO_TRANSACTION);
  auto pg = PluginRegistry::load_file(strata::test::build_plugin_dir() + "/strata-dialect-postgresql.so",
                                      "postgresql");
  EXPECT_EQ(pg.statement_traits("CREATE TABLE t (x INT)"), 0u);
  EXPECT_EQ(pg.statement_traits("INSERT INTO t SELECT generate_series(1, 10)"), 0u);
  EXPECT_EQ(pg.statement_traits("create unique index concurrently t_x on t (x)"),
            STRATA_STMT_NO_TRANSACTION | STRATA_STMT_PARTIAL_ON_FAILURE);
  EXPECT_EQ(pg.statement_traits("DROP INDEX CONCURRENTLY t_x"),
            STRATA_STMT_NO_TRANSACTION | STRATA_STMT_PARTIAL_ON_FAILURE);
  EXPECT_EQ(pg.statement_traits("VACUUM ANALYZE t"), STRATA_STMT_NO_TRANSACTION);
  EXPECT_EQ(pg.statement_traits("CREATE DATABASE other"), STRATA_STMT_NO_TRANSACTION);
  EXPECT_EQ(pg.statement_traits("COMMIT"), STRATA_STMT_NO_TRANSACTION);
  EXPECT_EQ(pg.statement_traits("CALL refresh_all()"), STRATA_STMT_NO_TRANSACTION);
  EXPECT_EQ(pg.statement_traits("ALTER TYPE mood ADD VALUE 'ok'"), 0u);
}

TEST(PluginLoader, RefusesAPluginForAnotherDialect) {
  auto msg = refusal("brokenname");
  EXPECT_TRUE(has(msg, "provides dialect 'somethingelse', expected 'broken'")) << msg;
}

TEST(PluginLoader, RefusesATooSmallApiTable) {
  auto msg = refusal("brokensize");
  EXPECT_TRUE(has(msg, "API table of 16 bytes")) << msg;
}

TEST(PluginLoader, RefusesAnEmptyRequiredFunction) {
  auto msg = refusal("brokennull");
  EXPECT_TRUE(has(msg, "leaves a required function empty")) << msg;
}

TEST(PluginLoader, RefusesALibraryWithoutTheEntrySymbol) {
  auto msg = refusal("brokennosymbol");
  EXPECT_TRUE(has(msg, "does not export strata_dialect_v1")) << msg;
  EXPECT_TRUE(has(msg, plugin("brokennosymbol"))) << msg;
}

TEST(PluginLoader, RefusesAFileThatIsNotALibrary) {
  auto msg = refusal("notelf");
  EXPECT_TRUE(has(msg, "cannot load dialect plugin " + plugin("notelf"))) << msg;
}

TEST(PluginLoader, MissingPluginListsTheSearchedFolders) {
  PluginRegistry reg({"/nonexistent/from-config"});
  try {
    reg.get("nosuchdialect");
    FAIL() << "expected a PluginError";
  } catch (const PluginError& e) {
    std::string msg = e.what();
    EXPECT_TRUE(has(msg, "strata-dialect-nosuchdialect.so not found")) << msg;
    EXPECT_TRUE(has(msg, "/nonexistent/from-config")) << msg;
    EXPECT_TRUE(has(msg, "STRATA_PLUGIN_PATH")) << msg;
  }
}

TEST(PluginLoader, SearchesStrataPluginPathFirstAndCachesPlugins) {
  setenv("STRATA_PLUGIN_PATH", (strata::test::test_plugin_dir() + ":/nonexistent").c_str(), 1);
  PluginRegistry reg;
  auto dirs = reg.search_path();
  ASSERT_GE(dirs.size(), 2u);
  EXPECT_EQ(dirs[0], strata::test::test_plugin_dir());
  EXPECT_EQ(dirs[1], "/nonexistent");
  const auto& a = reg.get("fake");
  const auto& b = reg.get("fake");
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(a.path, strata::test::test_plugin_dir() + "/strata-dialect-fake.so");
  unsetenv("STRATA_PLUGIN_PATH");
}
