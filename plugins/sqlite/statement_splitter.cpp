#include "statement_splitter.hpp"

namespace strata::sqlite {

namespace {

// sqlite3_complete()'s tokens and state machine (SQLite's complete.c, in
// the public domain), kept exactly so that statements end where SQLite's
// own tools end them; its tokenizer here reports where an unterminated
// construct starts instead of answering "incomplete".
enum Token { kSemi, kWs, kOther, kExplain, kCreate, kTemp, kTrigger, kEnd };
enum State { kInvalid, kStart, kNormal, kExplainState, kCreateState, kTriggerState, kSemiState, kEndState };

constexpr unsigned char kTrans[8][8] = {
    /*                 SEMI  WS  OTHER EXPLAIN CREATE TEMP TRIGGER END */
    /* 0 INVALID */ {1, 0, 2, 3, 4, 2, 2, 2},
    /* 1 START   */ {1, 1, 2, 3, 4, 2, 2, 2},
    /* 2 NORMAL  */ {1, 2, 2, 2, 2, 2, 2, 2},
    /* 3 EXPLAIN */ {1, 3, 3, 2, 4, 2, 2, 2},
    /* 4 CREATE  */ {1, 4, 2, 2, 2, 4, 5, 2},
    /* 5 TRIGGER */ {6, 5, 5, 5, 5, 5, 5, 5},
    /* 6 SEMI    */ {6, 6, 5, 5, 5, 5, 5, 7},
    /* 7 END     */ {1, 7, 5, 5, 5, 5, 5, 5},
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// SQLite's IdChar(): letters, digits, '_', '$' and every byte >= 0x80.
bool id_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' || u == '$' ||
         u >= 0x80;
}

bool word_is(std::string_view w, std::string_view lower_word) {
  if (w.size() != lower_word.size()) return false;
  for (size_t i = 0; i < w.size(); ++i) {
    char c = w[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_word[i]) return false;
  }
  return true;
}

Token keyword(std::string_view w) {
  if (word_is(w, "create")) return kCreate;
  if (word_is(w, "trigger")) return kTrigger;
  if (word_is(w, "temp") || word_is(w, "temporary")) return kTemp;
  if (word_is(w, "end")) return kEnd;
  if (word_is(w, "explain")) return kExplain;
  return kOther;
}

}  // namespace

std::vector<StatementRange> split_statements(std::string_view s) {
  const size_t n = s.size();
  // A NUL ends the text SQLite's tokenizer sees (and made the old prepare
  // loop spin forever on it): refuse it wherever it is.
  if (const size_t nul = s.find('\0'); nul != std::string_view::npos)
    throw SplitError("NUL byte (0x00) in the SQL", nul);
  std::vector<StatementRange> out;
  int state = kInvalid;
  size_t start = std::string_view::npos;  // first real token of the pending statement
  size_t last = 0;                        // just past its last real token
  auto emit = [&] {
    if (start != std::string_view::npos) out.push_back({start, last - start});
    start = std::string_view::npos;
  };
  size_t i = 0;
  while (i < n) {
    const char c = s[i];
    const size_t at = i;
    Token token;
    if (c == ';') {
      token = kSemi;
      ++i;
    } else if (is_space(c)) {
      token = kWs;
      ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      const size_t close = s.find("*/", i + 2);
      if (close == std::string_view::npos) throw SplitError("unterminated /* comment", at);
      token = kWs;
      i = close + 2;
    } else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
      const size_t nl = s.find('\n', i);
      token = kWs;
      i = nl == std::string_view::npos ? n : nl + 1;
    } else if (c == '[' || c == '`' || c == '"' || c == '\'') {
      // A doubled quote inside is two quoted tokens back to back: the same
      // statement either way.
      const char close = c == '[' ? ']' : c;
      const size_t end = s.find(close, i + 1);
      if (end == std::string_view::npos)
        throw SplitError(c == '\'' ? "unterminated quoted string" : "unterminated quoted identifier", at);
      token = kOther;
      i = end + 1;
    } else if (id_char(c)) {
      size_t j = i + 1;
      while (j < n && id_char(s[j])) ++j;
      token = keyword(s.substr(i, j - i));
      i = j;
    } else {
      token = kOther;
      ++i;
    }
    // Comments and blanks do not start a statement, but inside one they
    // belong to it (a trailing comment included, as the tail of the text).
    if (token != kWs && token != kSemi) {
      if (start == std::string_view::npos) start = at;
      last = i;
    } else if (token == kWs && start != std::string_view::npos && !is_space(c)) {
      last = i;
      while (last > start && is_space(s[last - 1])) --last;  // a line comment's '\n'
    }
    state = kTrans[state][token];
    if (token == kSemi && state == kStart) emit();
    else if (token == kSemi && start != std::string_view::npos) last = i;  // ';' inside a trigger body
  }
  emit();
  return out;
}

}  // namespace strata::sqlite
