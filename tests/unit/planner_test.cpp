// Unit tests for the revision graph and the plans it produces. The graphs
// are built in memory: no files, no database.
#include <gtest/gtest.h>

#include "test_support.hpp"

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "strata/planner/graph.hpp"
#include "strata/script/revision.hpp"
#include "strata/util/error.hpp"

using strata::UserError;
using strata::planner::describe;
using strata::planner::Index;
using strata::planner::Plan;
using strata::planner::RevisionGraph;
using strata::planner::Step;
using strata::planner::VersionOp;
using strata::script::Revision;
using strata::script::ScriptDirectory;
using strata::script::Section;

namespace {

using Strings = std::vector<std::string>;
using StringSet = std::set<std::string>;

Revision make_rev(const std::string& id, Strings down, Strings labels = {}, Strings deps = {}) {
  Revision r;
  r.id = id;
  r.down_revisions = std::move(down);
  r.branch_labels = std::move(labels);
  r.depends_on = std::move(deps);
  r.message = "revision " + id;
  r.path = "versions/" + id + ".sql";
  r.id_line = 1;
  Section up;
  up.sql = "-- upgrade " + id + "\n";
  up.first_line = 7;
  r.upgrade.push_back(up);
  Section down_section;
  down_section.sql = "-- downgrade " + id + "\n";
  down_section.first_line = 10;
  r.downgrade.push_back(down_section);
  return r;
}

// Owns the ScriptDirectory the graph points into.
struct Fixture {
  ScriptDirectory dir;
  RevisionGraph graph;
  explicit Fixture(std::vector<Revision> revs)
      : dir{"versions", std::move(revs)}, graph(dir) {}
};

std::unique_ptr<Fixture> build(std::vector<Revision> revs) {
  return std::make_unique<Fixture>(std::move(revs));
}

// The graph constructor's error message ("" when it succeeds).
std::string build_error(std::vector<Revision> revs) {
  ScriptDirectory dir{"versions", std::move(revs)};
  try {
    RevisionGraph g(dir);
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "RevisionGraph accepted an invalid graph";
  return "";
}

template <typename F>
std::string error_of(F&& f) {
  return strata::test::user_error(std::forward<F>(f));
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

Strings step_ids(const RevisionGraph& g, const Plan& p) {
  Strings out;
  for (auto& s : p.steps) out.push_back(g.id(s.rev));
  return out;
}

Strings ops_text(const std::vector<VersionOp>& ops) {
  Strings out;
  for (auto& op : ops) out.push_back(describe(op));
  return out;
}

size_t pos(const Strings& order, const std::string& id) {
  auto it = std::find(order.begin(), order.end(), id);
  EXPECT_NE(it, order.end()) << id << " is not in the plan";
  return static_cast<size_t>(it - order.begin());
}

// Applies `ops` to a simulated version table, checking each op is valid
// against what is there (UPDATE/DELETE of an existing row, INSERT of a new one).
void apply_ops(StringSet& rows, const std::vector<VersionOp>& ops) {
  for (auto& op : ops) {
    switch (op.kind) {
      case VersionOp::Insert:
        EXPECT_EQ(rows.count(op.to), 0u) << describe(op) << ": row already present";
        rows.insert(op.to);
        break;
      case VersionOp::Update:
        EXPECT_EQ(rows.count(op.from), 1u) << describe(op) << ": no such row";
        EXPECT_EQ(rows.count(op.to), 0u) << describe(op) << ": row already present";
        rows.erase(op.from);
        rows.insert(op.to);
        break;
      case VersionOp::Delete:
        EXPECT_EQ(rows.count(op.from), 1u) << describe(op) << ": no such row";
        rows.erase(op.from);
        break;
    }
  }
}

// Replays every step's ops from `start` and checks they end at final_rows.
void expect_ops_consistent(const Plan& p, const Strings& start) {
  StringSet rows(start.begin(), start.end());
  for (auto& s : p.steps) apply_ops(rows, s.ops);
  apply_ops(rows, p.stamp_ops);
  EXPECT_EQ(rows, StringSet(p.final_rows.begin(), p.final_rows.end()));
  EXPECT_EQ(p.final_rows.size(), StringSet(p.final_rows.begin(), p.final_rows.end()).size())
      << "final_rows has duplicates";
}

StringSet as_set(const Strings& v) { return StringSet(v.begin(), v.end()); }

// A linear chain; the ids share prefixes so partial ids can be ambiguous.
const std::string L1 = "1111aaaa", L2 = "2222bbbb", L3 = "2233cccc", L4 = "3333dddd";

std::unique_ptr<Fixture> linear() {
  return build({make_rev(L1, {}), make_rev(L2, {L1}), make_rev(L3, {L2}), make_rev(L4, {L3})});
}

// A base; B and C revise A; M merges B and C; D revises M.
const std::string A = "aaaa0000", B = "bbbb0000", C = "cccc0000", M = "eeee0000", D = "dddd0000";

std::vector<Revision> diamond_revs() {
  return {make_rev(A, {}), make_rev(B, {A}), make_rev(C, {A}), make_rev(M, {B, C}), make_rev(D, {M})};
}

// A base; B (label "left") and C (label "right") revise A; B2 revises B.
// Two heads: B2 and C.
const std::string B2 = "bbbb2222";

std::unique_ptr<Fixture> two_heads() {
  return build({make_rev(A, {}), make_rev(B, {A}, {"left"}), make_rev(C, {A}, {"right"}),
                make_rev(B2, {B})});
}

}  // namespace

// ---------------------------------------------------------------- linear

TEST(Planner, UpgradeHeadFromBaseAppliesTheChainInOrderInsertingThenUpdating) {
  auto f = linear();
  Plan p = f->graph.plan_upgrade({}, "head", "db");
  EXPECT_EQ(step_ids(f->graph, p), (Strings{L1, L2, L3, L4}));
  for (auto& s : p.steps) EXPECT_TRUE(s.upgrade);
  ASSERT_EQ(p.steps.size(), 4u);
  EXPECT_EQ(ops_text(p.steps[0].ops), Strings{"INSERT " + L1});
  EXPECT_EQ(ops_text(p.steps[1].ops), Strings{"UPDATE " + L1 + " -> " + L2});
  EXPECT_EQ(ops_text(p.steps[2].ops), Strings{"UPDATE " + L2 + " -> " + L3});
  EXPECT_EQ(ops_text(p.steps[3].ops), Strings{"UPDATE " + L3 + " -> " + L4});
  EXPECT_EQ(p.final_rows, Strings{L4});
  EXPECT_TRUE(p.stamp_ops.empty());
  expect_ops_consistent(p, {});
}

TEST(Planner, GraphReportsHeadsBasesAndLookups) {
  auto f = linear();
  const auto& g = f->graph;
  EXPECT_EQ(g.size(), 4u);
  EXPECT_EQ(g.location(), "versions");
  ASSERT_EQ(g.heads().size(), 1u);
  EXPECT_EQ(g.id(g.heads()[0]), L4);
  ASSERT_EQ(g.bases().size(), 1u);
  EXPECT_EQ(g.id(g.bases()[0]), L1);
  ASSERT_TRUE(g.find(L2).has_value());
  EXPECT_EQ(g.id(*g.find(L2)), L2);
  EXPECT_FALSE(g.find("2222").has_value());  // find is exact only
  EXPECT_EQ(g.id(*g.get_revision("2222")), L2);
}

TEST(Planner, UpgradeHeadFromAMiddleRevisionAppliesOnlyTheRest) {
  auto f = linear();
  Plan p = f->graph.plan_upgrade({L2}, "head", "db");
  EXPECT_EQ(step_ids(f->graph, p), (Strings{L3, L4}));
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(ops_text(p.steps[0].ops), Strings{"UPDATE " + L2 + " -> " + L3});
  EXPECT_EQ(p.final_rows, Strings{L4});
  expect_ops_consistent(p, {L2});
}

TEST(Planner, UpgradeWhenAlreadyAtHeadDoesNothing) {
  auto f = linear();
  Plan p = f->graph.plan_upgrade({L4}, "head", "db");
  EXPECT_TRUE(p.steps.empty());
  EXPECT_EQ(p.final_rows, Strings{L4});
}

TEST(Planner, UpgradePlusOneAndPlusTwoFromBase) {
  auto f = linear();
  Plan one = f->graph.plan_upgrade({}, "+1", "db");
  EXPECT_EQ(step_ids(f->graph, one), Strings{L1});
  ASSERT_EQ(one.steps.size(), 1u);
  EXPECT_EQ(ops_text(one.steps[0].ops), Strings{"INSERT " + L1});
  EXPECT_EQ(one.final_rows, Strings{L1});

  Plan two = f->graph.plan_upgrade({}, "+2", "db");
  EXPECT_EQ(step_ids(f->graph, two), (Strings{L1, L2}));
  EXPECT_EQ(two.final_rows, Strings{L2});
  expect_ops_consistent(two, {});
}

TEST(Planner, UpgradePlusOneAndPlusTwoFromACurrentRevision) {
  auto f = linear();
  Plan one = f->graph.plan_upgrade({L2}, "+1", "db");
  EXPECT_EQ(step_ids(f->graph, one), Strings{L3});
  EXPECT_EQ(one.final_rows, Strings{L3});

  Plan two = f->graph.plan_upgrade({L2}, "+2", "db");
  EXPECT_EQ(step_ids(f->graph, two), (Strings{L3, L4}));
  EXPECT_EQ(two.final_rows, Strings{L4});
}

TEST(Planner, UpgradePastTheHeadByRelativeStepsIsAnError) {
  auto f = linear();
  std::string msg = error_of([&] { f->graph.plan_upgrade({L3}, "+2", "db"); });
  EXPECT_TRUE(contains(msg, "+2")) << msg;
  EXPECT_TRUE(contains(msg, "didn't produce")) << msg;
}

TEST(Planner, RelativeToANamedRevisionPlusAndMinus) {
  auto f = linear();
  Plan plus = f->graph.plan_upgrade({L1}, L2 + "+1", "db");
  EXPECT_EQ(step_ids(f->graph, plus), (Strings{L2, L3}));
  EXPECT_EQ(plus.final_rows, Strings{L3});

  Plan minus = f->graph.plan_upgrade({}, L3 + "-1", "db");
  EXPECT_EQ(step_ids(f->graph, minus), (Strings{L1, L2}));
  EXPECT_EQ(minus.final_rows, Strings{L2});

  // A partial id works as the anchor too.
  Plan partial = f->graph.plan_upgrade({}, "1111+2", "db");
  EXPECT_EQ(partial.final_rows, Strings{L3});

  Plan down = f->graph.plan_downgrade({L4}, L4 + "-2", "db");
  EXPECT_EQ(step_ids(f->graph, down), (Strings{L4, L3}));
  EXPECT_EQ(down.final_rows, Strings{L2});
}

TEST(Planner, DowngradeMinusOneStepsBackOneRevision) {
  auto f = linear();
  Plan p = f->graph.plan_downgrade({L4}, "-1", "db");
  EXPECT_EQ(step_ids(f->graph, p), Strings{L4});
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_FALSE(p.steps[0].upgrade);
  EXPECT_EQ(ops_text(p.steps[0].ops), Strings{"UPDATE " + L4 + " -> " + L3});
  EXPECT_EQ(p.final_rows, Strings{L3});
}

TEST(Planner, DowngradeMinusTwoStepsBackTwoRevisions) {
  auto f = linear();
  Plan p = f->graph.plan_downgrade({L4}, "-2", "db");
  EXPECT_EQ(step_ids(f->graph, p), (Strings{L4, L3}));
  EXPECT_EQ(p.final_rows, Strings{L2});
  expect_ops_consistent(p, {L4});
}

TEST(Planner, DowngradeMinusOneFromTheFirstRevisionGoesToBase) {
  auto f = linear();
  Plan p = f->graph.plan_downgrade({L1}, "-1", "db");
  EXPECT_EQ(step_ids(f->graph, p), Strings{L1});
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(ops_text(p.steps[0].ops), Strings{"DELETE " + L1});
  EXPECT_TRUE(p.final_rows.empty());
}

TEST(Planner, DowngradeMinusOneAtBaseIsAnError) {
  auto f = linear();
  std::string msg = error_of([&] { f->graph.plan_downgrade({}, "-1", "db"); });
  EXPECT_TRUE(contains(msg, "-1")) << msg;
}

TEST(Planner, DowngradeBaseUndoesEverythingAndDeletesTheLastRow) {
  auto f = linear();
  Plan p = f->graph.plan_downgrade({L4}, "base", "db");
  EXPECT_EQ(step_ids(f->graph, p), (Strings{L4, L3, L2, L1}));
  for (auto& s : p.steps) EXPECT_FALSE(s.upgrade);
  ASSERT_EQ(p.steps.size(), 4u);
  EXPECT_EQ(ops_text(p.steps[0].ops), Strings{"UPDATE " + L4 + " -> " + L3});
  EXPECT_EQ(ops_text(p.steps[3].ops), Strings{"DELETE " + L1});
  EXPECT_TRUE(p.final_rows.empty());
  expect_ops_consistent(p, {L4});
}

TEST(Planner, DowngradeToAFullId) {
  auto f = linear();
  Plan p = f->graph.plan_downgrade({L4}, L2, "db");
  EXPECT_EQ(step_ids(f->graph, p), (Strings{L4, L3}));
  EXPECT_EQ(p.final_rows, Strings{L2});
  expect_ops_consistent(p, {L4});
}

TEST(Planner, DowngradeToAUniquePartialId) {
  auto f = linear();
  Plan p = f->graph.plan_downgrade({L4}, "1111", "db");
  EXPECT_EQ(step_ids(f->graph, p), (Strings{L4, L3, L2}));
  EXPECT_EQ(p.final_rows, Strings{L1});

  // "222" only matches 2222bbbb, though "22" matches two revisions.
  Plan q = f->graph.plan_downgrade({L4}, "222", "db");
  EXPECT_EQ(q.final_rows, Strings{L2});
}

TEST(Planner, AmbiguousPartialIdListsTheCandidates) {
  auto f = linear();
  std::string msg = error_of([&] { f->graph.plan_downgrade({L4}, "22", "db"); });
  EXPECT_TRUE(contains(msg, "'22'")) << msg;
  EXPECT_TRUE(contains(msg, L2)) << msg;
  EXPECT_TRUE(contains(msg, L3)) << msg;
  EXPECT_FALSE(contains(msg, L1)) << msg;

  std::string direct = error_of([&] { f->graph.get_revision("22"); });
  // Alembic's wording: the candidates quoted.
  EXPECT_TRUE(contains(direct, "'" + L2 + "', '" + L3 + "'")) << direct;
}

TEST(Planner, UnknownRevisionIdIsAnError) {
  auto f = linear();
  std::string msg = error_of([&] { f->graph.plan_upgrade({}, "9999", "db"); });
  EXPECT_TRUE(contains(msg, "'9999'")) << msg;
  EXPECT_TRUE(contains(msg, "versions")) << msg;
  std::string down = error_of([&] { f->graph.plan_downgrade({L4}, "beef", "db"); });
  EXPECT_TRUE(contains(down, "'beef'")) << down;
}

TEST(Planner, DowngradeToARevisionThatIsNotAppliedIsAnError) {
  auto f = linear();
  std::string msg = error_of([&] { f->graph.plan_downgrade({L2}, L4, "db"); });
  EXPECT_TRUE(contains(msg, L4)) << msg;
  EXPECT_TRUE(contains(msg, "not a valid downgrade target")) << msg;

  std::string at_base = error_of([&] { f->graph.plan_downgrade({}, L1, "db"); });
  EXPECT_TRUE(contains(at_base, "not a valid downgrade target")) << at_base;
}

TEST(Planner, UnknownVersionRowIsAnErrorNamingTheDatabase) {
  auto f = linear();
  std::string msg = error_of([&] { f->graph.rows_to_indexes({L1, "feedbeef"}, "prod-eu"); });
  EXPECT_TRUE(contains(msg, "prod-eu")) << msg;
  EXPECT_TRUE(contains(msg, "feedbeef")) << msg;

  std::string up = error_of([&] { f->graph.plan_upgrade({"feedbeef"}, "head", "reporting"); });
  EXPECT_TRUE(contains(up, "reporting")) << up;
  std::string down = error_of([&] { f->graph.plan_downgrade({"feedbeef"}, "base", "reporting"); });
  EXPECT_TRUE(contains(down, "reporting")) << down;

  auto ok = f->graph.rows_to_indexes({L3}, "db");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(f->graph.id(ok[0]), L3);
}

// ---------------------------------------------------------------- branch + merge

TEST(Planner, UpgradeThroughBranchAndMergeFollowsAlembicVersionRows) {
  auto f = build(diamond_revs());
  const auto& g = f->graph;
  Plan p = g.plan_upgrade({}, "head", "db");
  Strings order = step_ids(g, p);
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(as_set(order), (StringSet{A, B, C, M, D}));
  EXPECT_LT(pos(order, A), pos(order, B));
  EXPECT_LT(pos(order, A), pos(order, C));
  EXPECT_LT(pos(order, B), pos(order, M));
  EXPECT_LT(pos(order, C), pos(order, M));
  EXPECT_LT(pos(order, M), pos(order, D));

  EXPECT_EQ(ops_text(p.steps[pos(order, A)].ops), Strings{"INSERT " + A});
  // The first branch revision replaces A; the second finds A gone and inserts.
  const std::string first = pos(order, B) < pos(order, C) ? B : C;
  const std::string second = first == B ? C : B;
  EXPECT_EQ(ops_text(p.steps[pos(order, first)].ops), Strings{"UPDATE " + A + " -> " + first});
  EXPECT_EQ(ops_text(p.steps[pos(order, second)].ops), Strings{"INSERT " + second});

  // The merge deletes one row and updates the other to M.
  const auto& merge_ops = p.steps[pos(order, M)].ops;
  ASSERT_EQ(merge_ops.size(), 2u);
  int deletes = 0, updates = 0;
  StringSet merged_from;
  for (auto& op : merge_ops) {
    if (op.kind == VersionOp::Delete) ++deletes;
    if (op.kind == VersionOp::Update) {
      ++updates;
      EXPECT_EQ(op.to, M);
    }
    merged_from.insert(op.from);
  }
  EXPECT_EQ(deletes, 1);
  EXPECT_EQ(updates, 1);
  EXPECT_EQ(merged_from, (StringSet{B, C}));

  EXPECT_EQ(ops_text(p.steps[pos(order, D)].ops), Strings{"UPDATE " + M + " -> " + D});
  EXPECT_EQ(p.final_rows, Strings{D});
  expect_ops_consistent(p, {});
}

TEST(Planner, BranchAndMergeInFileOrderGivesAlembicsSequence) {
  // Alembic 1.8 walks down from the head and, at the merge, finishes the
  // first parent's line before the second's; reversed, the second branch
  // (C) is applied first. Checked against Alembic's RevisionMap.
  auto f = build(diamond_revs());
  Plan p = f->graph.plan_upgrade({}, "head", "db");
  EXPECT_EQ(step_ids(f->graph, p), (Strings{A, C, B, M, D}));
  ASSERT_EQ(p.steps.size(), 5u);
  EXPECT_EQ(ops_text(p.steps[1].ops), Strings{"UPDATE " + A + " -> " + C});
  EXPECT_EQ(ops_text(p.steps[2].ops), Strings{"INSERT " + B});
}

TEST(Planner, UpgradeOrderRespectsParentsWhateverTheFileOrder) {
  auto revs = diamond_revs();
  std::reverse(revs.begin(), revs.end());  // D, M, C, B, A
  auto f = build(std::move(revs));
  Plan p = f->graph.plan_upgrade({}, "heads", "db");
  Strings order = step_ids(f->graph, p);
  ASSERT_EQ(order.size(), 5u);
  EXPECT_LT(pos(order, A), pos(order, B));
  EXPECT_LT(pos(order, A), pos(order, C));
  EXPECT_LT(pos(order, B), pos(order, M));
  EXPECT_LT(pos(order, C), pos(order, M));
  EXPECT_LT(pos(order, M), pos(order, D));
  EXPECT_EQ(p.final_rows, Strings{D});
  expect_ops_consistent(p, {});
}

TEST(Planner, UpgradeFromOneBranchOfTheDiamondAppliesTheOtherBranchAndTheMerge) {
  auto f = build(diamond_revs());
  Plan p = f->graph.plan_upgrade({B}, "head", "db");
  Strings order = step_ids(f->graph, p);
  EXPECT_EQ(order, (Strings{C, M, D}));
  ASSERT_EQ(p.steps.size(), 3u);
  // A is applied (under B) but not a row, so C is inserted.
  EXPECT_EQ(ops_text(p.steps[0].ops), Strings{"INSERT " + C});
  EXPECT_EQ(p.final_rows, Strings{D});
  expect_ops_consistent(p, {B});
}

TEST(Planner, DowngradeFromMergeDescendantToBaseRevisionRemovesChildrenFirst) {
  auto f = build(diamond_revs());
  Plan p = f->graph.plan_downgrade({D}, A, "db");
  Strings order = step_ids(f->graph, p);
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(as_set(order), (StringSet{D, M, B, C}));
  for (auto& s : p.steps) EXPECT_FALSE(s.upgrade);
  EXPECT_LT(pos(order, D), pos(order, M));
  EXPECT_LT(pos(order, M), pos(order, B));
  EXPECT_LT(pos(order, M), pos(order, C));
  EXPECT_EQ(ops_text(p.steps[pos(order, D)].ops), Strings{"UPDATE " + D + " -> " + M});
  // Undoing the merge turns one row back into two.
  const auto& unmerge = p.steps[pos(order, M)].ops;
  ASSERT_EQ(unmerge.size(), 2u);
  EXPECT_EQ(p.final_rows, Strings{A});
  expect_ops_consistent(p, {D});
}

TEST(Planner, DowngradeMergeToOneBranchKeepsThatBranch) {
  auto f = build(diamond_revs());
  Plan p = f->graph.plan_downgrade({D}, B, "db");
  Strings order = step_ids(f->graph, p);
  // Only M and D descend from B; C is not B's descendant, so it stays applied.
  EXPECT_EQ(order, (Strings{D, M}));
  EXPECT_EQ(as_set(p.final_rows), (StringSet{B, C}));
  expect_ops_consistent(p, {D});
}

TEST(Planner, DowngradeBaseFromTheMergeDescendantEmptiesTheTable) {
  auto f = build(diamond_revs());
  Plan p = f->graph.plan_downgrade({D}, "base", "db");
  Strings order = step_ids(f->graph, p);
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(order.back(), A);
  EXPECT_LT(pos(order, B), pos(order, A));
  EXPECT_LT(pos(order, C), pos(order, A));
  EXPECT_TRUE(p.final_rows.empty());
  expect_ops_consistent(p, {D});
}

TEST(Planner, HeadWithTwoHeadsIsAnErrorSuggestingHeadsAndLabelAtHead) {
  auto f = two_heads();
  std::string msg = error_of([&] { f->graph.plan_upgrade({}, "head", "db"); });
  EXPECT_TRUE(contains(msg, "'heads'")) << msg;
  EXPECT_TRUE(contains(msg, "@head")) << msg;
  EXPECT_EQ(f->graph.heads().size(), 2u);
}

TEST(Planner, HeadsUpgradesEveryBranch) {
  auto f = two_heads();
  Plan p = f->graph.plan_upgrade({}, "heads", "db");
  Strings order = step_ids(f->graph, p);
  EXPECT_EQ(as_set(order), (StringSet{A, B, B2, C}));
  EXPECT_EQ(order.size(), 4u);
  EXPECT_LT(pos(order, A), pos(order, B));
  EXPECT_LT(pos(order, B), pos(order, B2));
  EXPECT_LT(pos(order, A), pos(order, C));
  EXPECT_EQ(as_set(p.final_rows), (StringSet{B2, C}));
  expect_ops_consistent(p, {});
}

TEST(Planner, LabelAtHeadUpgradesOnlyThatBranch) {
  auto f = two_heads();
  Plan p = f->graph.plan_upgrade({}, "left@head", "db");
  EXPECT_EQ(step_ids(f->graph, p), (Strings{A, B, B2}));
  EXPECT_EQ(p.final_rows, Strings{B2});
  expect_ops_consistent(p, {});
}

TEST(Planner, BranchLabelAloneResolvesToTheLabelledRevision) {
  auto f = two_heads();
  ASSERT_TRUE(f->graph.labelled("right").has_value());
  EXPECT_EQ(f->graph.id(*f->graph.labelled("right")), C);
  EXPECT_FALSE(f->graph.labelled("nope").has_value());

  Plan p = f->graph.plan_upgrade({}, "right", "db");
  EXPECT_EQ(step_ids(f->graph, p), (Strings{A, C}));
  EXPECT_EQ(p.final_rows, Strings{C});

  // From the other branch's head, the labelled branch is a new row.
  Plan q = f->graph.plan_upgrade({B2}, "right", "db");
  EXPECT_EQ(step_ids(f->graph, q), Strings{C});
  ASSERT_EQ(q.steps.size(), 1u);
  EXPECT_EQ(ops_text(q.steps[0].ops), Strings{"INSERT " + C});
  EXPECT_EQ(as_set(q.final_rows), (StringSet{B2, C}));
}

TEST(Planner, LabelAtHeadWithTwoHeadsBelowIsAnError) {
  auto f = build({make_rev(A, {}, {"trunk"}), make_rev(B, {A}), make_rev(C, {A})});
  std::string msg = error_of([&] { f->graph.plan_upgrade({}, "trunk@head", "db"); });
  EXPECT_TRUE(contains(msg, B)) << msg;
  EXPECT_TRUE(contains(msg, C)) << msg;
}

TEST(Planner, DowngradeOnOneBranchLeavesTheOtherBranchRow) {
  auto f = two_heads();
  Plan p = f->graph.plan_downgrade({B2, C}, "left@-1", "db");
  EXPECT_EQ(step_ids(f->graph, p), Strings{B2});
  EXPECT_EQ(as_set(p.final_rows), (StringSet{B, C}));
  expect_ops_consistent(p, {B2, C});
}

// ---------------------------------------------------------------- depends on

// Branch one: P1 <- P2. Branch two: Q1 <- X, where X also depends on P2.
const std::string P1 = "p1000000", P2 = "p2000000", Q1 = "q1000000", X = "x0000000";

std::vector<Revision> dependency_revs(Strings x_deps = {P2}) {
  return {make_rev(P1, {}, {"one"}), make_rev(P2, {P1}), make_rev(Q1, {}, {"two"}),
          make_rev(X, {Q1}, {}, std::move(x_deps))};
}

TEST(Planner, UpgradingToARevisionAppliesItsDependencyOnAnotherBranchFirst) {
  auto f = build(dependency_revs());
  Plan p = f->graph.plan_upgrade({}, X, "db");
  Strings order = step_ids(f->graph, p);
  EXPECT_EQ(as_set(order), (StringSet{P1, P2, Q1, X}));
  EXPECT_EQ(order.size(), 4u);
  EXPECT_LT(pos(order, P1), pos(order, P2));
  EXPECT_LT(pos(order, P2), pos(order, X));
  EXPECT_LT(pos(order, Q1), pos(order, X));
  EXPECT_EQ(order.back(), X);
  // Like Alembic, a dependency counts as a down revision for the version
  // table: X replaces both P2 and Q1.
  EXPECT_EQ(p.final_rows, Strings{X});
  expect_ops_consistent(p, {});
}

TEST(Planner, DependencyAlreadyAppliedIsNotReapplied) {
  auto f = build(dependency_revs());
  Plan p = f->graph.plan_upgrade({P2}, X, "db");
  EXPECT_EQ(step_ids(f->graph, p), (Strings{Q1, X}));
  EXPECT_EQ(p.final_rows, Strings{X});
  expect_ops_consistent(p, {P2});
}

TEST(Planner, DependsOnMayNameABranchLabel) {
  auto f = build(dependency_revs({"one"}));
  Plan p = f->graph.plan_upgrade({}, X, "db");
  Strings order = step_ids(f->graph, p);
  EXPECT_EQ(as_set(order), (StringSet{P1, Q1, X}));
  EXPECT_LT(pos(order, P1), pos(order, X));
}

TEST(Planner, DowngradingADependencyFirstDowngradesItsDependents) {
  auto f = build(dependency_revs());
  Plan p = f->graph.plan_downgrade({X}, P1, "db");
  Strings order = step_ids(f->graph, p);
  EXPECT_EQ(order, (Strings{X, P2}));
  EXPECT_EQ(as_set(p.final_rows), (StringSet{P1, Q1}));
  expect_ops_consistent(p, {X});
}

// ---------------------------------------------------------------- validation

TEST(Planner, RevisesNamingAnUnknownRevisionIsAnErrorAtItsFile) {
  std::string msg = build_error({make_rev(A, {}), make_rev(B, {"ffff9999"})});
  EXPECT_TRUE(contains(msg, "versions/" + B + ".sql:1:")) << msg;
  EXPECT_TRUE(contains(msg, "ffff9999")) << msg;
  EXPECT_TRUE(contains(msg, "Revises")) << msg;
}

TEST(Planner, DependsOnNamingAnUnknownRevisionIsAnError) {
  std::string msg = build_error({make_rev(A, {}), make_rev(B, {A}, {}, {"ffff9999"})});
  EXPECT_TRUE(contains(msg, "versions/" + B + ".sql:1:")) << msg;
  EXPECT_TRUE(contains(msg, "ffff9999")) << msg;
}

TEST(Planner, CycleIsAnErrorListingTheRevisionsInOrder) {
  // A revises C, B revises A, C revises B.
  std::string msg = build_error({make_rev(A, {C}), make_rev(B, {A}), make_rev(C, {B})});
  EXPECT_TRUE(contains(msg, "cycle")) << msg;
  EXPECT_TRUE(contains(msg, A + " -> " + C + " -> " + B + " -> " + A)) << msg;
}

TEST(Planner, CycleThroughDependsOnIsDetected) {
  std::string msg = build_error({make_rev(A, {}, {}, {B}), make_rev(B, {A})});
  EXPECT_TRUE(contains(msg, "cycle")) << msg;
  EXPECT_TRUE(contains(msg, " -> ")) << msg;
}

TEST(Planner, RevisionRevisingItselfIsAnError) {
  std::string msg = build_error({make_rev(A, {A})});
  EXPECT_TRUE(contains(msg, "versions/" + A + ".sql:1:")) << msg;
}

TEST(Planner, SameBranchLabelOnTwoRevisionsIsAnError) {
  std::string msg =
      build_error({make_rev(A, {}, {"feature"}), make_rev(B, {A}), make_rev(C, {A}, {"feature"})});
  EXPECT_TRUE(contains(msg, "'feature'")) << msg;
  EXPECT_TRUE(contains(msg, A)) << msg;
  EXPECT_TRUE(contains(msg, "versions/" + C + ".sql:1:")) << msg;
}

TEST(Planner, BranchLabelEqualToARevisionIdIsAnError) {
  std::string msg = build_error({make_rev(A, {}), make_rev(B, {A}, {A})});
  EXPECT_TRUE(contains(msg, A)) << msg;
  EXPECT_TRUE(contains(msg, "revision id")) << msg;
}

TEST(Planner, DuplicateRevisionIdInTheDirectoryIsAnError) {
  std::string msg = build_error({make_rev(A, {}), make_rev(A, {})});
  EXPECT_TRUE(contains(msg, "duplicate")) << msg;
  EXPECT_TRUE(contains(msg, A)) << msg;
}

// ---------------------------------------------------------------- stamp

TEST(Planner, StampToARevisionReplacesTheRowWithoutSteps) {
  auto f = linear();
  Plan p = f->graph.plan_stamp({L1}, {L3}, false, "db");
  EXPECT_TRUE(p.steps.empty());
  EXPECT_EQ(ops_text(p.stamp_ops), Strings{"UPDATE " + L1 + " -> " + L3});
  EXPECT_EQ(p.final_rows, Strings{L3});

  Plan back = f->graph.plan_stamp({L4}, {L2}, false, "db");
  EXPECT_TRUE(back.steps.empty());
  EXPECT_EQ(ops_text(back.stamp_ops), Strings{"UPDATE " + L4 + " -> " + L2});
  EXPECT_EQ(back.final_rows, Strings{L2});
}

TEST(Planner, StampFromAnEmptyTableInserts) {
  auto f = linear();
  Plan p = f->graph.plan_stamp({}, {"head"}, false, "db");
  EXPECT_TRUE(p.steps.empty());
  EXPECT_EQ(ops_text(p.stamp_ops), Strings{"INSERT " + L4});
  EXPECT_EQ(p.final_rows, Strings{L4});
}

TEST(Planner, StampToTheCurrentRevisionChangesNothing) {
  auto f = linear();
  Plan p = f->graph.plan_stamp({L2}, {L2}, false, "db");
  EXPECT_TRUE(p.stamp_ops.empty());
  EXPECT_EQ(p.final_rows, Strings{L2});
}

TEST(Planner, StampWithPurgeDeletesEveryRowEvenUnknownOnesThenInserts) {
  auto f = linear();
  Plan p = f->graph.plan_stamp({"deadbeef"}, {L2}, true, "db");
  EXPECT_TRUE(p.steps.empty());
  // The runner empties the table first; the plan starts from no rows.
  EXPECT_EQ(ops_text(p.stamp_ops), (Strings{"INSERT " + L2}));
  EXPECT_EQ(p.final_rows, Strings{L2});
  expect_ops_consistent(p, {});

  // Without purge an unknown row is an error naming the database.
  std::string msg = error_of([&] { f->graph.plan_stamp({"deadbeef"}, {L2}, false, "stage"); });
  EXPECT_TRUE(contains(msg, "stage")) << msg;
}

TEST(Planner, StampBaseDeletesTheRows) {
  auto f = linear();
  Plan p = f->graph.plan_stamp({L3}, {"base"}, false, "db");
  EXPECT_TRUE(p.steps.empty());
  EXPECT_EQ(ops_text(p.stamp_ops), Strings{"DELETE " + L3});
  EXPECT_TRUE(p.final_rows.empty());
}

TEST(Planner, StampBaseWithTwoBranchRowsDeletesBoth) {
  auto f = two_heads();
  Plan p = f->graph.plan_stamp({B2, C}, {"base"}, false, "db");
  EXPECT_TRUE(p.final_rows.empty());
  expect_ops_consistent(p, {B2, C});
}

TEST(Planner, StampOnAnUnrelatedBranchKeepsTheOtherRow) {
  auto f = two_heads();
  Plan p = f->graph.plan_stamp({C}, {B2}, false, "db");
  EXPECT_EQ(ops_text(p.stamp_ops), Strings{"INSERT " + B2});
  EXPECT_EQ(as_set(p.final_rows), (StringSet{B2, C}));
}

TEST(Planner, StampHeadsWritesOneRowPerHead) {
  auto f = two_heads();
  Plan p = f->graph.plan_stamp({}, {"heads"}, false, "db");
  EXPECT_TRUE(p.steps.empty());
  EXPECT_EQ(as_set(p.final_rows), (StringSet{B2, C}));
  EXPECT_EQ(p.stamp_ops.size(), 2u);
  expect_ops_consistent(p, {});
}

TEST(Planner, StampOfTwoRevisionsFromEmptyWritesBothAsAlembicDoes) {
  // Alembic decides each destination against the rows as they were before
  // the stamp, so from an empty table both become rows.
  auto f = linear();
  Plan p = f->graph.plan_stamp({}, {L2, L4}, false, "db");
  EXPECT_EQ(as_set(p.final_rows), (StringSet{L2, L4}));
}

// Loading leaves checks between files to the graph: a revision id defined
// twice names both files, the second with its line.
TEST(Graph, DuplicateRevisionIdAcrossFilesNamesBothFiles) {
  strata::test::TempDir dir;
  std::string first = dir.write("a_one.sql", strata::test::revision_text("dup1", "", "SELECT 1;", "<none>"));
  std::string second =
      dir.write("b_two.sql", "-- comment\n" + strata::test::revision_text("dup1", "", "SELECT 2;", "<none>"));
  auto scripts = strata::script::load_script_directory(dir.path());
  std::string msg;
  try {
    RevisionGraph g(scripts);
  } catch (const UserError& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find(first), std::string::npos) << msg;
  EXPECT_NE(msg.find(second + ":2:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("duplicate revision id dup1"), std::string::npos) << msg;
}

// ------------------------------------------------------- malformed targets

// Targets Alembic itself cannot resolve (an internal AssertionError) or that
// name nothing: refused with what is wrong, before any plan is made. Before
// this check "", "@" and "X@" resolved to base: "downgrade main@" emptied
// the database.
TEST(Planner, EmptyTargetsAndNothingAfterTheAtSignAreRefused) {
  auto f = two_heads();
  const Strings at_b2 = {B2, C};
  struct Case {
    std::string target, problem;
  };
  for (const Case& c : std::vector<Case>{
           {"", "target '': the target is empty; give a revision: head, heads, base"},
           {"@", "target '@': '@' alone names nothing; write LABEL@head, LABEL@base or REV@head"},
           {"left@", "target 'left@': nothing after '@'; write left@head, left@base or left@REV"},
           {"heads@", "target 'heads@': nothing after '@'"},
           {"a@b@", "target 'a@b@': nothing after the last '@'"},
           {"@-1", "target '@-1': no branch label before '@'; write LABEL@-1, or -1 from the current revision"},
           {"@+2", "target '@+2': no branch label before '@'; write LABEL@+2, or +2 from the current revision"},
       }) {
    EXPECT_EQ(strata::planner::target_problem(c.target).has_value(), true) << c.target;
    EXPECT_TRUE(contains(error_of([&] { f->graph.plan_upgrade({A}, c.target, "db"); }), c.problem)) << c.target;
    EXPECT_TRUE(contains(error_of([&] { f->graph.plan_downgrade(at_b2, c.target, "db"); }), c.problem)) << c.target;
    EXPECT_TRUE(contains(error_of([&] { f->graph.plan_stamp(at_b2, {c.target}, false, "db"); }), c.problem))
        << c.target;
  }
}

// The rest of Alembic's grammar is untouched: an empty branch before a
// symbol ("@head") is no branch, text after a relative step is ignored.
TEST(Planner, AlembicTargetsAroundTheAtSignStillResolve) {
  auto f = linear();
  for (std::string ok : {"head", "heads", "base", "+1", "-1", "1111+1", "@head", "@base", "@1111aaaa", "+1@"})
    EXPECT_FALSE(strata::planner::target_problem(ok).has_value()) << ok;
  EXPECT_EQ(f->graph.plan_upgrade({L1}, "@head", "db").final_rows, Strings{L4});
  EXPECT_EQ(f->graph.plan_upgrade({L1}, "+1@", "db").final_rows, Strings{L2});
  EXPECT_EQ(f->graph.plan_downgrade({L4}, "@base", "db").final_rows, Strings{});
}

// Step counts that do not fit: a UserError saying so, never std::stol's
// out_of_range ("error: stol").
TEST(Planner, RelativeStepsThatOverflowAreAUserError) {
  auto f = two_heads();
  const std::string huge = "99999999999999999999999";
  for (std::string target : {"+" + huge, "-" + huge, A + "+" + huge, A + "-" + huge, "left@+" + huge,
                             "left@-" + huge, std::string("-2147483648")}) {
    const std::string digits = target.substr(target.find_last_of("+-") + 1);
    const std::string want = "target '" + target + "': the step count " + digits +
                             " is too large (at most 2147483647)";
    EXPECT_TRUE(contains(error_of([&] { f->graph.plan_upgrade({A}, target, "db"); }), want)) << target;
    EXPECT_TRUE(contains(error_of([&] { f->graph.plan_downgrade({B2, C}, target, "db"); }), want)) << target;
    // get_revisions (show, stamp, history -r, --head) parses "LABEL@-N" too.
    if (target.rfind("left@-", 0) == 0)
      EXPECT_TRUE(contains(error_of([&] { f->graph.get_revisions(target); }), want)) << target;
    EXPECT_TRUE(contains(error_of([&] { f->graph.walk("", target); }), "is too large")) << target;
  }
  // The largest count is accepted, and fails as Alembic does: too far.
  EXPECT_TRUE(contains(error_of([&] { f->graph.plan_upgrade({A}, "right@+2147483647", "db"); }),
                       "didn't produce 2147483647 migrations"));
}

// ------------------------------------------- revision-graph corners (issue 11)

namespace {

Strings walk_ids(const RevisionGraph& g, const std::string& base, const std::string& head,
                 const Strings& rows = {}) {
  Strings out;
  for (auto i : g.walk(base, head, rows)) out.push_back(g.id(i));
  return out;
}

// a[abranch] -> b -> c   and   d -> e[ebranch] -> f
std::unique_ptr<Fixture> two_labelled_lines() {
  return build({make_rev("a", {}, {"abranch"}), make_rev("b", {"a"}), make_rev("c", {"b"}), make_rev("d", {}),
                make_rev("e", {"d"}, {"ebranch"}), make_rev("f", {"e"})});
}

// Alembic's MultipleBaseCrossDependencyTestTwo: three labelled lines, base2
// depends on branch b_1, c3 depends on b2.
std::unique_ptr<Fixture> cross_dependency_bases() {
  return build({make_rev("base1", {}, {"b_1"}), make_rev("a1", {"base1"}), make_rev("b1", {"a1"}),
                make_rev("c1", {"b1"}), make_rev("base2", {}, {"b_2"}, {"b_1"}), make_rev("a2", {"base2"}),
                make_rev("b2", {"a2"}), make_rev("c2", {"b2"}), make_rev("d2", {"c2"}),
                make_rev("base3", {}, {"b_3"}), make_rev("a3", {"base3"}), make_rev("b3", {"a3"}),
                make_rev("c3", {"b3"}, {}, {"b2"}), make_rev("d3", {"c3"})});
}

}  // namespace

TEST(PlannerCorners, HistoryFromALabelsBaseListsOnlyThatBranch) {
  auto f = two_labelled_lines();
  EXPECT_EQ(walk_ids(f->graph, "ebranch@base", "heads"), (Strings{"f", "e", "d"}));
  EXPECT_EQ(walk_ids(f->graph, "abranch@base", "heads"), (Strings{"c", "b", "a"}));
  EXPECT_EQ(walk_ids(f->graph, "ebranch@base", ""), (Strings{"f", "e", "d"}));  // "ebranch@base:"
  // Unscoped, both lines.
  EXPECT_EQ(as_set(walk_ids(f->graph, "base", "heads")), (StringSet{"a", "b", "c", "d", "e", "f"}));
}

TEST(PlannerCorners, HistoryFromARevisionsBaseUsesItsBranchLabel) {
  auto f = two_labelled_lines();
  // e declares ebranch; f inherits it; d gets it too (straight line above e).
  EXPECT_EQ(walk_ids(f->graph, "e@base", "heads"), (Strings{"f", "e", "d"}));
  EXPECT_EQ(walk_ids(f->graph, "f@base", "heads"), (Strings{"f", "e", "d"}));
  EXPECT_EQ(walk_ids(f->graph, "b@base", "heads"), (Strings{"c", "b", "a"}));
}

TEST(PlannerCorners, HistoryFromABranchHeadOrRevisionIsScopedToo) {
  auto f = two_labelled_lines();
  EXPECT_EQ(walk_ids(f->graph, "ebranch@head", "heads"), (Strings{"f"}));
  EXPECT_EQ(walk_ids(f->graph, "ebranch@e", "heads"), (Strings{"f", "e"}));
  EXPECT_EQ(walk_ids(f->graph, "ebranch@d", "heads"), (Strings{"f", "e", "d"}));
  // An upper end on another branch leaves nothing to list (as Alembic).
  EXPECT_EQ(walk_ids(f->graph, "ebranch@base", "c"), Strings{});
}

TEST(PlannerCorners, HistoryFromABranchBaseKeepsWhatTheBranchDependsOn) {
  // Alembic's test_we_need_base1/2/3 (1.8.1 gives exactly these).
  auto f = cross_dependency_bases();
  EXPECT_EQ(walk_ids(f->graph, "b_1@base", "heads"), (Strings{"c1", "b1", "a1", "base1"}));
  EXPECT_EQ(walk_ids(f->graph, "b_2@base", "heads"), (Strings{"d2", "c2", "b2", "a2", "base2", "base1"}));
  EXPECT_EQ(walk_ids(f->graph, "b_3@base", "heads"),
            (Strings{"d3", "c3", "b3", "a3", "base3", "b2", "a2", "base2", "base1"}));
}

TEST(PlannerCorners, HistoryFromTheBaseOfAnUnlabelledRevisionSaysToNameTheBranch) {
  auto f = build({make_rev("a", {}), make_rev("b", {"a"}), make_rev("c", {}, {"x"}), make_rev("d", {"c"}, {"y"})});
  std::string e = error_of([&] { f->graph.walk("b@base", "heads"); });
  EXPECT_TRUE(contains(e, "b is on no labelled branch")) << e;
  EXPECT_TRUE(contains(e, "LABEL@base")) << e;
  e = error_of([&] { f->graph.walk("d@base", "heads"); });
  EXPECT_TRUE(contains(e, "d is on 2 labelled branches (x, y)")) << e;
  e = error_of([&] { f->graph.walk("nosuch@base", "heads"); });
  EXPECT_TRUE(contains(e, "'nosuch' is neither a branch label nor a revision")) << e;
}

TEST(PlannerCorners, DowngradingAMergeOfDependencyLinkedBasesLeavesOnlyTheDependent) {
  // b1 depends on a1; bm merges both.
  auto f = build({make_rev("a1", {}), make_rev("b1", {}, {}, {"a1"}), make_rev("bm", {"a1", "b1"})});
  Plan up = f->graph.plan_upgrade({}, "bm", "db");
  EXPECT_EQ(up.final_rows, Strings{"bm"});
  Plan down = f->graph.plan_downgrade({"bm"}, "b1", "db");
  EXPECT_EQ(step_ids(f->graph, down), Strings{"bm"});
  ASSERT_EQ(down.steps.size(), 1u);
  EXPECT_EQ(ops_text(down.steps[0].ops), Strings{"UPDATE bm -> b1"});
  EXPECT_EQ(down.final_rows, Strings{"b1"});  // Alembic 1.8: {a1, b1}
  expect_ops_consistent(down, {"bm"});
  // ... so the merge can be upgraded again.
  Plan again = f->graph.plan_upgrade(down.final_rows, "bm", "db");
  EXPECT_EQ(step_ids(f->graph, again), Strings{"bm"});
  EXPECT_EQ(again.final_rows, Strings{"bm"});
  expect_ops_consistent(again, {"b1"});
  // downgrade a1 removes the same revisions: bm (b1 stays, needing a1).
  Plan to_a1 = f->graph.plan_downgrade({"bm"}, "a1", "db");
  EXPECT_EQ(to_a1.final_rows, Strings{"b1"});
}

TEST(PlannerCorners, DowngradingAMergeWhoseParentsAreLinkedThroughAChainOfDependencies) {
  // p2's line depends on x, which descends from p1: p1 is an ancestor of p2.
  auto f = build({make_rev("p1", {}), make_rev("x", {"p1"}), make_rev("q", {}), make_rev("p2", {"q"}, {}, {"x"}),
                  make_rev("m", {"x", "p2"}), make_rev("n", {"m"})});
  Plan down = f->graph.plan_downgrade({"n"}, "p2", "db");
  EXPECT_EQ(step_ids(f->graph, down), (Strings{"n", "m"}));
  EXPECT_EQ(down.final_rows, Strings{"p2"});
  expect_ops_consistent(down, {"n"});
}

TEST(PlannerCorners, DowngradingADependencyLinkedMergeBesideAnotherHeadDropsTheStaleParentToo) {
  // As above, with an unrelated head z in the table (Alembic 1.13.1's fix
  // covers only the case without other heads).
  auto f = build({make_rev("a1", {}), make_rev("b1", {}, {}, {"a1"}), make_rev("bm", {"a1", "b1"}),
                  make_rev("z", {})});
  Plan down = f->graph.plan_downgrade({"bm", "z"}, "b1", "db");
  EXPECT_EQ(step_ids(f->graph, down), Strings{"bm"});
  EXPECT_EQ(as_set(down.final_rows), (StringSet{"b1", "z"}));
  expect_ops_consistent(down, {"bm", "z"});
}

TEST(PlannerCorners, ThreeParentMergeWithOneDependencyLinkDowngradesAndUpgradesAgain) {
  auto f = build({make_rev("a", {}), make_rev("b", {}, {}, {"a"}), make_rev("c", {}), make_rev("m", {"a", "b", "c"})});
  Plan down = f->graph.plan_downgrade({"m"}, "c", "db");
  EXPECT_EQ(step_ids(f->graph, down), Strings{"m"});
  EXPECT_EQ(ops_text(down.steps.at(0).ops), (Strings{"INSERT b", "UPDATE m -> c"}));
  EXPECT_EQ(as_set(down.final_rows), (StringSet{"b", "c"}));
  expect_ops_consistent(down, {"m"});
  Plan again = f->graph.plan_upgrade(down.final_rows, "m", "db");
  EXPECT_EQ(step_ids(f->graph, again), Strings{"m"});
  EXPECT_EQ(ops_text(again.steps.at(0).ops), (Strings{"DELETE b", "UPDATE c -> m"}));
  expect_ops_consistent(again, {"b", "c"});
  // From nothing too (Alembic 1.8 fails with KeyError: 'a': it deletes the
  // row of a, which b's row replaced).
  Plan fresh = f->graph.plan_upgrade({}, "m", "db");
  EXPECT_EQ(fresh.final_rows, Strings{"m"});
  expect_ops_consistent(fresh, {});
}

TEST(PlannerCorners, DowngradeMinusOneWithTwoHeadsWarnsNamingThePickAndTheAlternatives) {
  auto f = two_heads();  // rows B2 (left) and C (right)
  Plan p = f->graph.plan_downgrade({B2, C}, "-1", "db");
  // As Alembic: the first row's branch only.
  EXPECT_EQ(step_ids(f->graph, p), Strings{B2});
  EXPECT_EQ(as_set(p.final_rows), (StringSet{B, C}));
  ASSERT_EQ(p.warnings.size(), 1u);
  const std::string& w = p.warnings[0];
  EXPECT_TRUE(contains(w, "downgrade -1 with 2 current heads (" + B2 + ", " + C + ") is ambiguous")) << w;
  EXPECT_TRUE(contains(w, "steps down from the first version row, " + B2)) << w;
  EXPECT_TRUE(contains(w, "'strata --db db downgrade " + B2 + "@-1' or 'strata --db db downgrade " + C + "@-1'"))
      << w;
  // The advice does what it says: C@-1 steps down the other branch only.
  Plan other = f->graph.plan_downgrade({B2, C}, C + "@-1", "db");
  EXPECT_EQ(step_ids(f->graph, other), Strings{C});
  EXPECT_EQ(as_set(other.final_rows), (StringSet{B2}));
  EXPECT_TRUE(other.warnings.empty());
  Plan first = f->graph.plan_downgrade({B2, C}, B2 + "@-1", "db");
  EXPECT_EQ(step_ids(f->graph, first), Strings{B2});
  EXPECT_TRUE(first.warnings.empty());
}

TEST(PlannerCorners, EveryRelativeDowngradeWithSeveralHeadsWarns) {
  auto f = two_heads();
  Plan p = f->graph.plan_downgrade({B2, C}, "-2", "db");
  EXPECT_EQ(step_ids(f->graph, p), (Strings{B2, B}));
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_TRUE(contains(p.warnings[0], "downgrade -2 with 2 current heads")) << p.warnings[0];
  EXPECT_TRUE(contains(p.warnings[0], "downgrade " + C + "@-2'")) << p.warnings[0];
  // One head: no warning; named revision or label: no warning.
  EXPECT_TRUE(f->graph.plan_downgrade({B2}, "-1", "db").warnings.empty());
  EXPECT_TRUE(f->graph.plan_downgrade({B2, C}, "left@-1", "db").warnings.empty());
  EXPECT_TRUE(f->graph.plan_downgrade({B2, C}, B2 + "-1", "db").warnings.empty());
  // Upgrades never carry this warning.
  EXPECT_TRUE(f->graph.plan_upgrade({B}, "heads", "db").warnings.empty());
}

TEST(PlannerCorners, LabelMinusOneWithSeveralCurrentRevisionsOnTheBranchNamesThem) {
  // A labelled base with two branches under it: both rows are on "root".
  auto f = build({make_rev(A, {}, {"root"}), make_rev(B, {A}), make_rev(C, {A})});
  std::string e = error_of([&] { f->graph.plan_downgrade({B, C}, "root@-1", "db"); });
  EXPECT_TRUE(contains(e, "2 current revisions are on branch 'root' (" + B + ", " + C + ")")) << e;
  EXPECT_TRUE(contains(e, "'downgrade " + B + "@-1' or 'downgrade " + C + "@-1'")) << e;
  auto g = two_heads();
  e = error_of([&] { g->graph.plan_downgrade({B}, "right@-1", "db"); });
  EXPECT_TRUE(contains(e, "no current revision is on branch 'right' (current: " + B + ")")) << e;
}

TEST(PlannerCorners, DowngradeMinusOneFromAMergeNamesItsParentsAndWhatToRun) {
  auto f = build(diamond_revs());
  std::string e = error_of([&] { f->graph.plan_downgrade({M}, "-1", "db"); });
  EXPECT_TRUE(contains(e, "Ambiguous walk: 1 step down from " + M + " is ambiguous")) << e;
  EXPECT_TRUE(contains(e, M + " is a merge point of " + B + " and " + C)) << e;
  EXPECT_TRUE(contains(e, "'downgrade " + B + "' or 'downgrade " + C + "'")) << e;
  // Following the advice works: the merge is undone, both parents stay.
  Plan p = f->graph.plan_downgrade({M}, B, "db");
  EXPECT_EQ(step_ids(f->graph, p), Strings{M});
  EXPECT_EQ(as_set(p.final_rows), (StringSet{B, C}));
}

TEST(PlannerCorners, WalkingDownAcrossAMergeSaysWhereTheMergeWasReached) {
  auto f = build(diamond_revs());
  std::string e = error_of([&] { f->graph.plan_downgrade({D}, "-2", "db"); });
  EXPECT_TRUE(contains(e, "2 steps down from " + D + " reach " + M + " after 1 step")) << e;
  EXPECT_TRUE(contains(e, M + " is a merge point of " + B + " and " + C)) << e;
  e = error_of([&] { f->graph.plan_downgrade({D}, M + "-1", "db"); });
  EXPECT_TRUE(contains(e, "merge point of " + B + " and " + C)) << e;
  // Upwards, a branch point: the children and what to run.
  e = error_of([&] { f->graph.plan_upgrade({A}, "+1", "db"); });
  EXPECT_TRUE(contains(e, A + " is a branch point; one step up from it is either " + B + " or " + C)) << e;
  EXPECT_TRUE(contains(e, "'upgrade " + B + "' or 'upgrade " + C + "'")) << e;
}

TEST(PlannerCorners, AStaleAncestorRowIsNamedWithTheRepair) {
  auto f = build({make_rev("aaaa", {}), make_rev("bbbb", {"aaaa"}), make_rev("cccc", {"bbbb"}),
                  make_rev("dddd", {"cccc"})});
  for (auto target : {"head", "heads", "+1", "dddd"}) {
    std::string e = error_of([&] { f->graph.plan_upgrade({"aaaa", "cccc"}, target, "main"); });
    EXPECT_TRUE(contains(e, "the version table of database 'main' holds aaaa, cccc")) << e;
    EXPECT_TRUE(contains(e, "aaaa (an ancestor of cccc) is a stale row")) << e;
    EXPECT_TRUE(contains(e, "'strata --db main stamp --purge cccc'")) << e;
    EXPECT_FALSE(contains(e, "overlaps")) << e;
  }
  // Downgrades are refused the same way (Alembic 1.8 would walk from the
  // stale row and undo everything above it).
  for (auto target : {"-1", "bbbb", "base"}) {
    std::string e = error_of([&] { f->graph.plan_downgrade({"aaaa", "cccc"}, target, "main"); });
    EXPECT_TRUE(contains(e, "aaaa (an ancestor of cccc) is a stale row")) << e;
  }
  // The repair itself works, and then the upgrade does.
  Plan s = f->graph.plan_stamp({"aaaa", "cccc"}, {"cccc"}, true, "main");
  EXPECT_EQ(s.final_rows, Strings{"cccc"});
  EXPECT_EQ(step_ids(f->graph, f->graph.plan_upgrade(s.final_rows, "head", "main")), Strings{"dddd"});
  // history -r current: says the same (without --db: history does not know it).
  std::string e = error_of([&] { f->graph.walk("current", "heads", {"aaaa", "cccc"}); });
  EXPECT_TRUE(contains(e, "'strata stamp --purge cccc'")) << e;
}

TEST(PlannerCorners, AStaleRowThroughDependsOnAndSeveralStaleRowsAreAllNamed) {
  auto f = build({make_rev("a1", {}), make_rev("b1", {}, {}, {"a1"}), make_rev("x", {}), make_rev("y", {"x"}),
                  make_rev("z", {})});
  std::string e = error_of([&] { f->graph.plan_upgrade({"a1", "b1", "x", "y", "z"}, "heads", "db"); });
  EXPECT_TRUE(contains(e, "a1 (an ancestor of b1), x (an ancestor of y) are stale rows")) << e;
  EXPECT_TRUE(contains(e, "stamp --purge b1 y z'")) << e;
}
