#include "strata/config/url.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string_view>

#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::config {
namespace {

// Nothing in this file recurses, and every scan is linear in the input: these
// functions run on error paths with messages of any length (a 1 MB SQL
// literal echoed by the server, a 30,000-character URL).

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool is_scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '_' || c == '.';
}

bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }

// What an error about a URL may show of it: the scheme, "***@" when it has
// user-info, and the host when it is a plain host name or address. Never the
// raw text: what the parser could not split may hold a password anywhere.
struct Shown {
  std::string scheme;  // validated scheme (with +driver) or empty
  bool userinfo = false;
  std::string host;  // empty: not shown

  std::string str() const {
    if (scheme.empty()) return "database URL";
    std::string out = "database URL " + scheme + "://";
    if (userinfo) out += "***@";
    if (!host.empty()) out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    else out += "...";
    return out;
  }
};

bool plain_host(const std::string& h, bool ipv6) {
  if (h.empty() || h.size() > 255) return false;
  for (char c : h)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '%' ||
          (ipv6 && c == ':')))
      return false;
  return true;
}

std::string percent_decode(std::string_view s, const Shown& shown, const char* part) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0)
        throw UserError(shown.str() + " has an invalid percent-escape in its " + part +
                        " (write %XX with two hex digits; '%' itself is %25)");
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string canonical_dialect(const std::string& scheme) {
  if (scheme == "sqlite") return "sqlite";
  if (scheme == "postgresql" || scheme == "postgres" || scheme == "pgsql") return "postgresql";
  if (scheme == "mysql" || scheme == "mariadb") return "mysql";
  return scheme;  // unknown schemes are looked up as plugins of that name
}

bool known_scheme(const std::string& scheme) {
  std::string s = scheme.substr(0, scheme.find('+'));
  return s == "sqlite" || s == "postgresql" || s == "postgres" || s == "pgsql" || s == "mysql" || s == "mariadb";
}

// The message for text without "scheme://". Names the scheme only when it is
// a known one; anything else in the text may be (part of) a password.
[[noreturn]] void throw_malformed(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && is_scheme_char(text[i])) ++i;
  std::string scheme = util::to_lower(text.substr(0, i));
  const bool separator = i < text.size() && (text[i] == ':' || text[i] == '/');
  if (i > 0 && separator && known_scheme(scheme))
    throw UserError("database URL " + scheme + ":... has a malformed scheme separator: write " + scheme +
                    "://user:password@host/dbname (percent-encode '/', '?', '#' and '@' in the password)");
  if (text.find_first_of(":/@") == std::string::npos)
    throw UserError("database URL is not of the form dialect://...; e.g. sqlite:///var/app.db or "
                    "postgresql://user:password@host/dbname (for a SQLite file, write sqlite:///path/to/file.db)");
  throw UserError("database URL is not of the form dialect://...; e.g. sqlite:///var/app.db or "
                  "postgresql://user:password@host/dbname");
}

unsigned parse_port(const std::string& port, const Shown& shown, bool hint) {
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535 || std::stoul(port) == 0)
    throw UserError(shown.str() + " has an invalid port (expected a number from 1 to 65535)" +
                    (hint ? std::string("; a password containing '/', '?', '#' or '@' must be percent-encoded "
                                        "(%2F, %3F, %23, %40)")
                          : std::string()));
  return static_cast<unsigned>(std::stoul(port));
}

// Whether the '@' at `at` of `rest` may be inside a query value ("?x=@y",
// "?password=@pw"): a '?' comes before it and the nearest of '=', '&', '@'
// and '/' before it is an '='.
bool in_query(const std::string& rest, size_t at) {
  const size_t q = rest.find('?');
  if (q == std::string::npos || q > at) return false;
  for (size_t i = at; i > q + 1; --i) {
    const char c = rest[i - 1];
    if (c == '=') return true;
    if (c == '&' || c == '@' || c == '/') return false;
  }
  return false;
}

// The end of the user-info in `rest` (the text after "scheme://"), or npos.
// The user name runs to the first ':' and holds no '/' or '?'; the password
// runs to the LAST '@', so a raw '/', '?', '#' or '@' in it stays in it; an
// '@' that may as well be in a query value is refused (UserError).
size_t userinfo_end(const std::string& rest, const std::string& scheme) {
  size_t last_at = rest.rfind('@');
  if (last_at == std::string::npos) return std::string::npos;
  if (in_query(rest, last_at)) {
    // "u:p?x=y@h" may be a password "p?x=y", or a query value "y@h": either
    // reading could print the other's secret, so neither is guessed. Without
    // a "user:" before any '/', '?' or '@' there is no password reading.
    const size_t colon = rest.find(':');
    if (colon < last_at && rest.find_first_of("/?@") > colon)
      throw UserError("database URL " + scheme + "://... is ambiguous: an '@' follows '?' and '=' (a query value, "
                      "or a password holding '?' and '='?); percent-encode '@' in query values as %40, or '?' and "
                      "'=' in the password as %3F and %3D");
    // The '@' is the query's: a user-info ends at an '@' before the '?'.
    const size_t q = rest.find('?');
    last_at = q == 0 ? std::string::npos : rest.rfind('@', q - 1);
    if (last_at == std::string::npos) return std::string::npos;
  }
  size_t colon = rest.find(':');
  size_t stop = rest.find_first_of("/?");
  size_t user_end = std::min(colon, last_at);
  if (stop == std::string::npos || stop >= user_end) return last_at;
  // A '/' or '?' before the user name ends: no password here; a plain
  // "user@" before the path may still be there ('@' later is in the path
  // or query).
  size_t at = stop == 0 ? std::string::npos : rest.rfind('@', stop - 1);
  if (at == std::string::npos) return std::string::npos;
  return at;
}

// user:password@ in one whitespace-free word: masks from the first ':' that
// is not a scheme separator up to the word's last '@' (or, in a URL without
// '@', a "port" that is no number: the start of a password cut short).
// Appends to `out`.
void mask_word(std::string_view word, std::string& out) {
  // An '@' that may be in a query value ("u:p?x=y@h", "?password=@pw") is
  // ambiguous: either the password or the query's secret runs past it. Then
  // everything from the password on is masked.
  const size_t last_at = word.rfind('@');
  const bool to_end = last_at != std::string_view::npos && in_query(std::string(word), last_at);
  const size_t first = word.find(':');
  // "scheme:/" or "scheme://" at the word's first ':' (nothing before it
  // but the scheme).
  const bool sep = first != std::string_view::npos && first > 0 && is_scheme_char(word[first - 1]) &&
                   first + 1 < word.size() && word[first + 1] == '/' && word.find_first_of("/@") > first;
  size_t host_start = first + 1;
  if (sep)
    while (host_start < word.size() && word[host_start] == '/') ++host_start;
  size_t k = std::string_view::npos;  // the ':' before the password
  size_t end = last_at;               // where the password ends
  if (last_at == std::string_view::npos) {
    if (!sep) return (void)out.append(word);
    size_t h = host_start;
    if (h < word.size() && word[h] == '[') {
      h = word.find(']', h);
      if (h == std::string_view::npos) return (void)out.append(word);
    }
    k = word.find(':', h);
    if (k == std::string_view::npos || word.find_first_of("/?", h) < k) return (void)out.append(word);
    size_t port_end = std::min(word.find_first_of("/?", k + 1), word.size());
    std::string_view port = word.substr(k + 1, port_end - k - 1);
    if (k + 1 == word.size() || (!port.empty() && port.find_first_not_of("0123456789") == std::string_view::npos))
      return (void)out.append(word);
    end = word.size();
  } else if (sep) {
    k = word.find(':', first + 1);
    // "scheme:/user@host": a malformed separator; "/user" may be a password.
    if ((k == std::string_view::npos || k >= last_at) && host_start == first + 2) k = first;
  } else {
    k = first;
  }
  if (k == std::string_view::npos || k >= end) return (void)out.append(word);
  out.append(word.substr(0, k + 1));
  out += "***";
  if (!to_end) out.append(word.substr(end));
}

}  // namespace

bool is_secret_parameter(const std::string& key) {
  std::string k;
  for (char c : key)
    if (std::isalnum(static_cast<unsigned char>(c))) k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // libpq: password, sslpassword; MySQL: password, passwd, password1..3,
  // and whatever else a driver calls a secret.
  // "pass" and "pasw" also catch misspellings ("pasword", "passwrod"): a
  // key the driver refuses is echoed back with its value.
  for (const char* s : {"pass", "pasw", "pwd", "secret", "token", "credential"})
    if (k.find(s) != std::string::npos) return true;
  return false;
}

namespace {

// key=value where key names a secret (password=, sslpassword=, ...), in URL
// queries and conninfo strings: the value up to whitespace or '&', or a
// quoted value to its closing quote, becomes "***".
std::string mask_secret_parameters(const std::string& masked) {
  std::string out;
  out.reserve(masked.size());
  size_t copied = 0;  // masked[0, copied) is in out
  for (size_t e = masked.find('='); e != std::string::npos; e = masked.find('=', e + 1)) {
    if (e < copied) continue;
    size_t ke = e;
    while (ke > copied && (masked[ke - 1] == ' ' || masked[ke - 1] == '\t')) --ke;
    size_t ks = ke;
    while (ks > copied && is_key_char(masked[ks - 1])) --ks;
    if (ks == ke || !is_secret_parameter(masked.substr(ks, ke - ks))) continue;
    size_t vs = e + 1;
    while (vs < masked.size() && (masked[vs] == ' ' || masked[vs] == '\t')) ++vs;
    size_t ve = vs;
    if (vs < masked.size() && (masked[vs] == '\'' || masked[vs] == '"')) {
      const char quote = masked[vs];
      ve = vs + 1;
      while (ve < masked.size() && masked[ve] != quote) ve += masked[ve] == '\\' ? 2 : 1;
      ve = std::min(ve + 1, masked.size());
    } else {
      while (ve < masked.size() && !is_space(masked[ve]) && masked[ve] != '&') ++ve;
    }
    if (ve == vs || masked.compare(vs, ve - vs, "***") == 0) continue;
    out.append(masked, copied, vs - copied);
    out += "***";
    copied = ve;
    e = ve - 1;
  }
  out.append(masked, copied, std::string::npos);
  return out;
}

}  // namespace

std::string mask_passwords(const std::string& text) {
  // 1. user:password@ in every whitespace-separated word (scheme or not,
  //    malformed separators included): a linear scan, no std::regex.
  std::string words;
  words.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (is_space(text[i])) {
      words += text[i++];
      continue;
    }
    size_t j = i;
    while (j < text.size() && !is_space(text[j])) ++j;
    mask_word(std::string_view(text).substr(i, j - i), words);
    i = j;
  }
  // 2. key=value where the key names a secret.
  return mask_secret_parameters(words);
}

std::string Url::masked() const {
  std::string out = scheme;
  if (!driver.empty()) out += "+" + driver;
  out += "://";
  if (dialect == "sqlite") {
    if (database == ":memory:") return out + "/:memory:";
    return out + "/" + database;
  }
  if (!user.empty() || has_password) {
    out += user;
    if (has_password) out += ":***";
    out += "@";
  }
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port) out += ":" + std::to_string(port);
  // The database and query values pass through mask_passwords too: if the
  // user-info could not be recognized, a password may have landed there.
  if (!database.empty()) {
    // An '@' in the database name: the user-info was not recognized (its
    // user name held a '/' or '?'), so what precedes the '@' may be a password.
    // A ':' likewise: "user:password" read as a database name.
    const size_t at = database.rfind('@'), colon = database.find(':');
    // "key=value" in it: a query that the user-info's '?' swallowed; its
    // secrets are masked like a query's.
    out += "/" + (at != std::string::npos      ? "***" + database.substr(at)
                  : colon != std::string::npos ? database.substr(0, colon + 1) + "***"
                                               : mask_passwords(database));
  }
  for (size_t i = 0; i < query.size(); ++i) {
    out += (i ? "&" : "?") + mask_passwords(query[i].first) + "=";
    // A password can also arrive as a query parameter (password,
    // sslpassword, passwd, ...).
    // A value mask_passwords would change holds something secret-looking
    // ("x?password=%26..." decodes to text whose secret starts with '&',
    // which would end it early): the whole value is masked.
    const std::string& value = query[i].second;
    bool secret_inside = mask_passwords(value) != value;
    for (size_t eq = value.find('='); !secret_inside && eq != std::string::npos; eq = value.find('=', eq + 1)) {
      size_t start = eq;
      while (start > 0 && (std::isalnum(static_cast<unsigned char>(value[start - 1])) || value[start - 1] == '_' ||
                           value[start - 1] == '-'))
        --start;
      secret_inside = start < eq && is_secret_parameter(value.substr(start, eq - start));
    }
    out += is_secret_parameter(query[i].first) || secret_inside ? "***" : value;
  }
  return out;
}

Url parse_url(const std::string& text, const std::string& base_dir) {
  // A URL has no raw blanks or control characters (RFC 3986); refusing them
  // also keeps every URL one word for mask_passwords.
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == ' ' || c == 0x7f)
      throw UserError("database URL contains a space or a control character: percent-encode it (a space is %20)");
  auto sep = text.find("://");
  if (sep == std::string::npos || sep == 0) throw_malformed(text);
  Url url;
  Shown shown;
  std::string scheme = util::to_lower(text.substr(0, sep));
  for (char c : scheme)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '_' || c == '-')) {
      if (size_t end = scheme.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789+_-");
          end > 0 && (scheme[end] == ':' || scheme[end] == '/') && known_scheme(scheme.substr(0, end)))
        throw_malformed(text);
      throw UserError(
          "database URL has an invalid scheme (letters, digits, '+', '-' and '_' before '://'); e.g. "
          "postgresql://user:password@host/dbname");
    }
  shown.scheme = scheme;
  if (auto plus = scheme.find('+'); plus != std::string::npos) {
    url.driver = scheme.substr(plus + 1);
    scheme = scheme.substr(0, plus);
    if (scheme.empty() || url.driver.empty() || url.driver.find('+') != std::string::npos)
      throw UserError("database URL has an invalid scheme: write dialect+driver://, e.g. postgresql+psycopg2://");
  }
  url.scheme = scheme;
  url.dialect = canonical_dialect(scheme);
  std::string rest = text.substr(sep + 3);

  if (url.dialect == "sqlite") {
    std::string query;
    if (auto q = rest.find('?'); q != std::string::npos) {
      query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
    for (auto& kv : util::split_list(query, '&')) {
      auto eq = kv.find('=');
      if (eq == std::string::npos)
        throw UserError(shown.str() + " has a query item without '=' (write key=value)");
      url.query.emplace_back(percent_decode(kv.substr(0, eq), shown, "query"),
                             percent_decode(kv.substr(eq + 1), shown, "query"));
    }
    // sqlite:///relative.db  sqlite:////abs.db  sqlite:///:memory:  sqlite://
    if (rest.empty() || rest == "/" || rest == "/:memory:") {
      url.database = ":memory:";
      return url;
    }
    if (rest[0] != '/')
      throw UserError(shown.str() +
                      ": sqlite URLs have no host; write sqlite:///relative/path.db or "
                      "sqlite:////absolute/path.db");
    std::string path = percent_decode(rest.substr(1), shown, "path");
    std::filesystem::path p(path);
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    url.database = p.lexically_normal().string();
    return url;
  }

  // user-info first: its password may hold raw '/', '?', '#' and '@'.
  std::string userinfo;
  if (size_t at = userinfo_end(rest, shown.scheme); at != std::string::npos) {
    userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    shown.userinfo = true;
  } else if (!rest.empty() && rest[0] == '/' && rest.find('@') != std::string::npos) {
    // "scheme:///user:password@host": one '/' too many, or a password that
    // cannot be told from the path.
    throw UserError("database URL " + shown.scheme +
                    ":///... has a malformed scheme separator or an '@' in its path: write " + shown.scheme +
                    "://user:password@host/dbname (percent-encode '/', '?', '#' and '@' in the password)");
  }
  // What follows the user-info has no '#': these URLs have no fragment, and
  // a value after one would be echoed by a driver's error.
  if (rest.find('#') != std::string::npos)
    throw UserError(shown.str() + " has a '#' after its user-info: percent-encode it as %23 (these URLs have no "
                    "#fragment)");
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string authority = rest, path;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }
  // The host, for messages: only once it is known to be a plain name.
  std::string host = authority;
  std::string port_text;
  bool has_port = false;
  const bool ipv6 = !host.empty() && host[0] == '[';
  if (ipv6) {  // IPv6 literal
    auto close = host.find(']');
    if (close == std::string::npos)
      throw UserError(shown.str() + " has an unterminated IPv6 address ('[' without ']')");
    std::string after = host.substr(close + 1);  // "" or ":port"
    host = host.substr(1, close - 1);
    if (!after.empty()) {
      has_port = true;
      port_text = after[0] == ':' ? after.substr(1) : after;
    }
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    has_port = true;
    port_text = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (plain_host(host, ipv6)) shown.host = host;
  else if (!host.empty())
    // Not a host name: most likely part of a password with a raw '@' or ':'
    // that could not be told apart. Never echoed.
    throw UserError(shown.str() + " has an invalid host (letters, digits, '.', '-' and '_', or [IPv6]); "
                    "percent-encode '@', ':', '/', '?' and '#' in the user name and password");

  if (shown.userinfo) {
    if (auto colon = userinfo.find(':'); colon != std::string::npos) {
      url.user = percent_decode(userinfo.substr(0, colon), shown, "user name");
      url.password = percent_decode(userinfo.substr(colon + 1), shown, "password");
      url.has_password = true;
    } else {
      url.user = percent_decode(userinfo, shown, "user name");
    }
  }
  url.host = host;
  // Without user-info, a non-numeric "port" is often the start of a password
  // whose '/', '?' or '#' was not percent-encoded.
  if (has_port) url.port = parse_port(port_text, shown, !shown.userinfo);
  url.database = percent_decode(path, shown, "database name");
  for (auto& kv : util::split_list(query, '&')) {
    auto eq = kv.find('=');
    if (eq == std::string::npos)
      throw UserError(shown.str() +
                      " has a query item without '=' (write key=value; percent-encode '&' in a value as %26)");
    url.query.emplace_back(percent_decode(kv.substr(0, eq), shown, "query"),
                           percent_decode(kv.substr(eq + 1), shown, "query"));
  }
  return url;
}

}  // namespace strata::config
