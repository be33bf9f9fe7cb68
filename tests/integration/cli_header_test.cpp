// `revision` and `merge` refuse a header they could not write so that it
// loads (exit 2, no file), write a multi-line message so that it reads back,
// and a chain whose file lacks its Revises: line fails naming it.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "strata/util/strings.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using strata::test::run_strata;
using strata::test::TempDir;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A fresh project (strata init) with one revision, r1.
class Project : public ::testing::Test {
 protected:
  TempDir dir;
  void SetUp() override {
    ASSERT_EQ(strata({"init", "-q"}).exit_code, 0);
    ASSERT_EQ(strata({"revision", "-m", "first", "--rev-id", "r1", "-q"}).exit_code, 0);
  }
  strata::test::RunResult strata(const std::vector<std::string>& args) {
    return run_strata(args, dir.path(), {"DATABASE_URL=", "STRATA_NO_CACHE=1"});
  }
  size_t files() {
    size_t n = 0;
    for (auto& e : fs::directory_iterator(dir / "migrations/main")) n += e.path().extension() == ".sql";
    return n;
  }
  // The chain still loads and has r1 as its only head.
  void expect_chain_intact() {
    auto heads = strata({"heads"});
    EXPECT_EQ(heads.exit_code, 0) << heads.err;
    EXPECT_EQ(heads.out, "r1 (head)\n");
  }
};

}  // namespace

TEST_F(Project, AnInvalidRevIdIsRefusedAndNothingIsWritten) {
  for (const std::string id :
       std::vector<std::string>{"2026-feature", std::string(40, 'a'), "a'b", "caf\xC3\xA9", "a@b"}) {
    auto r = strata({"revision", "-m", "x", "--rev-id", id});
    EXPECT_EQ(r.exit_code, 2) << id;
    EXPECT_TRUE(has(r.err, "--rev-id '" + id + "' is not a valid revision id")) << r.err;
    EXPECT_EQ(files(), 1u) << id;
    auto m = strata({"merge", "heads", "-m", "x", "--rev-id", id});
    EXPECT_EQ(m.exit_code, 2) << id;
    EXPECT_EQ(files(), 1u) << id;
  }
  expect_chain_intact();
  EXPECT_TRUE(has(strata({"revision", "-m", "x", "--rev-id", "2026-feature"}).err, "'-' is not allowed"));
}

TEST_F(Project, ABranchLabelTheHeaderCannotHoldIsRefused) {
  for (const std::string label : std::vector<std::string>{"feat,other", "feat@x", " feat", "none", "a\tb"}) {
    auto r = strata({"revision", "-m", "x", "--branch-label", label});
    EXPECT_EQ(r.exit_code, 2) << label;
    EXPECT_TRUE(has(r.err, "--branch-label '" + label + "'")) << r.err;
    EXPECT_EQ(files(), 1u) << label;
  }
  expect_chain_intact();
  EXPECT_TRUE(has(strata({"revision", "-m", "x", "--branch-label", "feat,other"}).err, "cannot hold ','"));
  // Two labels are two options; each is one label.
  auto two =
      strata({"revision", "-m", "x", "--rev-id", "r2", "--branch-label", "feat", "--branch-label", "other"});
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(strata({"heads"}).out, "r2 (feat, other) (head)\n") << strata({"heads"}).out;
}

TEST_F(Project, AMultiLineMessageIsKeptAndCannotBreakTheFile) {
  const std::string message =
      "Add orders\r\n\nLonger description\n-- +upgrade\n-- Revises: x\n-- +downgrade\r  indented\twith a "
      "tab\n"
      "\xC3\xA9l\xC3\xA8ve " +
      std::string(300, 'z');
  auto r = strata({"revision", "-m", message, "--rev-id", "r2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto heads = strata({"heads"});
  ASSERT_EQ(heads.exit_code, 0) << heads.err;
  EXPECT_EQ(heads.out, "r2 (head)\n");
  auto history = strata({"history"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_TRUE(has(history.out, "r1 -> r2 (head), Add orders\n")) << history.out;
  EXPECT_FALSE(has(history.out, "Longer description")) << history.out;
  auto show = strata({"show", "r2"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_TRUE(has(show.out,
                  "    Add orders\n\n    Longer description\n    -- +upgrade\n    -- Revises: x\n"
                  "    -- +downgrade\n      indented\twith a tab\n    \xC3\xA9l\xC3\xA8ve zzz"))
      << show.out;
  EXPECT_TRUE(has(show.out, "    Revises: r1\n")) << show.out;
  auto json = strata({"--json", "show", "r2"});
  EXPECT_TRUE(has(json.out, "Add orders\\n\\nLonger description\\n-- +upgrade")) << json.out;
  // The upgrade runs: the message's lines are no section of the file.
  auto up = strata({"upgrade", "head"});
  EXPECT_EQ(up.exit_code, 0) << up.err;
  auto control = strata({"revision", "-m", "red \x1B[31m", "--rev-id", "r3"});
  EXPECT_EQ(control.exit_code, 2);
  EXPECT_TRUE(has(control.err, "control character")) << control.err;
  EXPECT_EQ(files(), 2u);
}

TEST_F(Project, AFileWithoutItsRevisesLineIsAnErrorNotASecondBase) {
  ASSERT_EQ(strata({"revision", "-m", "two", "--rev-id", "r2", "-q"}).exit_code, 0);
  const auto path = dir / "migrations/main/r2_two.sql";
  std::string text = strata::util::read_file(path);
  const size_t at = text.find("-- Revises: r1\n");
  ASSERT_NE(at, std::string::npos) << text;
  text.erase(at, std::string("-- Revises: r1\n").size());
  dir.write("migrations/main/r2_two.sql", text);
  for (auto args : std::vector<std::vector<std::string>>{
           {"heads"}, {"history"}, {"merge", "heads", "-m", "m"}, {"upgrade", "head"}}) {
    auto r = strata(args);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_TRUE(has(r.err,
                    "r2_two.sql:1: no '-- Revises:' line: write '-- Revises:' with nothing after it for a "
                    "first revision"))
        << r.err;
  }
  EXPECT_EQ(files(), 2u);  // the merge wrote nothing
}

TEST_F(Project, UnknownRevisesAndDependsOnAreReportedOnTheirLines) {
  dir.write("migrations/main/x2.sql",
            "-- Revision ID: x2\n-- Revises: nosuch\n-- Message: x\n\n-- +upgrade\n\n-- +downgrade\n");
  auto r = strata({"heads"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "x2.sql:2: Revises: names revision nosuch")) << r.err;
  dir.write("migrations/main/x2.sql",
            "-- Revision ID: x2\n-- Revises: r1\n-- Message: x\n-- Depends On: zzz\n\n-- +upgrade\n\n-- "
            "+downgrade\n");
  r = strata({"heads"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "x2.sql:4: Depends On: names revision zzz")) << r.err;
}
