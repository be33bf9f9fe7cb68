// Fuzz target: database URLs (strata::config::parse_url, Url::masked) and
// the free-text masker (strata::config::mask_passwords).
//
// The input builds a URL around a known password: byte 0 chooses where the
// password goes and how, the rest is fields separated by 0x1F:
//   scheme, user, password, host, database, extra query, text before, text after
// mode bits 0-1: 0 user:PASSWORD@, 1 ?password=, 2 ?sslpassword=,
//                3 user:PASSWORD@ and ?PassWord=
// mode bit 2:    the password percent-encoded (every byte but A-Z a-z 0-9 - . _ ~)
// mode bits 3-4: scheme: the field, postgresql, mysql+pymysql, sqlite
// mode bit 5:    no user
// (a scheme field that is no scheme gives postgresql; a user with one of
// ":/?@" is percent-encoded, so the password stays the user-info's)
//
// Properties:
//  - parse_url either returns or throws strata::UserError; nothing else;
//  - when the password has at least 4 bytes, no '*' (nor, unencoded in the
//    query, '&'), and neither it nor its
//    encoded form occurs in the rest of the text (raw or percent-decoded)
//    or in what these calls print for the URL without the password,
//    neither form appears in mask_passwords(before + url + after), in
//    Url::masked(), or in parse_url's error message.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <typeinfo>

#include "fuzz_support.hpp"
#include "strata/config/url.hpp"
#include "strata/util/error.hpp"

namespace {

constexpr const char* kTarget = "url";

std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes the valid %XX escapes, keeps everything else.
std::string lenient_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  const unsigned mode = data[0];
  auto f = strata_fuzz::fields(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), '\x1f', 8);
  f.resize(8);
  const std::string &scheme_field = f[0], &user_field = f[1], &password = f[2], &host = f[3], &database = f[4],
                    &extra = f[5], &before = f[6], &after = f[7];
  const unsigned where = mode & 3;
  const bool encode = mode & 4;
  static const char* schemes[] = {nullptr, "postgresql", "mysql+pymysql", "sqlite"};
  // A scheme as written in URLs; a user name that would move the password
  // out of the user-info ("us/er:pw@" makes "er:pw@..." the path) is
  // percent-encoded, as a user would have to.
  const bool plain_scheme = !scheme_field.empty() && scheme_field.find_first_not_of(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+.-_") == std::string::npos;
  const std::string scheme = schemes[(mode >> 3) & 3] ? schemes[(mode >> 3) & 3]
                             : plain_scheme          ? scheme_field
                                                     : "postgresql";
  const std::string user = mode & 32                                             ? ""
                           : user_field.find_first_of(":/?@") != std::string::npos ? percent_encode(user_field)
                                                                                   : user_field;
  const std::string secret = encode ? percent_encode(password) : password;

  // The URL, built twice: with the password, and with it left out (the
  // "non-secret parts" the password must not occur in).
  auto build = [&](const std::string& pw) {
    std::string url = scheme + "://";
    if (where == 0 || where == 3) url += user + ":" + pw + "@";
    else if (!user.empty()) url += user + "@";
    url += host + "/" + database;
    std::string query = extra;
    if (where != 0) {
      static const char* keys[] = {"", "password", "sslpassword", "PassWord"};
      if (!query.empty()) query += "&";
      query += std::string(keys[where]) + "=" + pw;
    }
    if (!query.empty()) url += "?" + query;
    return url;
  };
  const std::string url = build(secret);
  const std::string text = before + url + after;

  const std::string rest = before + build("") + after;
  const std::string rest_decoded = lenient_decode(rest);
  // An unencoded '&' ends a query value: "?password=a&b" has the password "a".
  const bool query_cut = !encode && where != 0 && password.find('&') != std::string::npos;
  // A raw blank or control character makes no URL (parse_url refuses it,
  // and Strata prints no URL it could not parse), and it ends a word for
  // mask_passwords: such a password must be percent-encoded.
  // The same holds for a raw blank anywhere in the URL (its user name, its
  // host): the text is no URL, and a word ends there.
  const bool raw_blank = std::any_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
  });
  // Text that also stands in the input outside the password's own place
  // (as a user name, a path, another parameter) is not only a secret:
  // nothing can mask one occurrence and show the other.
  auto occurrences = [](const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
    return n;
  };
  const bool elsewhere = occurrences(text, password) > 1 || occurrences(text, secret) > 1;
  const bool checkable = password.size() >= 4 && password.find('*') == std::string::npos && !query_cut && !raw_blank &&
                         !elsewhere &&
                         !contains(rest, password) && !contains(rest_decoded, password) &&
                         !contains(rest, secret) && !contains(rest_decoded, secret);
  // What the same calls print without the password: boilerplate of the
  // messages ("user:password@host") is no leak.
  // The password is replaced by one of the same shape (every letter and
  // digit changed, punctuation kept), so the calls take the same paths.
  std::string shaped = password;
  for (char& c : shaped) {
    if (c >= '0' && c <= '9') c = c == '7' ? '3' : '7';
    else if (c >= 'a' && c <= 'f') c = c == 'c' ? 'e' : 'c';  // hex digits stay hex digits
    else if (c >= 'A' && c <= 'F') c = c == 'C' ? 'E' : 'C';
    else if (c >= 'g' && c <= 'z') c = c == 'q' ? 'z' : 'q';
    else if (c >= 'G' && c <= 'Z') c = c == 'Q' ? 'Z' : 'Q';
  }
  const std::string shaped_url = build(encode ? percent_encode(shaped) : shaped);
  std::string baseline = strata::config::mask_passwords(before + shaped_url + after);
  try {
    baseline += "\n" + strata::config::parse_url(shaped_url, "/srv/app").masked();
  } catch (const std::exception& e) {
    baseline += std::string("\n") + e.what();
  }
  auto no_secret = [&](const std::string& out, const std::string& what) {
    if (!checkable || contains(baseline, password) || contains(baseline, secret)) return;
    const bool raw = contains(out, password), enc = contains(out, secret);
    FUZZ_CHECK(!raw && !enc, kTarget,
               what + " shows the password " + strata_fuzz::show(raw ? password : secret) +
                   (raw ? "" : " (percent-encoded)") + ": input " + strata_fuzz::show(text) + " -> " +
                   strata_fuzz::show(out, 1000));
  };

  no_secret(strata::config::mask_passwords(text), "mask_passwords");
  try {
    strata::config::Url u = strata::config::parse_url(url, "/srv/app");
    // SQLite URLs have no credentials: what looks like one is a file name.
    if (u.dialect != "sqlite") no_secret(u.masked(), "Url::masked()");
  } catch (const strata::UserError& e) {
    FUZZ_CHECK(e.what()[0] != 0, kTarget, "UserError without a message");
    no_secret(e.what(), "parse_url's error");
  } catch (const std::exception& e) {
    strata_fuzz::fail(kTarget, std::string("parse_url threw ") + typeid(e).name() + " (not UserError): " +
                                   e.what() + " for " + strata_fuzz::show(url));
  }
  // The free text alone, parsed as a URL, too (not only well-formed ones).
  try {
    (void)strata::config::parse_url(text, "/srv/app").masked();
  } catch (const strata::UserError&) {
  } catch (const std::exception& e) {
    strata_fuzz::fail(kTarget, std::string("parse_url threw ") + typeid(e).name() + " (not UserError): " +
                                   e.what() + " for " + strata_fuzz::show(text));
  }
  return 0;
}
