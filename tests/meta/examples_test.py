#!/usr/bin/python3
"""The fleet examples (examples/kubernetes, examples/ci) really slice a fleet.

For each example: parse the YAML, take the strata command line it runs, and
run it for every slice it schedules (each Kubernetes index, each GitHub matrix
entry, each GitLab parallel node) against a SQLite fleet, with the variables
the scheduler would set. The JSON reports of the N slices together must name
every (database, URL) target exactly once, each upgraded to head.

usage: examples_test.py --strata BIN --source SRC_DIR
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

MAIN_URLS = 7
ANALYTICS_URLS = 5


def make_fleet(root, source):
    shutil.copytree(os.path.join(source, "migrations"), os.path.join(root, "migrations"),
                    ignore=shutil.ignore_patterns(".strata_cache"))
    os.makedirs(os.path.join(root, "fleet"))
    with open(os.path.join(root, "production-main.txt"), "w") as f:
        f.write("# the production fleet of main\n")
        for i in range(MAIN_URLS):
            f.write(f"sqlite:///fleet/main_{i}.db\n")
    analytics = ", ".join(f'"sqlite:///fleet/analytics_{i}.db"' for i in range(ANALYTICS_URLS))
    with open(os.path.join(root, "alembic.toml"), "w") as f:
        f.write(f"""[alembic]
version_locations = ["migrations/main", "migrations/analytics"]

[databases.main]
url = "sqlite:///fleet/dev-main.db"

[databases.analytics]
url = "sqlite:///fleet/dev-analytics.db"

[environments.production]
main = {{ urls_file = "production-main.txt" }}
analytics = [{analytics}]
""")
    expected = {("main", f"sqlite:///fleet/main_{i}.db") for i in range(MAIN_URLS)}
    expected |= {("analytics", f"sqlite:///fleet/analytics_{i}.db") for i in range(ANALYTICS_URLS)}
    return expected


def heads(strata, root):
    out = subprocess.run([strata, "heads"], cwd=root, capture_output=True, text=True, check=True).stdout
    return sorted(re.findall(r"\b([0-9a-f]{12})\b", out))


def run_slice(strata, root, script, env, report_path):
    """Runs one slice's shell script with `strata` first on PATH."""
    bindir = os.path.join(root, ".bin")
    os.makedirs(bindir, exist_ok=True)
    link = os.path.join(bindir, "strata")
    if not os.path.exists(link):
        os.symlink(os.path.abspath(strata), link)
    full_env = {"PATH": bindir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"), "HOME": root}
    full_env.update(env)
    proc = subprocess.run(["/bin/sh", "-c", script], cwd=root, env=full_env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"slice failed (exit {proc.returncode}):\n{script}\n{proc.stderr}")
    with open(report_path) as f:
        return json.load(f)


def check_cover(name, reports, expected, head_ids):
    seen = []
    for r in reports:
        assert r["command"] == "upgrade" and r["status"] == "ok" and r["exit_code"] == 0, (name, r)
        for t in r["targets"]:
            assert t["status"] == "ok", (name, t)
            # URLs come back resolved against alembic.toml's folder.
            seen.append((t["database"], "sqlite:///fleet/" + os.path.basename(t["url"])))
            assert t["url"].endswith(seen[-1][1][len("sqlite:///"):]), t["url"]
            assert t["to"], (name, t)
            assert all(x in head_ids for x in t["to"]), (name, t["to"], head_ids)
    dupes = {x for x in seen if seen.count(x) > 1}
    assert not dupes, f"{name}: targets run by two slices: {sorted(dupes)}"
    assert set(seen) == expected, f"{name}: missing {sorted(expected - set(seen))}, extra {sorted(set(seen) - expected)}"
    sizes = [len(r["targets"]) for r in reports]
    print(f"ok   {name}: {len(reports)} slices of {sizes} targets cover all {len(expected)} targets once")


def kubernetes(strata, source, path):
    doc = yaml.safe_load(open(path))
    assert doc["kind"] == "Job" and doc["spec"]["completionMode"] == "Indexed", path
    n = int(doc["spec"]["completions"])
    container = doc["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][:2] == ["/bin/sh", "-c"], container["command"]
    script = container["args"][0]
    assert "strata " in script and "--shard" in script and "JOB_COMPLETION_INDEX" in script, script
    env = {e["name"]: str(e["value"]) for e in container["env"] if "value" in e}
    assert env["SHARD_COUNT"] == str(n), f"SHARD_COUNT {env['SHARD_COUNT']} != completions {n}"
    with tempfile.TemporaryDirectory() as root:
        expected = make_fleet(root, source)
        head_ids = heads(strata, root)
        reports_dir = os.path.join(root, "reports")
        os.makedirs(reports_dir)
        env["REPORT_DIR"] = reports_dir
        reports = []
        for index in range(n):  # Kubernetes: JOB_COMPLETION_INDEX = 0 .. completions-1
            e = dict(env, JOB_COMPLETION_INDEX=str(index))
            reports.append(run_slice(strata, root, script, e, os.path.join(reports_dir, f"shard-{index + 1}.json")))
        check_cover(os.path.relpath(path, source), reports, expected, head_ids)


def github(strata, source, path):
    doc = yaml.safe_load(open(path))
    job = doc["jobs"]["upgrade"]
    shards = job["strategy"]["matrix"]["shard"]
    total = len(shards)
    steps = [s for s in job["steps"] if "run" in s and "--shard" in s["run"]]
    assert len(steps) == 1, steps
    upload = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert upload and upload[0].get("if") == "always()", "the report must be kept as an artifact, also on failure"
    with tempfile.TemporaryDirectory() as root:
        expected = make_fleet(root, source)
        head_ids = heads(strata, root)
        reports = []
        for k, shard in enumerate(shards):
            exprs = {"matrix.shard": str(shard), "strategy.job-total": str(total), "strategy.job-index": str(k)}
            script = re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: exprs[m.group(1)], steps[0]["run"])
            artifact = re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: exprs[m.group(1)], upload[0]["with"]["path"])
            env = {"STRATA_ENV": "production"}
            reports.append(run_slice(strata, root, script, env, os.path.join(root, artifact)))
        check_cover(os.path.relpath(path, source), reports, expected, head_ids)


def gitlab(strata, source, path):
    doc = yaml.safe_load(open(path))
    job = doc["migrate"]
    n = int(job["parallel"])
    script = "\n".join(job["script"])
    assert "--shard" in script and job["artifacts"]["when"] == "always", job
    with tempfile.TemporaryDirectory() as root:
        expected = make_fleet(root, source)
        head_ids = heads(strata, root)
        reports = []
        for node in range(1, n + 1):  # GitLab: CI_NODE_INDEX = 1 .. CI_NODE_TOTAL
            env = dict({k: str(v) for k, v in job.get("variables", {}).items()},
                       CI_NODE_INDEX=str(node), CI_NODE_TOTAL=str(n))
            artifact = job["artifacts"]["paths"][0].replace("$CI_NODE_INDEX", str(node))
            reports.append(run_slice(strata, root, script, env, os.path.join(root, artifact)))
        check_cover(os.path.relpath(path, source), reports, expected, head_ids)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--source", required=True)
    a = ap.parse_args()
    a.strata = os.path.abspath(a.strata)
    ex = os.path.join(a.source, "examples")
    kubernetes(a.strata, a.source, os.path.join(ex, "kubernetes", "strata-indexed-job.yaml"))
    github(a.strata, a.source, os.path.join(ex, "ci", "github-actions.yml"))
    gitlab(a.strata, a.source, os.path.join(ex, "ci", "gitlab-ci.yml"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
