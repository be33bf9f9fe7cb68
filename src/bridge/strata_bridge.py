#!/usr/bin/python3
"""Strata's Python bridge: the one place Strata runs Python.

Strata itself is C++; this script is what it runs when a command needs
Alembic or SQLAlchemy, speaking JSON both ways:

    strata_bridge.py COMMAND --request REQUEST.json --response RESPONSE.json

The request and the response are files, so nothing the project's own code
prints (env.py, revision modules, logging) can corrupt the answer. The
response is always written: {"ok": true, ...} or {"ok": false, "error": {...}}.
Exit status: 0 answered (check "ok"), 3 a module is missing (the error names
the Debian package), 2 bad request.

Commands:
  alembic-describe  Read alembic.ini and the script directory: the ini's
                    options, env.py's environment variables, every revision's
                    identity (id, down revisions, labels, depends_on, message,
                    Create Date, file) and Python source. No database.
  sqlalchemy-ddl    The DDL SQLAlchemy's metadata.create_all() emits for a
                    dialect, without a database (a mock engine): the
                    desired schema of `models = "module:attribute"`.
                    Request {"models", "dialect", "sys_path": [...]};
                    answer {"statements": [...], "schemas": [...] (the
                    schemas the DDL names, in order of first use),
                    "in_schemas": [[schema, kind, name], ...] (each object
                    created in a named schema: table, index, sequence,
                    type)}.
  alembic-record    Run the project's own env.py with Alembic against scratch
                    databases (one per engine) and record, per revision and
                    per engine, the SQL Alembic executes: upgrade to the
                    requested revisions, then (optionally) downgrade to base.
                    Bound parameters are rendered as literals the way the
                    driver sends them. Statements Alembic issues for its own
                    version table, reflection queries (batch mode) and
                    connection set-up are left out; rows the revision reads
                    (a SELECT not sent through op.execute) are reported, not
                    recorded, so the revision can be flagged for review.

Every engine env.py creates is pointed at a scratch database: the ini's URLs
are replaced and sqlalchemy.create_engine is wrapped, so the project's real
database is never connected to, whatever env.py reads its URL from.
"""

import argparse
import ast
import contextlib
import datetime
import decimal
import io
import json
import os
import re
import sys
import tokenize
import traceback
import uuid

PACKAGES = {
    "alembic": "python3-alembic",
    "sqlalchemy": "python3-sqlalchemy",
    "psycopg2": "python3-psycopg2",
    "pymysql": "python3-pymysql",
}


class BridgeError(Exception):
    def __init__(self, message, **fields):
        super().__init__(message)
        self.fields = fields


def missing_module(exc):
    name = (exc.name or "").split(".")[0]
    package = PACKAGES.get(name)
    hint = (" (Debian: apt-get install %s)" % package) if package else ""
    return {"kind": "missing-module", "module": name,
            "message": "Python module '%s' is not installed%s" % (name, hint)}


# --------------------------------------------------------------- describe

TEMPLATE_URL = "driver://user:pass@localhost/dbname"


def env_vars_of(path):
    """Names of environment variables env.py reads (os.environ[...],
    os.environ.get(...), os.getenv(...)), in the order written."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return []
    names = []
    pattern = (r"""os\.(?:environ\s*\[\s*|environ\.get\s*\(\s*|getenv\s*\(\s*)"""
               r"""['"]([A-Za-z_][A-Za-z0-9_]*)['"]""")
    for m in re.finditer(pattern, text):
        if m.group(1) not in names:
            names.append(m.group(1))
    return names


def _env_read(node):
    """(variable, kind, default) when `node` reads one environment variable
    by a literal name: os.environ[name] (kind "required": unset raises),
    os.environ.get(name) / os.getenv(name) (None when unset: "required" as
    well, since env.py then hands None on; "unset" until its use is seen),
    with a default other than None ("fallback"), or the test `name in
    os.environ` ("guard"). `default` is a literal string default, else None."""
    def is_environ(n):
        return (isinstance(n, ast.Attribute) and n.attr == "environ") or (isinstance(n, ast.Name) and n.id == "environ")

    def literal(n):
        return n.value if isinstance(n, ast.Constant) and isinstance(n.value, str) else None

    if isinstance(node, ast.Subscript) and is_environ(node.value):
        name = literal(node.slice)
        return (name, "required", None) if name else None
    if isinstance(node, ast.Call) and node.args:
        f = node.func
        getter = ((isinstance(f, ast.Attribute) and f.attr == "get" and is_environ(f.value))
                  or (isinstance(f, ast.Attribute) and f.attr == "getenv")
                  or (isinstance(f, ast.Name) and f.id == "getenv"))
        name = literal(node.args[0]) if getter else None
        if not name:
            return None
        default = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg in ("default", "failobj")), None)
        if default is None or (isinstance(default, ast.Constant) and default.value is None):
            return name, "unset", None
        return name, "fallback", literal(default)
    if (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn))
            and is_environ(node.comparators[0]) and literal(node.left)):
        return literal(node.left), "guard", None
    return None


def env_reads_of(path):
    """How env.py reads each environment variable it names, as the URL
    written for it must follow: {"X": {"kind", "line", "default"}} where
    kind is "required" (unset is an error in Alembic too), "fallback"
    (env.py has a default: `default` when it is a literal string, else the
    ini's URL is assumed) or "unknown" (a use the import cannot follow:
    inside try/except, a value kept in a variable, a name read only
    outside the code it can parse)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError):
        return {name: {"kind": "unknown", "line": None, "default": None} for name in env_vars_of(path)}
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    found = {}
    for node in ast.walk(tree):
        read = _env_read(node)
        if not read:
            continue
        name, kind, default = read
        if kind == "guard":
            kind = "fallback"
        up = parents.get(node)
        if kind == "unset" and isinstance(up, ast.BoolOp) and isinstance(up.op, ast.Or) and node is not up.values[-1]:
            kind = "fallback"  # os.environ.get("X") or <the ini's URL>
        elif kind == "unset" and isinstance(up, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
            kind = "unknown"  # None kept in a variable: what follows decides
        child = node
        while up is not None and kind != "unknown" and not isinstance(
                up, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            if isinstance(up, (ast.If, ast.IfExp, ast.While)):
                if child is up.test:
                    kind = "fallback"  # a condition on the variable: env.py copes with it unset
                elif any((_env_read(n) or (None,))[0] == name for n in ast.walk(up.test)):
                    kind = "fallback"  # read under a test of the same variable
            elif isinstance(up, ast.Try) and up.handlers and child in up.body:
                kind = "unknown"  # an except may fall back
            child, up = up, parents.get(up)
        if kind == "unset":
            kind = "required"
        prev = found.get(name)
        entry = {"kind": kind, "line": node.lineno, "default": default}
        if prev is None:
            found[name] = entry
        elif prev["kind"] != kind:
            # Several reads: Alembic fails if any path requires the variable;
            # a mix the import cannot follow stays unknown.
            rank = {"unknown": 2, "required": 1, "fallback": 0}
            if rank[kind] > rank[prev["kind"]]:
                found[name] = entry
    for name in env_vars_of(path):
        found.setdefault(name, {"kind": "unknown", "line": None, "default": None})
    return found


def names_used(source, names):
    """(name, line) for each use of one of the Python identifiers `names` in
    code (not comments or strings). A name reached through `func.` (SQL
    functions such as sa.func.now()) is SQL, not Python, and is skipped."""
    found = []
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT,
                                    tokenize.DEDENT)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return found
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or tok.string not in names:
            continue
        if i >= 2 and tokens[i - 1].string == "." and tokens[i - 2].string == "func":
            continue
        found.append((tok.string, tok.start[0]))
    return found


# Python that makes a revision's SQL depend on when, where or with what it
# runs: recorded once, such values would be frozen into the SQL.
RUNTIME_NAMES = {"now", "utcnow", "today", "uuid1", "uuid4", "random", "randint", "randrange", "choice",
                 "shuffle", "token_hex", "token_urlsafe", "urandom", "getenv", "environ", "get_x_argument",
                 "get_main_option", "get_section_option", "get_section"}


def as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return [value]


def load_config(request):
    from alembic.config import Config
    ini = request["ini"]
    if not os.path.isfile(ini):
        raise BridgeError("%s: no such file" % ini, kind="ini")
    cfg = Config(ini)
    if not cfg.get_main_option("script_location"):
        raise BridgeError("%s: [alembic] has no script_location" % ini, kind="ini")
    return cfg


def describe(request):
    from alembic.script import ScriptDirectory
    cfg = load_config(request)
    main = cfg.config_ini_section
    options = {}
    for key in ("script_location", "version_locations", "sqlalchemy.url", "databases",
                "version_table", "version_table_schema", "transaction_per_migration",
                "prepend_sys_path", "file_template", "version_path_separator"):
        value = cfg.get_main_option(key)
        if value is not None:
            options[key] = value
    databases = []
    names = [n.strip() for n in re.split(r"[,\s]+", options.get("databases", "")) if n.strip()]
    for name in names:
        section = cfg.get_section(name) or {}
        databases.append({"name": name, "url": section.get("sqlalchemy.url")})
    script = ScriptDirectory.from_config(cfg)
    env_py = os.path.join(script.dir, "env.py")
    env_reads = env_reads_of(env_py)
    env_vars = env_vars_of(env_py)
    env_vars += [n for n in env_reads if n not in env_vars]  # from os import environ, ...
    revisions = []
    for sc in script.walk_revisions():
        module = sc.module
        try:
            with open(sc.path, encoding="utf-8") as f:
                source = f.read()
        except OSError:
            source = ""
        doc = module.__doc__ or ""
        created = re.search(r"^Create Date:\s*(.+?)\s*$", doc, re.M)
        revisions.append({
            "id": sc.revision,
            "down_revisions": as_list(sc.down_revision),
            "branch_labels": as_list(getattr(sc, "_orig_branch_labels", sc.branch_labels)),
            "depends_on": as_list(sc.dependencies),
            "message": (sc.doc or "").strip().splitlines()[0] if (sc.doc or "").strip() else "",
            "create_date": created.group(1) if created else "",
            "path": os.path.abspath(sc.path),
            "source": source,
            "functions": sorted(n for n in vars(module)
                                if n.startswith(("upgrade", "downgrade")) and callable(getattr(module, n))),
            "dialect_lines": [line for _, line in names_used(source, {"dialect"})],
            "runtime_uses": ["%s (line %d)" % (n, line) for n, line in names_used(source, RUNTIME_NAMES)],
        })
    return {
        "ini": os.path.abspath(cfg.config_file_name),
        "options": options,
        "template_url": options.get("sqlalchemy.url") == TEMPLATE_URL,
        "script_dir": os.path.abspath(script.dir),
        "version_locations": [os.path.abspath(p) for p in script._version_locations],
        "env_py": os.path.abspath(env_py),
        "env_vars": env_vars,
        "env_reads": env_reads,
        "databases": databases,
        "revisions": list(reversed(revisions)),  # parents first
    }


# --------------------------------------------------------------- record

# Reads of the catalog (what exists), not of rows: a relation after FROM or
# JOIN that is the dialect's catalog.
CATALOG = re.compile(
    r"\b(?:from|join)\s+[\"`]?(?:sqlite_master|sqlite_temp_master|sqlite_schema|pragma_\w+|"
    r"information_schema\b|pg_catalog\b|pg_\w+|mysql\.\w+|performance_schema\b)", re.I)
CATALOG_VERBS = ("pragma", "show", "describe", "desc", "explain")


def first_word(statement):
    s = statement.lstrip()
    while s.startswith(("--", "/*")):
        if s.startswith("--"):
            s = s.split("\n", 1)[1] if "\n" in s else ""
        else:
            s = s.split("*/", 1)[1] if "*/" in s else ""
        s = s.lstrip()
    m = re.match(r"[A-Za-z]+", s)
    return m.group(0).lower() if m else ""


def sqlite_literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "X'%s'" % bytes(value).hex()
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        value = value.isoformat(" ") if isinstance(value, datetime.datetime) else value.isoformat()
    if isinstance(value, uuid.UUID):
        value = str(value)
    return "'" + str(value).replace("'", "''") + "'"


def render_sqlite(statement, params):
    """Inlines qmark (?) or named (:name) parameters, outside quotes and
    comments, as sqlite3 would bind them."""
    out = []
    i, n, k = 0, len(statement), 0
    while i < n:
        c = statement[i]
        if c in "'\"`[":
            close = "]" if c == "[" else c
            j = i + 1
            while j < n:
                if statement[j] == close:
                    if close != "]" and j + 1 < n and statement[j + 1] == close:
                        j += 2
                        continue
                    break
                j += 1
            out.append(statement[i:j + 1])
            i = j + 1
        elif statement.startswith("--", i):
            j = statement.find("\n", i)
            j = n if j < 0 else j
            out.append(statement[i:j])
            i = j
        elif statement.startswith("/*", i):
            j = statement.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(statement[i:j])
            i = j
        elif c == "?":
            out.append(sqlite_literal(params[k]))
            k += 1
            i += 1
        elif c == ":" and isinstance(params, dict) and i + 1 < n and (statement[i + 1].isalnum() or statement[i + 1] == "_"):
            m = re.match(r":(\w+)", statement[i:])
            out.append(sqlite_literal(params[m.group(1)]))
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def render(cursor, statement, params, dialect_name, verbatim):
    """The statement as the driver sends it to the server."""
    if verbatim:
        return statement
    if dialect_name == "sqlite":
        return render_sqlite(statement, params if params is not None else ())
    mogrify = getattr(cursor, "mogrify", None)
    if mogrify is None:
        raise BridgeError("driver %s cannot render parameters" % type(cursor).__module__, kind="driver")
    text = mogrify(statement, params)
    return text.decode(cursor.connection.encoding if hasattr(cursor.connection, "encoding") else "utf-8") \
        if isinstance(text, bytes) else text


class Recorder:
    """What the patched Alembic and SQLAlchemy hooks report to."""

    def __init__(self, engines):
        self.engines = engines            # name -> {"url", "dialect"}
        self.current = None               # (revision, direction, engine name)
        self.failed = None                # (revision, file) whose code raised
        self.in_op = 0                    # inside DefaultImpl._exec
        self.in_batch = 0                 # inside a batch_alter_table's flush (reflects the table)
        self.revisions = {}               # id -> record
        self.contexts = {}                # engine name -> configure() options
        self.order = []

    def record_for(self, revision):
        rec = self.revisions.get(revision)
        if rec is None:
            rec = {"upgrade": {}, "downgrade": {}, "reads": [], "inspects": [], "autocommit": False,
                   "upgraded": False, "downgraded": False}
            self.revisions[revision] = rec
            self.order.append(revision)
        return rec

    def engine_of(self, conn):
        url = str(conn.engine.url)
        for name, e in self.engines.items():
            if e["url_rendered"] == url:
                return name
        return None

    def statement(self, conn, cursor, statement, parameters, context, executemany):
        if self.current is None:
            return
        revision, direction, engine = self.current
        rec = self.record_for(revision)
        name = engine or self.engine_of(conn) or next(iter(self.engines))
        dialect = conn.dialect.name
        verb = first_word(statement)
        if verb in CATALOG_VERBS or (verb in ("select", "with") and CATALOG.search(statement)):
            # Batch mode's and SQLAlchemy's own reflection answer from the
            # catalog the chain built; the revision's own code asking
            # (inspect(), has_table) may decide differently on a database
            # that is not exactly the chain's.
            if not self.in_op and not self.in_batch:
                rec["inspects"].append(statement.strip()[:300])
            return
        if not self.in_op and verb in ("select", "with", "values", "table"):
            rec["reads"].append(statement.strip()[:300])
            return
        verbatim = (not executemany and not parameters and context is not None
                    and getattr(context, "no_parameters", False))
        bucket = rec[direction].setdefault(name, [])
        if executemany:
            for p in parameters:
                bucket.append(render(cursor, statement, p, dialect, False).strip())
        else:
            bucket.append(render(cursor, statement, parameters, dialect, verbatim).strip())


def install_hooks(recorder):
    import sqlalchemy
    import sqlalchemy.engine.create as sa_create
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from alembic.ddl.impl import DefaultImpl
    from alembic.runtime.migration import MigrationContext, RevisionStep

    # Every engine goes to a scratch database.
    original_create = sa_create.create_engine
    scratch_urls = {e["url"] for e in recorder.engines.values()}

    def create_engine(url, *args, **kwargs):
        text = str(url) if not isinstance(url, str) else url
        if text not in scratch_urls:
            if len(recorder.engines) != 1:
                raise BridgeError("env.py created an engine for a URL that is not one of the "
                                  "databases named in alembic.ini; cannot tell which scratch "
                                  "database it should use", kind="env")
            text = next(iter(recorder.engines.values()))["url"]
        return original_create(text, *args, **kwargs)

    sa_create.create_engine = create_engine
    sqlalchemy.create_engine = create_engine
    import sqlalchemy.engine as sa_engine
    sa_engine.create_engine = create_engine

    event.listen(Engine, "before_cursor_execute",
                 lambda conn, cursor, statement, parameters, context, executemany:
                 recorder.statement(conn, cursor, statement, parameters, context, executemany))

    original_exec = DefaultImpl._exec

    def _exec(self, *args, **kwargs):
        recorder.in_op += 1
        try:
            return original_exec(self, *args, **kwargs)
        finally:
            recorder.in_op -= 1

    DefaultImpl._exec = _exec

    from alembic.operations.batch import BatchOperationsImpl
    original_flush = BatchOperationsImpl.flush

    def flush(self, *args, **kwargs):
        recorder.in_batch += 1
        try:
            return original_flush(self, *args, **kwargs)
        finally:
            recorder.in_batch -= 1

    BatchOperationsImpl.flush = flush

    # Batch mode copies a table's constraints and indexes from SQLAlchemy's
    # sets, whose order follows object addresses: two runs write the same
    # CREATE TABLE with its constraints in different orders. A stable order
    # (by kind, name, columns) makes one project import to the same SQL
    # every time, so a re-import can tell what really changed.
    from alembic.operations.batch import ApplyBatchImpl

    def element_key(element):
        cols = getattr(element, "columns", None)
        names = [getattr(c, "name", str(c)) for c in cols] if cols is not None else []
        return (type(element).__name__, element.name or "", names, str(getattr(element, "sqltext", "")))

    class OrderedSet(set):
        def __iter__(self):
            return iter(sorted(set.__iter__(self), key=element_key))

    original_grab = ApplyBatchImpl._grab_table_elements

    def grab(self):
        self.table.constraints = OrderedSet(self.table.constraints)
        self.table.indexes = OrderedSet(self.table.indexes)
        return original_grab(self)

    ApplyBatchImpl._grab_table_elements = grab

    original_step_init = RevisionStep.__init__

    def step_init(self, revision_map, revision, is_upgrade):
        original_step_init(self, revision_map, revision, is_upgrade)
        fn = self.migration_fn
        rev_id = revision.revision
        direction = "upgrade" if is_upgrade else "downgrade"

        def migration_fn(**kw):
            recorder.record_for(rev_id)
            recorder.current = (rev_id, direction, kw.get("engine_name"))
            try:
                result = fn(**kw)
            except BaseException:
                recorder.failed = (rev_id, revision.path)
                raise
            finally:
                recorder.current = None
            recorder.record_for(rev_id)["upgraded" if is_upgrade else "downgraded"] = True
            return result

        migration_fn.__name__ = getattr(fn, "__name__", direction)
        self.migration_fn = migration_fn

    RevisionStep.__init__ = step_init

    original_autocommit = MigrationContext.autocommit_block

    @contextlib.contextmanager
    def autocommit_block(self):
        if recorder.current is not None:
            recorder.record_for(recorder.current[0])["autocommit"] = True
        with original_autocommit(self):
            yield

    MigrationContext.autocommit_block = autocommit_block

    original_ctx_init = MigrationContext.__init__

    def ctx_init(self, dialect, connection, opts, environment_context=None):
        original_ctx_init(self, dialect, connection, opts, environment_context)
        name = recorder.engine_of(connection) if connection is not None else None
        if name is None and len(recorder.engines) == 1:
            name = next(iter(recorder.engines))
        if name is not None:
            recorder.contexts[name] = {
                "version_table": opts.get("version_table", "alembic_version"),
                "version_table_schema": opts.get("version_table_schema"),
                "transaction_per_migration": bool(opts.get("transaction_per_migration", False)),
                "transactional_ddl": opts.get("transactional_ddl"),
            }

    MigrationContext.__init__ = ctx_init


def set_urls(cfg, request):
    """Points the ini's URLs at the scratch databases (configparser needs
    '%' doubled)."""
    multidb = request.get("multidb")
    for name, e in request["engines"].items():
        escaped = e["url"].replace("%", "%%")
        if multidb:
            cfg.set_section_option(name, "sqlalchemy.url", escaped)
        else:
            cfg.set_main_option("sqlalchemy.url", escaped)
    for var in request.get("env_vars", []):
        if len(request["engines"]) == 1:
            os.environ[var] = next(iter(request["engines"].values()))["url"]


def alembic_error(exc, project_dir=None):
    """Alembic's error as one message, and where in the project it was
    raised: the innermost frame in the project's own files (a revision,
    env.py), else the innermost outside Python's and the libraries' own."""
    tb = traceback.extract_tb(exc.__traceback__)
    where = None
    for frame in reversed(tb):
        if project_dir and not frame.filename.startswith("<") and \
                os.path.abspath(frame.filename).startswith(project_dir + os.sep):
            where = "%s:%d" % (frame.filename, frame.lineno)
            break
    if where is None:
        for frame in reversed(tb):
            f = frame.filename
            if not f.startswith(("<", "/usr/lib/python3")) and not f.endswith("strata_bridge.py"):
                where = "%s:%d" % (f, frame.lineno)
                break
    text = "%s: %s" % (type(exc).__name__, str(exc).strip())
    return {"message": text.splitlines()[0] if len(text) > 2000 else text, "where": where}


def record(request):
    from alembic import command
    from sqlalchemy.engine import make_url
    engines = request["engines"]
    for e in engines.values():
        e["url_rendered"] = str(make_url(e["url"]))
    recorder = Recorder(engines)
    install_hooks(recorder)
    cfg = load_config(request)
    set_urls(cfg, request)
    failure = None
    stage = "upgrade"
    try:
        for target in request.get("upgrade_to", ["heads"]):
            command.upgrade(cfg, target)
        if request.get("downgrade"):
            stage = "downgrade"
            command.downgrade(cfg, "base")
    except BridgeError:
        raise
    except Exception as exc:  # the project's own code failed under Alembic
        failure = alembic_error(exc, os.path.dirname(os.path.abspath(request["ini"])))
        failure["stage"] = stage
        failure["revision"] = recorder.failed[0] if recorder.failed else None
        if recorder.failed and not failure["where"]:
            failure["where"] = recorder.failed[1]
    return {
        "revisions": recorder.revisions,
        "order": recorder.order,
        "contexts": recorder.contexts,
        "failure": failure,
    }


# --------------------------------------------------------------- models

MOCK_URLS = {"postgresql": "postgresql+psycopg2://", "mysql": "mysql+pymysql://", "sqlite": "sqlite://"}


def sqlalchemy_ddl(request):
    import importlib
    from sqlalchemy import MetaData, create_mock_engine
    for path in reversed(request.get("sys_path", [])):
        sys.path.insert(0, path)
    spec = request["models"]
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise BridgeError("models = %r: cannot import module %s (is its folder on PYTHONPATH? the "
                              "config's folder is searched first)" % (spec, exc.name), kind="models")
        raise
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise BridgeError("models = %r: module %s has no attribute %s" % (spec, module_name, attr), kind="models")
        obj = getattr(obj, part)
    metadata = obj if isinstance(obj, MetaData) else getattr(obj, "metadata", None)
    if not isinstance(metadata, MetaData):
        raise BridgeError("models = %r: %s is not SQLAlchemy MetaData (nor has .metadata)" % (spec, attr),
                          kind="models")
    dialect = request["dialect"]
    if dialect not in MOCK_URLS:
        raise BridgeError("no SQLAlchemy dialect for %s" % dialect, kind="request")
    statements = []
    # What the DDL puts in a named schema: (schema, kind, name), in order.
    in_schemas = []

    def executor(sql, *multiparams, **params):
        statements.append(str(sql.compile(dialect=engine.dialect)).strip())
        target = getattr(sql, "element", None)
        owner = getattr(target, "table", None) if type(sql).__name__ == "CreateIndex" else target
        schema = getattr(owner, "schema", None)
        if schema:
            kind = {"CreateTable": "table", "CreateIndex": "index", "CreateSequence": "sequence"}.get(
                type(sql).__name__, "type")
            in_schemas.append([schema, kind, getattr(target, "name", None) or ""])

    engine = create_mock_engine(MOCK_URLS[dialect], executor)
    metadata.create_all(engine, checkfirst=False)
    schemas = []
    for schema, _, _ in in_schemas:
        if schema not in schemas:
            schemas.append(schema)
    return {"statements": statements, "schemas": schemas, "in_schemas": in_schemas}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["alembic-describe", "alembic-record", "sqlalchemy-ddl"])
    parser.add_argument("--request", required=True)
    parser.add_argument("--response", required=True)
    args = parser.parse_args()
    args.request = os.path.abspath(args.request)
    args.response = os.path.abspath(args.response)

    def answer(payload, code):
        tmp = args.response + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(payload, f)
        os.replace(tmp, args.response)
        sys.exit(code)

    try:
        with open(args.request, encoding="utf-8") as f:
            request = json.load(f)
    except (OSError, ValueError) as exc:
        answer({"ok": False, "error": {"kind": "request", "message": str(exc)}}, 2)

    # The project's code prints as it likes: keep it off our answer.
    sys.stdout = sys.stderr
    if "ini" in request:
        os.chdir(os.path.dirname(os.path.abspath(request["ini"])))
    try:
        import alembic  # noqa: F401  (named in the error when missing)
        import sqlalchemy  # noqa: F401
        if args.command == "alembic-describe":
            result = describe(request)
        elif args.command == "sqlalchemy-ddl":
            result = sqlalchemy_ddl(request)
        else:
            result = record(request)
    except ModuleNotFoundError as exc:
        answer({"ok": False, "error": missing_module(exc)}, 3)
    except BridgeError as exc:
        err = {"message": str(exc)}
        err.update(exc.fields)
        answer({"ok": False, "error": err}, 0)
    except Exception as exc:
        err = alembic_error(exc, os.path.dirname(os.path.abspath(request.get("ini", "."))))
        err["kind"] = "alembic"
        answer({"ok": False, "error": err}, 0)
    result["ok"] = True
    answer(result, 0)


if __name__ == "__main__":
    main()
