"""`make bench`: run every bench_*.py, then print one table of all figures against their goals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    only = set(sys.argv[1:])
    failed = []
    scripts = sorted(HERE.glob("bench_*.py"))
    for index, script in enumerate(scripts, 1):
        name = script.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        print(f"[{index}/{len(scripts)}] {script.name} ...", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, str(script)], cwd=HERE, stdout=subprocess.DEVNULL)
        if done.returncode != 0:
            failed.append(script.name)
    print(f"\n{'benchmark':<12} {'figure':<38} {'value':>10} {'unit':<5} {'goal':>8}  met")
    for path in sorted((HERE / "results").glob("*.json")):
        document = json.loads(path.read_text())
        for item in document["figures"]:
            goal = "" if item["goal"] is None else item["goal"]
            met = {True: "yes", False: "NO", None: ""}[item["met"]]
            print(f"{document['benchmark']:<12} {item['name']:<38} {item['value']:>10} {item['unit']:<5} {goal:>8}  {met}")
        for peer, values in document.get("peers", {}).items():
            print(f"{'':<12} peer {peer}: " + ", ".join(f"{k}={v}" for k, v in values.items() if k != "ratio_localcloud_over_peer"))
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
