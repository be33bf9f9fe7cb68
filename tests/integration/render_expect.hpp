#pragma once
// What the render_changes() tests expect of a change list and its rendered
// SQL, and the rows of their tables of hand-written schema pairs
// (render_postgresql_test.cpp, render_sqlite_test.cpp,
// render_mysql_test.cpp): a row names its
// test, holds the dialect's pair and what each way of the round trip must
// hold (up: A to B; down: B to A) once it has passed.
#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "strata/schema/diff.hpp"

namespace strata::test {

/// Whether a statement of `sql` holds `part`.
inline bool any_contains(const std::vector<std::string>& sql, const std::string& part) {
  return std::any_of(sql.begin(), sql.end(), [&](const std::string& s) { return s.find(part) != std::string::npos; });
}

/// Whether a REVIEW note of `changes` holds `part`.
inline bool has_review(const std::vector<schema::Change>& changes, const std::string& part) {
  for (const auto& c : changes)
    for (const auto& r : c.review)
      if (r.find(part) != std::string::npos) return true;
  return false;
}

/// Whether `changes` has a change of `kind` (e.g. "add_unique").
inline bool has_kind(const std::vector<schema::Change>& changes, const std::string& kind) {
  return std::any_of(changes.begin(), changes.end(), [&](const schema::Change& c) { return c.kind_name() == kind; });
}

/// One thing a way of a pair must hold.
struct RenderExpect {
  enum class What {
    Kind,    // a change of kind `part`
    Review,  // a REVIEW note holding `part`
    Sql,     // a statement holding `part`
    NoSql,   // no statement holding `part`
  };
  bool up;  // else down
  What what;
  std::string part;
};

/// "" when one way's `changes` and rendered `sql` hold `e`, else what they lack.
inline std::string render_lacks(const RenderExpect& e, const std::vector<schema::Change>& changes,
                                const std::vector<std::string>& sql) {
  const std::string way = e.up ? "up: " : "down: ";
  std::string statements;
  for (const auto& s : sql) statements += "\n  " + s;
  switch (e.what) {
    case RenderExpect::What::Kind:
      return has_kind(changes, e.part) ? "" : way + "no " + e.part + " change";
    case RenderExpect::What::Review:
      return has_review(changes, e.part) ? "" : way + "no REVIEW note holds '" + e.part + "'";
    case RenderExpect::What::Sql:
      return any_contains(sql, e.part) ? "" : way + "no statement holds '" + e.part + "' in:" + statements;
    case RenderExpect::What::NoSql:
      return !any_contains(sql, e.part) ? "" : way + "a statement holds '" + e.part + "' in:" + statements;
  }
  return "unknown expectation";
}

/// The base of a dialect's table row `Row`, which adds the pair and its
/// setters: the test's name and the expectations, set in a chain
/// (Row("Name").a(...).b(...).up_sql(...)).
template <class Row>
class PairRow {
 public:
  std::string name;
  std::vector<RenderExpect> expect;

  Row& up_kind(const std::string& kind) { return add(true, RenderExpect::What::Kind, kind); }
  Row& down_kind(const std::string& kind) { return add(false, RenderExpect::What::Kind, kind); }
  Row& up_review(const std::string& part) { return add(true, RenderExpect::What::Review, part); }
  Row& down_review(const std::string& part) { return add(false, RenderExpect::What::Review, part); }
  Row& up_sql(const std::string& part) { return add(true, RenderExpect::What::Sql, part); }
  Row& down_sql(const std::string& part) { return add(false, RenderExpect::What::Sql, part); }
  Row& up_no_sql(const std::string& part) { return add(true, RenderExpect::What::NoSql, part); }
  Row& down_no_sql(const std::string& part) { return add(false, RenderExpect::What::NoSql, part); }

  /// gtest lists and reports a row by its name, not by its bytes.
  friend void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

 protected:
  explicit PairRow(std::string test_name) : name(std::move(test_name)) {}

 private:
  Row& add(bool up, RenderExpect::What what, const std::string& part) {
    expect.push_back({up, what, part});
    return static_cast<Row&>(*this);
  }
};

}  // namespace strata::test
