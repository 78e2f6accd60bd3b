"""`make bench`: run every bench_*.py, then print one table of all figures against their goals."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


PEER_ORDER = ("localcloud-before", "localcloud-no-fast-path", "moto", "ministack")


def side_by_side(documents: list[dict]) -> list[str]:
    """One table for every family: a row per figure, localcloud then each peer measured in the same run, then
    localcloud ÷ each peer (below 1 is faster; blank where the family has no such peer), then the goal."""
    found = {name for document in documents for name in document.get("peers", {})}
    peers = [name for name in PEER_ORDER if name in found] + sorted(found - set(PEER_ORDER))
    width = max([len(f"{f['name']}_{f['unit']}") for d in documents for f in d["figures"]] + [20])
    header = f"{'family':<12} {'figure':<{width}} {'localcloud':>11}" + "".join(f" {n[:18]:>18}" for n in peers)
    header += "".join(f" {'÷ ' + n[:14]:>16}" for n in peers) + f" {'goal':>7}  met"
    lines = [header, "-" * len(header)]
    for document in documents:
        for item in document["figures"]:
            key = f"{item['name']}_{item['unit']}"
            row = f"{document['benchmark']:<12} {key:<{width}} {item['value']!s:>11}"
            for name in peers:
                row += f" {document.get('peers', {}).get(name, {}).get(key, '')!s:>18}"
            for name in peers:
                ratio = document.get("peers", {}).get(name, {}).get("ratio_localcloud_over_peer", {}).get(key, "")
                row += f" {ratio!s:>16}"
            goal = "" if item["goal"] is None else item["goal"]
            met = {True: "yes", False: "NO", None: ""}[item["met"]]
            lines.append(f"{row} {goal!s:>7}  {met}")
    return lines


def main() -> int:
    only = set(sys.argv[1:])
    failed = []
    began = time.time()
    scripts = sorted(HERE.glob("bench_*.py"))
    for index, script in enumerate(scripts, 1):
        name = script.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        print(f"[{index}/{len(scripts)}] {script.name} ...", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, str(script)], cwd=HERE, stdout=subprocess.DEVNULL)
        if done.returncode != 0:
            failed.append(script.name)
    # with BENCH=..., the families this run measured (a document's name need not be its script's)
    paths = [path for path in sorted((HERE / "results").glob("*.json")) if not only or path.stat().st_mtime >= began]
    documents = [document for document in map(lambda path: json.loads(path.read_text()), paths) if "figures" in document]
    table = side_by_side(documents)
    loads = {d["benchmark"]: d.get("load_average") for d in documents if d.get("load_average")}
    if loads:
        table.append("load average (1, 5, 15 min) while measured: " + "; ".join(
            f"{name} {', '.join(f'{v:.1f}' for v in load)}" for name, load in loads.items()))
    print("\n" + "\n".join(table))
    (HERE / "results" / "summary.txt").write_text("\n".join(table) + "\n")
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
