#pragma once
// The schema diff: two catalogs of one dialect in, the ordered list of
// changes that turns the first into the second out. Pure (no database, no
// dialect SQL): the plugins render changes as SQL, the commands print them.
#include <optional>
#include <string>
#include <vector>

#include "strata/schema/catalog.hpp"

namespace strata::schema {

/// One change, in the order it must be applied. `table` is the qualified
/// table it belongs to ("" for enums, sequences and views); the payloads
/// set are those its kind needs (create_table: table_after; drop_table:
/// table_before; alter_column: column_before and column_after; ...).
/// table_before/table_after are also set for every change on an existing
/// table, so a dialect that rebuilds tables (SQLite) has the whole picture.
struct Change {
  enum class Kind {
    CreateSchema,
    DropTrigger,
    DropView,
    DropForeignKey,
    DropIndex,
    DropUnique,
    DropCheck,
    DropPrimaryKey,
    CreateEnum,
    AddEnumValue,
    CreateSequence,
    AlterSequence,
    CreateTable,
    AddColumn,
    AlterColumn,
    DropColumn,
    AddPrimaryKey,
    AddUnique,
    AddCheck,
    CreateIndex,
    DropTable,
    AddForeignKey,
    DropSequence,
    DropEnum,
    CreateView,
    CreateTrigger,
    SetTableComment,
    DropSchema,
  };
  Kind kind;
  std::string table;
  std::optional<Table> table_before, table_after;
  std::optional<Column> column_before, column_after;
  std::optional<Index> index;
  std::optional<KeyColumns> key;  ///< primary key or unique constraint
  std::optional<ForeignKey> foreign_key;
  std::optional<Check> check;
  std::optional<View> view;
  std::optional<Sequence> sequence;
  std::optional<Enum> enum_type;
  std::optional<Trigger> trigger;  ///< CreateTrigger, DropTrigger
  std::string enum_value;  ///< AddEnumValue
  std::string schema_name;  ///< CreateSchema, DropSchema
  /// Why a person must look before this runs ("destructive: drops table
  /// users and its rows", "rename of name to full_name?", "narrows type
  /// varchar(255) -> varchar(50)"): the -- REVIEW lines of a generated
  /// revision. Empty when the change is safe to apply as is.
  std::vector<std::string> review;

  /// One line for people: "add column users.email varchar(255) NOT NULL".
  std::string describe() const;
  /// Kind as snake_case ("add_column"), for JSON.
  std::string kind_name() const;
};

/// What turns `from` into `to`, in dependency order:
///   schemas (PostgreSQL namespaces, Catalog::schemas) are created first;
///   triggers that change or go are dropped first (not those of a table
///   that goes: dropping it drops them), then views that change or go, then
///   foreign keys that change or go (also those pointing at a table that
///   goes, and, but on SQLite, those that stay while the key they reference
///   is dropped or replaced, or a column they reference changes type or
///   collation: they are added again at the end), then indexes, unique
///   constraints, checks and primary keys that change or go; enums
///   and sequences are created; tables created (without their foreign
///   keys), columns added, altered and dropped, keys, checks and indexes
///   created; tables dropped; foreign keys added (after every table they
///   point at exists); sequences and enums dropped; views created;
///   triggers created (those of new tables too; a table's columns, indexes
///   and the views a trigger may read exist by then); comments; schemas
///   dropped last (everything in them is gone by then).
/// A table, column, index, view, sequence, enum or trigger is matched by
/// name (a trigger whose definition changes is dropped and created again);
/// an unnamed constraint by its content (columns, expression). Equal
/// catalogs give no changes. Review rules: dropping a table or column is
/// "destructive"; a column dropped while one of the same normalized type is
/// added to the same table is "rename of X to Y?" on both; a narrowing type
/// change (shorter varchar/char, smaller integer, less numeric precision or
/// scale, text to varchar; any other type change but varchar to text and
/// values appended to a MySQL enum/set; on SQLite, which keeps any value,
/// not a length) and NULL -> NOT NULL are flagged; removing an enum value
/// (PostgreSQL cannot) is flagged; a unique constraint or index, check or
/// foreign key added to an existing table is flagged (rows may break it).
std::vector<Change> diff(const Catalog& from, const Catalog& to);

/// Whether a change's REVIEW notes say data may be lost (destructive, a
/// rename asked about, a type narrowed or changed, an enum value removed),
/// as opposed to the upgrade failing on rows that break something new (a
/// NOT NULL, unique, check or foreign key added to a table with rows).
bool may_lose_data(const Change& change);

/// The changes as the JSON document a plugin's render_changes() reads:
///   {"format": 1, "dialect": D, "changes": [
///     {"kind": "add_column",            Change::kind_name()
///      "table": "public.users" | "",    qualified, as Table::qualified()
///      "schema": "public" | null, "name": "users" | null,   the table's parts
///                                       (create_schema, drop_schema: "schema"
///                                       is the schema, "name" null)
///      "table_before": TABLE | null,    catalog format-1 table objects
///      "table_after": TABLE | null,
///      "column_before": COLUMN | null, "column_after": COLUMN | null,
///      "index": INDEX | null, "key": {"name", "columns"} | null,
///      "foreign_key": FK | null, "check": CHECK | null,
///      "view": VIEW | null, "sequence": SEQUENCE | null, "enum": ENUM | null,
///      "enum_value": "happy" | null,    add_enum_value, drop_enum_value
///      "trigger": TRIGGER | null,       create_trigger, drop_trigger
///      "review": ["destructive: ...", ...]}, ...]}
/// Every key is always present. Objects are in the catalog's format
/// (catalog.hpp). Kinds: create_schema, drop_trigger, drop_view, drop_foreign_key,
/// drop_index, drop_unique, drop_check, drop_primary_key, create_enum,
/// add_enum_value, create_sequence, alter_sequence, create_table
/// (table_after: the whole table without its foreign keys, which follow as
/// add_foreign_key),
/// add_column, alter_column, drop_column, add_primary_key, add_unique,
/// add_check, create_index, drop_table (table_before), add_foreign_key,
/// drop_sequence, drop_enum, drop_enum_value, create_view, create_trigger
/// (table_after: the table as it is once the changes are done; a rebuilt
/// table's renderer recreates its other triggers itself), set_table_comment,
/// drop_schema.
std::string changes_json(const std::string& dialect, const std::vector<Change>& changes);

}  // namespace strata::schema
