// Unit tests for revision files: parsing, loading a folder, rendering.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "strata/script/revision.hpp"
#include "strata/util/error.hpp"
#include "test_support.hpp"

using strata::UserError;
using strata::script::canonical_dialect;
using strata::script::load_script_directory;
using strata::script::NewRevision;
using strata::script::parse_revision;
using strata::script::render_revision;
using strata::script::Revision;
using strata::script::revision_file_name;
using strata::script::Section;
using strata::test::revision_text;
using strata::test::TempDir;

namespace {

using Strings = std::vector<std::string>;

// Parses `text` expecting a UserError; returns its message ("" when none).
std::string parse_error(const std::string& text, const std::string& path = "rev.sql") {
  try {
    parse_revision(text, path);
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "parse_revision accepted:\n" << text;
  return "";
}

std::string load_error(const std::string& location) {
  try {
    load_script_directory(location);
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "load_script_directory accepted " << location;
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool is_blank(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace

// ---------------------------------------------------------------- headers

TEST(Script, ParsesEveryHeaderKey) {
  const std::string text =
      "-- Revision ID: 1a2b3c4d5e6f\n"
      "-- Revises: 0f0e0d0c0b0a\n"
      "-- Create Date: 2026-11-20 09:12:44.120381\n"
      "-- Message: add users: with a colon\n"
      "-- Branch Labels: users, accounts\n"
      "-- Depends On: aaaa1111, bbbb2222\n"
      "-- Transactional: false\n"
      "\n"
      "-- +upgrade\n"
      "CREATE TABLE users (id INT);\n"
      "\n"
      "-- +downgrade\n"
      "DROP TABLE users;\n";
  Revision r = parse_revision(text, "dir/1a2b3c4d5e6f_add_users.sql");
  EXPECT_EQ(r.id, "1a2b3c4d5e6f");
  EXPECT_EQ(r.id_line, 1);
  EXPECT_EQ(r.path, "dir/1a2b3c4d5e6f_add_users.sql");
  EXPECT_EQ(r.down_revisions, Strings{"0f0e0d0c0b0a"});
  EXPECT_EQ(r.create_date, "2026-11-20 09:12:44.120381");
  EXPECT_EQ(r.message, "add users: with a colon");
  EXPECT_EQ(r.branch_labels, (Strings{"users", "accounts"}));
  EXPECT_EQ(r.depends_on, (Strings{"aaaa1111", "bbbb2222"}));
  EXPECT_FALSE(r.transactional);
  ASSERT_EQ(r.upgrade.size(), 1u);
  ASSERT_EQ(r.downgrade.size(), 1u);
  EXPECT_EQ(r.upgrade[0].dialect, "");
  EXPECT_TRUE(contains(r.upgrade[0].sql, "CREATE TABLE users (id INT);"));
  EXPECT_TRUE(contains(r.downgrade[0].sql, "DROP TABLE users;"));
  EXPECT_FALSE(contains(r.upgrade[0].sql, "DROP TABLE"));
}

TEST(Script, EmptyRevisesMakesABaseAndDefaultsAreTransactionalWithNoLabels) {
  Revision r = parse_revision(revision_text("base01", "", "SELECT 1;", "SELECT 2;"), "b.sql");
  EXPECT_EQ(r.id, "base01");
  EXPECT_TRUE(r.down_revisions.empty());
  EXPECT_TRUE(r.branch_labels.empty());
  EXPECT_TRUE(r.depends_on.empty());
  EXPECT_TRUE(r.transactional);
  EXPECT_EQ(r.message, "revision base01");
}

TEST(Script, RevisesNoneAndDependsOnNoneMeanEmpty) {
  Revision r = parse_revision(
      revision_text("base02", "None", "SELECT 1;", "<none>", "-- Depends On: None\n"), "b.sql");
  EXPECT_TRUE(r.down_revisions.empty());
  EXPECT_TRUE(r.depends_on.empty());
}

TEST(Script, RevisesWithOneParent) {
  Revision r = parse_revision(revision_text("child1", "parent1", "SELECT 1;", "SELECT 2;"), "c.sql");
  EXPECT_EQ(r.down_revisions, Strings{"parent1"});
}

TEST(Script, CommaSeparatedRevisesIsAMergeKeepingOrderAndTrimmingSpaces) {
  Revision r = parse_revision(revision_text("merge1", "aaa1 ,  bbb2,ccc3", "", "<none>"), "m.sql");
  EXPECT_EQ(r.down_revisions, (Strings{"aaa1", "bbb2", "ccc3"}));
}

TEST(Script, TransactionalAcceptsTrueAndFalseSpellingsAndRejectsOthers) {
  EXPECT_TRUE(parse_revision(revision_text("t1", "", "", "<none>", "-- Transactional: true\n"), "t.sql")
                  .transactional);
  EXPECT_TRUE(parse_revision(revision_text("t2", "", "", "<none>", "-- Transactional: Yes\n"), "t.sql")
                  .transactional);
  EXPECT_FALSE(parse_revision(revision_text("t3", "", "", "<none>", "-- Transactional: FALSE\n"), "t.sql")
                   .transactional);
  EXPECT_FALSE(parse_revision(revision_text("t4", "", "", "<none>", "-- Transactional: no\n"), "t.sql")
                   .transactional);
  // revision_text puts extra headers on line 5.
  std::string msg = parse_error(revision_text("t5", "", "", "<none>", "-- Transactional: maybe\n"));
  EXPECT_TRUE(contains(msg, "rev.sql:5:")) << msg;
  EXPECT_TRUE(contains(msg, "maybe")) << msg;
}

TEST(Script, CommentsAndBlankLinesMayPrecedeTheHeader) {
  const std::string text =
      "-- This migration creates the users table.\n"
      "-- Note: comments with colons are fine here too\n"
      "\n"
      "-- Revision ID: abc123\n"
      "-- Revises:\n"
      "\n"
      "-- +upgrade\n"
      "SELECT 1;\n";
  Revision r = parse_revision(text, "p.sql");
  EXPECT_EQ(r.id, "abc123");
  EXPECT_EQ(r.id_line, 4);
  ASSERT_EQ(r.upgrade.size(), 1u);
  EXPECT_EQ(r.upgrade[0].first_line, 8);
}

TEST(Script, CommentsBetweenHeaderAndSectionsAreAllowed) {
  const std::string text =
      "-- Revision ID: abc123\n"
      "-- Revises:\n"
      "\n"
      "-- The id column differs between dialects.\n"
      "\n"
      "-- +upgrade\n"
      "SELECT 1;\n";
  Revision r = parse_revision(text, "p.sql");
  EXPECT_EQ(r.id, "abc123");
  ASSERT_EQ(r.upgrade.size(), 1u);
  EXPECT_EQ(r.upgrade[0].first_line, 7);
}

// ---------------------------------------------------------------- sections

TEST(Script, DialectQualifiedSectionsAreCanonicalised) {
  const std::string text =
      "-- Revision ID: d1\n"
      "-- Revises:\n"
      "\n"
      "-- +upgrade\n"
      "PLAIN UP;\n"
      "-- +upgrade postgresql\n"
      "PG UP;\n"
      "-- +upgrade MariaDB\n"
      "MYSQL UP;\n"
      "-- +downgrade postgres\n"
      "PG DOWN;\n"
      "-- +downgrade sqlite\n"
      "SQLITE DOWN;\n";
  Revision r = parse_revision(text, "d.sql");
  ASSERT_EQ(r.upgrade.size(), 3u);
  EXPECT_EQ(r.upgrade[0].dialect, "");
  EXPECT_EQ(r.upgrade[1].dialect, "postgresql");
  EXPECT_EQ(r.upgrade[2].dialect, "mysql");
  ASSERT_EQ(r.downgrade.size(), 2u);
  EXPECT_EQ(r.downgrade[0].dialect, "postgresql");
  EXPECT_EQ(r.downgrade[1].dialect, "sqlite");
  EXPECT_TRUE(contains(r.upgrade[1].sql, "PG UP;"));
  EXPECT_FALSE(contains(r.upgrade[1].sql, "MYSQL"));
  EXPECT_FALSE(contains(r.upgrade[0].sql, "PG UP"));
}

TEST(Script, CanonicalDialectMapsAliases) {
  EXPECT_EQ(canonical_dialect("postgres"), "postgresql");
  EXPECT_EQ(canonical_dialect("PostgreSQL"), "postgresql");
  EXPECT_EQ(canonical_dialect("mariadb"), "mysql");
  EXPECT_EQ(canonical_dialect("mysql"), "mysql");
  EXPECT_EQ(canonical_dialect("sqlite"), "sqlite");
}

TEST(Script, SectionForPrefersTheDialectAndFallsBackToPlain) {
  const std::string text =
      "-- Revision ID: d2\n"
      "-- Revises:\n"
      "\n"
      "-- +upgrade\n"
      "PLAIN UP;\n"
      "-- +upgrade postgres\n"
      "PG UP;\n"
      "-- +upgrade mariadb\n"
      "MYSQL UP;\n"
      "-- +downgrade\n"
      "PLAIN DOWN;\n"
      "-- +downgrade mysql\n"
      "MYSQL DOWN;\n";
  Revision r = parse_revision(text, "d.sql");
  const Section* pg = r.upgrade_for("postgresql");
  ASSERT_NE(pg, nullptr);
  EXPECT_TRUE(contains(pg->sql, "PG UP;"));
  const Section* my = r.upgrade_for("mysql");
  ASSERT_NE(my, nullptr);
  EXPECT_TRUE(contains(my->sql, "MYSQL UP;"));
  const Section* lite = r.upgrade_for("sqlite");
  ASSERT_NE(lite, nullptr);
  EXPECT_EQ(lite->dialect, "");
  EXPECT_TRUE(contains(lite->sql, "PLAIN UP;"));

  const Section* my_down = r.downgrade_for("mysql");
  ASSERT_NE(my_down, nullptr);
  EXPECT_TRUE(contains(my_down->sql, "MYSQL DOWN;"));
  const Section* pg_down = r.downgrade_for("postgresql");
  ASSERT_NE(pg_down, nullptr);
  EXPECT_TRUE(contains(pg_down->sql, "PLAIN DOWN;"));
}

TEST(Script, DialectSectionWinsEvenWhenWrittenBeforeThePlainOne) {
  const std::string text =
      "-- Revision ID: d3\n"
      "-- Revises:\n"
      "\n"
      "-- +upgrade sqlite\n"
      "SQLITE UP;\n"
      "-- +upgrade\n"
      "PLAIN UP;\n";
  Revision r = parse_revision(text, "d.sql");
  ASSERT_NE(r.upgrade_for("sqlite"), nullptr);
  EXPECT_TRUE(contains(r.upgrade_for("sqlite")->sql, "SQLITE UP;"));
  ASSERT_NE(r.upgrade_for("postgresql"), nullptr);
  EXPECT_TRUE(contains(r.upgrade_for("postgresql")->sql, "PLAIN UP;"));
}

TEST(Script, NoDowngradeSectionMeansDowngradeForReturnsNull) {
  Revision r = parse_revision(revision_text("nodown", "", "SELECT 1;", "<none>"), "n.sql");
  EXPECT_TRUE(r.downgrade.empty());
  EXPECT_EQ(r.downgrade_for(""), nullptr);
  EXPECT_EQ(r.downgrade_for("sqlite"), nullptr);
  EXPECT_NE(r.upgrade_for("sqlite"), nullptr);
}

TEST(Script, OnlyDialectDowngradeGivesNullForOtherDialects) {
  const std::string text =
      "-- Revision ID: d4\n"
      "-- Revises:\n"
      "\n"
      "-- +upgrade\n"
      "UP;\n"
      "-- +downgrade postgresql\n"
      "PG DOWN;\n";
  Revision r = parse_revision(text, "d.sql");
  EXPECT_NE(r.downgrade_for("postgresql"), nullptr);
  EXPECT_EQ(r.downgrade_for("sqlite"), nullptr);
}

TEST(Script, EmptySectionIsValidAndBlank) {
  const std::string text =
      "-- Revision ID: empty1\n"
      "-- Revises:\n"
      "\n"
      "-- +upgrade\n"
      "-- +downgrade\n"
      "\n";
  Revision r = parse_revision(text, "e.sql");
  ASSERT_EQ(r.upgrade.size(), 1u);
  ASSERT_EQ(r.downgrade.size(), 1u);
  EXPECT_TRUE(r.upgrade[0].sql.empty());
  EXPECT_TRUE(is_blank(r.downgrade[0].sql));
  EXPECT_NE(r.upgrade_for("sqlite"), nullptr);
}

TEST(Script, SectionAtEndOfFileWithoutTrailingNewline) {
  const std::string text =
      "-- Revision ID: eof1\n"
      "-- Revises:\n"
      "\n"
      "-- +upgrade\n"
      "SELECT 42;";
  Revision r = parse_revision(text, "e.sql");
  ASSERT_EQ(r.upgrade.size(), 1u);
  EXPECT_EQ(r.upgrade[0].sql, "SELECT 42;");
  EXPECT_EQ(r.upgrade[0].first_line, 5);
}

TEST(Script, LineInFileMapsSectionOffsetsToFileLines) {
  const std::string text =
      "-- leading comment\n"         // 1
      "\n"                           // 2
      "-- Revision ID: r1\n"         // 3
      "-- Revises:\n"                // 4
      "\n"                           // 5
      "-- +upgrade\n"                // 6
      "CREATE TABLE a (x INT);\n"    // 7
      "CREATE TABLE b (y INT);\n"    // 8
      "\n"                           // 9
      "-- +upgrade sqlite\n"         // 10
      "CREATE TABLE a (x INTEGER);\n"  // 11
      "-- +downgrade\n"              // 12
      "DROP TABLE b;\n"              // 13
      "\n"                           // 14
      "DROP TABLE a;\n";             // 15
  Revision r = parse_revision(text, "l.sql");
  EXPECT_EQ(r.id_line, 3);
  ASSERT_EQ(r.upgrade.size(), 2u);
  ASSERT_EQ(r.downgrade.size(), 1u);

  const Section& up = r.upgrade[0];
  EXPECT_EQ(up.first_line, 7);
  EXPECT_EQ(r.line_in_file(up, 0), 7);
  size_t b = up.sql.find("CREATE TABLE b");
  ASSERT_NE(b, std::string::npos);
  EXPECT_EQ(r.line_in_file(up, b), 8);
  EXPECT_EQ(r.line_in_file(up, b + 5), 8);

  const Section& lite = r.upgrade[1];
  EXPECT_EQ(lite.first_line, 11);
  EXPECT_EQ(r.line_in_file(lite, 0), 11);

  const Section& down = r.downgrade[0];
  EXPECT_EQ(down.first_line, 13);
  size_t a = down.sql.find("DROP TABLE a");
  ASSERT_NE(a, std::string::npos);
  EXPECT_EQ(r.line_in_file(down, a), 15);
  EXPECT_EQ(r.line_in_file(down, 0), 13);
}

// ---------------------------------------------------------------- errors

TEST(Script, MissingRevisionIdIsAnErrorNamingTheFile) {
  std::string msg = parse_error("-- just a comment\n\n-- another comment\n", "norev.sql");
  EXPECT_EQ(msg.rfind("norev.sql:", 0), 0u) << msg;
  EXPECT_TRUE(contains(msg, "Revision ID")) << msg;
}

TEST(Script, SectionMarkerBeforeTheHeaderIsAnErrorOnItsLine) {
  std::string msg = parse_error("-- a comment\n\n-- +upgrade\nSELECT 1;\n");
  EXPECT_TRUE(contains(msg, "rev.sql:3:")) << msg;
  EXPECT_TRUE(contains(msg, "Revision ID")) << msg;
}

TEST(Script, UnknownHeaderKeyIsAnErrorOnItsLine) {
  std::string msg = parse_error(
      "-- Revision ID: abc\n"
      "-- Revises:\n"
      "-- Colour: blue\n"
      "\n"
      "-- +upgrade\n"
      "SELECT 1;\n");
  EXPECT_TRUE(contains(msg, "rev.sql:3:")) << msg;
  EXPECT_TRUE(contains(msg, "Colour")) << msg;
}

TEST(Script, SameHeaderTwiceIsAnErrorOnTheSecondLine) {
  std::string msg = parse_error(
      "-- Revision ID: abc\n"
      "-- Message: one\n"
      "-- Revises:\n"
      "-- Message: two\n"
      "\n"
      "-- +upgrade\n"
      "SELECT 1;\n");
  EXPECT_TRUE(contains(msg, "rev.sql:4:")) << msg;
  EXPECT_TRUE(contains(msg, "line 2")) << msg;
}

TEST(Script, SameHeaderTwiceIsCaseInsensitive) {
  std::string msg = parse_error(
      "-- Revision ID: abc\n"
      "-- Revises:\n"
      "-- REVISES: other\n"
      "\n"
      "-- +upgrade\n"
      "SELECT 1;\n");
  EXPECT_TRUE(contains(msg, "rev.sql:3:")) << msg;
}

TEST(Script, SameSectionTwiceIsAnErrorOnTheSecondMarker) {
  std::string msg = parse_error(
      "-- Revision ID: abc\n"
      "-- Revises:\n"
      "\n"
      "-- +upgrade\n"
      "SELECT 1;\n"
      "-- +downgrade\n"
      "SELECT 2;\n"
      "-- +upgrade\n"
      "SELECT 3;\n");
  EXPECT_TRUE(contains(msg, "rev.sql:8:")) << msg;
  EXPECT_TRUE(contains(msg, "twice")) << msg;
}

TEST(Script, SameDialectSectionTwiceUnderAnAliasIsAnError) {
  std::string msg = parse_error(
      "-- Revision ID: abc\n"
      "-- Revises:\n"
      "\n"
      "-- +upgrade postgresql\n"
      "SELECT 1;\n"
      "-- +upgrade postgres\n"
      "SELECT 2;\n");
  EXPECT_TRUE(contains(msg, "rev.sql:6:")) << msg;
  EXPECT_TRUE(contains(msg, "postgresql")) << msg;
}

TEST(Script, UnknownSectionMarkerIsAnErrorOnItsLine) {
  std::string msg = parse_error(
      "-- Revision ID: abc\n"
      "-- Revises:\n"
      "\n"
      "-- +upgrade\n"
      "SELECT 1;\n"
      "-- +sideways\n"
      "SELECT 2;\n");
  EXPECT_TRUE(contains(msg, "rev.sql:6:")) << msg;
  EXPECT_TRUE(contains(msg, "+sideways")) << msg;
}

TEST(Script, SectionMarkerWithTwoDialectsIsAnError) {
  std::string msg = parse_error(
      "-- Revision ID: abc\n"
      "-- Revises:\n"
      "\n"
      "-- +upgrade postgresql mysql\n"
      "SELECT 1;\n");
  EXPECT_TRUE(contains(msg, "rev.sql:4:")) << msg;
}

TEST(Script, SqlBeforeTheHeaderIsAnErrorOnItsLine) {
  std::string msg = parse_error(
      "-- a comment\n"
      "\n"
      "CREATE TABLE x (a INT);\n"
      "-- Revision ID: abc\n"
      "-- Revises:\n"
      "\n"
      "-- +upgrade\n"
      "SELECT 1;\n");
  EXPECT_TRUE(contains(msg, "rev.sql:3:")) << msg;
  EXPECT_TRUE(contains(msg, "before")) << msg;
}

TEST(Script, SqlDirectlyAfterTheHeaderIsAnErrorOnItsLine) {
  std::string msg = parse_error(
      "-- Revision ID: abc\n"
      "-- Revises:\n"
      "CREATE TABLE x (a INT);\n"
      "-- +upgrade\n"
      "SELECT 1;\n");
  EXPECT_TRUE(contains(msg, "rev.sql:3:")) << msg;
  EXPECT_TRUE(contains(msg, "outside a section")) << msg;
}

TEST(Script, SqlBetweenHeaderAndFirstSectionIsAnErrorOnItsLine) {
  std::string msg = parse_error(
      "-- Revision ID: abc\n"
      "-- Revises:\n"
      "\n"
      "-- a comment is fine\n"
      "\n"
      "CREATE TABLE x (a INT);\n"
      "-- +upgrade\n"
      "SELECT 1;\n");
  EXPECT_TRUE(contains(msg, "rev.sql:6:")) << msg;
  EXPECT_TRUE(contains(msg, "outside a section")) << msg;
}

TEST(Script, InvalidRevisionIdCharactersAreAnErrorOnTheHeaderLine) {
  std::string msg = parse_error(
      "-- comment\n"
      "-- Revision ID: abc$def\n"
      "-- Revises:\n"
      "\n"
      "-- +upgrade\n"
      "SELECT 1;\n");
  EXPECT_TRUE(contains(msg, "rev.sql:2:")) << msg;
  EXPECT_TRUE(contains(msg, "abc$def")) << msg;

  std::string spaced = parse_error(revision_text("has space", "", "SELECT 1;", "<none>"));
  EXPECT_TRUE(contains(spaced, "rev.sql:1:")) << spaced;
}

TEST(Script, RevisionIdLongerThan32CharactersIsAnError) {
  std::string id(33, 'a');
  std::string msg = parse_error(revision_text(id, "", "SELECT 1;", "<none>"));
  EXPECT_TRUE(contains(msg, "rev.sql:1:")) << msg;
  // 32 characters fit alembic_version.version_num.
  EXPECT_EQ(parse_revision(revision_text(std::string(32, 'b'), "", "", "<none>"), "ok.sql").id,
            std::string(32, 'b'));
}

TEST(Script, InvalidRevisionIdInRevisesIsAnErrorOnThatLine) {
  std::string msg = parse_error(revision_text("abc", "good1, bad!", "SELECT 1;", "<none>"));
  EXPECT_TRUE(contains(msg, "rev.sql:2:")) << msg;
  EXPECT_TRUE(contains(msg, "bad!")) << msg;
}

TEST(Script, RevisionWithoutUpgradeSectionIsAnErrorOnTheIdLine) {
  std::string msg = parse_error(
      "-- comment\n"
      "-- Revision ID: abc\n"
      "-- Revises:\n"
      "\n"
      "-- +downgrade\n"
      "SELECT 1;\n");
  EXPECT_TRUE(contains(msg, "rev.sql:2:")) << msg;
  EXPECT_TRUE(contains(msg, "+upgrade")) << msg;
}

// ---------------------------------------------------------------- folders

TEST(Script, LoadScriptDirectoryIgnoresReadmesAndNonSqlFiles) {
  TempDir dir;
  dir.write("README", "Generic single-database configuration.\n");
  dir.write("README.md", "# Migrations\nnot a revision\n");
  dir.write("notes.txt", "CREATE TABLE nonsense;\n");
  dir.write("script.py.mako", "<%! import re %>\n");
  dir.write("aaa111_first.sql", revision_text("aaa111", "", "SELECT 1;", "SELECT 2;"));
  dir.write("bbb222_second.sql", revision_text("bbb222", "aaa111", "SELECT 3;", "SELECT 4;"));
  auto sd = load_script_directory(dir.path());
  EXPECT_EQ(sd.location, dir.path());
  ASSERT_EQ(sd.revisions.size(), 2u);
  EXPECT_EQ(sd.revisions[0].id, "aaa111");
  EXPECT_EQ(sd.revisions[1].id, "bbb222");
  EXPECT_EQ(sd.revisions[1].down_revisions, Strings{"aaa111"});
  EXPECT_EQ(sd.revisions[0].path, dir / "aaa111_first.sql");
}

TEST(Script, LoadScriptDirectorySortsRevisionsByFileName) {
  TempDir dir;
  // File names sort differently from ids and from writing order.
  dir.write("c_third.sql", revision_text("id_a", "id_b", "SELECT 1;", "<none>"));
  dir.write("a_first.sql", revision_text("id_c", "", "SELECT 1;", "<none>"));
  dir.write("b_second.sql", revision_text("id_b", "id_c", "SELECT 1;", "<none>"));
  auto sd = load_script_directory(dir.path());
  ASSERT_EQ(sd.revisions.size(), 3u);
  EXPECT_EQ(sd.revisions[0].id, "id_c");
  EXPECT_EQ(sd.revisions[1].id, "id_b");
  EXPECT_EQ(sd.revisions[2].id, "id_a");
  EXPECT_EQ(sd.revisions[2].path, dir / "c_third.sql");
}

TEST(Script, LoadScriptDirectoryOfAnEmptyFolderHasNoRevisions) {
  TempDir dir;
  dir.write("README", "nothing yet\n");
  auto sd = load_script_directory(dir.path());
  EXPECT_TRUE(sd.revisions.empty());
}

TEST(Script, MalformedFileInFolderIsAnErrorNamingItsPathAndLine) {
  TempDir dir;
  dir.write("a_ok.sql", revision_text("ok1", "", "SELECT 1;", "<none>"));
  std::string bad = dir.write("b_bad.sql", "-- Revision ID: bad1\n-- Bogus: 1\n\n-- +upgrade\nSELECT 1;\n");
  std::string msg = load_error(dir.path());
  EXPECT_TRUE(contains(msg, bad + ":2:")) << msg;
}

TEST(Script, MissingFolderIsAUserError) {
  TempDir dir;
  std::string missing = dir / "does-not-exist";
  std::string msg = load_error(missing);
  EXPECT_TRUE(contains(msg, missing)) << msg;
}

// ---------------------------------------------------------------- rendering

TEST(Script, RenderedRevisionParsesBackWithTheSameFields) {
  NewRevision nr;
  nr.id = "1a2b3c4d5e6f";
  nr.down_revisions = {"aaa111", "bbb222"};
  nr.branch_labels = {"feature", "extra"};
  nr.depends_on = {"ccc333"};
  nr.message = "Add users, orders & more!";
  nr.upgrade_sql = "CREATE TABLE t (x INT);";
  nr.downgrade_sql = "DROP TABLE t;\n";
  std::string text = render_revision(nr);
  Revision r = parse_revision(text, revision_file_name(nr));
  EXPECT_EQ(r.id, nr.id);
  EXPECT_EQ(r.id_line, 1);
  EXPECT_EQ(r.down_revisions, nr.down_revisions);
  EXPECT_EQ(r.branch_labels, nr.branch_labels);
  EXPECT_EQ(r.depends_on, nr.depends_on);
  EXPECT_EQ(r.message, nr.message);
  EXPECT_FALSE(r.create_date.empty());
  EXPECT_TRUE(r.transactional);
  ASSERT_NE(r.upgrade_for("sqlite"), nullptr);
  EXPECT_TRUE(contains(r.upgrade_for("sqlite")->sql, "CREATE TABLE t (x INT);"));
  ASSERT_NE(r.downgrade_for("sqlite"), nullptr);
  EXPECT_TRUE(contains(r.downgrade_for("sqlite")->sql, "DROP TABLE t;"));
  EXPECT_FALSE(contains(r.upgrade_for("sqlite")->sql, "DROP TABLE"));
}

TEST(Script, RenderedBaseRevisionWithEmptySectionsParsesBack) {
  NewRevision nr;
  nr.id = "0123abcd";
  nr.message = "empty";
  std::string text = render_revision(nr);
  Revision r = parse_revision(text, "x.sql");
  EXPECT_EQ(r.id, "0123abcd");
  EXPECT_TRUE(r.down_revisions.empty());
  EXPECT_TRUE(r.branch_labels.empty());
  EXPECT_TRUE(r.depends_on.empty());
  ASSERT_EQ(r.upgrade.size(), 1u);
  ASSERT_EQ(r.downgrade.size(), 1u);
  EXPECT_TRUE(is_blank(r.upgrade[0].sql));
  EXPECT_TRUE(is_blank(r.downgrade[0].sql));
}

TEST(Script, RevisionFileNameIsIdUnderscoreSlug) {
  NewRevision nr;
  nr.id = "1a2b3c4d5e6f";
  nr.message = "Add users, orders & more!";
  EXPECT_EQ(revision_file_name(nr), "1a2b3c4d5e6f_add_users_orders_more.sql");
  nr.message = "create users table";
  EXPECT_EQ(revision_file_name(nr), "1a2b3c4d5e6f_create_users_table.sql");
}

TEST(Script, RenderedRevisionRoundTripsThroughAFolder) {
  TempDir dir;
  NewRevision base;
  base.id = "aaaa0001";
  base.message = "create users";
  base.upgrade_sql = "CREATE TABLE users (id INT);\n";
  NewRevision next;
  next.id = "bbbb0002";
  next.down_revisions = {"aaaa0001"};
  next.message = "add email";
  next.upgrade_sql = "ALTER TABLE users ADD email TEXT;\n";
  dir.write(revision_file_name(base), render_revision(base));
  dir.write(revision_file_name(next), render_revision(next));
  auto sd = load_script_directory(dir.path());
  ASSERT_EQ(sd.revisions.size(), 2u);
  EXPECT_EQ(sd.revisions[0].id, "aaaa0001");
  EXPECT_EQ(sd.revisions[0].path, dir / "aaaa0001_create_users.sql");
  EXPECT_EQ(sd.revisions[1].id, "bbbb0002");
  EXPECT_EQ(sd.revisions[1].down_revisions, Strings{"aaaa0001"});
  EXPECT_EQ(sd.revisions[1].message, "add email");
}

TEST(Script, WindowsLineEndingsParseLikeUnixOnes) {
  const std::string text =
      "-- Revision ID: crlf01\r\n"
      "-- Revises: base01\r\n"
      "-- Message: windows\r\n"
      "\r\n"
      "-- +upgrade sqlite\r\n"
      "SELECT 1;\r\n";
  Revision r = parse_revision(text, "w.sql");
  EXPECT_EQ(r.id, "crlf01");
  EXPECT_EQ(r.down_revisions, Strings{"base01"});
  EXPECT_EQ(r.message, "windows");
  ASSERT_EQ(r.upgrade.size(), 1u);
  EXPECT_EQ(r.upgrade[0].dialect, "sqlite");
  EXPECT_EQ(r.upgrade[0].first_line, 6);
}

// ------------------------------------------------------- revision cache

namespace {

using strata::script::LoadOptions;
using strata::script::ScriptDirectory;

// Caches files however recent they are: these tests check what the cache
// does, not its wait for timestamps to settle (tested on its own below).
LoadOptions caching() {
  LoadOptions o;
  o.use_cache = true;
  o.settle = std::chrono::seconds(-10);
  return o;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

void expect_same_header(const Revision& a, const Revision& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.down_revisions, b.down_revisions);
  EXPECT_EQ(a.branch_labels, b.branch_labels);
  EXPECT_EQ(a.depends_on, b.depends_on);
  EXPECT_EQ(a.message, b.message);
  EXPECT_EQ(a.create_date, b.create_date);
  EXPECT_EQ(a.transactional, b.transactional);
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.id_line, b.id_line);
}

// A folder of three revisions, one with every optional header.
void write_three(const TempDir& dir) {
  dir.write("a1_first.sql", revision_text("a1", "", "CREATE TABLE t1 (x INT);", "DROP TABLE t1;"));
  dir.write("b2_second.sql", revision_text("b2", "a1", "CREATE TABLE t2 (x INT);", "DROP TABLE t2;",
                                           "-- Branch Labels: lab\n-- Depends On: a1\n-- Transactional: false\n"));
  dir.write("c3_third.sql", "-- leading comment\n" + revision_text("c3", "b2", "-- +upgrade postgresql\nSELECT 1;",
                                                                   "<none>"));
}

std::vector<std::string> ids_of(const ScriptDirectory& d) {
  std::vector<std::string> ids;
  for (auto& r : d.revisions) ids.push_back(r.id);
  return ids;
}

}  // namespace

TEST(Cache, ServesUnchangedHeadersAndReadsBodiesFromTheFilesOnDemand) {
  TempDir dir;
  write_three(dir);
  auto first = load_script_directory(dir.path(), caching());
  EXPECT_EQ(first.from_cache, 0u);
  // The cache folder ignores itself in git, like other tools' caches.
  EXPECT_EQ(read_file(dir / ".strata_cache/.gitignore").find("\n*\n") != std::string::npos, true);
  EXPECT_FALSE(read_file(dir / ".strata_cache/revisions").empty());

  auto second = load_script_directory(dir.path(), caching());
  ASSERT_EQ(second.revisions.size(), 3u);
  EXPECT_EQ(second.from_cache, 3u);
  for (size_t i = 0; i < 3; ++i) {
    expect_same_header(second.revisions[i], first.revisions[i]);
    EXPECT_FALSE(second.revisions[i].has_body);
  }
  // Sections are never taken on trust: using them unread is a bug, caught.
  EXPECT_THROW(second.revisions[0].upgrade_for("sqlite"), std::logic_error);
  second.load_bodies({0, 1, 2});
  for (size_t i = 0; i < 3; ++i) {
    const auto& a = first.revisions[i];
    const auto& b = second.revisions[i];
    ASSERT_TRUE(b.has_body);
    ASSERT_EQ(a.upgrade.size(), b.upgrade.size());
    ASSERT_EQ(a.downgrade.size(), b.downgrade.size());
    for (size_t k = 0; k < a.upgrade.size(); ++k) {
      EXPECT_EQ(a.upgrade[k].sql, b.upgrade[k].sql);
      EXPECT_EQ(a.upgrade[k].dialect, b.upgrade[k].dialect);
      EXPECT_EQ(a.upgrade[k].first_line, b.upgrade[k].first_line);
    }
  }
  EXPECT_TRUE(contains(second.revisions[0].upgrade_for("sqlite")->sql, "CREATE TABLE t1"));
}

TEST(Cache, AnEditThatKeepsSizeAndMtimeIsStillSeen) {
  TempDir dir;
  write_three(dir);
  load_script_directory(dir.path(), caching());
  // Same length, another parent; the old mtime put back: only the ctime
  // (which user space cannot set) tells the file changed.
  const std::string path = dir / "c3_third.sql";
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  std::string text = read_file(path);
  auto at = text.find("-- Revises: b2");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 14, "-- Revises: a1");
  write_file(path, text);
  struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);

  auto again = load_script_directory(dir.path(), caching());
  EXPECT_EQ(again.from_cache, 2u);
  EXPECT_EQ(again.revisions[2].down_revisions, Strings{"a1"});
  EXPECT_TRUE(again.revisions[2].has_body);  // read whole, just now
}

TEST(Cache, AddedRemovedAndRenamedFilesAreSeen) {
  TempDir dir;
  write_three(dir);
  load_script_directory(dir.path(), caching());
  load_script_directory(dir.path(), caching());  // the folder's own key is cached settled now
  ASSERT_EQ(::unlink((dir / "a1_first.sql").c_str()), 0);
  ASSERT_EQ(::rename((dir / "b2_second.sql").c_str(), (dir / "zz_second.sql").c_str()), 0);
  dir.write("d4_fourth.sql", revision_text("d4", "c3", "SELECT 4;", "<none>"));
  auto after = load_script_directory(dir.path(), caching());
  EXPECT_EQ(ids_of(after), (Strings{"c3", "d4", "b2"}));
  EXPECT_EQ(after.revisions[2].path, dir / "zz_second.sql");
  EXPECT_EQ(after.from_cache, 1u);  // c3; a rename updates b2's ctime, so it is read again
  auto cached = load_script_directory(dir.path(), caching());
  EXPECT_EQ(ids_of(cached), (Strings{"c3", "d4", "b2"}));
  EXPECT_EQ(cached.from_cache, 3u);
}

TEST(Cache, FilesWrittenMomentsAgoAreNotCached) {
  TempDir dir;
  write_three(dir);
  LoadOptions o;
  o.use_cache = true;
  o.settle = std::chrono::seconds(3);  // the default wait (STRATA_CACHE_SETTLE may be set around the tests)
  load_script_directory(dir.path(), o);
  auto again = load_script_directory(dir.path(), o);
  EXPECT_EQ(again.from_cache, 0u);
  EXPECT_TRUE(again.revisions[0].has_body);
}

TEST(Cache, CorruptTruncatedOrForeignCacheIsIgnoredAndRewritten) {
  TempDir dir;
  write_three(dir);
  load_script_directory(dir.path(), caching());
  const std::string cache = dir / ".strata_cache/revisions";
  const std::string good = read_file(cache);
  ASSERT_GT(good.size(), 100u);
  std::string flipped = good;
  flipped[flipped.size() - 30] ^= 0x20;  // inside the payload: the checksum catches it
  const std::vector<std::string> bad = {flipped, good.substr(0, good.size() / 2), "not a cache", ""};
  for (auto& contents : bad) {
    write_file(cache, contents);
    auto d = load_script_directory(dir.path(), caching());
    EXPECT_EQ(d.from_cache, 0u);
    EXPECT_EQ(ids_of(d), (Strings{"a1", "b2", "c3"}));
    EXPECT_EQ(load_script_directory(dir.path(), caching()).from_cache, 3u) << "cache not rewritten";
  }
}

TEST(Cache, AnUnwritableCacheOnlyCostsSpeed) {
  TempDir dir;
  write_three(dir);
  dir.write(".strata_cache", "a file where the cache folder would go\n");
  auto d = load_script_directory(dir.path(), caching());
  EXPECT_EQ(ids_of(d), (Strings{"a1", "b2", "c3"}));
  EXPECT_EQ(load_script_directory(dir.path(), caching()).from_cache, 0u);
}

TEST(Cache, OffMeansNoCacheFolder) {
  TempDir dir;
  write_three(dir);
  LoadOptions o = caching();
  o.use_cache = false;
  load_script_directory(dir.path(), o);
  struct stat st {};
  EXPECT_NE(::stat((dir / ".strata_cache").c_str(), &st), 0);
  ::setenv("STRATA_NO_CACHE", "1", 1);
  EXPECT_FALSE(LoadOptions::default_use_cache());
  ::setenv("STRATA_NO_CACHE", "0", 1);
  EXPECT_TRUE(LoadOptions::default_use_cache());
  ::unsetenv("STRATA_NO_CACHE");
  EXPECT_TRUE(LoadOptions::default_use_cache());
}

TEST(Cache, BodiesRefuseAHeaderThatChangedAfterPlanning) {
  TempDir dir;
  write_three(dir);
  load_script_directory(dir.path(), caching());
  auto d = load_script_directory(dir.path(), caching());
  ASSERT_EQ(d.from_cache, 3u);
  const std::string path = dir / "b2_second.sql";
  std::string text = read_file(path);
  text.replace(text.find("-- Revises: a1"), 14, "-- Revises: c3");
  write_file(path, text);
  std::string msg;
  try {
    d.load_bodies({1});
  } catch (const UserError& e) {
    msg = e.what();
  }
  EXPECT_TRUE(contains(msg, path + ":")) << msg;
  EXPECT_TRUE(contains(msg, "changed while strata was running")) << msg;
  EXPECT_FALSE(d.revisions[1].has_body);
  d.load_bodies({0});  // the others are still fine
  EXPECT_TRUE(d.revisions[0].has_body);
}

TEST(Cache, SettleTimeComesFromTheEnvironmentAndIsChecked) {
  ::setenv("STRATA_CACHE_SETTLE", "0.5", 1);
  EXPECT_EQ(LoadOptions::default_settle(), std::chrono::milliseconds(500));
  ::setenv("STRATA_CACHE_SETTLE", "soon", 1);
  std::string msg;
  try {
    LoadOptions::default_settle();
  } catch (const UserError& e) {
    msg = e.what();
  }
  EXPECT_TRUE(contains(msg, "STRATA_CACHE_SETTLE='soon' is not a number of seconds")) << msg;
  ::unsetenv("STRATA_CACHE_SETTLE");
  EXPECT_EQ(LoadOptions::default_settle(), std::chrono::seconds(3));
}

TEST(Cache, DirectoryLoadOffersCachedHeadersAndSaysWhetherTheyStood) {
  using strata::script::DirectoryLoad;
  TempDir dir;
  write_three(dir);
  load_script_directory(dir.path(), caching());
  load_script_directory(dir.path(), caching());  // the folder's own key settled

  {
    DirectoryLoad load(dir.path(), caching());
    ASSERT_NE(load.cached(), nullptr);
    const Revision* first = &load.cached()->revisions[0];
    bool unchanged = false;
    auto d = load.finish(&unchanged);
    EXPECT_TRUE(unchanged);
    EXPECT_EQ(d.from_cache, 3u);
    EXPECT_EQ(&d.revisions[0], first) << "work built on cached() must still point at the result";
  }
  {
    // An edit: cached() still shows the old header (the stats are running),
    // finish() reads the file and says the cached view did not stand.
    const std::string path = dir / "c3_third.sql";
    std::string text = read_file(path);
    text.replace(text.find("-- Revises: b2"), 14, "-- Revises: a1");
    write_file(path, text);
    DirectoryLoad load(dir.path(), caching());
    ASSERT_NE(load.cached(), nullptr);
    EXPECT_EQ(load.cached()->revisions[2].down_revisions, Strings{"b2"});
    bool unchanged = true;
    auto d = load.finish(&unchanged);
    EXPECT_FALSE(unchanged);
    EXPECT_EQ(d.revisions[2].down_revisions, Strings{"a1"});
  }
  {
    // A new file has no cached header: nothing to offer early.
    dir.write("d4_fourth.sql", revision_text("d4", "c3", "SELECT 4;", "<none>"));
    DirectoryLoad load(dir.path(), caching());
    EXPECT_EQ(load.cached(), nullptr);
    bool unchanged = true;
    auto d = load.finish(&unchanged);
    EXPECT_FALSE(unchanged);
    EXPECT_EQ(ids_of(d), (Strings{"a1", "b2", "c3", "d4"}));
  }
}

// Many files: the stat workers and parallel parsing run (below 256 files
// everything stays on one thread).
TEST(Cache, ManyFilesLoadTheSameWithAndWithoutTheCache) {
  TempDir dir;
  std::string parent;
  for (int i = 0; i < 600; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "r%04d", (i * 7919) % 600);  // file order is not chain order
    dir.write(std::string(id) + ".sql", revision_text(id, parent, "SELECT 1;", "SELECT 2;"));
    parent = id;
  }
  LoadOptions off = caching();
  off.use_cache = false;
  auto plain = load_script_directory(dir.path(), off);
  load_script_directory(dir.path(), caching());
  load_script_directory(dir.path(), caching());
  auto cached = load_script_directory(dir.path(), caching());
  ASSERT_EQ(cached.from_cache, 600u);
  ASSERT_EQ(plain.revisions.size(), 600u);
  for (size_t i = 0; i < 600; ++i) expect_same_header(cached.revisions[i], plain.revisions[i]);
  std::vector<size_t> all(600);
  for (size_t i = 0; i < 600; ++i) all[i] = i;
  cached.load_bodies(all);
  for (size_t i = 0; i < 600; ++i) EXPECT_EQ(cached.revisions[i].upgrade[0].sql, plain.revisions[i].upgrade[0].sql);
  // One file changed among many: only it is read again.
  const std::string path = dir / "r0300.sql";
  write_file(path, read_file(path) + "-- trailing comment\n");
  auto again = load_script_directory(dir.path(), caching());
  EXPECT_EQ(again.from_cache, 599u);
}

// Parsing runs on several threads from 256 files; the error reported is
// still the first malformed file in file order, however the threads race.
TEST(Script, FirstMalformedFileInOrderIsReportedAmongMany) {
  TempDir dir;
  for (int i = 0; i < 800; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "r%04d", i);
    const bool bad = i == 90 || i == 91 || i == 700;
    dir.write(std::string(id) + ".sql",
              bad ? "-- Revision ID: " + std::string(id) + "\n-- Bogus: 1\n\n-- +upgrade\nSELECT 1;\n"
                  : revision_text(id, "", "SELECT 1;", "<none>"));
  }
  LoadOptions o = caching();
  o.use_cache = false;
  for (int round = 0; round < 20; ++round) {
    std::string msg;
    try {
      load_script_directory(dir.path(), o);
    } catch (const UserError& e) {
      msg = e.what();
    }
    ASSERT_TRUE(contains(msg, dir / "r0090.sql:2:")) << msg;
  }
}

// ------------------------------------------- encoding and section names
// What a revision file holds is what runs: a NUL byte ends the SQL early in
// every client library, bytes that are not UTF-8 reach the server as
// whatever its encoding makes of them, and a misspelt dialect section runs
// the plain one instead. Each is an error naming file:line before anything
// runs.

TEST(Script, NulByteIsAnErrorNamingLineAndColumn) {
  std::string text = revision_text("nul01", "", "CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);", "<none>");
  const size_t at = text.find("INSERT") + 7;  // line 8 (4 header lines, a blank, the marker, CREATE), column 8
  text.insert(at, 1, '\0');
  const std::string msg = parse_error(text, "dir/nul01.sql");
  EXPECT_TRUE(contains(msg, "dir/nul01.sql:8: NUL byte (0x00) at column 8")) << msg;
}

TEST(Script, InvalidUtf8IsAnErrorNamingLineColumnAndByte) {
  // Latin-1 "é" (0xE9) after a valid "ü" (two bytes, one column).
  const std::string text =
      revision_text("lat01", "", "INSERT INTO t VALUES ('\xC3\xBC caf\xE9');", "<none>");
  const std::string msg = parse_error(text, "lat.sql");
  EXPECT_TRUE(contains(msg, "lat.sql:7: invalid UTF-8 at column 29 (byte 0xE9)")) << msg;
  // Overlong forms, surrogates, stray continuation bytes and a sequence cut
  // short by the end of the file are not UTF-8 either.
  for (std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "\x80", "\xF4\x90\x80\x80", "\xE2\x82"}) {
    const std::string m = parse_error(revision_text("bad01", "", "SELECT 1;", "<none>") + "-- " + bad, "b.sql");
    EXPECT_TRUE(contains(m, "b.sql:8: invalid UTF-8 at column 4")) << m;
  }
  // Valid multi-byte text of every length is accepted.
  Revision r = parse_revision(
      revision_text("utf01", "", "INSERT INTO t VALUES ('\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80');", "<none>"), "u.sql");
  EXPECT_TRUE(contains(r.upgrade[0].sql, "\xF0\x9F\x98\x80"));
}

TEST(Script, LeadingUtf8BomIsAcceptedWithoutShiftingLines) {
  const std::string plain =
      revision_text("bom001", "", "CREATE TABLE a (x INT);\nCREATE TABLE b (x INT);", "DROP TABLE a;");
  Revision a = parse_revision(plain, "a.sql");
  Revision b = parse_revision("\xEF\xBB\xBF" + plain, "b.sql");
  EXPECT_EQ(b.id, "bom001");
  EXPECT_EQ(b.id_line, 1);
  ASSERT_EQ(b.upgrade.size(), 1u);
  EXPECT_EQ(b.upgrade[0].sql, a.upgrade[0].sql);
  EXPECT_EQ(b.upgrade[0].first_line, a.upgrade[0].first_line);
  const size_t off = b.upgrade[0].sql.find("CREATE TABLE b");
  EXPECT_EQ(b.line_in_file(b.upgrade[0], off), a.line_in_file(a.upgrade[0], off));
  // A BOM elsewhere is just text (U+FEFF); a UTF-16 file is named as such.
  const std::string msg = parse_error("\xFF\xFE-\0-\0", "w.sql");
  EXPECT_TRUE(contains(msg, "w.sql:1: the file is UTF-16")) << msg;
}

TEST(Script, MisspeltDialectSectionIsAnErrorWithASuggestion) {
  const std::string text = revision_text("typo01", "", "CREATE TABLE a (x INT);\n\n-- +upgrade sqlit\nSELECT 2;",
                                         "<none>");
  const std::string msg = parse_error(text, "typo.sql");
  EXPECT_TRUE(contains(msg, "typo.sql:9: unknown dialect 'sqlit' in section marker; did you mean 'sqlite'?")) << msg;
  EXPECT_TRUE(contains(msg, "known: sqlite, postgresql (or postgres, pgsql), mysql (or mariadb)")) << msg;
  EXPECT_TRUE(contains(parse_error(revision_text("typo02", "", "SELECT 1;", "<none>") + "-- +downgrade PostgresQL2\n"),
                       "did you mean 'postgresql'?"));
  EXPECT_TRUE(contains(parse_error(revision_text("typo03", "", "SELECT 1;", "<none>") + "-- +downgrade oracle\n"),
                       "rev.sql:8: unknown dialect 'oracle' in section marker (known:"));
  // Every known name and alias, in any case, is accepted.
  for (std::string name : {"sqlite", "SQLite", "postgresql", "postgres", "pgsql", "mysql", "MariaDB"})
    EXPECT_NO_THROW(parse_revision(revision_text("ok01", "", "SELECT 1;\n-- +upgrade " + name + "\nSELECT 2;", "<none>"),
                                   "ok.sql"))
        << name;
}

// The cache serves headers; the bodies are read again when they run, and
// that read is checked the same way (it is what runs).
TEST(Cache, BodiesReadLaterAreCheckedForNulAndUtf8) {
  TempDir dir;
  write_three(dir);
  load_script_directory(dir.path(), caching());
  auto d = load_script_directory(dir.path(), caching());
  ASSERT_EQ(d.from_cache, 3u);
  const std::string path = dir / "a1_first.sql";
  std::string text = read_file(path);
  const size_t at = text.find("CREATE TABLE t1");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 6, 1, '\0');  // header untouched: only the body changed
  write_file(path, text);
  std::string msg;
  try {
    d.load_bodies({0});
  } catch (const UserError& e) {
    msg = e.what();
  }
  EXPECT_TRUE(contains(msg, path + ":7: NUL byte (0x00) at column 7")) << msg;
  EXPECT_FALSE(d.revisions[0].has_body);
  text.erase(at + 6, 1);
  text.insert(at + 6, "\xFF");
  write_file(path, text);
  msg.clear();
  try {
    d.load_bodies({0});
  } catch (const UserError& e) {
    msg = e.what();
  }
  EXPECT_TRUE(contains(msg, path + ":7: invalid UTF-8 at column 7 (byte 0xFF)")) << msg;
}

TEST(Script, ReviewHeaderKeepsItsReasonAndLineAndNeedsAReason) {
  Revision r = parse_revision(revision_text("rv1", "", "", "<none>", "-- Review: its code reads rows\n"), "r.sql");
  EXPECT_EQ(r.review, "its code reads rows");
  EXPECT_EQ(r.review_line, 5);
  EXPECT_TRUE(parse_revision(revision_text("rv2", "", "", "<none>"), "r.sql").review.empty());
  std::string msg = parse_error(revision_text("rv3", "", "", "<none>", "-- Review:\n"));
  EXPECT_TRUE(contains(msg, "rev.sql:5:")) << msg;
  EXPECT_TRUE(contains(msg, "needs a reason")) << msg;
}
