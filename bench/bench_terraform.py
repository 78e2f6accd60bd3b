"""Terraform figures: applying the conformance stack (tests/conformance/terraform) to a fresh local cloud,
and a no-change re-apply, through the same runner as `localcloud terraform apply`.

Goals: apply <= 15 s, no-change re-apply <= 5 s, apply ÷ provider floor <= 1.15 (issue 18; the floor is the
longest chain of the provider's own waits through the stack's dependency graph: bench/terraform_floor.py). Also
reports where the apply's time goes: the slowest resources (from Terraform's own "complete after" lines), which
on this provider are its built-in waits.

Not measured here yet (issue 18): the same config against ministack and moto in the same run, and the pipeline
stack (infra/tflocal); both need endpoint stubs for what those peers lack.

Run: LOCALCLOUD_TF_PLUGIN_MIRROR=/opt/tf-plugins .venv/bin/python bench/bench_terraform.py [--parallelism 10,30]
JSON on stdout and in bench/results/terraform.json.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "conformance"))
from common import figure, write_results
from lambda_packages import build_packages
from local_cloud import running_local_cloud
from localcloud.terraform.runner import TerraformRunner
from terraform_floor import creation_seconds, dependencies, floor

CONFIG = ROOT / "tests" / "conformance" / "terraform"
_COMPLETE = re.compile(r"^(\S+): (?:Creation|Modifications|Destruction) complete after (?:(\d+)m)?(\d+)s")


def slowest(output: str, count: int = 12) -> list[dict[str, object]]:
    took = []
    for line in output.splitlines():
        match = _COMPLETE.match(line)
        if match:
            took.append({"resource": match[1], "seconds": int(match[2] or 0) * 60 + int(match[3])})
    return sorted(took, key=lambda item: -item["seconds"])[:count]


def measure(parallelism: int | None, quiet: Console) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-tf-") as scratch:
        work = Path(scratch)
        variables = {"name": "bt" + uuid.uuid4().hex[:6], **build_packages(work / "packages")}
        with running_local_cloud(work / "state") as endpoint:
            runner = TerraformRunner(CONFIG, "bench", work / "state", endpoint, variables=variables,
                                     parallelism=parallelism, console=quiet)
            began = time.perf_counter()
            runner.init()
            init_seconds = time.perf_counter() - began
            applied = runner.apply()
            floor_seconds, chain = floor(creation_seconds(applied.output), dependencies(runner.paths.state_file))
            reapplied = runner.apply()
            reapplied_fast = runner.apply(refresh=False)
            began = time.perf_counter()
            planned = runner.plan()
            plan_seconds = time.perf_counter() - began
            destroyed = runner.destroy()
    return {"parallelism": parallelism or 10, "init_s": round(init_seconds, 2),
            "apply_s": round(applied.seconds, 2), "reapply_s": round(reapplied.seconds, 2),
            "reapply_no_refresh_s": round(reapplied_fast.seconds, 2),
            "plan_s": round(plan_seconds, 2), "plan_exit_code": planned.exit_code,
            "destroy_s": round(destroyed.seconds, 2), "slowest_resources": slowest(applied.output),
            "provider_floor_s": floor_seconds, "floor_chain": chain,
            "apply_over_floor": round(applied.seconds / floor_seconds, 2) if floor_seconds else None,
            "reapply_changed_nothing": "0 added, 0 changed, 0 destroyed" in reapplied.output}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallelism", default="10", help="comma-separated -parallelism values to try")
    args = parser.parse_args()
    quiet = Console(stderr=True, quiet=True)
    runs = [measure(int(p), quiet) for p in args.parallelism.split(",")]
    best = min(runs, key=lambda run: run["apply_s"])
    figures = [
        figure("conformance apply (fresh local cloud)", best["apply_s"], "s", goal=15.0,
               parallelism=best["parallelism"]),
        figure("conformance re-apply, no changes", best["reapply_s"], "s", goal=5.0,
               parallelism=best["parallelism"]),
        figure("conformance re-apply, no changes, -refresh=false", best["reapply_no_refresh_s"], "s", goal=5.0,
               parallelism=best["parallelism"]),
        figure("conformance destroy", best["destroy_s"], "s"),
        figure("conformance provider floor", best["provider_floor_s"], "s", chain=best["floor_chain"]),
    ]
    if best["apply_over_floor"]:
        figures.append(figure("conformance apply over provider floor", best["apply_over_floor"], "x", goal=1.15))
    write_results("terraform", figures, runs=runs)


if __name__ == "__main__":
    main()
