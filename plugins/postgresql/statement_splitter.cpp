#include "statement_splitter.hpp"

#include <string>

namespace strata::postgresql {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// PostgreSQL's lexer: identifiers start with a letter, '_' or any non-ASCII
// byte and go on with those, digits and '$'.
bool ident_start(char c) { return is_alpha(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }
bool tag_char(char c) { return ident_start(c) || is_digit(c); }
bool ident_char(char c) { return tag_char(c) || c == '$'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool word_is(std::string_view word, std::string_view lower_word) {
  if (word.size() != lower_word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if (lower(word[i]) != lower_word[i]) return false;
  return true;
}

// `i` at "--": returns the position after the end of the line.
size_t skip_line_comment(std::string_view s, size_t i) {
  size_t nl = s.find('\n', i);
  return nl == std::string_view::npos ? s.size() : nl + 1;
}

// `i` at "/*": returns the position after the matching "*/" (they nest).
size_t skip_block_comment(std::string_view s, size_t i) {
  const size_t open = i;
  int depth = 0;
  while (i < s.size()) {
    if (s[i] == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      ++depth;
      i += 2;
    } else if (s[i] == '*' && i + 1 < s.size() && s[i + 1] == '/') {
      i += 2;
      if (--depth == 0) return i;
    } else {
      ++i;
    }
  }
  throw SplitError("unterminated /* comment", open);
}

// `i` at the opening quote: returns the position after the closing one.
// A doubled quote is an escaped quote; with `backslashes` (E'...') so is \'.
size_t skip_quoted(std::string_view s, size_t i, char quote, bool backslashes) {
  const size_t open = i;
  ++i;
  while (i < s.size()) {
    char c = s[i];
    if (backslashes && c == '\\') {
      i += 2;
    } else if (c == quote) {
      if (i + 1 < s.size() && s[i + 1] == quote) i += 2;
      else return i + 1;
    } else {
      ++i;
    }
  }
  throw SplitError(quote == '"' ? "unterminated quoted identifier" : "unterminated quoted string", open);
}

// `i` at '$': the length of the opening delimiter ($$ or $tag$), or 0 when
// this '$' does not open a dollar quote ($1, a lone $).
size_t dollar_tag_length(std::string_view s, size_t i) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '$') return 2;
  if (j >= s.size() || !ident_start(s[j])) return 0;
  while (j < s.size() && tag_char(s[j])) ++j;
  return j < s.size() && s[j] == '$' ? j - i + 1 : 0;
}

bool starts_with_at(std::string_view s, size_t i, char a, char b) {
  return i + 1 < s.size() && s[i] == a && s[i + 1] == b;
}

// Skips blanks and comments from `i`.
size_t skip_blank(std::string_view s, size_t i) {
  while (i < s.size()) {
    if (is_space(s[i])) ++i;
    else if (starts_with_at(s, i, '-', '-')) i = skip_line_comment(s, i);
    else if (starts_with_at(s, i, '/', '*')) i = skip_block_comment(s, i);
    else break;
  }
  return i;
}

// psql's heuristic for SQL-standard function bodies: in a statement that
// starts CREATE [OR REPLACE] {FUNCTION|PROCEDURE}, ';' between BEGIN and its
// END does not end the statement (CASE ... END nests inside).
struct BodyTracker {
  char first[4] = {0, 0, 0, 0};
  size_t count = 0;
  int depth = 0;

  void word(std::string_view w, int paren_depth) {
    if (count < 4 && (word_is(w, "create") || word_is(w, "function") || word_is(w, "procedure") ||
                      word_is(w, "or") || word_is(w, "replace")))
      first[count] = lower(w[0]);
    ++count;
    bool routine = first[0] == 'c' &&
                   (first[1] == 'f' || first[1] == 'p' ||
                    (first[1] == 'o' && first[2] == 'r' && (first[3] == 'f' || first[3] == 'p')));
    if (!routine || paren_depth != 0) return;
    if (word_is(w, "begin")) ++depth;
    else if (word_is(w, "case")) { if (depth >= 1) ++depth; }
    else if (word_is(w, "end")) { if (depth > 0) --depth; }
  }
};

}  // namespace

std::vector<StatementRange> split_statements(std::string_view s) {
  std::vector<StatementRange> out;
  const size_t n = s.size();
  // libpq sends C strings: a NUL would end the text the server sees.
  if (const size_t nul = s.find('\0'); nul != std::string_view::npos)
    throw SplitError("NUL byte (0x00) in the SQL", nul);
  size_t pos = 0;
  while (true) {
    const size_t start = skip_blank(s, pos);
    if (start >= n) break;
    size_t i = start;
    int parens = 0;
    BodyTracker body;
    while (i < n) {
      char c = s[i];
      if (c == ';' && parens == 0 && body.depth == 0) break;
      if (starts_with_at(s, i, '-', '-')) {
        i = skip_line_comment(s, i);
      } else if (starts_with_at(s, i, '/', '*')) {
        i = skip_block_comment(s, i);
      } else if (c == '\'') {
        i = skip_quoted(s, i, '\'', false);
      } else if (c == '"') {
        i = skip_quoted(s, i, '"', false);
      } else if (c == '$') {
        size_t tag = dollar_tag_length(s, i);
        if (tag == 0) {
          ++i;
        } else {
          size_t close = s.find(s.substr(i, tag), i + tag);
          if (close == std::string_view::npos)
            throw SplitError("unterminated dollar-quoted string " + std::string(s.substr(i, tag)), i);
          i = close + tag;
        }
      } else if (ident_start(c)) {
        size_t j = i;
        while (j < n && ident_char(s[j])) ++j;
        std::string_view w = s.substr(i, j - i);
        if (j < n && s[j] == '\'' && word_is(w, "e")) {
          try {
            i = skip_quoted(s, j, '\'', true);  // E'...': backslash escapes
          } catch (const SplitError& e) {
            throw SplitError(e.what(), i);  // the string starts at its E
          }
        } else {
          body.word(w, parens);
          i = j;
        }
      } else if (is_digit(c)) {
        // A number (1, 1.5, 1e10): consumed whole so "1$" is no dollar quote.
        while (i < n && (is_digit(s[i]) || is_alpha(s[i]) || s[i] == '_' || s[i] == '.')) ++i;
      } else {
        if (c == '(') ++parens;
        else if (c == ')' && parens > 0) --parens;
        ++i;
      }
    }
    size_t end = i;
    while (end > start && is_space(s[end - 1])) --end;
    if (end > start) out.push_back({start, end - start});
    pos = i < n ? i + 1 : n;
  }
  return out;
}

}  // namespace strata::postgresql
