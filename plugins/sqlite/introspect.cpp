// ABI 1.2 introspect() for SQLite: the "main" schema as a catalog document,
// format 1 (src/schema/include/strata/schema/catalog.hpp).
//
// Where each field comes from:
//  - SQLite's own catalog, read in a fixed number of statements whatever the
//    number of tables (one per kind of object, each joining sqlite_master
//    with a table-valued pragma across all tables): sqlite_master (tables,
//    views, index SQL); pragma_table_xinfo (columns: name, declared type, NOT
//    NULL, default, primary key position); pragma_index_list joined with
//    pragma_index_xinfo (indexes and UNIQUE constraints: origin, uniqueness,
//    partial, key columns, DESC, collation); pragma_foreign_key_list
//    (foreign keys: columns, referenced table and columns, ON DELETE/UPDATE).
//    All of them run in one read transaction, so they see one snapshot.
//  - What SQLite keeps only in the stored CREATE TABLE / CREATE INDEX /
//    CREATE VIEW / CREATE TRIGGER text (constraint names, CHECK expressions, AUTOINCREMENT,
//    column COLLATE, DEFERRABLE, index expressions and WHERE clauses, a
//    view's SELECT) is read from that text by a small reader over SQLite's
//    tokens (quotes, nested parentheses, comments): read_create_table,
//    read_create_index, read_view_definition, read_trigger_definition below. Expressions taken from
//    the text are written with comments removed and each run of blanks (or
//    comments) between tokens made one space (none after '(' or before ')'
//    and ','), so the same schema laid out otherwise gives the same catalog.
//    Defaults are pragma_table_xinfo's text as is (SQLite drops the
//    parentheses of DEFAULT (expr)).
//
// Decisions the format leaves to the dialect:
//  - nullable is false for an INTEGER PRIMARY KEY of a rowid table (the
//    rowid can never be NULL, though the pragma reports no NOT NULL), else
//    the pragma's NOT NULL.
//  - collation: the column's COLLATE unless BINARY (SQLite has no table
//    default); NOCASE and RTRIM in upper case (names are case-insensitive).
//  - REFERENCES without columns: ref_columns are the referenced table's
//    primary key, which is what SQLite uses ([] if that table is unknown);
//    ref_table and ref_columns are written as the referenced table defines
//    them (SQLite matches them case-insensitively).
//  - Virtual tables and their shadow tables are not listed: the format
//    cannot describe a module.
//  - triggers: those of sqlite_master on a listed table (tbl_name matched
//    case-insensitively, as SQLite does), by name; the definition is the
//    stored CREATE TRIGGER statement laid out as expressions are (SQLite
//    itself drops IF NOT EXISTS and writes CREATE TRIGGER in upper case).
//    Triggers on views (INSTEAD OF) are not listed: the format holds
//    triggers per table.
//
// What SQLite does not have is written as the format allows: schema,
// comments, identity, index method and prefix, ref_schema are null;
// sequences and enums are []. What the format cannot hold is left out: a
// generated column's expression (the column is listed, default null), a
// view's column list, the collation of an index or UNIQUE key column.
//
// The text reader never guesses: text that does not match what the pragmas
// report (a foreign key or UNIQUE constraint the text does not show, an
// index whose column count differs) fails introspection with the table
// named, rather than returning a catalog with a silently wrong name.
#include "introspect.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "strata/plugin_support.hpp"

namespace strata::sqlite {
namespace {

using Json = nlohmann::ordered_json;  // keys in the documented order

// ---------------------------------------------------------------------------
// Small helpers

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_ascii(c);
  return out;
}

// SQLite compares identifiers case-insensitively, for ASCII letters only.
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  return true;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool iequals(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!iequals(a[i], b[i])) return false;
  return true;
}

// A failure of the text reader or of matching text to pragmas.
struct ReadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A failed SQLite call (message read before the statement is finalized).
struct SqliteError : std::runtime_error {
  SqliteError(int code, const std::string& message) : std::runtime_error(message), rc(code) {}
  int rc;
};

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

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

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
// What the stored CREATE statements say that the pragmas do not.

struct TextColumn {
  std::string name;
  std::optional<std::string> collation;  // COLLATE in the column definition
  bool autoincrement = false;
  bool primary_key_desc = false;  // column-level PRIMARY KEY DESC (never a rowid alias)
};

struct TextUnique {
  std::optional<std::string> name;
  std::vector<std::string> columns;
  std::vector<std::optional<std::string>> collations;  // COLLATE per element, if written
  bool used = false;
};

struct TextForeignKey {
  std::optional<std::string> name;
  std::vector<std::string> columns;
  std::string ref_table;
  std::vector<std::string> ref_columns;
  bool deferrable = false;
  bool initially_deferred = false;
  bool used = false;
};

struct TextCheck {
  std::optional<std::string> name;
  std::string expression;
};

struct TableText {
  std::vector<TextColumn> columns;
  std::optional<std::string> primary_key_name;
  std::vector<TextUnique> uniques;  // in the order written (= SQLite's autoindex order)
  std::vector<TextForeignKey> foreign_keys;
  std::vector<TextCheck> checks;
  bool without_rowid = false;

  TextColumn* column(std::string_view name) {
    for (auto& c : columns)
      if (iequals(c.name, name)) return &c;
    return nullptr;
  }
};

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

struct IndexText {
  std::vector<std::string> elements;  // expression text per key column, COLLATE/ASC/DESC removed
  std::optional<std::string> where;
};

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

// ---------------------------------------------------------------------------
// normalized_type: lower case, blanks collapsed (none next to parentheses and
// commas), and the catalog's synonyms folded.

std::string normalized_type(std::string_view declared) {
  std::string s;
  bool blank = false;
  for (char c : declared) {
    if (is_blank(c)) {
      blank = true;
      continue;
    }
    const bool tight = c == '(' || c == ')' || c == ',';
    if (blank && !s.empty() && !tight && s.back() != '(' && s.back() != ',') s += ' ';
    blank = false;
    s += lower_ascii(c);
  }
  // base name, arguments, words after the arguments ("timestamp(3) with time zone")
  std::string base = s, args, suffix;
  if (const auto p = s.find('('); p != std::string::npos) {
    const auto q = s.find(')', p);
    base = s.substr(0, p);
    if (!base.empty() && base.back() == ' ') base.pop_back();
    args = q == std::string::npos ? s.substr(p) : s.substr(p, q - p + 1);
    suffix = q == std::string::npos ? "" : s.substr(q + 1);
    if (!suffix.empty() && suffix.front() == ' ') suffix.erase(0, 1);
    if (!suffix.empty()) base += " " + suffix;
  }
  static const std::map<std::string, std::string> folds = {
      {"int", "integer"},
      {"int4", "integer"},
      {"integer", "integer"},
      {"int2", "smallint"},
      {"int8", "bigint"},
      {"character varying", "varchar"},
      {"varchar", "varchar"},
      {"character", "char"},
      {"char", "char"},
      {"bool", "boolean"},
      {"boolean", "boolean"},
      {"decimal", "numeric"},
      {"numeric", "numeric"},
      {"float8", "double"},
      {"double precision", "double"},
      {"double", "double"},
      {"float4", "real"},
      {"real", "real"},
      {"timestamp without time zone", "timestamp"},
      {"timestamp with time zone", "timestamptz"},
      {"time without time zone", "time"},
  };
  const auto f = folds.find(base);
  if (f == folds.end()) return s;
  return f->second + args;
}

// ---------------------------------------------------------------------------
// Reading SQLite's catalog

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    const int rc = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    if (rc != SQLITE_OK) throw SqliteError(rc, sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw SqliteError(rc, sqlite3_errmsg(db_));
  }
  std::optional<std::string> text(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  std::string str(int col) const { return text(col).value_or(""); }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw SqliteError(rc, sqlite3_errmsg(db));
}

struct PragmaColumn {
  std::string name, type;
  bool notnull = false;
  std::optional<std::string> dflt;
  int64_t pk = 0;  // position in the primary key, 0 if not in it
};

struct PragmaIndexColumn {
  int64_t cid = 0;  // -2: an expression
  std::optional<std::string> name;
  bool descending = false;
  std::string collation;
};

struct PragmaIndex {
  std::string name, origin;  // origin: c (CREATE INDEX), u (UNIQUE), pk
  bool unique = false, partial = false;
  std::vector<PragmaIndexColumn> columns;
};

struct PragmaForeignKey {
  std::string table;
  std::vector<std::string> from;
  std::vector<std::optional<std::string>> to;
  std::string on_update, on_delete;
};

struct TableData {
  std::string sql;
  std::vector<PragmaColumn> columns;
  std::map<std::string, PragmaIndex> indexes;
  std::map<int64_t, PragmaForeignKey> foreign_keys;  // by pragma id
};

// The tables of "main" the pragma queries read: sqlite_* tables and virtual
// tables (whose module the catalog cannot describe; their pragmas may need
// the module) are left out. Excluded and shadow tables are dropped from the
// results by name (they are not in query 1's list).
constexpr const char* kTableFilter =
    "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'";

Json opt(const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); }

// "Sorted by name, unnamed last", then by `rest`.
bool name_first(const std::optional<std::string>& a, const std::optional<std::string>& b, bool rest_less) {
  if (a.has_value() != b.has_value()) return a.has_value();
  if (a && *a != *b) return *a < *b;
  return rest_less;
}

// The autoindex number N of sqlite_autoindex_<table>_N: SQLite numbers the
// indexes of a table's PRIMARY KEY and UNIQUE constraints in written order.
int64_t autoindex_number(const std::string& name) {
  const auto p = name.rfind('_');
  return p == std::string::npos ? 0 : std::strtoll(name.c_str() + p + 1, nullptr, 10);
}

std::string catalog_json(sqlite3* db, const std::set<std::string>& excluded) {
  std::map<std::string, TableData> tables;     // by name: the catalog's order
  std::map<std::string, std::string> views;    // name -> SQL
  std::map<std::string, std::string> index_sql;  // name -> SQL (CREATE INDEX only)
  std::map<std::string, std::map<std::string, std::string>> triggers;  // lower table name -> name -> SQL
  auto included = [&](const std::string& table) { return excluded.count(lower(table)) == 0; };

  {  // 1. sqlite_master: tables, views, triggers, the SQL of indexes (autoindexes have none).
    // The shadow tables a virtual table keeps its data in (fts5's x_data,
    // x_idx ...) belong to it: left out with it (pragma_table_list, 3.37+,
    // knows them when the module is loaded).
    std::string tables_sql = kTableFilter;
    if (sqlite3_libversion_number() >= 3037000)
      tables_sql += " AND m.name NOT IN (SELECT s.name FROM pragma_table_list AS s "
                    "WHERE s.schema = 'main' AND s.type = 'shadow')";
    const std::string query = "SELECT m.type, m.name, m.sql, m.tbl_name FROM main.sqlite_master AS m "
                              "WHERE (m.type IN ('view', 'index', 'trigger') AND m.sql IS NOT NULL) OR (" +
                              tables_sql + ")";
    Statement st(db, query.c_str());
    while (st.step()) {
      const std::string type = st.str(0), name = st.str(1), sql = st.str(2);
      if (type == "table" && included(name)) tables[name].sql = sql;
      else if (type == "view") views[name] = sql;
      else if (type == "index") index_sql[name] = sql;
      else if (type == "trigger") triggers[lower(st.str(3))][name] = sql;
    }
  }
  {  // 2. columns of every table
    Statement st(db, (std::string("SELECT m.name, c.name, c.type, c.\"notnull\", c.dflt_value, c.pk "
                                  "FROM main.sqlite_master AS m, pragma_table_xinfo(m.name, 'main') AS c WHERE ") +
                      kTableFilter + " ORDER BY m.name, c.cid")
                         .c_str());
    while (st.step()) {
      auto it = tables.find(st.str(0));
      if (it == tables.end()) continue;
      it->second.columns.push_back({st.str(1), st.str(2), st.integer(3) != 0, st.text(4), st.integer(5)});
    }
  }
  {  // 3. indexes (CREATE INDEX, UNIQUE and PRIMARY KEY constraints) with their key columns
    Statement st(db, (std::string("SELECT m.name, il.name, il.\"unique\", il.origin, il.partial, "
                                  "ix.cid, ix.name, ix.\"desc\", ix.coll "
                                  "FROM main.sqlite_master AS m, pragma_index_list(m.name, 'main') AS il, "
                                  "pragma_index_xinfo(il.name, 'main') AS ix WHERE ") +
                      kTableFilter + " AND ix.key = 1 ORDER BY m.name, il.name, ix.seqno")
                         .c_str());
    while (st.step()) {
      auto it = tables.find(st.str(0));
      if (it == tables.end()) continue;
      PragmaIndex& index = it->second.indexes[st.str(1)];
      index.name = st.str(1);
      index.unique = st.integer(2) != 0;
      index.origin = st.str(3);
      index.partial = st.integer(4) != 0;
      index.columns.push_back({st.integer(5), st.text(6), st.integer(7) != 0, st.str(8)});
    }
  }
  {  // 4. foreign keys
    Statement st(db, (std::string("SELECT m.name, fk.id, fk.\"table\", fk.\"from\", fk.\"to\", fk.on_update, "
                                  "fk.on_delete FROM main.sqlite_master AS m, "
                                  "pragma_foreign_key_list(m.name, 'main') AS fk WHERE ") +
                      kTableFilter + " ORDER BY m.name, fk.id, fk.seq")
                         .c_str());
    while (st.step()) {
      auto it = tables.find(st.str(0));
      if (it == tables.end()) continue;
      PragmaForeignKey& fk = it->second.foreign_keys[st.integer(1)];
      fk.table = st.str(2);
      fk.from.push_back(st.str(3));
      fk.to.push_back(st.text(4));
      fk.on_update = st.str(5);
      fk.on_delete = st.str(6);
    }
  }

  // Tables by name in any case, to write referenced tables and columns as
  // they are defined (SQLite resolves REFERENCES case-insensitively).
  std::map<std::string, const std::pair<const std::string, TableData>*> by_lower;
  for (const auto& entry : tables) by_lower[lower(entry.first)] = &entry;

  Json out_tables = Json::array();
  for (const auto& [table_name, data] : tables) {
    try {
      TableText text = read_create_table(data.sql);

      Json columns = Json::array();
      std::vector<std::pair<int64_t, std::string>> pk;
      for (const PragmaColumn& c : data.columns) {
        const TextColumn* tc = text.column(c.name);
        if (!tc) throw ReadError("column " + c.name + " is not in the stored CREATE TABLE");
        // SQLite has no table default collation: BINARY unless the column
        // says otherwise. Collation names are case-insensitive: the built-in
        // ones are written in upper case, others as defined.
        std::optional<std::string> collation = tc->collation;
        if (collation && iequals(*collation, "BINARY")) collation.reset();
        if (collation && (iequals(*collation, "NOCASE") || iequals(*collation, "RTRIM")))
          for (char& ch : *collation) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
        Json col;
        col["name"] = c.name;
        col["type"] = c.type;  // the declared type, "" if none
        col["normalized_type"] = normalized_type(c.type);
        col["nullable"] = !c.notnull;
        col["default"] = opt(c.dflt);  // as written (SQLite keeps the text)
        col["identity"] = nullptr;     // SQLite has no identity columns
        col["autoincrement"] = tc->autoincrement;
        col["collation"] = opt(collation);
        col["comment"] = nullptr;  // SQLite has no comments
        columns.push_back(std::move(col));
        if (c.pk > 0) pk.emplace_back(c.pk, c.name);
      }
      std::sort(pk.begin(), pk.end());
      // An INTEGER PRIMARY KEY of a rowid table is the rowid: never NULL,
      // though pragma_table_xinfo reports it without NOT NULL unless written
      // (a WITHOUT ROWID table's key columns are reported NOT NULL already).
      if (pk.size() == 1 && !text.without_rowid)
        for (auto& col : columns)
          if (col["name"] == pk[0].second && iequals(col["type"].get<std::string>(), "INTEGER") &&
              !text.column(pk[0].second)->primary_key_desc)
            col["nullable"] = false;
      Json primary_key = nullptr;
      if (!pk.empty()) {
        primary_key = Json::object();
        primary_key["name"] = opt(text.primary_key_name);
        primary_key["columns"] = Json::array();
        for (const auto& p : pk) primary_key["columns"].push_back(p.second);
      }

      // UNIQUE constraints: the indexes SQLite made for them (origin 'u'; a
      // constraint identical to another, or to the primary key, makes
      // none), named from the text in written order.
      auto column_collation = [&](const std::string& column) {
        const TextColumn* tc = text.column(column);
        return tc && tc->collation ? *tc->collation : std::string("BINARY");
      };
      std::vector<const PragmaIndex*> unique_indexes;
      for (const auto& entry : data.indexes)
        if (entry.second.origin == "u") unique_indexes.push_back(&entry.second);
      std::sort(unique_indexes.begin(), unique_indexes.end(), [](const PragmaIndex* a, const PragmaIndex* b) {
        return autoindex_number(a->name) < autoindex_number(b->name);
      });
      struct Key {
        std::optional<std::string> name;
        std::vector<std::string> columns;
      };
      std::vector<Key> uniques;
      for (const PragmaIndex* index : unique_indexes) {
        std::vector<std::string> cols;
        for (const auto& c : index->columns) {
          if (!c.name) throw ReadError("UNIQUE constraint index " + index->name + " has an expression");
          cols.push_back(*c.name);
        }
        auto same_collations = [&](const TextUnique& u) {
          for (size_t k = 0; k < cols.size(); ++k)
            if (!iequals(u.collations[k].value_or(column_collation(u.columns[k])), index->columns[k].collation))
              return false;
          return true;
        };
        TextUnique* match = nullptr;
        for (int pass = 0; pass < 2 && !match; ++pass)
          for (auto& u : text.uniques)
            if (!u.used && iequals(u.columns, cols) && (pass == 1 || same_collations(u))) {
              match = &u;
              break;
            }
        if (!match) throw ReadError("UNIQUE (" + join_names(cols) + ") is not in the stored CREATE TABLE");
        match->used = true;
        uniques.push_back({match->name, cols});
      }
      std::sort(uniques.begin(), uniques.end(),
                [](const Key& a, const Key& b) { return name_first(a.name, b.name, a.columns < b.columns); });
      Json unique_constraints = Json::array();
      for (const Key& k : uniques) {
        Json u;
        u["name"] = opt(k.name);
        u["columns"] = k.columns;
        unique_constraints.push_back(std::move(u));
      }

      // Indexes made by CREATE INDEX (sorted by name: the map's order).
      Json indexes = Json::array();
      for (const auto& [index_name, index] : data.indexes) {
        if (index.origin != "c") continue;
        const auto sql = index_sql.find(index_name);
        if (sql == index_sql.end()) throw ReadError("index " + index_name + " has no stored SQL");
        IndexText itext;
        try {
          itext = read_create_index(sql->second);
        } catch (const ReadError& e) {
          throw ReadError("index " + index_name + ": " + e.what());
        }
        if (itext.elements.size() != index.columns.size())
          throw ReadError("index " + index_name + ": the stored SQL lists " + std::to_string(itext.elements.size()) +
                          " columns, SQLite " + std::to_string(index.columns.size()));
        if (index.partial && !itext.where) throw ReadError("index " + index_name + ": partial, but no WHERE found");
        Json ix;
        ix["name"] = index_name;
        ix["unique"] = index.unique;
        ix["columns"] = Json::array();
        for (size_t k = 0; k < index.columns.size(); ++k) {
          const PragmaIndexColumn& c = index.columns[k];
          const bool expression = c.cid < 0 || !c.name;  // -2: expression (-1, the rowid, is written as text too)
          Json col;
          col["column"] = expression ? Json(nullptr) : Json(*c.name);
          col["expression"] = expression ? Json(itext.elements[k]) : Json(nullptr);
          col["descending"] = c.descending;
          col["prefix"] = nullptr;  // no prefix indexes in SQLite
          ix["columns"].push_back(std::move(col));
        }
        ix["where"] = index.partial ? Json(*itext.where) : Json(nullptr);
        ix["method"] = nullptr;  // SQLite has one kind of index
        indexes.push_back(std::move(ix));
      }

      // Foreign keys: pragma ids count from the last one written, so the
      // text is matched by content, in written order.
      struct Fk {
        std::optional<std::string> name;
        std::vector<std::string> columns;
        std::string ref_table;
        std::vector<std::string> ref_columns;
        std::optional<std::string> on_delete, on_update;
        bool deferrable, initially_deferred;
        auto key() const {
          return std::tie(columns, ref_table, ref_columns, on_delete, on_update, deferrable, initially_deferred);
        }
      };
      std::vector<Fk> fks;
      for (auto it = data.foreign_keys.rbegin(); it != data.foreign_keys.rend(); ++it) {
        const PragmaForeignKey& p = it->second;
        std::vector<std::string> to;
        for (const auto& c : p.to)
          if (c) to.push_back(*c);
        TextForeignKey* match = nullptr;
        for (auto& f : text.foreign_keys)
          if (!f.used && iequals(f.columns, p.from) && iequals(f.ref_table, p.table) && iequals(f.ref_columns, to)) {
            match = &f;
            break;
          }
        if (!match)
          throw ReadError("FOREIGN KEY (" + join_names(p.from) + ") REFERENCES " + p.table +
                          " is not in the stored CREATE TABLE");
        match->used = true;
        Fk fk{match->name, p.from, p.table, to, std::nullopt, std::nullopt, match->deferrable, match->initially_deferred};
        // The referenced table and columns as they are defined; REFERENCES
        // without columns means the referenced table's primary key.
        if (auto ref = by_lower.find(lower(p.table)); ref != by_lower.end()) {
          const TableData& rd = ref->second->second;
          fk.ref_table = ref->second->first;
          if (fk.ref_columns.empty()) {
            std::vector<std::pair<int64_t, std::string>> rpk;
            for (const auto& c : rd.columns)
              if (c.pk > 0) rpk.emplace_back(c.pk, c.name);
            std::sort(rpk.begin(), rpk.end());
            for (const auto& c : rpk) fk.ref_columns.push_back(c.second);
          } else {
            for (auto& rc : fk.ref_columns)
              for (const auto& c : rd.columns)
                if (iequals(c.name, rc)) rc = c.name;
          }
        }
        auto action = [](const std::string& a) -> std::optional<std::string> {
          if (a.empty() || iequals(a, "NO ACTION")) return std::nullopt;  // the format's null = NO ACTION
          return a;
        };
        fk.on_delete = action(p.on_delete);
        fk.on_update = action(p.on_update);
        fks.push_back(std::move(fk));
      }
      std::sort(fks.begin(), fks.end(), [](const Fk& a, const Fk& b) { return name_first(a.name, b.name, a.key() < b.key()); });
      Json foreign_keys = Json::array();
      for (const Fk& f : fks) {
        Json fk;
        fk["name"] = opt(f.name);
        fk["columns"] = f.columns;
        fk["ref_schema"] = nullptr;  // SQLite: no schemas
        fk["ref_table"] = f.ref_table;
        fk["ref_columns"] = f.ref_columns;
        fk["on_delete"] = opt(f.on_delete);
        fk["on_update"] = opt(f.on_update);
        fk["deferrable"] = f.deferrable;
        fk["initially_deferred"] = f.initially_deferred;
        foreign_keys.push_back(std::move(fk));
      }

      std::sort(text.checks.begin(), text.checks.end(), [](const TextCheck& a, const TextCheck& b) {
        return name_first(a.name, b.name, a.expression < b.expression);
      });
      Json checks = Json::array();
      for (const TextCheck& c : text.checks) {
        Json ck;
        ck["name"] = opt(c.name);
        ck["expression"] = c.expression;
        checks.push_back(std::move(ck));
      }

      Json table;
      table["schema"] = nullptr;   // SQLite: no schemas
      table["name"] = table_name;
      table["comment"] = nullptr;  // SQLite has no comments
      table["columns"] = std::move(columns);
      table["primary_key"] = std::move(primary_key);
      table["unique_constraints"] = std::move(unique_constraints);
      table["indexes"] = std::move(indexes);
      table["foreign_keys"] = std::move(foreign_keys);
      table["checks"] = std::move(checks);
      Json out_triggers = Json::array();
      for (const auto& [name, sql] : triggers[lower(table_name)]) {
        try {
          out_triggers.push_back({{"name", name}, {"definition", read_trigger_definition(sql)}});
        } catch (const ReadError& e) {
          throw ReadError("trigger " + name + ": " + e.what());
        }
      }
      table["triggers"] = std::move(out_triggers);
      out_tables.push_back(std::move(table));
    } catch (const ReadError& e) {
      throw ReadError("table " + table_name + ": " + e.what());
    }
  }

  Json out_views = Json::array();
  for (const auto& [name, sql] : views) {
    Json v;
    v["schema"] = nullptr;
    v["name"] = name;
    try {
      v["definition"] = read_view_definition(sql);
    } catch (const ReadError& e) {
      throw ReadError("view " + name + ": " + e.what());
    }
    out_views.push_back(std::move(v));
  }

  Json doc;
  doc["format"] = 1;
  doc["dialect"] = "sqlite";
  doc["tables"] = std::move(out_tables);
  doc["views"] = std::move(out_views);
  doc["sequences"] = Json::array();  // SQLite has none (AUTOINCREMENT is a column property)
  doc["enums"] = Json::array();      // nor enum types
  return doc.dump();
}

strata_status fail(strata_error** error, strata_status status, const std::string& message, int64_t native = 0) {
  return strata::plugin::set_error(error, status, message, "", native, -1, -1, 0);
}

strata_status status_of(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return STRATA_LOCK_TIMEOUT;
    default: return STRATA_ERROR;
  }
}

// Lower-cased names of the tables to leave out; throws std::invalid_argument.
std::set<std::string> read_options(const char* options) {
  std::set<std::string> excluded;
  if (!options || !*options) return excluded;
  const Json o = Json::parse(options);  // parse_error names the position
  if (!o.is_object()) throw std::invalid_argument("expected a JSON object");
  if (auto it = o.find("exclude_tables"); it != o.end() && !it->is_null()) {
    if (!it->is_array()) throw std::invalid_argument("exclude_tables: expected an array of table names");
    for (const auto& name : *it) {
      if (!name.is_string()) throw std::invalid_argument("exclude_tables: expected an array of table names");
      excluded.insert(lower(name.get<std::string>()));
    }
  }
  if (auto it = o.find("schemas"); it != o.end() && !it->is_null()) {
    if (!it->is_array()) throw std::invalid_argument("schemas: expected an array of schema names");
    for (const auto& name : *it)
      if (!name.is_string() || name.get<std::string>() != "main")
        throw std::invalid_argument("schemas: SQLite introspects only \"main\"");
  }
  return excluded;
}

}  // namespace

strata_status introspect(sqlite3* db, const char* options, strata_string_list** out, strata_error** error) {
  bool own_transaction = false;
  try {
    if (out) *out = nullptr;
    std::set<std::string> excluded;
    try {
      excluded = read_options(options);
    } catch (const std::exception& e) {
      return fail(error, STRATA_ERROR, std::string("introspect: invalid options: ") + e.what());
    }
    // One read transaction: the queries below see one snapshot. Inside the
    // caller's transaction they simply run in it.
    if (sqlite3_get_autocommit(db)) {
      exec(db, "BEGIN");
      own_transaction = true;
    }
    std::string doc = catalog_json(db, excluded);
    if (own_transaction) {
      own_transaction = false;
      exec(db, "COMMIT");
    }
    strata_string_list* list = strata::plugin::new_string_list({doc});
    if (!list || !list->items || !list->items[0]) {
      strata::plugin::string_list_free(list);
      throw std::bad_alloc();
    }
    *out = list;
    return STRATA_OK;
  } catch (const SqliteError& e) {
    if (own_transaction) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(error, status_of(e.rc), std::string("introspect: ") + e.what(), e.rc);
  } catch (const ReadError& e) {
    if (own_transaction) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(error, STRATA_ERROR, std::string("introspect: cannot read the stored schema of ") + e.what());
  } catch (const nlohmann::json::type_error& e) {  // a name or text that is not UTF-8
    if (own_transaction) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(error, STRATA_ERROR,
                std::string("introspect: the schema holds text that is not valid UTF-8: ") + e.what());
  } catch (const std::bad_alloc&) {
    if (own_transaction) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(error, STRATA_ERROR, "out of memory");
  } catch (const std::exception& e) {
    if (own_transaction) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(error, STRATA_ERROR, std::string("introspect: ") + e.what());
  } catch (...) {
    if (own_transaction) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(error, STRATA_ERROR, "unknown error in sqlite plugin");
  }
}

}  // namespace strata::sqlite
