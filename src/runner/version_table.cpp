#include "strata/runner/version_table.hpp"

namespace strata::runner {

VersionTable::VersionTable(const dialect::Plugin& plugin, std::string table,
                           std::optional<std::string> schema)
    : plugin_(plugin), table_(std::move(table)), schema_(std::move(schema)) {
  qualified_ = (schema_ ? name(*schema_) + "." : "") + name(table_);
  progress_table_ = table_ + "_progress";
  progress_qualified_ = (schema_ ? name(*schema_) + "." : "") + name(progress_table_);
}

// Always quoted: a reserved word or an odd name then still means one table.
// For the lower-case names Alembic uses, the quoted name is the same table
// Alembic created unquoted (the config only accepts plain identifiers).
std::string VersionTable::name(const std::string& identifier) const { return plugin_.quote(identifier); }

std::string VersionTable::create_sql() const {
  return "CREATE TABLE " + qualified_ + " (\n    version_num VARCHAR(32) NOT NULL, \n    CONSTRAINT " +
         name(table_ + "_pkc") + " PRIMARY KEY (version_num)\n)";
}

std::string VersionTable::select_sql() const { return "SELECT version_num FROM " + qualified_; }

std::string VersionTable::op_sql(const planner::VersionOp& op) const {
  // Revision ids are restricted to [A-Za-z0-9_-] by the parser: safe literals.
  switch (op.kind) {
    case planner::VersionOp::Insert:
      return "INSERT INTO " + qualified_ + " (version_num) VALUES ('" + op.to + "')";
    case planner::VersionOp::Update:
      return "UPDATE " + qualified_ + " SET version_num='" + op.to + "' WHERE " + qualified_ +
             ".version_num = '" + op.from + "'";
    case planner::VersionOp::Delete:
      return "DELETE FROM " + qualified_ + " WHERE " + qualified_ + ".version_num = '" + op.from + "'";
  }
  return "";
}

std::string VersionTable::progress_create_sql() const {
  // IF NOT EXISTS: every dialect has it, and online runs and offline
  // scripts then send the same statement whatever is already there.
  return "CREATE TABLE IF NOT EXISTS " + progress_qualified_ +
         " (\n    revision VARCHAR(32) NOT NULL, \n    direction VARCHAR(10) NOT NULL, \n"
         "    statements_done INTEGER NOT NULL, \n    statements_total INTEGER NOT NULL, \n"
         "    statement_started INTEGER, \n"
         "    CONSTRAINT " + name(progress_table_ + "_pkc") + " PRIMARY KEY (revision)\n)";
}

namespace {
std::string started_value(int64_t started) { return started > 0 ? std::to_string(started) : "NULL"; }
}  // namespace

std::string VersionTable::progress_insert_sql(const std::string& revision, bool upgrade, int64_t total,
                                              int64_t started) const {
  return "INSERT INTO " + progress_qualified_ +
         " (revision, direction, statements_done, statements_total, statement_started) VALUES ('" + revision +
         "', '" + (upgrade ? "upgrade" : "downgrade") + "', 0, " + std::to_string(total) + ", " +
         started_value(started) + ")";
}

std::string VersionTable::progress_update_sql(const std::string& revision, int64_t done, int64_t started) const {
  return "UPDATE " + progress_qualified_ + " SET statements_done = " + std::to_string(done) +
         ", statement_started = " + started_value(started) + " WHERE revision = '" + revision + "'";
}

std::string VersionTable::progress_delete_sql() const { return "DELETE FROM " + progress_qualified_; }

std::string VersionTable::progress_select_sql(const std::string& column, const std::string& revision) const {
  return "SELECT " + column + " FROM " + progress_qualified_ +
         (revision.empty() ? std::string() : " WHERE revision = '" + revision + "'");
}

std::string VersionTable::lock_key() const {
  return "strata:" + (schema_ ? *schema_ + "." : std::string()) + table_;
}

}  // namespace strata::runner
