#pragma once
// SQLAlchemy-style database URLs, so an Alembic user's DATABASE_URL works
// unchanged: dialect[+driver]://user:password@host:port/database?key=value
#include <string>
#include <utility>
#include <vector>

namespace strata::config {

struct Url {
  std::string dialect;   ///< canonical plugin name: sqlite, postgresql, mysql
  std::string scheme;    ///< as written, without +driver (postgres, mariadb, ...)
  std::string driver;    ///< the +driver suffix, accepted and ignored
  std::string user;      ///< percent-decoded
  std::string password;  ///< percent-decoded; never print it, use masked()
  bool has_password = false;
  std::string host;
  unsigned port = 0;
  /// Database name; for sqlite the file path (resolved against the config
  /// folder when relative) or ":memory:".
  std::string database;
  std::vector<std::pair<std::string, std::string>> query;  ///< percent-decoded

  /// The URL with the password replaced by "***" (safe for any output).
  std::string masked() const;
};

/// Parses `text`. Relative sqlite paths resolve against `base_dir`.
/// Throws UserError with a message naming the masked URL on malformed input.
Url parse_url(const std::string& text, const std::string& base_dir);

/// Replaces the password of every URL-looking substring ("scheme://user:pw@")
/// in free text with "***". Used on messages that might echo a URL back.
std::string mask_passwords(const std::string& text);

}  // namespace strata::config
