/*
 * Strata dialect plugin ABI.
 *
 * A dialect plugin is a shared object that Strata opens with dlopen at run
 * time. It exports exactly one symbol, STRATA_DIALECT_ENTRY_NAME, a function
 * returning a pointer to a static strata_dialect_api table.
 *
 * Rules of the boundary (they keep plugins built by other compilers and
 * standard libraries working):
 *  - Plain C only. No C++ type, exception or allocation crosses it.
 *  - Every function catches everything and reports through a strata_status
 *    plus, on failure, a strata_error that the plugin allocates and the host
 *    hands back to error_free.
 *  - The table starts with its size and ABI version and only ever grows at
 *    the end. A new function means a new minor version; changing or removing
 *    anything means a new major version and a new entry symbol name.
 *  - The host refuses a plugin of another major version or of a newer minor
 *    version than it knows, and a plugin whose name differs from the dialect
 *    its file name promised.
 *
 * All strings are UTF-8 and NUL-terminated unless a length is passed.
 */
#ifndef STRATA_DIALECT_ABI_H
#define STRATA_DIALECT_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STRATA_DIALECT_ABI_MAJOR 1
#define STRATA_DIALECT_ABI_MINOR 2
#define STRATA_DIALECT_ENTRY strata_dialect_v1
#define STRATA_DIALECT_ENTRY_NAME "strata_dialect_v1"

#if defined(__GNUC__)
#define STRATA_DIALECT_EXPORT __attribute__((visibility("default")))
#else
#define STRATA_DIALECT_EXPORT
#endif

/* Outcome of every call, classified by what the host must do next. */
typedef enum strata_status {
  STRATA_OK = 0,
  /* The statement or call failed; the connection is usable. In an open
   * transaction the host rolls back. */
  STRATA_ERROR = 1,
  /* The connection is gone; nothing more can be done on it. Anything not
   * committed is lost (rolled back server-side). */
  STRATA_CONNECTION_BROKEN = 2,
  /* The connection broke during COMMIT: whether the transaction committed
   * is unknown. The host must tell the user to check. */
  STRATA_COMMIT_IN_DOUBT = 3,
  /* The dialect does not support this call or option. */
  STRATA_UNSUPPORTED = 4,
  /* A lock could not be acquired within the timeout. */
  STRATA_LOCK_TIMEOUT = 5
} strata_status;

/* Capability flags (strata_dialect_api.capabilities). */
/* DDL takes part in transactions: a failed run rolls back completely. */
#define STRATA_CAP_TRANSACTIONAL_DDL (1u << 0)
/* version_table_schema names a schema (PostgreSQL) or database (MySQL). */
#define STRATA_CAP_SCHEMAS (1u << 1)
/* lock()/unlock() take a server-side session lock that dies with the
 * connection (advisory lock, GET_LOCK). Without it lock() only arranges
 * waiting for the database's own write lock. */
#define STRATA_CAP_SESSION_LOCKS (1u << 2)
/* Statements can run outside a transaction (CREATE INDEX CONCURRENTLY). */
#define STRATA_CAP_AUTOCOMMIT (1u << 3)

/* Error details. Allocated by the plugin, released with error_free. */
typedef struct strata_error {
  uint32_t struct_size;   /* sizeof(strata_error) as the plugin knows it */
  strata_status status;
  const char* message;    /* server's or plugin's message; never a password */
  const char* sqlstate;   /* five-character SQLSTATE, or "" */
  int64_t native_code;    /* server error number, or 0 */
  /* For execute(): where the failing statement starts and how long it is,
   * in bytes from the start of the script passed in; -1 when unknown. */
  int64_t statement_offset;
  int64_t statement_length;
  /* For execute(): how many statements of the script completed before the
   * failure. */
  int64_t statements_completed;
} strata_error;

/* A parsed connection URL (SQLAlchemy form). The host owns every string;
 * they stay valid for the duration of the connect() call only. Absent parts
 * are NULL (strings) or 0 (port). */
typedef struct strata_connect_params {
  uint32_t struct_size;
  const char* url_masked;      /* for messages: password replaced by *** */
  const char* scheme;          /* dialect name, driver suffix removed */
  const char* user;
  const char* password;
  const char* host;
  uint32_t port;
  /* Database name; for SQLite the resolved file path or ":memory:". */
  const char* database;
  size_t query_count;          /* query parameters, already percent-decoded */
  const char* const* query_keys;
  const char* const* query_values;
  /* Seconds to wait for locks held by others (busy timeout, lock_timeout);
   * negative = the dialect's default. */
  double lock_timeout_seconds;
} strata_connect_params;

/* Opaque connection owned by the plugin. */
typedef struct strata_conn strata_conn;

/* Options of execute(); NULL means all defaults. */
typedef struct strata_exec_options {
  uint32_t struct_size;
  uint32_t flags; /* STRATA_EXEC_* */
} strata_exec_options;

/* Traits of one statement (statement_traits(), ABI 1.1). */
/* The statement cannot be made atomic with a progress update: it commits
 * implicitly (MySQL DDL), cannot run inside a transaction block
 * (PostgreSQL's CONCURRENTLY forms, VACUUM), or is itself transaction
 * control. If the connection is lost while it runs, whether it took effect
 * is unknown: it is "in doubt". Without this trait the host runs the
 * statement and its progress update in one transaction. */
#define STRATA_STMT_NO_TRANSACTION (1u << 0)
/* The statement can fail and still leave effects behind (CREATE INDEX
 * CONCURRENTLY leaves an INVALID index), so a failure of it is not "nothing
 * happened". */
#define STRATA_STMT_PARTIAL_ON_FAILURE (1u << 1)

/* The text is exactly one statement (as returned by split_statements):
 * run it as is, without splitting it again (procedure bodies contain ';'). */
#define STRATA_EXEC_SINGLE_STATEMENT (1u << 0)

/* One statement found by split_statements(): byte range in the script,
 * without the delimiter, without surrounding blanks, comments kept inside. */
typedef struct strata_statement_range {
  int64_t offset;
  int64_t length;
} strata_statement_range;

/* Allocated by the plugin, released with statement_list_free. */
typedef struct strata_statement_list {
  size_t count;
  strata_statement_range* items;
} strata_statement_list;

/* Result of execute(). */
typedef struct strata_exec_info {
  uint32_t struct_size;
  int64_t statements_completed;
  /* Rows changed by the last statement (INSERT/UPDATE/DELETE), or -1. */
  int64_t rows_affected;
} strata_exec_info;

/* One statement of execute_batch() (ABI 1.2). */
typedef struct strata_batch_item {
  /* In: exactly one statement (as returned by split_statements, or one of
   * the host's own), run as with STRATA_EXEC_SINGLE_STATEMENT. Not
   * NUL-terminated: `length` bytes. */
  const char* sql;
  size_t length;
  /* In: STRATA_BATCH_* flags. */
  uint32_t flags;
  /* Out: rows changed by the statement (INSERT/UPDATE/DELETE; UPDATE counts
   * matched rows), or -1 when it is not such a statement, did not run, or
   * was not flagged STRATA_BATCH_COUNT_ROWS and counting it would cost the
   * dialect extra work. */
  int64_t rows_affected;
} strata_batch_item;

/* The host needs the item's rows_affected (a version-table write it checks
 * matched one row). */
#define STRATA_BATCH_COUNT_ROWS (1u << 0)

/* A list of strings returned by a query. Allocated by the plugin, released
 * with string_list_free. */
typedef struct strata_string_list {
  size_t count;
  char** items;
} strata_string_list;

typedef struct strata_dialect_api {
  uint32_t struct_size;      /* sizeof(strata_dialect_api) as built */
  uint32_t abi_major;        /* STRATA_DIALECT_ABI_MAJOR */
  uint32_t abi_minor;        /* STRATA_DIALECT_ABI_MINOR */
  const char* name;          /* "sqlite", "postgresql", "mysql" */
  const char* description;   /* human readable, with client library version */
  uint64_t capabilities;     /* STRATA_CAP_* */

  void (*error_free)(strata_error* error);
  void (*string_list_free)(strata_string_list* list);

  /* Opens a connection. On failure *out is NULL and *error is set; its
   * message is complete for the user: "cannot connect to <url_masked>: ...". */
  strata_status (*connect)(const strata_connect_params* params, strata_conn** out,
                           strata_error** error);
  /* Closes the connection, rolling back anything uncommitted. NULL is ok. */
  void (*disconnect)(strata_conn* conn);

  /* Runs a script of zero or more statements separated the dialect's way,
   * in order, stopping at the first failure. On failure the error tells
   * where the failing statement starts (statement_offset). */
  strata_status (*execute)(strata_conn* conn, const char* sql, size_t sql_length,
                           const strata_exec_options* options, strata_exec_info* info,
                           strata_error** error);
  /* Runs one query and returns the first column of every row as text
   * (NULL values become empty strings). */
  strata_status (*query_column)(strata_conn* conn, const char* sql, strata_string_list** out,
                                strata_error** error);
  /* Sets *exists to 1 when the table exists (schema may be NULL). */
  strata_status (*table_exists)(strata_conn* conn, const char* schema, const char* table,
                                int* exists, strata_error** error);

  /* Transactions. begin() takes the database's write lock where the
   * dialect has one (SQLite BEGIN IMMEDIATE). */
  strata_status (*begin)(strata_conn* conn, strata_error** error);
  strata_status (*commit)(strata_conn* conn, strata_error** error);
  strata_status (*rollback)(strata_conn* conn, strata_error** error);

  /* Serialises migration runs on one database. `key` is derived from the
   * version table's name. Waits up to timeout_seconds (negative: forever),
   * then returns STRATA_LOCK_TIMEOUT. */
  strata_status (*lock)(strata_conn* conn, const char* key, double timeout_seconds,
                        strata_error** error);
  strata_status (*unlock)(strata_conn* conn, const char* key, strata_error** error);

  /* Writes `identifier` quoted for this dialect into out (capacity bytes,
   * NUL-terminated) and returns the length needed, without the NUL. If the
   * return value >= capacity nothing useful was written: call again. */
  size_t (*quote_identifier)(const char* identifier, char* out, size_t capacity);

  /* Splits a script into statements exactly as execute() would, without a
   * connection: quotes, comments and dialect syntax (dollar quotes,
   * DELIMITER, trigger bodies) respected. Empty statements are dropped.
   * Used where a revision can be left half-applied, to record progress
   * statement by statement, and to resume at a statement. */
  strata_status (*split_statements)(const char* sql, size_t sql_length, strata_statement_list** out,
                                    strata_error** error);
  void (*statement_list_free)(strata_statement_list* list);

  /* Writes one statement (as returned by split_statements) as text the
   * dialect's command-line client runs as that one statement, terminator
   * included (e.g. "stmt;", or DELIMITER lines around a MySQL body that
   * contains ';'). Same buffer contract as quote_identifier. Used to write
   * offline scripts that do exactly what an online run does. */
  size_t (*script_statement)(const char* statement, size_t length, char* out, size_t capacity);

  /* Writes the statements an offline script starts with so the client's
   * session matches what connect() sets up online for these parameters
   * (e.g. MySQL's SET NAMES for the URL's charset); "" when none. Same
   * buffer contract as quote_identifier. */
  size_t (*script_preamble)(const strata_connect_params* params, char* out, size_t capacity);

  /* ---- ABI 1.1 ---- */

  /* STRATA_STMT_* traits of one statement (as returned by split_statements),
   * decided from its text alone, without a connection. When unsure, a
   * plugin answers STRATA_STMT_NO_TRANSACTION: the host then tracks the
   * statement as possibly in doubt, which is always safe. A 1.0 plugin has
   * no such entry; the host treats every statement it tracks as
   * STRATA_STMT_NO_TRANSACTION. */
  uint32_t (*statement_traits)(const char* statement, size_t length);

  /* For a statement with STRATA_STMT_PARTIAL_ON_FAILURE that failed or is in
   * doubt: what it may have left in the database, one line per object, each
   * naming it and the SQL that removes it (PostgreSQL: "INVALID index
   * public.t_v: DROP INDEX CONCURRENTLY public.t_v;"). An empty list when
   * nothing is left. May be NULL: the host then says only that effects may
   * remain. */
  strata_status (*partial_effects)(strata_conn* conn, const char* statement, size_t length,
                                   strata_string_list** out, strata_error** error);

  /* ---- ABI 1.2 ---- */

  /* Runs `count` statements in order, exactly as calling execute() with
   * STRATA_EXEC_SINGLE_STATEMENT on each in turn would (same transaction
   * semantics, stopping at the first failure), but in as few round trips to
   * the server as the dialect can manage (PostgreSQL: one pipeline inside an
   * open transaction; MySQL: multi-statement packets). Fills each item's
   * rows_affected. Besides statements of revision files and the host's own
   * writes, items can be "START TRANSACTION" and "COMMIT": a dialect that
   * batches accepts both.
   * On failure, error->statements_completed is the number of items that
   * completed (so items[statements_completed] is the one that failed, or,
   * for STRATA_CONNECTION_BROKEN / STRATA_COMMIT_IN_DOUBT, the first whose
   * outcome is unknown: it and later items may or may not have run), and
   * error->statement_offset is where the failure is inside that item's text
   * (0 when only the statement is known). May be NULL: the host then calls
   * execute() per item. */
  strata_status (*execute_batch)(strata_conn* conn, strata_batch_item* items, size_t count,
                                 strata_error** error);

  /* The connected database's schema as ONE JSON document (the catalog
   * format documented in strata/schema/catalog.hpp, "format": 1), returned
   * as a list of one string. `options` is a NUL-terminated JSON object:
   *   {"exclude_tables": ["alembic_version", ...],   tables left out (the
   *                                                   host's version, progress
   *                                                   and log tables)
   *    "schemas": ["public"],                         PostgreSQL: schemas to
   *                                                   read (default: the
   *                                                   current schema); MySQL:
   *                                                   ignored (the connected
   *                                                   database); SQLite: "main"
   *    "extra_schemas": ["audit"],                    PostgreSQL: read besides
   *                                                   "schemas" (or the current)
   *    "all_schemas": true}                           PostgreSQL: every schema
   *                                                   besides, but pg_*,
   *                                                   information_schema and
   *                                                   extensions' (a scratch
   *                                                   database: what it was
   *                                                   given). Others: absent
   * One query per kind of object, never one per table: a 1,000-table schema
   * costs the same dozen round trips as a one-table schema. May be NULL: the
   * host then says "this plugin cannot introspect". */
  strata_status (*introspect)(strata_conn* conn, const char* options, strata_string_list** out,
                              strata_error** error);

  /* SQL for schema changes, without a connection: `changes` is the
   * NUL-terminated document strata/schema/diff.hpp's changes_json() writes
   * ({"format": 1, "dialect": ..., "changes": [...]}, in the order to
   * apply). `out` receives the statements in order, one per item, without
   * a terminating ';' (several items may serve one change: SQLite rebuilds
   * a table it cannot ALTER with create / copy / drop / rename / indexes).
   * A change the dialect cannot express is STRATA_ERROR naming it. May be
   * NULL: the host says the plugin cannot render. */
  strata_status (*render_changes)(const char* changes, strata_string_list** out, strata_error** error);
} strata_dialect_api;

/* Size of a 1.0 table: every later field is optional for the host. */
#define STRATA_DIALECT_API_SIZE_1_0 offsetof(strata_dialect_api, statement_traits)
/* Size of a 1.1 table (ends before execute_batch). */
#define STRATA_DIALECT_API_SIZE_1_1 offsetof(strata_dialect_api, execute_batch)

/* The one exported symbol. */
typedef const strata_dialect_api* (*strata_dialect_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_DIALECT_ABI_H */
