#pragma once
// The applied log, `<version_table>_log`: one row per executed step (and per
// stamp or resolve), with the SHA-256 of the SQL that ran, written in the
// same transaction as the version-table write it describes. `verify` and
// `upgrade` compare it with the files.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::script {
struct Revision;
}

namespace strata::dialect {
class Connection;
}

namespace strata::runner {

class VersionTable;

/// One row of the log, as read back (NULL reads as "").
struct LogRow {
  std::string id;         ///< "<run start>-<nonce>-<seq>": sorts chronologically
  std::string revision;
  std::string direction;  ///< upgrade, downgrade, stamp
  std::string checksum;   ///< hex SHA-256 of the section that ran; "" for a stamp
  std::string started_at; ///< ISO-8601 UTC
  std::string duration_ms;///< "" when unknown (offline scripts)
  std::string outcome;    ///< ok, failed, half-applied, resolved
  std::string strata_version;
  std::string host;
  std::string os_user;
  std::string tag;
};

/// The columns, in table order (LogRow's fields).
const std::vector<std::string>& log_columns();
std::string& log_field(LogRow& row, size_t column);

/// Every row of the applied log (which must exist), oldest first, in two
/// queries. Throws std::runtime_error when the log changed between them,
/// dialect::DialectError when a query fails.
std::vector<LogRow> read_log_rows(dialect::Connection& connection, const VersionTable& vt);

/// Who writes rows, and when: one per run (online) or per script (offline).
struct LogIdentity {
  bool enabled = true;
  bool offline = false;     ///< started_at = run_start, duration NULL
  std::string run_start;    ///< ISO-8601 UTC
  std::string nonce;        ///< 8 hex digits, random
  std::string strata_version;
  std::string host;
  std::string os_user;
  std::string tag;
  int64_t seq = 0;          ///< rows written so far
  /// A fresh identity: now, a random nonce, this host and user.
  static LogIdentity make(bool enabled, bool offline, const std::string& tag);
};

/// Whether the log is on: the config key `applied_log` and STRATA_NO_LOG=1.
bool log_enabled(bool config_applied_log);

/// Hex SHA-256 (OpenSSL) of `sql` after normalising line endings (CRLF and
/// CR become LF).
std::string sql_checksum(const std::string& sql);
/// The checksum of what `rev` runs for `dialect` in that direction (the
/// dialect's own section, else the plain one; no section hashes as "").
/// Requires the revision's body.
std::string section_checksum(const script::Revision& rev, bool upgrade, const std::string& dialect);

/// ISO-8601 UTC with microseconds: 2026-11-30T05:20:13.123456Z.
std::string utc_now_iso();

}  // namespace strata::runner
