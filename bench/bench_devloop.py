"""The edit loop: a handler saved -> the next invocation runs the new code, with `localcloud dev` watching.

Goal: p50 <= 1 s (issue 11). Measured on a copy of lambdas/orders_api (with lambdas/shared; no
requirements, like most of the repository's functions) and on lambdas/csv_upsert (a 4.7 MB zip with
psycopg's binary wheel, the heaviest function), each deployed with boto3 from the zip `localcloud build`
made. Each save writes a probe module the function's handler setting points at (it imports the real
handler, so the cold start loads what the function loads) and returns a new number; the clock runs
from just before the write until an invocation returns that number.
Run: .venv/bin/python bench/bench_devloop.py  (JSON on stdout and in bench/results/devloop.json)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lambda import ROLE_POLICY, port_in_range
from common import ROOT, figure, write_results
from localcloud.packaging import build_all
from localcloud.runtime.prepare import prepare_runtime
from localcloud.testing import isolated, wait_for

SAVES = 7
FUNCTIONS = ("orders_api", "csv_upsert")
# What the handlers read at import (Terraform sets these; nothing is called at import, so names suffice).
ENVIRONMENT = {"ORDERS_STREAM": "orders", "CUSTOMERS_TABLE": "customers", "INVOICES_TABLE": "invoices"}
PROBE = "from handler import handler as _real  # noqa: F401  (what the function loads)\n\n" \
        "def handler(event, context):\n    return {{'version': {version}}}\n"


def _start_dev(cloud, source: Path, out: Path) -> tuple[subprocess.Popen, list[str]]:
    env = {**os.environ, "LOCALCLOUD_PORT": str(cloud.settings.port),
           "LOCALCLOUD_STATE_DIR": str(cloud.settings.state_dir)}
    dev = subprocess.Popen([sys.executable, "-m", "localcloud.cli", "dev", "--source", str(source), "--out", str(out),
                            "--tf-dir", str(source / "none"), "--no-logs"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(line.rstrip() for line in dev.stdout), daemon=True).start()
    wait_for(lambda: any("watching" in line for line in lines) or dev.poll() is not None, timeout=120,
             what="localcloud dev to start")
    if dev.poll() is not None:
        raise RuntimeError("localcloud dev exited:\n" + "\n".join(lines))
    return dev, lines


def main() -> None:
    prepare_runtime()
    work = Path(tempfile.mkdtemp(prefix="bench-devloop-"))
    source, out = work / "lambdas", work / "build"
    shutil.copytree(ROOT / "lambdas" / "shared", source / "shared")
    for name in FUNCTIONS:
        shutil.copytree(ROOT / "lambdas" / name, source / name)
        (source / name / "bench_probe.py").write_text(PROBE.format(version=0))
    build_all(source, out, report=lambda line: None)
    cloud = isolated(work / "state", port=port_in_range()).start()
    dev = None
    try:
        lam = cloud.client("lambda", read_timeout=60)
        role = cloud.client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
        for name in FUNCTIONS:
            lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="bench_probe.handler",
                                Code={"ZipFile": (out / "lambdas" / f"{name}.zip").read_bytes()}, Timeout=30,
                                Environment={"Variables": ENVIRONMENT})

        def version(name: str) -> int:
            return json.loads(lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()).get("version", -1)

        dev, lines = _start_dev(cloud, source, out)
        samples: dict[str, list[float]] = {name: [] for name in FUNCTIONS}
        for name in FUNCTIONS:
            assert version(name) == 0, lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()  # warm, old code
            for save in range(1, SAVES + 1):
                began = time.perf_counter()
                (source / name / "bench_probe.py").write_text(PROBE.format(version=save))
                wait_for(lambda: version(name) == save, timeout=60, interval=0.01,
                         what=f"save {save} of {name} to run ({lines})")
                samples[name].append(time.perf_counter() - began)
        reload_seconds = [float(m.group(1)) for line in lines if (m := re.search(r" in ([0-9.]+) s$", line))]
    finally:
        if dev is not None and dev.poll() is None:
            dev.terminate()
            dev.wait(timeout=20)
        cloud.stop()
        shutil.rmtree(work, ignore_errors=True)
    figures = [
        figure("save -> new code runs, p50 (orders_api)", median(samples["orders_api"]), "s", goal=1.0),
        figure("save -> new code runs, max (orders_api)", max(samples["orders_api"]), "s"),
        figure("save -> new code runs, p50 (csv_upsert 4.7MB)", median(samples["csv_upsert"]), "s", goal=1.0),
    ]
    write_results("devloop", figures, samples=samples, reload_lines=[l for l in lines if "reloaded" in l],
                  reload_seconds_p50=round(median(reload_seconds), 3) if reload_seconds else None)


if __name__ == "__main__":
    main()
