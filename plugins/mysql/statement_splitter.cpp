#include "statement_splitter.hpp"

#include <stdexcept>
#include <string>

namespace strata::mysql {

namespace {

constexpr size_t npos = std::string_view::npos;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
bool is_space(char c) { return is_blank(c) || c == '\n'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// "delimiter" (any case) at i, followed by a blank, a line end or the end.
bool delimiter_command_at(std::string_view sql, size_t i) {
  static constexpr std::string_view word = "delimiter";
  if (sql.size() - i < word.size()) return false;
  for (size_t k = 0; k < word.size(); ++k)
    if (lower(sql[i + k]) != word[k]) return false;
  size_t after = i + word.size();
  return after == sql.size() || is_space(sql[after]);
}

// Index just past the closing quote of the string opened at i.
size_t skip_quoted(std::string_view sql, size_t i) {
  const char quote = sql[i];
  const bool backslash = quote != '`';  // backticks have no escapes
  size_t k = i + 1;
  while (k < sql.size()) {
    char c = sql[k];
    if (backslash && c == '\\') {
      k += 2;
    } else if (c == quote) {
      if (k + 1 < sql.size() && sql[k + 1] == quote) {
        k += 2;  // doubled quote
      } else {
        return k + 1;
      }
    } else {
      ++k;
    }
  }
  throw SplitError(quote == '`' ? "unterminated quoted identifier" : "unterminated quoted string", i);
}

// Index just past the "*/" closing the comment opened at i.
size_t skip_block_comment(std::string_view sql, size_t i) {
  size_t close = sql.find("*/", i + 2);
  if (close == npos) throw SplitError("unterminated /* comment", i);
  return close + 2;
}

// The client sends the text with its length, but the server's parser
// treats a NUL as the end of the query in places: refuse it outright.
void check_nul(std::string_view sql) {
  if (const size_t nul = sql.find('\0'); nul != npos) throw SplitError("NUL byte (0x00) in the SQL", nul);
}

// Index of the '\n' ending the line that contains i (or the end).
size_t line_end(std::string_view sql, size_t i) {
  size_t nl = sql.find('\n', i);
  return nl == npos ? sql.size() : nl;
}

}  // namespace

std::vector<StatementRange> split_statements(std::string_view sql) {
  check_nul(sql);
  std::vector<StatementRange> out;
  std::string delimiter = ";";
  const size_t n = sql.size();
  size_t start = npos;  // first real token of the pending statement

  auto emit = [&](size_t end) {
    if (start == npos) return;
    while (end > start && is_space(sql[end - 1])) --end;
    if (end > start) out.push_back({start, end - start});
    start = npos;
  };

  size_t i = 0;
  while (i < n) {
    const char c = sql[i];
    if (is_space(c)) {
      ++i;
      continue;
    }
    // The client's DELIMITER command: recognised where a statement would
    // start (at the start of a line, or after a statement's delimiter), so a
    // column named `delimiter` inside a statement is not mistaken for it.
    if (start == npos && delimiter_command_at(sql, i)) {
      size_t k = i + 9;
      while (k < n && is_blank(sql[k])) ++k;
      size_t token_end = k;
      while (token_end < n && !is_space(sql[token_end])) ++token_end;
      if (token_end == k)
        throw SplitError("DELIMITER must be followed by a delimiter (e.g. DELIMITER //)", i);
      delimiter.assign(sql.substr(k, token_end - k));
      i = line_end(sql, token_end);  // the rest of the line is ignored
      continue;
    }
    if (sql.compare(i, delimiter.size(), delimiter) == 0) {
      emit(i);
      i += delimiter.size();
      continue;
    }
    if (c == '#' || (c == '-' && i + 1 < n && sql[i + 1] == '-' && (i + 2 == n || is_space(sql[i + 2])))) {
      i = line_end(sql, i);
      continue;
    }
    if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      const bool executable = (i + 2 < n && sql[i + 2] == '!') ||
                              (i + 3 < n && sql[i + 2] == 'M' && sql[i + 3] == '!');
      if (executable && start == npos) start = i;
      i = skip_block_comment(sql, i);
      continue;
    }
    if (start == npos) start = i;
    if (c == '\'' || c == '"' || c == '`') {
      i = skip_quoted(sql, i);
    } else {
      ++i;
    }
  }
  emit(n);
  return out;
}

void check_statement(std::string_view sql) {
  check_nul(sql);
  const size_t n = sql.size();
  for (size_t i = 0; i < n;) {
    const char c = sql[i];
    if (c == '#' || (c == '-' && i + 1 < n && sql[i + 1] == '-' && (i + 2 == n || is_space(sql[i + 2]))))
      i = line_end(sql, i);
    else if (c == '/' && i + 1 < n && sql[i + 1] == '*')
      i = skip_block_comment(sql, i);
    else if (c == '\'' || c == '"' || c == '`')
      i = skip_quoted(sql, i);
    else
      ++i;
  }
}

}  // namespace strata::mysql
