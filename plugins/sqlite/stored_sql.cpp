// The reader of SQLite's stored CREATE statements: see stored_sql.hpp for
// what it returns. In two layers: tokens (tokenize, and the helpers that
// walk a token range: is_kw, name_of, close_paren, split_commas, join),
// then the statements read from them.
#include "stored_sql.hpp"

#include <utility>

namespace strata::sqlite {

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  return true;
}

namespace {

// ---------------------------------------------------------------------------
// Tokens of SQLite's SQL, enough to read stored schema text.

enum class Kind { Word, Number, String, Blob, QuotedName, Punct };

struct Token {
  Kind kind;
  std::string_view text;
  bool space_before;  // blanks or a comment precede it
};

using Tokens = std::vector<Token>;

bool word_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         c >= 0x80;
}

// Splits `sql` into tokens; comments and blanks are dropped (recorded as
// space_before on the next token). Throws ReadError on an unterminated quote.
Tokens tokenize(std::string_view sql) {
  Tokens out;
  size_t i = 0;
  const size_t n = sql.size();
  bool space = false;
  // End of the quoted text opening at `start` (a doubled `close` is one).
  auto quoted = [&](size_t start, char close, bool doubled) {
    size_t j = start + 1;
    for (;;) {
      if (j >= n) throw ReadError("unterminated quote in stored SQL");
      if (sql[j] == close) {
        if (doubled && j + 1 < n && sql[j + 1] == close) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      ++j;
    }
  };
  while (i < n) {
    const char c = sql[i];
    if (is_blank(c)) {
      space = true;
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n') ++i;
      space = true;
      continue;
    }
    if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      const size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? n : end + 2;  // SQLite: an open comment runs to the end
      space = true;
      continue;
    }
    size_t end = i + 1;
    Kind kind = Kind::Punct;
    if (c == '\'') {
      end = quoted(i, '\'', true), kind = Kind::String;
    } else if (c == '"') {
      end = quoted(i, '"', true), kind = Kind::QuotedName;
    } else if (c == '`') {
      end = quoted(i, '`', true), kind = Kind::QuotedName;
    } else if (c == '[') {
      end = quoted(i, ']', false), kind = Kind::QuotedName;
    } else if ((c == 'x' || c == 'X') && i + 1 < n && sql[i + 1] == '\'') {
      end = quoted(i + 1, '\'', true), kind = Kind::Blob;  // blob literal x'..': one token
    } else if ((c >= '0' && c <= '9') || (c == '.' && i + 1 < n && sql[i + 1] >= '0' && sql[i + 1] <= '9')) {
      kind = Kind::Number;
      while (end < n) {
        const char d = sql[end];
        if ((d == '+' || d == '-') && (sql[end - 1] == 'e' || sql[end - 1] == 'E') &&
            !(sql[i] == '0' && i + 1 < n && (sql[i + 1] == 'x' || sql[i + 1] == 'X')))
          ++end;
        else if (word_char(static_cast<unsigned char>(d)) || d == '.')
          ++end;
        else
          break;
      }
    } else if (word_char(static_cast<unsigned char>(c))) {
      kind = Kind::Word;
      while (end < n && word_char(static_cast<unsigned char>(sql[end]))) ++end;
    }
    out.push_back({kind, sql.substr(i, end - i), space});
    space = false;
    i = end;
  }
  return out;
}

bool is_kw(const Tokens& t, size_t i, size_t end, std::string_view kw) {
  return i < end && t[i].kind == Kind::Word && iequals(t[i].text, kw);
}

bool is_punct(const Tokens& t, size_t i, size_t end, char c) {
  return i < end && t[i].kind == Kind::Punct && t[i].text.size() == 1 && t[i].text[0] == c;
}

std::string unquote(std::string_view text, char close) {
  std::string out;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    out += text[i];
    if (text[i] == close && close != ']' && i + 2 < text.size() && text[i + 1] == close) ++i;
  }
  return out;
}

// The name a token stands for ("a b" -> a b). SQLite also accepts a string
// literal where a name is expected.
std::string name_of(const Tokens& t, size_t i, size_t end) {
  if (i >= end) throw ReadError("a name was expected at the end of the definition");
  const Token& k = t[i];
  switch (k.kind) {
    case Kind::Word: return std::string(k.text);
    case Kind::String: return unquote(k.text, '\'');
    case Kind::QuotedName: return unquote(k.text, k.text[0] == '[' ? ']' : k.text[0]);
    default: throw ReadError("a name was expected, found '" + std::string(k.text) + "'");
  }
}

// Index of the ')' closing the '(' at `open`.
size_t close_paren(const Tokens& t, size_t open, size_t end) {
  if (!is_punct(t, open, end, '(')) throw ReadError("'(' expected");
  int depth = 0;
  for (size_t i = open; i < end; ++i) {
    if (is_punct(t, i, end, '(')) ++depth;
    else if (is_punct(t, i, end, ')') && --depth == 0) return i;
  }
  throw ReadError("unbalanced parentheses in stored SQL");
}

// Ranges [b, e) between the commas at depth 0 of t[b, e).
std::vector<std::pair<size_t, size_t>> split_commas(const Tokens& t, size_t b, size_t e) {
  std::vector<std::pair<size_t, size_t>> out;
  int depth = 0;
  size_t start = b;
  for (size_t i = b; i < e; ++i) {
    if (is_punct(t, i, e, '(')) ++depth;
    else if (is_punct(t, i, e, ')')) --depth;
    else if (depth == 0 && is_punct(t, i, e, ',')) {
      out.emplace_back(start, i);
      start = i + 1;
    }
  }
  if (start < e || !out.empty()) out.emplace_back(start, e);
  return out;
}

// The tokens t[b, e) as text: comments dropped, blanks (or comments)
// between two tokens one space, none after '(' or before ')' and ','.
std::string join(const Tokens& t, size_t b, size_t e) {
  std::string out;
  for (size_t i = b; i < e; ++i) {
    if (i > b && t[i].space_before && !is_punct(t, i - 1, e, '(') && !is_punct(t, i, e, ')') &&
        !is_punct(t, i, e, ','))
      out += ' ';
    out += t[i].text;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Column definitions and constraints of a CREATE TABLE.

// One element of an indexed-column list: `expr [COLLATE c] [ASC|DESC]`
// (and, in a table's PRIMARY KEY, AUTOINCREMENT).
struct Element {
  size_t b = 0, e = 0;  // the expression's tokens
  std::optional<std::string> collation;
  bool descending = false;
  bool autoincrement = false;
};

Element read_element(const Tokens& t, size_t b, size_t e) {
  Element el;
  if (e > b && is_kw(t, e - 1, e, "AUTOINCREMENT")) el.autoincrement = true, --e;
  if (e > b && (is_kw(t, e - 1, e, "ASC") || is_kw(t, e - 1, e, "DESC"))) {
    el.descending = is_kw(t, e - 1, e, "DESC");
    --e;
  }
  if (e >= b + 2 && is_kw(t, e - 2, e, "COLLATE")) {
    el.collation = name_of(t, e - 1, e);
    e -= 2;
  }
  if (e <= b) throw ReadError("empty element in a column list");
  el.b = b;
  el.e = e;
  return el;
}

// The column an element names (constraints allow no expressions).
std::string element_column(const Tokens& t, const Element& el) {
  if (el.e - el.b != 1) throw ReadError("a column name was expected, found '" + join(t, el.b, el.e) + "'");
  return name_of(t, el.b, el.e);
}

// Skips `ON CONFLICT <algorithm>`.
size_t skip_conflict(const Tokens& t, size_t i, size_t e) {
  if (is_kw(t, i, e, "ON") && is_kw(t, i + 1, e, "CONFLICT")) return i + 3;
  return i;
}

// `[NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]` at i. SQLite keeps only
// "deferred or not": NOT DEFERRABLE ... and DEFERRABLE INITIALLY IMMEDIATE
// are immediate; the catalog also records whether DEFERRABLE was written.
size_t read_defer(const Tokens& t, size_t i, size_t e, TextForeignKey* fk) {
  const bool negated = is_kw(t, i, e, "NOT");
  if (negated) ++i;
  if (!is_kw(t, i, e, "DEFERRABLE")) throw ReadError("DEFERRABLE expected");
  ++i;
  bool deferred = false;
  if (is_kw(t, i, e, "INITIALLY")) {
    if (is_kw(t, i + 1, e, "DEFERRED")) deferred = true;
    else if (!is_kw(t, i + 1, e, "IMMEDIATE")) throw ReadError("DEFERRED or IMMEDIATE expected after INITIALLY");
    i += 2;
  }
  if (fk) {  // SQLite applies a separate deferrable clause to the table's latest foreign key
    fk->deferrable = !negated;
    fk->initially_deferred = !negated && deferred;
  }
  return i;
}

// `REFERENCES table [(columns)] [ON DELETE|UPDATE|INSERT action | MATCH name]... [deferrable]` at i.
size_t read_references(const Tokens& t, size_t i, size_t e, TextForeignKey& fk) {
  ++i;  // REFERENCES
  fk.ref_table = name_of(t, i, e);
  ++i;
  if (is_punct(t, i, e, '(')) {
    const size_t close = close_paren(t, i, e);
    for (auto [b, end] : split_commas(t, i + 1, close)) fk.ref_columns.push_back(element_column(t, read_element(t, b, end)));
    i = close + 1;
  }
  for (;;) {
    if (is_kw(t, i, e, "ON") &&
        (is_kw(t, i + 1, e, "DELETE") || is_kw(t, i + 1, e, "UPDATE") || is_kw(t, i + 1, e, "INSERT"))) {
      i += 2;
      if (is_kw(t, i, e, "SET") && (is_kw(t, i + 1, e, "NULL") || is_kw(t, i + 1, e, "DEFAULT"))) i += 2;
      else if (is_kw(t, i, e, "NO") && is_kw(t, i + 1, e, "ACTION")) i += 2;
      else if (is_kw(t, i, e, "CASCADE") || is_kw(t, i, e, "RESTRICT")) i += 1;
      else throw ReadError("a foreign key action was expected");
    } else if (is_kw(t, i, e, "MATCH")) {
      i += 2;
    } else if (is_kw(t, i, e, "DEFERRABLE") || (is_kw(t, i, e, "NOT") && is_kw(t, i + 1, e, "DEFERRABLE"))) {
      i = read_defer(t, i, e, &fk);
    } else {
      return i;
    }
  }
}

bool starts_column_constraint(const Tokens& t, size_t i, size_t e) {
  for (const char* kw : {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE",
                         "REFERENCES", "GENERATED", "AS", "DEFERRABLE"})
    if (is_kw(t, i, e, kw)) return true;
  return false;
}

bool starts_table_constraint(const Tokens& t, size_t i, size_t e) {
  for (const char* kw : {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"})
    if (is_kw(t, i, e, kw)) return true;
  return false;
}

void read_column(const Tokens& t, size_t b, size_t e, TableText& out) {
  TextColumn col;
  col.name = name_of(t, b, e);
  size_t i = b + 1;
  while (i < e && !starts_column_constraint(t, i, e)) i = is_punct(t, i, e, '(') ? close_paren(t, i, e) + 1 : i + 1;
  std::optional<std::string> pending;  // CONSTRAINT name for the next constraint
  while (i < e) {
    if (is_kw(t, i, e, "CONSTRAINT")) {
      pending = name_of(t, i + 1, e);
      i += 2;
      continue;
    }
    if (is_kw(t, i, e, "PRIMARY")) {
      if (!is_kw(t, i + 1, e, "KEY")) throw ReadError("KEY expected after PRIMARY");
      i += 2;
      for (;;) {
        if (is_kw(t, i, e, "ASC") || is_kw(t, i, e, "DESC")) col.primary_key_desc = is_kw(t, i, e, "DESC"), ++i;
        else if (is_kw(t, i, e, "ON") && is_kw(t, i + 1, e, "CONFLICT")) i += 3;
        else if (is_kw(t, i, e, "AUTOINCREMENT")) col.autoincrement = true, ++i;
        else break;
      }
      out.primary_key_name = pending;
    } else if (is_kw(t, i, e, "NOT") && is_kw(t, i + 1, e, "NULL")) {
      i = skip_conflict(t, i + 2, e);
    } else if (is_kw(t, i, e, "NOT") || is_kw(t, i, e, "DEFERRABLE")) {
      i = read_defer(t, i, e, out.foreign_keys.empty() ? nullptr : &out.foreign_keys.back());
    } else if (is_kw(t, i, e, "NULL")) {
      i = skip_conflict(t, i + 1, e);
    } else if (is_kw(t, i, e, "UNIQUE")) {
      i = skip_conflict(t, i + 1, e);
      out.uniques.push_back({pending, {col.name}, {std::nullopt}});
    } else if (is_kw(t, i, e, "CHECK")) {
      const size_t close = close_paren(t, i + 1, e);
      out.checks.push_back({pending, join(t, i + 2, close)});
      i = close + 1;
    } else if (is_kw(t, i, e, "DEFAULT")) {
      // The default itself comes from pragma_table_xinfo; skip it here.
      ++i;
      if (is_punct(t, i, e, '(')) i = close_paren(t, i, e) + 1;
      else if (is_punct(t, i, e, '+') || is_punct(t, i, e, '-')) i += 2;
      else ++i;
    } else if (is_kw(t, i, e, "COLLATE")) {
      col.collation = name_of(t, i + 1, e);
      i += 2;
    } else if (is_kw(t, i, e, "REFERENCES")) {
      TextForeignKey fk;
      fk.name = pending;
      fk.columns = {col.name};
      i = read_references(t, i, e, fk);
      out.foreign_keys.push_back(std::move(fk));
    } else if (is_kw(t, i, e, "GENERATED") || is_kw(t, i, e, "AS")) {
      if (is_kw(t, i, e, "GENERATED")) {
        ++i;
        if (is_kw(t, i, e, "ALWAYS")) ++i;
        if (!is_kw(t, i, e, "AS")) throw ReadError("AS expected after GENERATED");
      }
      i = close_paren(t, i + 1, e) + 1;
      if (is_kw(t, i, e, "STORED") || is_kw(t, i, e, "VIRTUAL")) ++i;
    } else {
      throw ReadError("unexpected '" + std::string(t[i].text) + "' in the definition of column " + col.name);
    }
    pending.reset();
  }
  out.columns.push_back(std::move(col));
}

// Table constraints, several per comma-separated item if written so (SQLite
// allows them without commas).
void read_table_constraints(const Tokens& t, size_t b, size_t e, TableText& out) {
  std::optional<std::string> pending;
  size_t i = b;
  while (i < e) {
    if (is_kw(t, i, e, "CONSTRAINT")) {
      pending = name_of(t, i + 1, e);
      i += 2;
      continue;
    }
    if (is_kw(t, i, e, "PRIMARY") || is_kw(t, i, e, "UNIQUE")) {
      const bool primary = is_kw(t, i, e, "PRIMARY");
      if (primary && !is_kw(t, ++i, e, "KEY")) throw ReadError("KEY expected after PRIMARY");
      const size_t close = close_paren(t, i + 1, e);
      TextUnique key{pending, {}, {}};
      for (auto [eb, ee] : split_commas(t, i + 2, close)) {
        const Element el = read_element(t, eb, ee);
        key.columns.push_back(element_column(t, el));
        key.collations.push_back(el.collation);
        if (el.autoincrement && primary)
          if (auto* c = out.column(key.columns.back())) c->autoincrement = true;
      }
      if (primary) out.primary_key_name = pending;
      else out.uniques.push_back(std::move(key));
      i = skip_conflict(t, close + 1, e);
    } else if (is_kw(t, i, e, "CHECK")) {
      const size_t close = close_paren(t, i + 1, e);
      out.checks.push_back({pending, join(t, i + 2, close)});
      i = skip_conflict(t, close + 1, e);
    } else if (is_kw(t, i, e, "FOREIGN")) {
      if (!is_kw(t, i + 1, e, "KEY")) throw ReadError("KEY expected after FOREIGN");
      const size_t close = close_paren(t, i + 2, e);
      TextForeignKey fk;
      fk.name = pending;
      for (auto [eb, ee] : split_commas(t, i + 3, close)) fk.columns.push_back(element_column(t, read_element(t, eb, ee)));
      i = close + 1;
      if (!is_kw(t, i, e, "REFERENCES")) throw ReadError("REFERENCES expected after FOREIGN KEY (...)");
      i = read_references(t, i, e, fk);
      out.foreign_keys.push_back(std::move(fk));
    } else if (is_punct(t, i, e, ',')) {
      ++i;
    } else {
      throw ReadError("unexpected '" + std::string(t[i].text) + "' in a table constraint");
    }
    pending.reset();
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// The statements (stored_sql.hpp).

TextColumn* TableText::column(std::string_view name) {
  for (auto& c : columns)
    if (iequals(c.name, name)) return &c;
  return nullptr;
}

// CREATE TABLE name ( column-def, ..., table-constraint, ... ) [options]
TableText read_create_table(std::string_view sql) {
  const Tokens t = tokenize(sql);
  size_t open = 0;
  while (open < t.size() && !is_punct(t, open, t.size(), '(')) ++open;
  if (open == t.size()) throw ReadError("no column list in the stored CREATE TABLE");
  const size_t close = close_paren(t, open, t.size());
  TableText out;
  bool constraints = false;  // SQLite's grammar: columns first, then table constraints
  for (auto [b, e] : split_commas(t, open + 1, close)) {
    if (b == e) throw ReadError("empty item in the stored CREATE TABLE");
    if (!constraints && starts_table_constraint(t, b, e)) constraints = true;
    if (constraints) read_table_constraints(t, b, e, out);
    else read_column(t, b, e, out);
  }
  for (size_t i = close + 1; i < t.size(); ++i)
    if (is_kw(t, i, t.size(), "WITHOUT") && is_kw(t, i + 1, t.size(), "ROWID")) out.without_rowid = true;
  return out;
}

// CREATE [UNIQUE] INDEX name ON table ( indexed-column, ... ) [WHERE expr]
IndexText read_create_index(std::string_view sql) {
  const Tokens t = tokenize(sql);
  const size_t n = t.size();
  size_t i = 0;
  while (i < n && !is_kw(t, i, n, "INDEX")) ++i;
  while (i < n && !is_kw(t, i, n, "ON")) ++i;
  if (i == n) throw ReadError("no ON clause in the stored CREATE INDEX");
  i += 2;  // ON table
  const size_t close = close_paren(t, i, n);
  IndexText out;
  for (auto [b, e] : split_commas(t, i + 1, close)) {
    const Element el = read_element(t, b, e);
    out.elements.push_back(join(t, el.b, el.e));
  }
  i = close + 1;
  if (is_kw(t, i, n, "WHERE")) out.where = join(t, i + 1, n);
  return out;
}

// CREATE VIEW name [(columns)] AS select: the select.
std::string read_view_definition(std::string_view sql) {
  const Tokens t = tokenize(sql);
  const size_t n = t.size();
  size_t i = 0;
  while (i < n && !is_kw(t, i, n, "VIEW")) ++i;
  while (i < n && !is_kw(t, i, n, "AS")) i = is_punct(t, i, n, '(') ? close_paren(t, i, n) + 1 : i + 1;
  if (i == n) throw ReadError("no AS in the stored CREATE VIEW");
  return join(t, i + 1, n);
}

// CREATE TRIGGER ...: the whole statement, laid out as join() does, so it
// is still a statement SQLite runs as it is.
std::string read_trigger_definition(std::string_view sql) {
  const Tokens t = tokenize(sql);
  return join(t, 0, t.size());
}

}  // namespace strata::sqlite
