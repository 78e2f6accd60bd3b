"""Flat cost, counted instead of timed: the Python function calls one request costs (client and server in one
process, cProfile's count), with 1k and 10k resident items — a figure the machine's load cannot move, where
bench_scaling.py's milliseconds on a shared 2-core machine move by 2-5x between runs. The same operations and
data as bench_scaling.py (its families' classes, boto3's requests handed to the app in-process as
profile_inprocess.py does). Not part of `make bench` (no peers): `.venv/bin/python bench/scaling_call_counts.py`;
JSON in bench/results/scaling_call_counts.json (BENCH_SCALING_SIZES as for bench_scaling.py, default 1000,10000).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import tempfile
from pathlib import Path

import bench_scaling
from common import write_results
from profile_inprocess import in_process_clients

SIZES = [int(s) for s in os.environ.get("BENCH_SCALING_SIZES", "1000,10000").split(",")]
CALLS = 10


def main() -> None:
    from localcloud.config import Settings
    from localcloud.server.main import build_app

    app = build_app(Settings.from_env(port=4566, state_dir=Path(tempfile.mkdtemp(prefix="call-counts-"))))
    app.start()
    app.state.wait_all_restored()
    made, _ = in_process_clients(app, services=("s3", "dynamodb", "sqs", "kinesis", "logs"))
    make = made.__getitem__
    counts: dict[str, dict[str, float]] = {}
    for family, model_class in bench_scaling.FAMILY_CLASSES.items():
        model = model_class(make)
        for size in SIZES:
            model.grow(size)
            for name, call in model.operations().items():
                call()
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(CALLS):
                    call()
                profiler.disable()
                counts.setdefault(name, {})[str(size)] = pstats.Stats(profiler).total_calls / CALLS
            print(f"bench: {family} {size}: " + ", ".join(
                f"{n} {counts[n][str(size)]:.0f}" for n in model.operations()), file=sys.stderr, flush=True)
    figures = []
    first, last = str(SIZES[0]), str(SIZES[-1])
    for name, by_size in counts.items():
        figures.append({"name": f"{name}_calls_{last}_over_{first}", "value": round(by_size[last] / by_size[first], 3),
                        "unit": "x", "goal": 1.5, "met": by_size[last] / by_size[first] <= 1.5, "calls": by_size})
    write_results(os.environ.get("BENCH_COUNTS_NAME", "scaling_call_counts"), figures)
    os._exit(0)


if __name__ == "__main__":
    main()
