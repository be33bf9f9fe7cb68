#!/usr/bin/python3
"""Run real Alembic (its own command API) on a test project against given URLs.

Usage:
    /usr/bin/python3 alembic_run.py --ini PATH --url URL [--url NAME=URL ...]
                                    [--sql] [--purge] COMMAND [ARGS ...]

    COMMAND is one of: upgrade REV, downgrade REV, current, stamp REV [REV ...],
    heads, branches, history, show REV.

Examples:
    alembic_run.py --ini projects/basic/alembic.ini --url sqlite:////tmp/a.db upgrade head
    alembic_run.py --ini projects/multidb/alembic.ini \\
        --url main=postgresql://u:p@127.0.0.1:5432/imptest_main \\
        --url analytics=mysql://u:p@127.0.0.1:3306/imptest_an  downgrade base

What it does:
  * chdir()s to the directory holding the ini file, as a user running the
    `alembic` command from the project folder would (`prepend_sys_path = .`
    and a relative `script_location` are relative to the working directory);
  * `--url URL` (no NAME=) sets `sqlalchemy.url` in the main `[alembic]` section
    AND os.environ["DATABASE_URL"] (env.py files that read the variable win over
    the ini, as in the `basic` project);
  * `--url NAME=URL` sets `sqlalchemy.url` in section [NAME] (Alembic's multidb
    template: `databases = main, analytics`).  The first URL given is also put in
    DATABASE_URL when no unnamed URL is given;
  * URLs may be plain `postgresql://` / `mysql://` / `sqlite:///path`; `mysql://`
    is turned into `mysql+pymysql://` (with charset=utf8mb4) and `postgresql://`
    into `postgresql+psycopg2://`, the drivers Debian 12 packages;
  * `%` in a URL (percent-encoded passwords) is doubled for configparser;
  * exit status 0 on success; on failure Alembic's error is printed to stderr
    (`FAILED: ...` for Alembic's CommandError, else the Python traceback and a
    final `ERROR: <type>: <message>` line) and the exit status is 1.  Usage
    errors exit 2.
"""

import argparse
import os
import re
import sys
import traceback


def normalise_url(url):
    """Give a plain URL the DBAPI driver installed on Debian 12."""
    if url.startswith("mysql://") or url.startswith("mariadb://"):
        url = "mysql+pymysql://" + url.split("://", 1)[1]
        if "charset=" not in url:
            url += ("&" if "?" in url else "?") + "charset=utf8mb4"
    elif url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="alembic_run.py",
        description="Run Alembic's command API on a project with given URL(s).",
    )
    ap.add_argument("--ini", required=True, help="path of the project's alembic.ini")
    ap.add_argument(
        "--url",
        action="append",
        default=[],
        help="URL for the main section, or NAME=URL for a multidb section",
    )
    ap.add_argument("--sql", action="store_true", help="offline mode (upgrade/downgrade/stamp)")
    ap.add_argument("--purge", action="store_true", help="stamp --purge")
    ap.add_argument("command", help="upgrade, downgrade, current, stamp, heads, branches, history, show")
    ap.add_argument("args", nargs="*", help="revision arguments")
    opts = ap.parse_args(argv)

    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    ini = os.path.abspath(opts.ini)
    if not os.path.isfile(ini):
        ap.error("no such ini file: %s" % ini)
    os.chdir(os.path.dirname(ini))

    main_url = None
    named = []
    for spec in opts.url:
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_.-]*)=(.+)$", spec)
        if m and "://" not in m.group(1):
            named.append((m.group(1), normalise_url(m.group(2))))
        else:
            main_url = normalise_url(spec)

    cfg = Config(ini)
    if main_url is not None:
        cfg.set_main_option("sqlalchemy.url", main_url.replace("%", "%%"))
        os.environ["DATABASE_URL"] = main_url
    for name, url in named:
        cfg.set_section_option(name, "sqlalchemy.url", url.replace("%", "%%"))
    if main_url is None and named:
        os.environ["DATABASE_URL"] = named[0][1]

    cmd = opts.command
    a = opts.args
    try:
        if cmd == "upgrade":
            if len(a) != 1:
                ap.error("upgrade takes one revision")
            command.upgrade(cfg, a[0], sql=opts.sql)
        elif cmd == "downgrade":
            if len(a) != 1:
                ap.error("downgrade takes one revision")
            command.downgrade(cfg, a[0], sql=opts.sql)
        elif cmd == "current":
            command.current(cfg, verbose=False)
        elif cmd == "stamp":
            if not a:
                ap.error("stamp takes one or more revisions")
            command.stamp(cfg, a if len(a) > 1 else a[0], sql=opts.sql, purge=opts.purge)
        elif cmd == "heads":
            command.heads(cfg)
        elif cmd == "branches":
            command.branches(cfg)
        elif cmd == "history":
            command.history(cfg, a[0] if a else None)
        elif cmd == "show":
            if len(a) != 1:
                ap.error("show takes one revision")
            command.show(cfg, a[0])
        else:
            ap.error("unknown command %r" % cmd)
    except CommandError as e:
        sys.stdout.flush()
        print("FAILED: %s" % e, file=sys.stderr)
        return 1
    except Exception as e:  # the revision's own error (SQL error, Python error)
        sys.stdout.flush()
        traceback.print_exc()
        print("ERROR: %s: %s" % (type(e).__name__, str(e).strip().splitlines()[0] if str(e).strip() else ""),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
