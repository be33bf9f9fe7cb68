#include "strata/runner/version_table.hpp"

#include <string_view>

namespace strata::runner {

VersionTable::VersionTable(const dialect::Plugin& plugin, std::string table,
                           std::optional<std::string> schema)
    : plugin_(plugin), table_(std::move(table)), schema_(std::move(schema)) {
  qualified_ = (schema_ ? name(*schema_) + "." : "") + name(table_);
  progress_table_ = table_ + "_progress";
  progress_qualified_ = (schema_ ? name(*schema_) + "." : "") + name(progress_table_);
  log_table_ = table_ + "_log";
  log_qualified_ = (schema_ ? name(*schema_) + "." : "") + name(log_table_);
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

std::string VersionTable::progress_handover_sql(const std::string& from, const std::string& to, bool upgrade,
                                                int64_t total, int64_t started) const {
  return "UPDATE " + progress_qualified_ + " SET revision = '" + to + "', direction = '" +
         (upgrade ? "upgrade" : "downgrade") + "', statements_done = 0, statements_total = " + std::to_string(total) +
         ", statement_started = " + started_value(started) + " WHERE revision = '" + from + "'";
}

std::string VersionTable::progress_delete_sql() const { return "DELETE FROM " + progress_qualified_; }

std::string VersionTable::progress_select_sql(const std::string& column, const std::string& revision) const {
  return "SELECT " + column + " FROM " + progress_qualified_ +
         (revision.empty() ? std::string() : " WHERE revision = '" + revision + "'");
}

std::string VersionTable::log_create_sql() const {
  // Plain types every dialect has; started_at is ISO-8601 UTC text (sorts).
  return "CREATE TABLE IF NOT EXISTS " + log_qualified_ +
         " (\n    id VARCHAR(64) NOT NULL, \n    revision VARCHAR(32) NOT NULL, \n"
         "    direction VARCHAR(10) NOT NULL, \n    checksum VARCHAR(64), \n"
         "    started_at VARCHAR(32) NOT NULL, \n    duration_ms INTEGER, \n    outcome VARCHAR(16) NOT NULL, \n"
         "    strata_version VARCHAR(32) NOT NULL, \n    host VARCHAR(255), \n    os_user VARCHAR(255), \n"
         "    tag VARCHAR(255), \n"
         "    CONSTRAINT " + name(log_table_ + "_pkc") + " PRIMARY KEY (id)\n)";
}

namespace {
// Values Strata writes itself, or the host, user and --tag: reduced to a
// set of characters that is a plain literal in every dialect (no quote, no
// backslash), so the same INSERT works online and in any client's script.
std::string literal(const std::string& value, size_t max, bool null_when_empty = true) {
  if (value.empty() && null_when_empty) return "NULL";
  std::string out;
  for (char c : value) {
    if (out.size() >= max) break;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view(" ._:@/+=,-").find(c) != std::string_view::npos;
    out += ok ? c : '_';
  }
  return "'" + out + "'";
}
}  // namespace

std::string VersionTable::log_insert_sql(const LogRow& r) const {
  return "INSERT INTO " + log_qualified_ +
         " (id, revision, direction, checksum, started_at, duration_ms, outcome, strata_version, host, os_user, "
         "tag) VALUES (" +
         literal(r.id, 64, false) + ", " + literal(r.revision, 32, false) + ", " + literal(r.direction, 10, false) +
         ", " + literal(r.checksum, 64) + ", " + literal(r.started_at, 32, false) + ", " +
         (r.duration_ms.empty() ? std::string("NULL") : r.duration_ms) + ", " + literal(r.outcome, 16, false) +
         ", " + literal(r.strata_version, 32, false) + ", " + literal(r.host, 255) + ", " +
         literal(r.os_user, 255) + ", " + literal(r.tag, 255) + ")";
}

std::string VersionTable::log_select_sql(const std::string& column) const {
  return "SELECT " + column + " FROM " + log_qualified_ + " ORDER BY id";
}

std::string VersionTable::log_select_columns_sql(const std::vector<std::string>& columns) const {
  std::string parts;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (c) parts += " UNION ALL ";
    parts += "SELECT id AS k, " + std::to_string(c) + " AS c, " + columns[c] + " AS v FROM " + log_qualified_;
  }
  return "SELECT v FROM (" + parts + ") u ORDER BY k, c";
}

std::string VersionTable::lock_key() const {
  return "strata:" + (schema_ ? *schema_ + "." : std::string()) + table_;
}

}  // namespace strata::runner
