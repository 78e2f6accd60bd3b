"""Shared bits of the benchmarks: percentiles, results files, peers' virtualenv, server processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from localcloud.testing import free_port  # noqa: F401  (one port finder for tests and benchmarks)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PEERS_VENV = ROOT / "build" / "bench-peers"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def figure(name: str, value: float, unit: str, goal: float | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": round(value, 3), "unit": unit, "goal": goal,
            "met": None if goal is None else value <= goal, **extra}


def write_results(benchmark: str, figures: list[dict[str, Any]], **extra: Any) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {"benchmark": benchmark, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, "figures": figures, **extra}
    (RESULTS / f"{benchmark}.json").write_text(json.dumps(document, indent=2))
    print(json.dumps(document, indent=2))




def peer_python() -> Path | None:
    """A separate virtualenv with ministack, so its dependencies never touch ours. None when unavailable."""
    python = PEERS_VENV / "bin" / "python"
    if not (PEERS_VENV / "bin" / "ministack").exists():
        print("bench: installing the ministack peer into build/bench-peers ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", "ministack"], capture_output=True)
        if done.returncode != 0:
            print("bench: ministack could not be installed; its figures are skipped", file=sys.stderr)
            return None
    return python


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> float:
    """Seconds until `url` answers, polling every 5 ms."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=0.5):
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.005)
    raise TimeoutError(f"{url} did not answer within {timeout} s")
