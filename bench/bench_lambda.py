"""Lambda runtime figures: warm invoke round trip through boto3, cold start of a handler importing
boto3, a burst of 200 Event invokes drained, and memory per idle execution environment.

Goals: warm p50 <= 3 ms, p99 <= 10 ms (LocalStack publishes 17-77 ms warm; ministack ~55 ms);
cold p50 <= 250 ms; 200 Event invokes drained within 2 s, none lost.
Run: .venv/bin/python bench/bench_lambda.py  (JSON on stdout and in bench/results/lambda.json)
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from statistics import median

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import figure, percentile, write_results
from localcloud.runtime.prepare import prepare_runtime
from localcloud.testing import Functions, isolated

WARM_CALLS = 500
COLD_STARTS = 8
BURST = 200

def main() -> None:
    prepare_runtime()
    cloud = isolated(Path(tempfile.mkdtemp(prefix="bench-lambda-"))).start()
    try:
        lam = cloud.client("lambda")
        create = Functions(cloud, runtime="python3.11").create

        # Warm round trip of a no-op handler.
        noop = create("def handler(event, context):\n    return None\n")
        for _ in range(30):
            lam.invoke(FunctionName=noop, Payload=b"{}")
        warm = []
        for _ in range(WARM_CALLS):
            began = time.perf_counter()
            lam.invoke(FunctionName=noop, Payload=b"{}")["Payload"].read()
            warm.append((time.perf_counter() - began) * 1000)

        # Cold start: a new function each time (a fresh environment), handler imports boto3.
        cold, init = [], []
        for _ in range(COLD_STARTS):
            name = create("import boto3\n\ndef handler(event, context):\n    return boto3.__version__\n")
            began = time.perf_counter()
            answer = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
            cold.append((time.perf_counter() - began) * 1000)
            import base64

            tail = base64.b64decode(answer["LogResult"]).decode()
            init.append(float(tail.split("Init Duration: ")[1].split(" ms")[0]))

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
        workers = [p for p in server.children(recursive=True) if "bootstrap.py" in " ".join(p.cmdline())]
        rss = [p.memory_info().rss / 2**20 for p in workers]
    finally:
        cloud.stop()

    figures = [
        figure("warm_invoke_p50", median(warm), "ms", 3.0),
        figure("warm_invoke_p99", percentile(warm, 0.99), "ms", 10.0),
        figure("cold_start_boto3_p50", median(cold), "ms", 250.0, init_duration_p50_ms=round(median(init), 1)),
        figure("event_burst_200_drained", drained, "s", 2.0, accepted_s=round(accepted, 3), lost=lost),
        figure("idle_environment_rss", median(rss) if rss else 0.0, "MiB", None, environments=len(rss)),
    ]
    write_results("lambda", figures, notes="boto3 client in the benchmark process; server and workers on the "
                                           "same 2-core machine; python3.11 functions")


if __name__ == "__main__":
    main()
