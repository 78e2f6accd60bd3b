"""AWS parity (issue 17): LocalStack's AWS-validated tests, whose snapshots were recorded against real AWS, run
against a fresh local cloud; per service, how many pass strictly (every recorded field matches) and
leniently (the test body ran to the end and only recorded fields differ).

    python bench/parity.py [SERVICE ...]      (make parity; default: sqs s3 lambda dynamodb stepfunctions)

The harness lives outside this repository (../shared/parity: setup.sh, run_parity.sh, parity.py; none of its
tests or LocalStack's code is copied here). PARITY_HARNESS names another folder; PARITY_HOME is where
setup.sh prepared it (default /tmp/localcloud-parity). If it is not prepared, this says how, and stops.
Writes bench/results/parity.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_results
from localcloud.testing import isolated

SERVICES = ("sqs", "s3", "lambda", "dynamodb", "stepfunctions")
# The harness re-routes the URLs some tests build for real AWS (https://<bucket>.s3.amazonaws.com, ...) to the
# endpoint and keeps their Host header; the endpoint answers only names it is told are its own.
ALLOWED_HOSTS = ".amazonaws.com"


def harness_dir() -> Path:
    named = os.environ.get("PARITY_HARNESS")
    candidates = [Path(named)] if named else [ROOT.parent / "shared" / "parity",
                                              ROOT.parent.parent / "shared" / "parity"]
    for candidate in candidates:
        if (candidate / "run_parity.sh").exists():
            return candidate
    sys.exit("parity: the harness (run_parity.sh) is not in " + " or ".join(map(str, candidates))
             + "; set PARITY_HARNESS to its folder")


def check_prepared(harness: Path) -> Path:
    home = Path(os.environ.get("PARITY_HOME", "/tmp/localcloud-parity"))
    if not (home / "venv" / "bin" / "python").exists():
        sys.exit(f"parity: the harness is not prepared in {home}. Run, once:\n"
                 f"  bash {harness}/setup.sh GIT_DIR   (GIT_DIR: a git copy of github.com/localstack/localstack)\n"
                 "then `make parity` again.")
    return home


def summarize(out: Path, services: tuple[str, ...]) -> dict[str, dict[str, object]]:
    """Per service: counts, strict and lenient pass rates, failure categories (from the harness's files)."""
    details = json.loads((out / "details.json").read_text()) if (out / "details.json").exists() else []
    summary: dict[str, dict[str, object]] = {}
    for service in services:
        rows = [d for d in details if d["service"] == service]
        if not rows and not (out / f"{service}.xml").exists():
            summary[service] = {"error": "no results"}
            continue
        if not rows:  # details.json lists only what the harness could classify; count the JUnit file
            rows = [{"outcome": "passed"} for _ in ET.parse(out / f"{service}.xml").getroot().iter("testcase")]
        outcomes = Counter(d["outcome"] for d in rows)
        categories = Counter(d["category"] for d in rows if d.get("category"))
        ran = outcomes["passed"] + outcomes["failed"] + outcomes["error"]
        snapshot_only = categories["snapshot mismatch"]
        summary[service] = {
            "passed": outcomes["passed"], "failed": outcomes["failed"] + outcomes["error"],
            "skipped": outcomes["skipped"], "harness": outcomes["harness"],
            "strict_pct": round(100.0 * outcomes["passed"] / ran, 1) if ran else None,
            "lenient_pct": round(100.0 * (outcomes["passed"] + snapshot_only) / ran, 1) if ran else None,
            "categories": dict(categories.most_common()),
            "failures": [{"test": d["test"].split("::", 1)[-1], "category": d.get("category"),
                          "detail": d.get("detail", "")[:300]}
                         for d in rows if d["outcome"] in ("failed", "error")],
        }
    return summary


def main(argv: list[str]) -> int:
    services = tuple(argv) or SERVICES
    unknown = [s for s in services if s not in SERVICES]
    if unknown:
        sys.exit(f"parity: unknown service(s) {', '.join(unknown)}; choose from {', '.join(SERVICES)}")
    harness = harness_dir()
    check_prepared(harness)
    os.environ["LOCALCLOUD_ALLOWED_HOSTS"] = ",".join(
        h for h in (os.environ.get("LOCALCLOUD_ALLOWED_HOSTS", ""), ALLOWED_HOSTS) if h)
    with tempfile.TemporaryDirectory(prefix="localcloud-parity-") as scratch:
        cloud = isolated(Path(scratch) / "state").start()
        out = Path(scratch) / "results"
        started = time.monotonic()
        try:
            run = subprocess.run(["bash", str(harness / "run_parity.sh"), cloud.endpoint, *services],
                                 env={**os.environ, "OUT": str(out)}, text=True, capture_output=True)
        finally:
            cloud.stop()
        print(run.stdout[-6000:])
        if run.returncode != 0:
            print(run.stderr[-3000:], file=sys.stderr)
        summary = summarize(out, services)
    figures = [{"name": f"{service} strict pass", "value": row.get("strict_pct") or 0.0, "unit": "%", "goal": 70,
                "met": (row.get("strict_pct") or 0) >= 70} for service, row in summary.items()]
    figures += [{"name": f"{service} lenient pass", "value": row.get("lenient_pct") or 0.0, "unit": "%", "goal": 95,
                 "met": (row.get("lenient_pct") or 0) >= 95} for service, row in summary.items()]
    write_results("parity", figures, services=summary, seconds=round(time.monotonic() - started, 1),
                  harness=str(harness))
    return 0 if run.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
