// Fuzz target: the target grammar (strata::planner::RevisionGraph) on a
// small fixed graph built here: two bases, a branch point, a merge, two
// heads on the first root, branch labels, a Depends On between the roots and
// one on another database.
//
// Input: byte 0 picks the operation, the rest is lines: line 1 the target
// (or the symbol, or "BASE:HEAD" for walk), the other lines the current
// version rows.
// Properties: every call returns or throws strata::UserError with a message;
// nothing else. Where a plan is returned, applying its version-table writes
// (steps' ops, then stamp_ops) to the rows gives exactly final_rows, each
// Update/Delete finds its row and no Insert duplicates one.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "fuzz_support.hpp"
#include "strata/planner/graph.hpp"
#include "strata/script/revision.hpp"
#include "strata/util/error.hpp"

namespace {

constexpr const char* kTarget = "target_grammar";
using strata::planner::Plan;
using strata::planner::RevisionGraph;
using strata::planner::VersionOp;
using strata::script::Revision;
using strata::script::ScriptDirectory;
using Strings = std::vector<std::string>;

Revision make(const std::string& id, Strings down, Strings labels = {}, Strings deps = {}) {
  Revision r;
  r.id = id;
  r.down_revisions = std::move(down);
  r.branch_labels = std::move(labels);
  r.depends_on = std::move(deps);
  r.message = "revision " + id;
  r.path = "versions/" + id + ".sql";
  r.id_line = 1;
  strata::script::Section up;
  up.sql = "SELECT 1;\n";
  up.first_line = 7;
  r.upgrade.push_back(up);
  strata::script::Section down_section;
  down_section.sql = "SELECT 2;\n";
  down_section.first_line = 10;
  r.downgrade.push_back(down_section);
  return r;
}

struct Fixture {
  ScriptDirectory dir;
  std::unique_ptr<RevisionGraph> graph;
  Fixture() {
    dir.location = "versions";
    dir.revisions = {
        make("1111aaaa0001", {}, {"core"}),
        make("2222bbbb0002", {"1111aaaa0001"}),
        make("3333cccc0003", {"2222bbbb0002"}),
        make("3334dddd0004", {"2222bbbb0002"}, {"feature"}),
        make("5555eeee0005", {"3333cccc0003", "3334dddd0004"}),
        make("6666ffff0006", {"5555eeee0005"}),
        make("7777aaaa0007", {"5555eeee0005"}, {"hotfix"}),
        make("8888bbbb0008", {}, {"other"}),
        make("9999cccc0009", {"8888bbbb0008"}, {}, {"2222bbbb0002"}),
        make("aaaa00000010", {"9999cccc0009"}, {}, {"analytics@a1c3e5f7092b"}),
    };
    graph = std::make_unique<RevisionGraph>(dir);
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void check_plan(const Plan& p, const Strings& rows, const std::string& what) {
  std::multiset<std::string> table(rows.begin(), rows.end());
  auto apply = [&](const VersionOp& op) {
    const std::string d = what + ": " + strata::planner::describe(op);
    switch (op.kind) {
      case VersionOp::Insert:
        FUZZ_CHECK(!table.count(op.to), kTarget, d + " inserts a row that exists");
        table.insert(op.to);
        break;
      case VersionOp::Update:
        FUZZ_CHECK(table.count(op.from), kTarget, d + " updates a row that does not exist");
        table.erase(table.find(op.from));
        FUZZ_CHECK(!table.count(op.to), kTarget, d + " updates to a row that exists");
        table.insert(op.to);
        break;
      case VersionOp::Delete:
        FUZZ_CHECK(table.count(op.from), kTarget, d + " deletes a row that does not exist");
        table.erase(table.find(op.from));
        break;
    }
  };
  for (auto& step : p.steps) {
    FUZZ_CHECK(step.rev < fixture().graph->size(), kTarget, what + ": step outside the graph");
    for (auto& op : step.ops) apply(op);
  }
  for (auto& op : p.stamp_ops) apply(op);
  std::multiset<std::string> expected(p.final_rows.begin(), p.final_rows.end());
  FUZZ_CHECK(table == expected, kTarget, what + ": the plan's writes do not give its final_rows");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 512) return 0;
  const RevisionGraph& g = *fixture().graph;
  const unsigned op = data[0] % 8;
  auto lines = strata_fuzz::fields(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), '\n', 16);
  const std::string target = lines[0];
  Strings rows(lines.begin() + 1, lines.end());
  // Rows as a version table holds them: no duplicates (the table's key).
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  const std::string what = "op " + std::to_string(op) + " target " + strata_fuzz::show(target);
  try {
    switch (op) {
      case 0: (void)g.get_revisions(target); break;
      case 1: (void)g.get_revision(target); break;
      case 2: check_plan(g.plan_upgrade(rows, target, "db"), rows, what); break;
      case 3: check_plan(g.plan_downgrade(rows, target, "db"), rows, what); break;
      case 4: check_plan(g.plan_stamp(rows, strata_fuzz::fields(target, ' ', 4), false, "db"), rows, what); break;
      case 5:  // --purge empties the table before the plan's writes
        check_plan(g.plan_stamp(rows, strata_fuzz::fields(target, ' ', 4), true, "db"), {}, what);
        break;
      case 6: {
        auto parts = strata_fuzz::fields(target, ':', 2);
        (void)g.walk(parts[0], parts.size() > 1 ? parts[1] : "", rows);
        (void)g.current_tips(rows, "db");
        break;
      }
      case 7:
        check_plan(g.plan_single(rows, target, true, "db"), rows, what + " (single up)");
        check_plan(g.plan_single(rows, target, false, "db"), rows, what + " (single down)");
        break;
    }
  } catch (const strata::UserError& e) {
    FUZZ_CHECK(e.what()[0] != 0, kTarget, what + ": UserError without a message");
  } catch (const std::exception& e) {
    strata_fuzz::fail(kTarget, what + ": exception other than UserError: " + typeid(e).name() + ": " + e.what());
  }
  return 0;
}
