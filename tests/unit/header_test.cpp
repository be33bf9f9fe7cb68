// Revision headers as written and read back: what the writer refuses, how a
// multi-line message is held, a missing Revises: line, and the lines errors
// name.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "strata/planner/graph.hpp"
#include "strata/script/revision.hpp"
#include "strata/util/error.hpp"
#include "test_support.hpp"

using strata::UserError;
using strata::script::branch_label_problem;
using strata::script::NewRevision;
using strata::script::normalize_message;
using strata::script::parse_revision;
using strata::script::render_revision;
using strata::script::revision_id_problem;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

NewRevision revision_with_message(const std::string& message) {
  NewRevision rev;
  rev.id = "m1";
  rev.down_revisions = {"base1"};
  rev.message = normalize_message(message);
  return rev;
}

}  // namespace

TEST(RevisionIds, TheWriterAndTheParserShareOneRule) {
  EXPECT_EQ(revision_id_problem("abc_123"), "");
  EXPECT_EQ(revision_id_problem(std::string(32, 'a')), "");
  EXPECT_TRUE(has(revision_id_problem("2026-feature"), "'-' is not allowed"));
  EXPECT_TRUE(has(revision_id_problem(std::string(33, 'a')), "longer than 32"));
  EXPECT_TRUE(has(revision_id_problem("it's"), "''' is not allowed"));  // a SQL literal stays quote-free
  EXPECT_NE(revision_id_problem(""), "");
  EXPECT_NE(revision_id_problem("caf\xC3\xA9"), "");
  // The parser refuses what revision_id_problem refuses.
  EXPECT_TRUE(has(
      error_of([] { parse_revision("-- Revision ID: 2026-feature\n-- Revises:\n\n-- +upgrade\n", "f.sql"); }),
      "f.sql:1: invalid revision id '2026-feature'"));
  NewRevision rev;
  rev.id = "2026-feature";
  EXPECT_TRUE(has(error_of([&] { render_revision(rev); }), "'-' is not allowed"));
  rev.id = "ok1";
  rev.down_revisions = {"a-b"};
  EXPECT_TRUE(has(error_of([&] { render_revision(rev); }), "revision id 'a-b' to revise"));
}

TEST(BranchLabels, WhatTheHeaderCannotHoldIsRefusedBeforeWriting) {
  EXPECT_EQ(branch_label_problem("feature_x"), "");
  EXPECT_EQ(branch_label_problem("my label"), "");
  EXPECT_EQ(branch_label_problem("\xC3\xA9t\xC3\xA9"), "");
  EXPECT_TRUE(has(branch_label_problem("feat,other"), "cannot hold ','"));
  EXPECT_TRUE(has(branch_label_problem("feat@x"), "cannot hold '@'"));
  EXPECT_TRUE(has(branch_label_problem("a\nb"), "control character"));
  EXPECT_TRUE(has(branch_label_problem("a\tb"), "control character"));
  EXPECT_TRUE(has(branch_label_problem(" a"), "blank"));
  EXPECT_TRUE(has(branch_label_problem("None"), "no label"));
  EXPECT_NE(branch_label_problem(""), "");
  EXPECT_NE(branch_label_problem("\xFF"), "");
  NewRevision rev;
  rev.id = "l1";
  rev.branch_labels = {"feat,other"};
  EXPECT_TRUE(has(error_of([&] { render_revision(rev); }), "--branch-label 'feat,other'"));
  rev.branch_labels = {"feat", "other"};
  auto back = parse_revision(render_revision(rev), "l1.sql");
  EXPECT_EQ(back.branch_labels, (std::vector<std::string>{"feat", "other"}));
}

TEST(Messages, EveryLineIsKeptAndNoneCanBreakTheFile) {
  const std::string hostile =
      "Add orders\r\n\r\nLonger description\r-- +upgrade\n-- +downgrade postgresql\n-- Revises: x\n"
      "-- Revision ID: evil\nDROP TABLE users;\n|\n  indented\twith a tab   \n\xC3\xA9l\xC3\xA8ve "
      "\xE2\x9C\x93\n\n\n";
  auto rev = revision_with_message(hostile);
  EXPECT_EQ(
      rev.message,
      "Add orders\n\nLonger description\n-- +upgrade\n-- +downgrade postgresql\n-- Revises: x\n"
      "-- Revision ID: evil\nDROP TABLE users;\n|\n  indented\twith a tab\n\xC3\xA9l\xC3\xA8ve \xE2\x9C\x93");
  rev.upgrade_sql = "SELECT 1;\n";
  rev.downgrade_sql = "SELECT 2;\n";
  const std::string text = render_revision(rev);
  EXPECT_TRUE(has(text, "-- Message: Add orders\n-- |\n-- | Longer description\n-- | -- +upgrade\n")) << text;
  auto back = parse_revision(text, "m1.sql");
  EXPECT_EQ(back.id, "m1");
  EXPECT_EQ(back.down_revisions, (std::vector<std::string>{"base1"}));
  EXPECT_EQ(back.message, rev.message);
  EXPECT_EQ(back.summary(), "Add orders");
  ASSERT_EQ(back.upgrade.size(), 1u);
  ASSERT_EQ(back.downgrade.size(), 1u);
  EXPECT_EQ(back.upgrade[0].sql, "SELECT 1;\n\n");
  EXPECT_EQ(back.downgrade[0].sql, "SELECT 2;\n");
}

TEST(Messages, LongAndEmptyMessagesRoundTrip) {
  auto rev = revision_with_message(std::string(5000, 'x') + " " + std::string(3000, 'y'));
  auto back = parse_revision(render_revision(rev), "m1.sql");
  EXPECT_EQ(back.message, rev.message);
  EXPECT_LE(strata::script::revision_file_name(rev).size(), 60u);
  auto empty = revision_with_message("  \r\n\n ");
  EXPECT_EQ(empty.message, "");
  EXPECT_EQ(parse_revision(render_revision(empty), "m1.sql").message, "");
}

TEST(Messages, ControlCharactersAndBadUtf8AreRefused) {
  EXPECT_TRUE(has(error_of([] { normalize_message(std::string("a\0b", 3)); }), "byte 0x00"));
  EXPECT_TRUE(has(error_of([] { normalize_message("red \x1B[31m"); }), "byte 0x1B"));
  EXPECT_TRUE(has(error_of([] { normalize_message("caf\xE9"); }), "not UTF-8"));
  // A message that was not normalized is the caller's bug, not the user's.
  NewRevision rev;
  rev.id = "m2";
  rev.message = "two\r\nlines";
  EXPECT_THROW(render_revision(rev), std::logic_error);
}

TEST(Messages, AContinuationLineOnlyFollowsTheMessage) {
  auto ok = parse_revision(
      "-- Revision ID: c1\n-- Revises:\n-- Message: one\n-- | two\n-- |\n-- |   three\n\n-- +upgrade\n",
      "c1.sql");
  EXPECT_EQ(ok.message, "one\ntwo\n\n  three");
  EXPECT_TRUE(has(error_of([] {
                    parse_revision("-- Revision ID: c1\n-- Revises:\n-- | two\n\n-- +upgrade\n", "c1.sql");
                  }),
                  "c1.sql:3: a '-- |' line continues the '-- Message:' line"));
  // After the header, "-- |" is an ordinary comment.
  auto comment = parse_revision(
      "-- Revision ID: c1\n-- Revises:\n-- Message: one\n\n-- | note\n-- +upgrade\n", "c1.sql");
  EXPECT_EQ(comment.message, "one");
}

TEST(Revises, AMissingLineIsAnErrorAndAnEmptyOneIsABase) {
  EXPECT_TRUE(
      has(error_of([] { parse_revision("-- Revision ID: r2\n-- Message: two\n\n-- +upgrade\n", "r2.sql"); }),
          "r2.sql:1: no '-- Revises:' line: write '-- Revises:' with nothing after it for a first revision"));
  EXPECT_TRUE(has(error_of([] {
                    parse_revision("-- a comment\n-- Revision ID: r2\n-- Message: two\n\n-- +upgrade\n",
                                   "r2.sql");
                  }),
                  "r2.sql:2: no '-- Revises:' line"));
  EXPECT_TRUE(
      parse_revision("-- Revision ID: r1\n-- Revises:\n\n-- +upgrade\n", "r1.sql").down_revisions.empty());
  EXPECT_TRUE(parse_revision("-- Revision ID: r1\n-- Revises: None\n\n-- +upgrade\n", "r1.sql")
                  .down_revisions.empty());
  // Every writer writes the line, a base's empty.
  NewRevision base;
  base.id = "b1";
  EXPECT_TRUE(has(render_revision(base), "\n-- Revises: \n"));
  EXPECT_TRUE(has(strata::test::revision_text("t1", "", "SELECT 1;", "", ""), "\n-- Revises: \n"));
}

TEST(Revises, UnknownParentsAndDependenciesAreReportedOnTheirOwnLines) {
  strata::test::TempDir dir;
  dir.write("a1.sql", "-- Revision ID: a1\n-- Revises:\n\n-- +upgrade\n");
  dir.write("x2.sql", "-- Revision ID: x2\n-- Revises: nosuch\n-- Message: x\n\n-- +upgrade\n");
  auto load = [&] {
    const auto loaded = strata::script::load_script_directory(dir.path(), {false});
    strata::planner::RevisionGraph g(loaded);
  };
  EXPECT_TRUE(has(error_of(load), "x2.sql:2: Revises: names revision nosuch")) << error_of(load);
  dir.write("x2.sql",
            "-- Revision ID: x2\n-- Revises: a1\n-- Message: x\n-- Depends On: zzz\n\n-- +upgrade\n");
  EXPECT_TRUE(has(error_of(load), "x2.sql:4: Depends On: names revision zzz")) << error_of(load);
  dir.write("x2.sql", "-- Revision ID: x2\n-- Revises: a1\n-- Depends On: @\n\n-- +upgrade\n");
  EXPECT_TRUE(has(error_of(load), "x2.sql:3: Depends On: '@'")) << error_of(load);
}

TEST(Writer, ALineOfSqlThatWouldSplitTheFileIsRefused) {
  NewRevision rev;
  rev.id = "s1";
  rev.upgrade_sql = "SELECT 1;\n-- +downgrade\nSELECT 2;\n";
  EXPECT_TRUE(has(error_of([&] { render_revision(rev); }), "would not read back as given"));
  rev.upgrade_sql = "SELECT 1;\n";
  rev.review = "two\nlines";
  EXPECT_TRUE(has(error_of([&] { render_revision(rev); }), "one line"));
  rev.review = "";
  rev.transactional = false;
  rev.transactional_reason = "+upgrade";
  EXPECT_TRUE(has(error_of([&] { render_revision(rev); }), "section marker"));
}
