"""Prove that infra/tflocal's `moved {}` blocks work: a stack applied from an older commit re-plans with this
checkout's configuration without destroying or replacing anything.

  .venv/bin/python bench/check_infra_moves.py                 # against 8de095e, the last commit of the old layout
  .venv/bin/python bench/check_infra_moves.py --before <rev>   # against any other commit
  .venv/bin/python bench/check_infra_moves.py --apply          # also apply, then require a clean re-plan

Steps (about 4 minutes on two cores): check the older commit out into a temporary git worktree, build its
Lambda zips, start a local cloud of its own (free port, temporary state dir), apply that commit's
infra/tflocal, then plan against the same state twice:

1. structure: this checkout's .tf files over the OLD build, so only the reorganisation shows;
2. checkout: this checkout's infra/tflocal with its own build (new code shows as in-place function updates).

With --apply the second plan is applied and a third plan must say "No changes". Exits 1 when a plan would
destroy or replace a resource (a missing or wrong moved block), 0 otherwise. Writes
bench/results/infra_moves.json. Not a bench_*.py, so `make bench` does not run it; run it after renaming
anything in infra/tflocal.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
OLD_LAYOUT = "8de095e"  # the last commit before infra/tflocal was arranged by concept
STACK = "pipelines"
CHANGE = re.compile(r"^\s*# (?P<address>\S+) (?P<verdict>will be created|will be destroyed|will be updated in-place|"
                    r"must be replaced|will be read during apply)")
SUMMARY = re.compile(r"^(Plan: .*|No changes\..*)$", re.MULTILINE)
MOVED = re.compile(r"# (\S+) has moved to |# \(moved from (\S+)\)")


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def verdicts(plan_output: str) -> dict[str, list[str]]:
    """{verdict: [addresses]} from the plan's `# <address> will be ...` lines."""
    found: dict[str, list[str]] = {}
    for line in plan_output.splitlines():
        match = CHANGE.match(line)
        if match:
            found.setdefault(match["verdict"], []).append(match["address"])
    return found


def summarise(name: str, plan) -> dict:
    found = verdicts(plan.output)
    summary = SUMMARY.search(plan.output)
    report = {"plan": name, "summary": summary.group(1) if summary else f"exit code {plan.exit_code}",
              "moved": len({a or b for a, b in MOVED.findall(plan.output)}),
              **{verdict.replace(" ", "_").replace("-", "_"): addresses for verdict, addresses in found.items()}}
    print(f"\n== {name}: {report['summary']} ({report['moved']} moved)", file=sys.stderr)
    for verdict, addresses in found.items():
        for address in addresses:
            print(f"   {verdict:<26} {address}", file=sys.stderr)
    return report


def destructive(report: dict) -> list[str]:
    return report.get("will_be_destroyed", []) + report.get("must_be_replaced", [])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default=OLD_LAYOUT, help=f"commit whose stack is applied first ({OLD_LAYOUT})")
    parser.add_argument("--apply", action="store_true", help="apply this checkout too, then require no changes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (state, worktree) afterwards")
    args = parser.parse_args()

    from localcloud.packaging import build_all
    from localcloud.terraform.runner import TerraformRunner
    from localcloud.testing import isolated

    scratch = Path(tempfile.mkdtemp(prefix="infra-moves-"))
    before = scratch / "before"
    git("worktree", "add", "--detach", str(before), args.before)
    cloud = None
    reports: list[dict] = []
    started = time.monotonic()
    try:
        print(f"building the Lambda zips of {args.before} ...", file=sys.stderr)
        build_all(before / "lambdas", before / "build", report=lambda line: None)
        build_all(ROOT / "lambdas", ROOT / "build", report=lambda line: None)
        cloud = isolated(scratch / "state").start()

        def runner(directory: Path) -> TerraformRunner:
            return TerraformRunner(directory, STACK, cloud.settings.state_dir, cloud.endpoint, cloud.settings.region,
                                   [directory / "envs" / "local.tfvars"])

        print(f"applying infra/tflocal of {args.before} to {cloud.endpoint} ...", file=sys.stderr)
        runner(before / "infra" / "tflocal").apply()
        applied_at = time.monotonic()

        # This checkout's configuration beside the old one, so `../../build` is still the old build.
        structure = before / "infra" / "tflocal_now"
        shutil.copytree(ROOT / "infra" / "tflocal", structure,
                        ignore=shutil.ignore_patterns("*override.tf", ".terraform*"))
        reports.append(summarise("structure (new .tf, old build)", runner(structure).plan()))
        reports.append(summarise("checkout (new .tf, new build)", runner(ROOT / "infra" / "tflocal").plan()))
        if args.apply:
            runner(ROOT / "infra" / "tflocal").apply()
            again = summarise("re-plan after applying the checkout", runner(ROOT / "infra" / "tflocal").plan())
            again["clean"] = again["summary"].startswith("No changes")
            reports.append(again)
    finally:
        if cloud is not None:
            cloud.stop()
        git("worktree", "remove", "--force", str(before))
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    broken = [address for report in reports for address in destructive(report)]
    unclean = [report["plan"] for report in reports if report.get("clean") is False]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "infra_moves.json").write_text(json.dumps({
        "before": args.before, "before_sha": git("rev-parse", args.before), "checkout": git("rev-parse", "HEAD"),
        "apply_seconds": round(applied_at - started, 1), "plans": reports}, indent=2))
    if broken or unclean:
        print(f"\nFAILED: {len(broken)} resource(s) would be destroyed or replaced: {', '.join(broken)}"
              + (f"; not clean after apply: {unclean}" if unclean else "")
              + "\nAdd a moved {} block (infra/tflocal/moved.tf) for every renamed address.", file=sys.stderr)
        return 1
    print("\nOK: nothing is destroyed or replaced; results in bench/results/infra_moves.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
