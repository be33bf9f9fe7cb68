#!/usr/bin/env python3
"""Regenerates the seed corpora in fuzz/corpus/<target>/ from the tests'
inputs (string literals of tests/unit/*.cpp), the example migrations and
alembic.toml. Run from anywhere: python3 fuzz/make_seeds.py. Seeds are named
by content hash, so running it again only adds what is new."""
import hashlib
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
SEP = "\x1f"

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'", "f": "\f", "v": "\v"}


def literals(path):
    """Adjacent C++ string literals of a file, concatenated and unescaped."""
    src = path.read_text()
    token = re.compile(r'R"([^(\s]*)\((.*?)\)\1"|"((?:[^"\\\n]|\\.)*)"|(//[^\n]*)|(\s+)', re.S)
    out, cur, pos = [], None, 0
    while pos < len(src):
        m = token.match(src, pos)
        if not m:
            if cur is not None:
                out.append(cur)
                cur = None
            pos += 1
            continue
        pos = m.end()
        if m.group(2) is not None or m.group(3) is not None:
            if m.group(2) is not None:
                text = m.group(2)
            else:
                text = re.sub(r"\\x([0-9a-fA-F]{2})|\\(.)",
                              lambda e: chr(int(e.group(1), 16)) if e.group(1) else ESCAPES.get(e.group(2), e.group(2)),
                              m.group(3))
            cur = (cur or "") + text
        elif m.group(4) is not None and cur is not None:
            out.append(cur)
            cur = None
    if cur is not None:
        out.append(cur)
    return out


def save(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def main():
    unit = ROOT / "tests" / "unit"
    for name, target in [("postgresql_splitter_test.cpp", "postgresql_splitter"),
                         ("mysql_splitter_test.cpp", "mysql_splitter")]:
        for s in literals(unit / name):
            if len(s) >= 3:
                save(target, s)
    # SQLite: the example migrations' sections and the SQL-looking literals.
    sql_words = re.compile(r"\b(CREATE|INSERT|SELECT|DROP|ALTER|UPDATE|BEGIN|END)\b", re.I)
    for name in ("script_test.cpp", "runner_test.cpp"):
        for s in literals(unit / name):
            if sql_words.search(s):
                save("sqlite_splitter", s)
    for f in sorted((ROOT / "migrations").rglob("*.sql")):
        text = f.read_text()
        save("revision", text)
        for part in re.split(r"^-- \+\w+.*$", text, flags=re.M)[1:]:
            for target in ("sqlite_splitter", "postgresql_splitter", "mysql_splitter"):
                if part.strip():
                    save(target, part)
    for s in literals(unit / "script_test.cpp"):
        if "Revision ID" in s or "+upgrade" in s:
            save("revision", s)
    # Config: alembic.toml and the TOML the config tests write.
    save("config", (ROOT / "alembic.toml").read_text())
    for s in literals(unit / "config_test.cpp"):
        if "[alembic]" in s or "[databases" in s or "[environments" in s:
            save("config", s)
        elif "=" in s and "\n" in s and "[" not in s:  # a .env file
            save("config", "[alembic]\nversion_locations = [\"main\"]\n[databases.main]\nurl = \"${PW:-x}\"\n"
                           "#--- .env\n" + s)
    # URLs: every test URL, as the "text before" field (mode 0x00: field scheme)
    # and split into fields for each placement of the password.
    url_re = re.compile(r"^([A-Za-z][A-Za-z0-9+_-]*)://(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]*)/?([^?]*)\??(.*)$")
    for s in literals(unit / "url_test.cpp"):
        if "://" not in s:
            continue
        save("url", bytes([0]) + (SEP * 6 + s).encode("utf-8", "surrogateescape"))
        m = url_re.match(s)
        if m:
            scheme, user, pw, host, db, query = (g or "" for g in m.groups())
            for mode in (0, 1, 2, 3, 4):
                fields = [scheme, user, pw or "s3cr3t-pw", host, db, query, "error: ", " failed"]
                save("url", bytes([mode]) + SEP.join(fields).encode("utf-8", "surrogateescape"))
    # Targets: the grammar's forms on the fixed graph of target_grammar_fuzz.cpp.
    ids = ["1111aaaa0001", "2222bbbb0002", "3333cccc0003", "3334dddd0004", "5555eeee0005",
           "6666ffff0006", "7777aaaa0007", "8888bbbb0008", "9999cccc0009", "aaaa00000010"]
    targets = ["head", "heads", "base", "+1", "-1", "+2", "-2", "333", "3334", "2222bbbb0002+2",
               "6666ffff0006-3", "core@head", "feature@head", "other@base", "other@+1", "hotfix",
               "5555eeee0005@head", "core@-1", "feature", "2222:heads", ":6666", "1111aaaa0001 8888bbbb0008"]
    rows_sets = [[], [ids[1]], [ids[4]], [ids[5], ids[6]], [ids[2], ids[3]], [ids[8]], [ids[5], ids[9]]]
    for op in range(8):
        for i, t in enumerate(targets):
            rows = rows_sets[(i + op) % len(rows_sets)]
            save("target_grammar", bytes([op]) + "\n".join([t] + rows).encode())


if __name__ == "__main__":
    main()
