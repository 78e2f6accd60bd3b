"""Lambda runtime figures: warm invoke round trip through boto3, cold start of a handler importing
boto3, a burst of 200 Event invokes drained, and memory per idle execution environment.

Goals (issue 18): warm p50 <= 2 ms, p99 <= 5 ms; cold start with boto3 <= 150 ms; 200 Event invokes
drained within 2 s, none lost. In the same run, warm and cold are also measured on localcloud with its
fork templates off (LOCALCLOUD_LAMBDA_FORK=0: every cold start spawns a worker, the road before them) and
on ministack (its own virtualenv, bench/common.py), as peers.
Run: .venv/bin/python bench/bench_lambda.py  (JSON on stdout and in bench/results/lambda.json)
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from statistics import median

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import boto3
from botocore.config import Config
from common import figure, free_port, peer_python, percentile, wait_healthy, write_results
from localcloud.runtime.prepare import prepare_runtime
from localcloud.testing import Functions, isolated, trust_policy, zip_of

WARM_CALLS = 500
COLD_STARTS = 8
BURST = 200

def warm_and_cold(lam, create) -> tuple[list[float], list[float], list[float]]:
    """Warm round trips of a no-op handler; cold starts (a new function each time, so a fresh environment)
    of a handler that imports boto3, and their Init Duration where the server reports one."""
    noop = create("def handler(event, context):\n    return None\n")
    for _ in range(30):
        lam.invoke(FunctionName=noop, Payload=b"{}")
    warm = []
    for _ in range(WARM_CALLS):
        began = time.perf_counter()
        lam.invoke(FunctionName=noop, Payload=b"{}")["Payload"].read()
        warm.append((time.perf_counter() - began) * 1000)
    cold, init = [], []
    for _ in range(COLD_STARTS):
        name = create("import boto3\n\ndef handler(event, context):\n    return boto3.__version__\n")
        began = time.perf_counter()
        answer = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
        answer["Payload"].read()
        cold.append((time.perf_counter() - began) * 1000)
        tail = base64.b64decode(answer.get("LogResult") or b"").decode(errors="replace")
        if "Init Duration: " in tail:
            init.append(float(tail.split("Init Duration: ")[1].split(" ms")[0]))
    return warm, cold, init


def summary(warm: list[float], cold: list[float], init: list[float]) -> dict[str, float]:
    found = {"warm_invoke_p50_ms": round(median(warm), 3), "warm_invoke_p99_ms": round(percentile(warm, 0.99), 3),
             "cold_start_boto3_p50_ms": round(median(cold), 3)}
    if init:
        found["init_duration_p50_ms"] = round(median(init), 1)
    return found


def without_fork_templates() -> dict[str, float]:
    """The same figures on a localcloud whose cold starts all spawn (the road before fork templates)."""
    os.environ["LOCALCLOUD_LAMBDA_FORK"] = "0"  # read by the server process it starts
    try:
        cloud = isolated(Path(tempfile.mkdtemp(prefix="bench-lambda-nofork-"))).start()
    finally:
        del os.environ["LOCALCLOUD_LAMBDA_FORK"]
    try:
        return summary(*warm_and_cold(cloud.client("lambda"), Functions(cloud, runtime="python3.11").create))
    finally:
        cloud.stop()


def on_ministack() -> dict[str, float] | None:
    peer = peer_python()
    if peer is None:
        return None
    port = free_port()
    state = Path(tempfile.mkdtemp(prefix="bench-lambda-ministack-"))
    process = subprocess.Popen([str(peer.parent / "ministack")], env={**os.environ, "GATEWAY_PORT": str(port)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=state)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/_localstack/health", process)
        options = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1", aws_access_key_id="test",
                       aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}, read_timeout=120))
        lam, iam = boto3.client("lambda", **options), boto3.client("iam", **options)
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=trust_policy())["Role"]["Arn"]
        counter = iter(range(10**6))

        def create(source: str) -> str:
            name = f"bench-{next(counter)}"
            lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="handler.handler",
                                Code={"ZipFile": zip_of({"handler.py": source})})
            return name

        return summary(*warm_and_cold(lam, create))
    except Exception as exc:  # noqa: BLE001  a peer that cannot run this is reported, not fatal
        print(f"bench: ministack's Lambda figures failed: {exc!r}", file=sys.stderr)
        return None
    finally:
        process.terminate()
        process.wait(timeout=20)


def main() -> None:
    prepare_runtime()
    peers = {"localcloud-no-fork-templates": without_fork_templates()}
    cloud = isolated(Path(tempfile.mkdtemp(prefix="bench-lambda-"))).start()
    try:
        lam = cloud.client("lambda")
        create = Functions(cloud, runtime="python3.11").create
        warm, cold, init = warm_and_cold(lam, create)

        # Burst of Event invokes: each reports its number to a counter on 127.0.0.1 (the sandbox shares the
        # host's network but not its /tmp); drained when all 200 numbers arrived.
        seen: set[int] = set()

        class Counter(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.add(int(self.path.strip("/")))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        counter = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
        threading.Thread(target=counter.serve_forever, daemon=True).start()
        burst = create("import urllib.request\n\ndef handler(event, context):\n"
                       "    urllib.request.urlopen(event['url'] + str(event['i']), timeout=10).read()\n")
        url = f"http://127.0.0.1:{counter.server_address[1]}/"
        lam.invoke(FunctionName=burst, Payload=json.dumps({"url": url, "i": -1}).encode())
        seen.clear()
        clients = [cloud.client("lambda") for _ in range(4)]
        began = time.perf_counter()

        def send(worker: int) -> None:
            for i in range(worker, BURST, len(clients)):
                clients[worker].invoke(FunctionName=burst, InvocationType="Event",
                                       Payload=json.dumps({"url": url, "i": i}).encode())

        threads = [threading.Thread(target=send, args=(w,)) for w in range(len(clients))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        accepted = time.perf_counter() - began
        while time.perf_counter() - began < 30 and len(seen) < BURST:
            time.sleep(0.005)
        drained = time.perf_counter() - began
        lost = BURST - len(seen)
        counter.shutdown()

        # Memory of idle environments: the worker processes the server spawned.
        time.sleep(0.5)
        server = psutil.Process(int(cloud.settings.pid_file.read_text()))
        python = [p for p in server.children(recursive=True) if "bootstrap.py" in " ".join(p.cmdline())]
        # The workers are the leaves: a fork template's PID 1 and forker, and each forked environment's
        # keeper, have children of their own (runtime/template_main.py).
        workers = [p for p in python if not any(c in python for c in p.children())]
        rss = [p.memory_info().rss / 2**20 for p in workers]
        # RSS counts the pages a forked worker shares with its template; USS is what it alone holds.
        uss = [p.memory_full_info().uss / 2**20 for p in workers]
    finally:
        cloud.stop()

    ministack = on_ministack()
    if ministack:
        peers["ministack"] = ministack
    figures = [
        figure("warm_invoke_p50", median(warm), "ms", 2.0),
        figure("warm_invoke_p99", percentile(warm, 0.99), "ms", 5.0),
        figure("cold_start_boto3_p50", median(cold), "ms", 150.0, init_duration_p50_ms=round(median(init), 1)),
        figure("event_burst_200_drained", drained, "s", 2.0, accepted_s=round(accepted, 3), lost=lost),
        figure("idle_environment_rss", median(rss) if rss else 0.0, "MiB", None, environments=len(rss),
               uss_mib=round(median(uss), 1) if uss else 0.0),
    ]
    ours = {f"{f['name']}_{f['unit']}": f["value"] for f in figures}
    for values in peers.values():
        values["ratio_localcloud_over_peer"] = {key: round(ours[key] / value, 2) for key, value in list(values.items())
                                                if value and key in ours}
    write_results("lambda", figures, peers=peers, notes="boto3 client in the benchmark process; server and workers on the "
                                           "same 2-core machine; python3.11 functions")


if __name__ == "__main__":
    main()
