"""A newcomer's first hour, timed: `git clone` + `make up`, a second (no-op) `make up`, and optionally
`make test`, each on a fresh clone of this repository's HEAD, on a port of its own.

Goals (issue "A newcomer's first hour"): fresh `make up` <= 180 s, the pipeline stack's Terraform apply on a
fresh cloud <= 100 s, no-op `make up` <= 3 s, `make test` on a fresh clone <= 300 s.

Run: .venv/bin/python bench/bench_first_hour.py [--with-test] [--hostile]
  --hostile  runs everything with a shell such as many AWS users have (another region, a missing profile,
             fake keys), which must change nothing.
JSON on stdout and in bench/results/first_hour.json.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, figure, free_port, write_results

HOSTILE = {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1", "AWS_PROFILE": "nobody",
           "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}


def timed(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> tuple[float, str]:
    print(f"bench: {' '.join(command)} (log {log}) ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    with open(log, "w") as out:
        done = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=3600)
    seconds = time.perf_counter() - started
    text = log.read_text(errors="replace")
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed (exit {done.returncode}); see {log}:\n{text[-3000:]}")
    return seconds, text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--with-test", action="store_true", help="also time `make test` on the fresh clone")
    parser.add_argument("--hostile", action="store_true", help="a hostile AWS environment in the shell")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="localcloud-first-hour-"))
    clone = work / "localcloud"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCALCLOUD_", "AWS_", "VIRTUAL_ENV"))}
    env.update({"LOCALCLOUD_PORT": str(port), **(HOSTILE if args.hostile else {})})
    figures = []
    try:
        fresh, text = timed(["make", "up"], clone, env, work / "make-up-1.log")
        figures.append(figure("make_up_fresh_clone", fresh, "s", 180.0))
        applied = re.search(r"Apply complete! .*?\(([\d.]+) s;", " ".join(text.split()))
        if applied:
            figures.append(figure("pipeline_apply_fresh_cloud", float(applied.group(1)), "s", 100.0))
        again, text = timed(["make", "up"], clone, env, work / "make-up-2.log")
        figures.append(figure("make_up_noop", again, "s", 3.0))
        if args.with_test:
            tested, _ = timed(["make", "test"], clone, env, work / "make-test.log")
            figures.append(figure("make_test_fresh_clone", tested, "s", 300.0))
    finally:
        subprocess.run(["make", "down"], cwd=clone, env=env, capture_output=True, timeout=300)
    write_results("first_hour", figures, hostile_shell=args.hostile, clone=str(clone))
    return 0


if __name__ == "__main__":
    sys.exit(main())
