// When clauses on one table may share an ALTER TABLE. MySQL/MariaDB read
// one ALTER TABLE as a whole: what it drops or changes must be in the table
// as it was before the statement, what it adds is checked against the table
// as it will be. Clauses written one statement each, in order, keep their
// outcome in one statement as long as no two of them touch the same thing,
// and so that is the rule (Touch, ddl_clauses.hpp), with what MariaDB 10.11
// showed:
//  - allowed: an index, unique key or primary key dropped, then added again
//    under the same name (DROP INDEX `a`, ADD INDEX `a` (...));
//  - refused there, so kept apart: a column touched twice ("MODIFY a,
//    MODIFY a": Unknown column 'a'; "ADD COLUMN n, DROP COLUMN n": Can't
//    DROP COLUMN); a key added, then dropped (Can't DROP INDEX); a foreign
//    key dropped and added again under its name (errno 121 "Duplicate key
//    on write or update"; MySQL refuses it too);
//  - taken by MariaDB but not known to work on MySQL, so kept apart too: a
//    check dropped and added again under its name; a second FULLTEXT index
//    (MySQL's InnoDB builds one at a time); a foreign key and a key it may
//    stand on dropped together (MySQL does that in place only, not with
//    ALGORITHM=COPY: the renderer's DROP FOREIGN KEY touches those keys).
// A foreign key of a table to itself is checked against the table as it
// was: added in the same statement as a change to the columns or key it
// references, it fails (errno 150 "Foreign key constraint is incorrectly
// formed"), and dropped with the key it references, too ("Cannot drop
// index: needed in a foreign key constraint"). The renderer gives those
// `alone`.
#include "alter_statements.hpp"

#include <utility>

namespace strata::mysql::ddl {

namespace {

// The one way to touch an object twice in one statement.
bool drop_then_add(const Touch& before, const Touch& next) {
  const bool key = next.object == "pk" || next.object.rfind("key:", 0) == 0;
  return key && before.act == Touch::Drop && next.act == Touch::Add;
}

}  // namespace

bool may_share(const std::vector<Clause>& before, const std::vector<Clause>& next) {
  for (auto& n : next)
    for (auto& nt : n.touches)
      for (auto& b : before)
        for (auto& bt : b.touches)
          if (bt.object == nt.object && !drop_then_add(bt, nt)) return false;
  return true;
}

void Statements::add(std::string sql) {
  Statement s;
  s.sql = std::move(sql);
  list_.push_back(std::move(s));
}

void Statements::alter(const std::string& table, std::vector<Clause> clauses, bool alone) {
  if (clauses.empty()) return;
  if (!list_.empty() && !alone) {
    Statement& last = list_.back();
    if (last.table == table && !last.alone && may_share(last.clauses, clauses)) {
      for (auto& c : clauses) last.clauses.push_back(std::move(c));
      return;
    }
  }
  Statement s;
  s.table = table;
  s.clauses = std::move(clauses);
  s.alone = alone;
  list_.push_back(std::move(s));
}

std::vector<std::string> Statements::take() {
  std::vector<std::string> out;
  for (auto& s : list_) {
    if (s.table.empty()) {
      out.push_back(std::move(s.sql));
      continue;
    }
    std::string sql = "ALTER TABLE " + s.table + " ";
    for (size_t i = 0; i < s.clauses.size(); ++i) sql += (i ? ", " : "") + s.clauses[i].sql;
    out.push_back(std::move(sql));
  }
  list_.clear();
  return out;
}

}  // namespace strata::mysql::ddl
