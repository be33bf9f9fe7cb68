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
/// The user-info ends at the last '@' (so a raw '/', '?', '#' or '@' in a
/// password stays in the password), provided the user name (up to the first
/// ':') holds no '/' or '?'.
/// Throws UserError on malformed input; its message never echoes the text:
/// it shows the scheme, "***@" for user-info and a plain host at most.
Url parse_url(const std::string& text, const std::string& base_dir);

/// Replaces every password in free text with "***": the user-info password
/// of every URL-looking word ("scheme://user:pw@host", malformed separators
/// such as "scheme:/user:pw@" or "scheme//user:pw@", or a bare
/// "user:pw@host"), up to the word's last '@'; and the value of every
/// secret parameter ("password=", "sslpassword=", "passwd=", ... see
/// is_secret_parameter), up to whitespace or '&', or a quoted value to its
/// closing quote. Linear in the text's length and never recursive (safe on
/// messages of any size). Used on messages that might echo a URL back.
std::string mask_passwords(const std::string& text);

/// True for a URL query or connection parameter that carries a secret:
/// any key whose letters and digits (case-insensitive) contain "password"
/// (password, sslpassword, password1..3), "passwd", "passphrase", "pwd",
/// "secret" or "token", or that is "pass". Url::masked() prints "***" for
/// their values.
bool is_secret_parameter(const std::string& key);

}  // namespace strata::config
