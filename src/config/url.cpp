#include "strata/config/url.hpp"

#include <cctype>
#include <filesystem>
#include <regex>

#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::config {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s, const std::string& masked_url) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0)
        throw UserError("invalid percent-escape in database URL " + masked_url);
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

// Masks the password of one URL we may not be able to parse: whatever sits
// between the first ':' of the user-info and its last '@' (the parser also
// splits at the last '@'), with or without a scheme.
std::string mask_raw(const std::string& text) {
  size_t start = text.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = text.find_first_of("/?", start);
  if (end == std::string::npos) end = text.size();
  size_t at = text.rfind('@', end == 0 ? 0 : end - 1);
  if (at == std::string::npos || at < start) return text;
  size_t colon = text.find(':', start);
  if (colon == std::string::npos || colon > at) return text;
  return text.substr(0, colon + 1) + "***" + text.substr(at);
}

unsigned parse_port(const std::string& port, const std::string& masked_url) {
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535 ||
      std::stoul(port) == 0)
    throw UserError("database URL " + masked_url + " has an invalid port '" + port + "'");
  return static_cast<unsigned>(std::stoul(port));
}

}  // namespace

std::string mask_passwords(const std::string& text) {
  // scheme://user:password@  ->  scheme://user:***@
  // Greedy up to the last '@' before the path, as the parser splits. The
  // only std::regex compiled while the runner's threads run (compiling two
  // at once races on the locale's shared ctype cache; ThreadSanitizer sees
  // it): keep it that way, or compile new ones before the threads start.
  static const std::regex re(R"(([A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*):[^\s/]*@)");
  return std::regex_replace(text, re, "$1:***@");
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
  if (!database.empty()) out += "/" + database;
  for (size_t i = 0; i < query.size(); ++i) {
    out += (i ? "&" : "?") + query[i].first + "=";
    // A password can also arrive as a query parameter.
    out += util::to_lower(query[i].first) == "password" ? "***" : query[i].second;
  }
  return out;
}

Url parse_url(const std::string& text, const std::string& base_dir) {
  const std::string masked = mask_raw(text);
  auto sep = text.find("://");
  if (sep == std::string::npos || sep == 0)
    throw UserError("database URL " + masked +
                    " is not of the form dialect://...; e.g. sqlite:///var/app.db or "
                    "postgresql://user:password@host/dbname");
  Url url;
  std::string scheme = util::to_lower(text.substr(0, sep));
  for (char c : scheme)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '_' || c == '-'))
      throw UserError("database URL " + masked + " has an invalid scheme '" + scheme + "'");
  if (auto plus = scheme.find('+'); plus != std::string::npos) {
    url.driver = scheme.substr(plus + 1);
    scheme = scheme.substr(0, plus);
  }
  url.scheme = scheme;
  url.dialect = canonical_dialect(scheme);
  std::string rest = text.substr(sep + 3);

  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  for (auto& kv : util::split_list(query, '&')) {
    auto eq = kv.find('=');
    std::string k = percent_decode(kv.substr(0, eq), masked);
    std::string v = eq == std::string::npos ? "" : percent_decode(kv.substr(eq + 1), masked);
    url.query.emplace_back(k, v);
  }

  if (url.dialect == "sqlite") {
    // sqlite:///relative.db  sqlite:////abs.db  sqlite:///:memory:  sqlite://
    if (rest.empty() || rest == "/" || rest == "/:memory:") {
      url.database = ":memory:";
      return url;
    }
    if (rest[0] != '/')
      throw UserError("database URL " + masked +
                      ": sqlite URLs have no host; write sqlite:///relative/path.db or "
                      "sqlite:////absolute/path.db");
    std::string path = percent_decode(rest.substr(1), masked);
    std::filesystem::path p(path);
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    url.database = p.lexically_normal().string();
    return url;
  }

  std::string authority = rest, path;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }
  url.database = percent_decode(path, masked);
  // The password may contain '@' only percent-escaped; the last '@' splits.
  if (auto at = authority.rfind('@'); at != std::string::npos) {
    std::string userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string::npos) {
      url.user = percent_decode(userinfo.substr(0, colon), masked);
      url.password = percent_decode(userinfo.substr(colon + 1), masked);
      url.has_password = true;
    } else {
      url.user = percent_decode(userinfo, masked);
    }
  }
  std::string host = authority;
  if (!host.empty() && host[0] == '[') {  // IPv6 literal
    auto close = host.find(']');
    if (close == std::string::npos)
      throw UserError("database URL " + masked + " has an unterminated IPv6 address");
    url.host = host.substr(1, close - 1);
    host = host.substr(close + 1);  // "" or ":port"
    if (!host.empty()) {
      std::string port = host[0] == ':' ? host.substr(1) : host;
      url.port = parse_port(port, masked);
    }
    return url;
  }
  if (auto colon = host.rfind(':'); colon != std::string::npos) {
    url.host = host.substr(0, colon);
    url.port = parse_port(host.substr(colon + 1), masked);
  } else {
    url.host = host;
  }
  return url;
}

}  // namespace strata::config
