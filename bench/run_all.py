"""`make bench`: run every bench_*.py, then print one table of all figures against their goals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def print_side_by_side(document: dict) -> None:
    """One row per figure: localcloud, then each peer measured in the same run, then localcloud ÷ each peer."""
    peers = document["peers"]
    ours = {f"{f['name']}_{f['unit']}": f["value"] for f in document["figures"]}
    names = list(peers)
    print(f"\n{document['benchmark']}: side by side (same run; ratio = localcloud ÷ peer, below 1 is faster)")
    header = f"{'figure':<40} {'localcloud':>11}" + "".join(f" {n[:24]:>24}" for n in names)
    header += "".join(f" {'÷ ' + n[:20]:>22}" for n in names)
    print(header)
    for key, value in ours.items():
        row = f"{key:<40} {value:>11}"
        row += "".join(f" {str(peers[n].get(key, '—')):>24}" for n in names)
        row += "".join(f" {str(peers[n].get('ratio_localcloud_over_peer', {}).get(key, '—')):>22}" for n in names)
        print(row)


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
    for path in sorted((HERE / "results").glob("*.json")):
        document = json.loads(path.read_text())
        if document.get("peers"):
            print_side_by_side(document)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
