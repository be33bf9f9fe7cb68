#pragma once
// A reader of the CREATE statements SQLite keeps in sqlite_master (the
// `sql` column), for what only that text holds: constraint names, CHECK
// expressions, AUTOINCREMENT, column COLLATE, DEFERRABLE, index expressions
// and WHERE clauses, a view's SELECT, a trigger's statement. introspect.cpp
// matches what it reads here with what SQLite's pragmas report.
//
// It reads SQLite's tokens (quoted strings and names: 'x', "x", `x`, [x];
// blob literals, numbers, nested parentheses, -- and /* */ comments), not a
// full grammar: the text is expected to be SQL SQLite has accepted and
// stored. Expression text it returns is laid out one way whatever the
// stored layout: comments removed, each run of blanks or comments between
// two tokens made one space, none after '(' or before ')' and ','. So
// "CHECK (  a>0 AND  b  IN ( 1 , 2 ) /* x */ )" gives "a>0 AND b IN (1, 2)",
// and the same schema laid out otherwise reads the same.
//
// Names are returned unquoted ("a""b" -> a"b, [x y] -> x y), as written
// otherwise (SQLite compares them case-insensitively: see iequals). No
// SQLite header needed.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace strata::sqlite {

/// Stored text the reader cannot read (an unterminated quote, unbalanced
/// parentheses, a token it does not expect in a column or constraint
/// definition, no column list, ON or AS where one must be). The message
/// says what was expected or found, not which object: the caller adds that.
/// introspect.cpp also throws it when the text and the pragmas disagree.
struct ReadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------
// SQLite's rules for identifiers and blanks (introspect.cpp uses them too).

/// `c` lower-cased if it is an ASCII capital letter, else `c`.
char lower_ascii(char c);

/// Whether `c` separates tokens: ' ', '\t', '\n', '\r', '\f' or '\v'.
bool is_blank(char c);

/// SQLite's comparison of identifiers: case-insensitive for ASCII letters
/// only ("Ä" and "ä" differ).
bool iequals(std::string_view a, std::string_view b);

// ---------------------------------------------------------------------------
// What a stored CREATE TABLE says that the pragmas do not.

/// One column definition. `name` as written, unquoted.
struct TextColumn {
  std::string name;
  std::optional<std::string> collation;  // COLLATE in the column definition, as written
  bool autoincrement = false;            // AUTOINCREMENT on the column or in PRIMARY KEY (...)
  bool primary_key_desc = false;         // column-level PRIMARY KEY DESC (never a rowid alias)
};

/// A UNIQUE constraint, column-level (one column) or table-level.
struct TextUnique {
  std::optional<std::string> name;                     // CONSTRAINT name, if written
  std::vector<std::string> columns;                    // in key order
  std::vector<std::optional<std::string>> collations;  // COLLATE per column, if written
  // False as read; the caller marks the ones it has matched.
  bool used = false;
};

/// A foreign key, column-level (REFERENCES on a column) or table-level.
/// ON DELETE/UPDATE actions are not kept: the pragma reports them.
struct TextForeignKey {
  std::optional<std::string> name;       // CONSTRAINT name, if written
  std::vector<std::string> columns;      // the referencing columns
  std::string ref_table;                 // as written
  std::vector<std::string> ref_columns;  // [] when REFERENCES names no columns
  bool deferrable = false;               // DEFERRABLE written (not NOT DEFERRABLE)
  bool initially_deferred = false;       // ... and INITIALLY DEFERRED
  // False as read; the caller marks the ones it has matched.
  bool used = false;
};

/// A CHECK constraint, column-level or table-level.
struct TextCheck {
  std::optional<std::string> name;  // CONSTRAINT name, if written
  std::string expression;           // laid out as described at the top
};

/// A stored CREATE TABLE, read. Lists are in written order: for `uniques`
/// that is the order of the indexes SQLite makes for them
/// (sqlite_autoindex_<table>_N, numbered as written).
struct TableText {
  std::vector<TextColumn> columns;
  std::optional<std::string> primary_key_name;  // CONSTRAINT name of the PRIMARY KEY, if written
  std::vector<TextUnique> uniques;
  std::vector<TextForeignKey> foreign_keys;
  std::vector<TextCheck> checks;
  bool without_rowid = false;

  /// The column named `name` (compared as iequals does), or nullptr.
  TextColumn* column(std::string_view name);
};

/// Reads `CREATE TABLE name (column-def, ..., table-constraint, ...) [options]`.
/// Column definitions come first, table constraints after (SQLite's
/// grammar); a default or a generated column's expression is skipped (the
/// pragma reports the default). Throws ReadError (above).
TableText read_create_table(std::string_view sql);

// ---------------------------------------------------------------------------
// Indexes, views, triggers.

/// A stored CREATE INDEX, read.
struct IndexText {
  std::vector<std::string> elements;  // expression text per key column, COLLATE/ASC/DESC removed
  std::optional<std::string> where;   // a partial index's WHERE expression
};

/// Reads `CREATE [UNIQUE] INDEX name ON table (indexed-column, ...) [WHERE expr]`:
/// one element per key column, in order (a plain column is its name as
/// written, quotes kept). Throws ReadError (above), e.g. when there is no
/// ON clause.
IndexText read_create_index(std::string_view sql);

/// The SELECT of `CREATE VIEW name [(columns)] AS select`, laid out as
/// described at the top. Throws ReadError (above), e.g. when there is no AS.
std::string read_view_definition(std::string_view sql);

/// The whole CREATE TRIGGER statement laid out as described at the top, so
/// it is still a statement SQLite runs as it is. Throws ReadError only on an
/// unterminated quote.
std::string read_trigger_definition(std::string_view sql);

}  // namespace strata::sqlite
