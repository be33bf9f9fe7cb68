#pragma once
// What every dialect plugin needs at the ABI boundary: C allocations the
// host hands back (errors, lists) and the "write into the caller's buffer"
// contract. Header-only, compiled into each plugin; nothing here is
// exported (plugins export only their entry point).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "strata/dialect_abi.h"

namespace strata::plugin {

/// A malloc'd copy (the host frees plugin strings through the plugin).
inline char* dup(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

/// Stores a new error in *out (when out is not null) and returns `status`.
inline strata_status set_error(strata_error** out, strata_status status, const std::string& message,
                               const std::string& sqlstate, int64_t native, int64_t offset, int64_t length,
                               int64_t completed) {
  if (out) {
    auto* e = static_cast<strata_error*>(std::calloc(1, sizeof(strata_error)));
    if (e) {
      e->struct_size = sizeof(strata_error);
      e->status = status;
      e->message = dup(message);
      e->sqlstate = dup(sqlstate);
      e->native_code = native;
      e->statement_offset = offset;
      e->statement_length = length;
      e->statements_completed = completed;
    }
    *out = e;
  }
  return status;
}

inline void error_free(strata_error* e) {
  if (!e) return;
  std::free(const_cast<char*>(e->message));
  std::free(const_cast<char*>(e->sqlstate));
  std::free(e);
}

inline strata_string_list* new_string_list(const std::vector<std::string>& values) {
  auto* list = static_cast<strata_string_list*>(std::calloc(1, sizeof(strata_string_list)));
  if (!list) return nullptr;
  list->count = values.size();
  list->items = static_cast<char**>(std::calloc(values.size() + 1, sizeof(char*)));
  for (size_t i = 0; i < values.size(); ++i) list->items[i] = dup(values[i]);
  return list;
}

inline void string_list_free(strata_string_list* list) {
  if (!list) return;
  for (size_t i = 0; i < list->count; ++i) std::free(list->items[i]);
  std::free(list->items);
  std::free(list);
}

inline strata_statement_list* new_statement_list(const std::vector<strata_statement_range>& ranges) {
  auto* list = static_cast<strata_statement_list*>(std::calloc(1, sizeof(strata_statement_list)));
  if (!list) return nullptr;
  list->count = ranges.size();
  list->items = static_cast<strata_statement_range*>(std::calloc(ranges.size() + 1, sizeof(strata_statement_range)));
  for (size_t i = 0; i < ranges.size(); ++i) list->items[i] = ranges[i];
  return list;
}

inline void statement_list_free(strata_statement_list* list) {
  if (!list) return;
  std::free(list->items);
  std::free(list);
}

/// The buffer contract of quote_identifier and friends: writes `text` (with
/// its NUL) when it fits, and returns the length needed either way.
inline size_t copy_out(const std::string& text, char* out, size_t capacity) {
  if (text.size() < capacity) std::memcpy(out, text.c_str(), text.size() + 1);
  return text.size();
}

/// The first `count` words of a statement, upper-cased, skipping blanks and
/// `--` and `/* */` comments (and `#` comments when `hash_comments`). A word
/// is a run of ASCII letters, digits and '_'; the scan stops at anything
/// else (a quote, a parenthesis, an executable `/*!` comment), so what it
/// returns is a prefix of the statement's keywords. Used to classify
/// statements (statement_traits): a short or empty answer must lead to the
/// cautious classification.
inline std::vector<std::string> leading_words(std::string_view sql, size_t count, bool hash_comments) {
  std::vector<std::string> words;
  size_t i = 0;
  const size_t n = sql.size();
  auto is_word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  while (i < n && words.size() < count) {
    const char c = sql[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n') ++i;
    } else if (c == '#' && hash_comments) {
      while (i < n && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      if (i + 2 < n && sql[i + 2] == '!') break;  // MySQL executable comment: its text runs
      const size_t end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) break;
      i = end + 2;
    } else if (is_word(c)) {
      std::string w;
      while (i < n && is_word(sql[i])) w += static_cast<char>(sql[i] >= 'a' && sql[i] <= 'z' ? sql[i] - 32 : sql[i]), ++i;
      words.push_back(std::move(w));
    } else {
      break;
    }
  }
  return words;
}

/// Whether `word` (upper case) occurs in `sql` as a whole word, in any case.
/// Quotes are not skipped: a match inside a literal gives a false "yes",
/// which classification treats as the cautious answer.
inline bool contains_word(std::string_view sql, std::string_view word) {
  auto is_word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  for (size_t i = 0; i + word.size() <= sql.size(); ++i) {
    if (i > 0 && is_word(sql[i - 1])) continue;
    size_t k = 0;
    while (k < word.size() && (sql[i + k] == word[k] || sql[i + k] == word[k] + 32)) ++k;
    if (k == word.size() && (i + k == sql.size() || !is_word(sql[i + k]))) return true;
  }
  return false;
}

}  // namespace strata::plugin
