"""What the Lambda sandbox costs: two local clouds side by side, one with LOCALCLOUD_LAMBDA_SANDBOX=1 and
one with 0, invoked in alternation so both see the same machine load (on a shared 2-core machine, runs
minutes apart differ by 2x).

Figures: warm invoke p50 of each and their ratio (goal: within 10%), cold start p50 of each for a no-op
handler and for one importing boto3, and the sandbox's cold-start cost (on minus off, p50 of the paired
differences).
Run: .venv/bin/python bench/bench_lambda_sandbox.py  (JSON on stdout and in bench/results/lambda_sandbox.json)
"""

from __future__ import annotations

import base64
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lambda import ROLE_POLICY, port_in_range, zip_of
from common import figure, write_results
from localcloud.runtime.prepare import prepare_runtime
from localcloud.testing import LocalCloud, isolated

WARM_PAIRS = 400
COLD_PAIRS = 8
NOOP = "def handler(event, context):\n    return None\n"
BOTO3 = "import boto3\n\ndef handler(event, context):\n    return boto3.__version__\n"


def start(sandbox: str) -> LocalCloud:
    os.environ["LOCALCLOUD_LAMBDA_SANDBOX"] = sandbox  # the server process reads it at start
    return isolated(Path(tempfile.mkdtemp(prefix=f"bench-sandbox-{sandbox}-")), port=port_in_range()).start()


class Side:
    def __init__(self, cloud: LocalCloud) -> None:
        self.lam = cloud.client("lambda")
        self.role = cloud.client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]

    def create(self, source: str) -> str:
        name = f"bench-{uuid.uuid4().hex[:8]}"
        self.lam.create_function(FunctionName=name, Runtime="python3.11", Role=self.role, Handler="handler.handler",
                                 Code={"ZipFile": zip_of(source)})
        return name

    def timed(self, name: str) -> tuple[float, float | None]:
        began = time.perf_counter()
        answer = self.lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
        answer["Payload"].read()
        took = (time.perf_counter() - began) * 1000
        tail = base64.b64decode(answer["LogResult"]).decode()
        init = float(tail.split("Init Duration: ")[1].split(" ms")[0]) if "Init Duration: " in tail else None
        return took, init


def main() -> None:
    prepare_runtime()
    saved = os.environ.get("LOCALCLOUD_LAMBDA_SANDBOX")
    clouds: list[LocalCloud] = []
    try:
        clouds.append(start("1"))
        clouds.append(start("0"))
        on, off = Side(clouds[0]), Side(clouds[1])
        warm_names = {side: side.create(NOOP) for side in (on, off)}
        for _ in range(30):
            for side in (on, off):
                side.timed(warm_names[side])
        warm: dict[Side, list[float]] = {on: [], off: []}
        for i in range(WARM_PAIRS):
            for side in ((on, off) if i % 2 else (off, on)):
                warm[side].append(side.timed(warm_names[side])[0])
        cold: dict[str, dict[Side, list[tuple[float, float]]]] = {"noop": {on: [], off: []}, "boto3": {on: [], off: []}}
        for kind, source in (("noop", NOOP), ("boto3", BOTO3)):
            for i in range(COLD_PAIRS):
                for side in ((on, off) if i % 2 else (off, on)):
                    cold[kind][side].append(side.timed(side.create(source)))
    finally:
        for cloud in clouds:
            cloud.stop()
        if saved is None:
            os.environ.pop("LOCALCLOUD_LAMBDA_SANDBOX", None)
        else:
            os.environ["LOCALCLOUD_LAMBDA_SANDBOX"] = saved

    warm_on, warm_off = median(warm[on]), median(warm[off])
    figures = [
        figure("warm_invoke_p50_sandbox", warm_on, "ms", None),
        figure("warm_invoke_p50_no_sandbox", warm_off, "ms", None),
        figure("warm_invoke_p50_ratio", warm_on / warm_off, "x", 1.10),
    ]
    for kind in ("noop", "boto3"):
        pairs = list(zip(cold[kind][on], cold[kind][off]))
        figures += [
            figure(f"cold_start_{kind}_p50_sandbox", median(t for t, _ in cold[kind][on]), "ms", None,
                   init_duration_p50_ms=round(median(i for _, i in cold[kind][on]), 1)),
            figure(f"cold_start_{kind}_p50_no_sandbox", median(t for t, _ in cold[kind][off]), "ms", None,
                   init_duration_p50_ms=round(median(i for _, i in cold[kind][off]), 1)),
            figure(f"sandbox_cold_start_cost_{kind}", median(a[0] - b[0] for a, b in pairs), "ms", None,
                   init_duration_cost_ms=round(median(a[1] - b[1] for a, b in pairs), 1)),
        ]
    write_results("lambda_sandbox", figures, notes="two servers on the same 2-core machine, invoked in "
                  "alternation; python3.11 functions; cost = p50 of paired differences (sandbox on - off)")


if __name__ == "__main__":
    main()
