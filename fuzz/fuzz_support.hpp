#pragma once
// Shared by the fuzz targets (fuzz/*_fuzz.cpp): property checks that abort
// with a readable message, so libFuzzer (or the replay runner) reports the
// input as a crash, and the small helpers the targets use to read their
// input. Compiled by clang (libFuzzer) and by GCC (the replay executables).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace strata_fuzz {

/// Reports a violated property and aborts (libFuzzer saves the input).
[[noreturn]] inline void fail(const char* target, const std::string& what) {
  std::fprintf(stderr, "\n*** fuzz target %s: property violated: %s\n", target, what.c_str());
  std::fflush(stderr);
  std::abort();
}

/// `s` escaped and shortened for a failure message.
inline std::string show(std::string_view s, size_t max = 200) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\' || c == '"') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max) out += "...";
  return out + "\"";
}

/// Splits `data` at every `sep` into at most `max_fields` fields (the last
/// one keeps any further separators).
inline std::vector<std::string> fields(std::string_view data, char sep, size_t max_fields) {
  std::vector<std::string> out;
  while (out.size() + 1 < max_fields) {
    size_t k = data.find(sep);
    if (k == std::string_view::npos) break;
    out.emplace_back(data.substr(0, k));
    data.remove_prefix(k + 1);
  }
  out.emplace_back(data);
  return out;
}

/// Number of lines of `text` as an editor counts them (a final line without
/// '\n' counts; "" has one line).
inline size_t line_count(std::string_view text) {
  size_t n = 1;
  for (char c : text)
    if (c == '\n') ++n;
  return n;
}

/// Checks that `msg` starts with "`path`: " or "`path`:N: " where
/// 1 <= N <= max_line. Returns "" when it does, else what is wrong.
inline std::string check_located(const std::string& msg, const std::string& path, size_t max_line) {
  if (msg.compare(0, path.size(), path) != 0 || msg.size() <= path.size() || msg[path.size()] != ':')
    return "message does not start with '" + path + ":': " + show(msg);
  size_t i = path.size() + 1;
  if (i < msg.size() && msg[i] == ' ') return "";  // "path: ..." (no line)
  size_t j = i;
  unsigned long long line = 0;
  while (j < msg.size() && msg[j] >= '0' && msg[j] <= '9' && j - i < 12) line = line * 10 + (msg[j++] - '0');
  if (j == i || j >= msg.size() || msg[j] != ':')
    return "message is neither 'path: ...' nor 'path:LINE: ...': " + show(msg);
  if (line < 1 || line > max_line)
    return "line " + std::to_string(line) + " is outside the file (1.." + std::to_string(max_line) +
           "): " + show(msg);
  return "";
}

}  // namespace strata_fuzz

#define FUZZ_CHECK(cond, target, what)                 \
  do {                                                 \
    if (!(cond)) ::strata_fuzz::fail((target), (what)); \
  } while (0)
