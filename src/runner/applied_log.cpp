#include "strata/runner/applied_log.hpp"

#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <stdexcept>

#include "strata/dialect/dialect.hpp"
#include "strata/runner/version_table.hpp"
#include "strata/script/revision.hpp"

#ifndef STRATA_VERSION
#error "STRATA_VERSION must come from CMake's project(VERSION)"
#endif

namespace strata::runner {

const std::vector<std::string>& log_columns() {
  static const std::vector<std::string> c = {"id",          "revision", "direction",      "checksum",
                                             "started_at",  "duration_ms", "outcome",     "strata_version",
                                             "host",        "os_user",  "tag"};
  return c;
}

std::string& log_field(LogRow& r, size_t column) {
  std::string* f[] = {&r.id,      &r.revision,       &r.direction, &r.checksum, &r.started_at, &r.duration_ms,
                      &r.outcome, &r.strata_version, &r.host,      &r.os_user,  &r.tag};
  return *f[column];
}

std::vector<LogRow> read_log_rows(dialect::Connection& connection, const VersionTable& vt) {
  const auto& columns = log_columns();
  // Two queries, each ordered by the unique id: every text column at once
  // (row by row, column by column), and the one integer column, so the
  // k-th row of both is the same log row.
  std::vector<std::string> text;
  std::vector<size_t> text_index;
  size_t duration = 0;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c] == "duration_ms") {
      duration = c;
      continue;
    }
    text.push_back(columns[c]);
    text_index.push_back(c);
  }
  const auto values = connection.query_column(vt.log_select_columns_sql(text));
  const auto durations = connection.query_column(vt.log_select_sql(columns[duration]));
  const size_t n = durations.size();
  if (values.size() != n * text.size())
    throw std::runtime_error("the applied log " + vt.log_table() + " changed while it was read");
  std::vector<LogRow> rows(n);
  for (size_t r = 0; r < n; ++r) {
    for (size_t t = 0; t < text.size(); ++t) log_field(rows[r], text_index[t]) = values[r * text.size() + t];
    log_field(rows[r], duration) = durations[r];
  }
  return rows;
}

std::string utc_now_iso() {
  const auto now = std::chrono::system_clock::now();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us % 1000000));
  return buf;
}

LogIdentity LogIdentity::make(bool enabled, bool offline, const std::string& tag) {
  LogIdentity id;
  id.enabled = enabled;
  id.offline = offline;
  id.run_start = utc_now_iso();
  std::random_device rd;
  char nonce[16];
  std::snprintf(nonce, sizeof nonce, "%08x", static_cast<unsigned>(rd()));
  id.nonce = nonce;
  id.strata_version = STRATA_VERSION;
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) == 0) id.host = host;
  if (const char* u = std::getenv("USER"); u && *u) {
    id.os_user = u;
  } else {
    // getpwuid_r: targets make their identities on the runner's threads.
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found) id.os_user = found->pw_name;
  }
  id.tag = tag;
  return id;
}

bool log_enabled(bool config_applied_log) {
  const char* v = std::getenv("STRATA_NO_LOG");
  const bool off = v && *v && std::string(v) != "0";
  return config_applied_log && !off;
}

std::string sql_checksum(const std::string& sql) {
  std::string text;
  text.reserve(sql.size());
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == '\r') {
      text += '\n';
      if (i + 1 < sql.size() && sql[i + 1] == '\n') ++i;
    } else {
      text += sql[i];
    }
  }
  // OpenSSL 3 looks EVP_sha256() up in its providers on every EVP_Digest
  // (a measurable share of a 1,000-revision run's CPU): fetched once, kept.
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  static const EVP_MD* const sha256 = [] {
    const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md ? md : EVP_sha256();
  }();
#else
  static const EVP_MD* const sha256 = EVP_sha256();
#endif
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &len, sha256, nullptr) != 1)
    throw std::runtime_error("SHA-256 failed (OpenSSL)");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string section_checksum(const script::Revision& rev, bool upgrade, const std::string& dialect) {
  const script::Section* s = upgrade ? rev.upgrade_for(dialect) : rev.downgrade_for(dialect);
  return sql_checksum(s ? s->sql : std::string());
}

}  // namespace strata::runner

#include <map>

#include "strata/runner/runner.hpp"

namespace strata::runner {

std::vector<VerifyEntry> verify_applied(const planner::RevisionGraph& g, const script::ScriptDirectory& scripts,
                                        const std::string& dialect, const std::vector<std::string>& rows,
                                        const std::vector<LogRow>& log) {
  std::vector<VerifyEntry> out;
  std::vector<planner::Index> at;
  for (auto& r : rows) {
    if (auto i = g.find(r)) at.push_back(*i);
    else out.push_back({r, "missing", "", "", "", ""});
  }
  // What the log says each revision is now: its last successful upgrade
  // or stamp, forgotten by a later successful downgrade.
  std::map<std::string, const LogRow*> state;
  for (auto& row : log) {
    if (row.outcome != "ok" && row.outcome != "resolved") continue;
    if (row.direction == "downgrade") state.erase(row.revision);
    else state[row.revision] = &row;
  }
  for (auto& e : out)
    if (auto it = state.find(e.revision); it != state.end()) {
      e.recorded = it->second->checksum;
      e.ran_at = it->second->started_at;
    }
  const auto applied = g.closure(at);
  const auto order = g.walk("", "");
  std::vector<size_t> to_check;
  for (auto i : order)
    if (applied[i] && state.count(g.id(i)) && !state[g.id(i)]->checksum.empty()) to_check.push_back(i);
  scripts.load_bodies(to_check);
  for (auto i : order) {
    const auto& rev = g.rev(i);
    VerifyEntry e{rev.id, "pending", rev.path, "", "", ""};
    if (applied[i]) {
      auto it = state.find(rev.id);
      if (it == state.end() || it->second->checksum.empty()) {
        e.status = "unverified";
        if (it != state.end()) e.ran_at = it->second->started_at;
      } else {
        e.recorded = it->second->checksum;
        e.ran_at = it->second->started_at;
        e.current = section_checksum(rev, true, dialect);
        e.status = e.current == e.recorded ? "ok" : "changed";
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace strata::runner
