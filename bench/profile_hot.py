"""Where the time of a warm hot-path request goes: py-spy samples the localcloud server while boto3 repeats one
operation, and the samples are summed per layer (our HTTP server, the guard, journaling, Flask/werkzeug,
moto's response classes, moto's models, ...). Used for docs/performance.md; not part of `make bench`.

    .venv/bin/pip install py-spy   # a profiler, not a dependency of localcloud
    .venv/bin/python bench/profile_hot.py [operation ...]
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
from botocore.config import Config
from common import RESULTS, free_port, wait_healthy

CALLS = int(os.environ.get("PROFILE_CALLS", "1500"))

# Layers, matched against a frame's file path (first match from the leaf wins, so a frame in moto/core/responses
# counts as moto's response layer even when it calls json).
LAYERS = [
    ("flask/werkzeug", ("flask/", "werkzeug/", "flask_cors/", "werkzeug_app.py", "moto/core/utils.py")),
    ("moto response layer (parse/serialize)", ("moto/core/responses.py", "moto/utilities/", "moto/core/serialize",
                                                "moto/core/parse", "xmltodict", "jinja2/", "moto/s3/responses.py",
                                                "moto/dynamodb/responses.py", "moto/sqs/responses.py",
                                                "moto/secretsmanager/responses.py", "moto/awslambda/responses.py")),
    ("moto models", ("moto/",)),
    ("botocore (moto's use of it)", ("botocore/",)),
    ("journal + gate (state/)", ("localcloud/state/", "localcloud/server/persistence.py")),
    ("guard + request parsing", ("localcloud/server/guard.py", "localcloud/server/requests.py",
                                 "localcloud/server/rest_routes.py", "localcloud/server/input_validation.py")),
    ("our handlers/finishers (aws/, events/)", ("localcloud/aws/", "localcloud/events/", "localcloud/moto_fixes/",
                                                 "localcloud/runtime/")),
    ("localcloud app dispatch", ("localcloud/server/app.py", "localcloud/server/moto_backend.py",
                                 "localcloud/server/fast_path/")),
    ("HTTP server (socket, http.server)", ("localcloud/server/http.py", "http/server.py", "socketserver.py",
                                           "socket.py", "http/client.py", "email/")),
]


def layer_of(stack: list[str]) -> str:
    for frame in reversed(stack):  # leaf first
        for name, needles in LAYERS:
            if any(f"({needle}" in frame for needle in needles):
                return name
    return "other (stdlib: json, threading, ...)"


def operations(port: int):
    options = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1", aws_access_key_id="test",
                   aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))
    s3, ddb, sqs, sm, lam = (boto3.client(n, **options) for n in ("s3", "dynamodb", "sqs", "secretsmanager", "lambda"))
    s3.create_bucket(Bucket="prof")
    s3.put_object(Bucket="prof", Key="hot", Body=b"x" * 1024)
    ddb.create_table(TableName="prof", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName="prof", Item={"pk": {"S": "hot"}, "v": {"S": "x" * 100}})
    queue = sqs.create_queue(QueueName="prof")["QueueUrl"]
    sm.create_secret(Name="prof", SecretString="s3cr3t")
    counter = iter(range(10**9))
    found = {
        "s3_put_object": lambda: s3.put_object(Bucket="prof", Key=f"k{next(counter) % 50}", Body=b"x" * 1024),
        "s3_get_object": lambda: s3.get_object(Bucket="prof", Key="hot")["Body"].read(),
        "dynamodb_put_item": lambda: ddb.put_item(TableName="prof", Item={"pk": {"S": str(next(counter) % 50)},
                                                                           "v": {"S": "x" * 100}}),
        "dynamodb_get_item": lambda: ddb.get_item(TableName="prof", Key={"pk": {"S": "hot"}}),
        "sqs_send_message": lambda: sqs.send_message(QueueUrl=queue, MessageBody="x" * 200),
        "secretsmanager_get_secret_value": lambda: sm.get_secret_value(SecretId="prof"),
    }
    invoke = lambda_invoke(lam)
    if invoke:
        found["lambda_invoke"] = invoke
    return found


def lambda_invoke(lam):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {'ok': True}\n")
    iam = boto3.client("iam", endpoint_url=lam.meta.endpoint_url, region_name="us-east-1", aws_access_key_id="test",
                       aws_secret_access_key="test")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                               "Principal": {"Service": "lambda.amazonaws.com"}}]})
    role = iam.create_role(RoleName="prof", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    lam.create_function(FunctionName="prof", Runtime="python3.11", Handler="app.handler", Code={"ZipFile": buffer.getvalue()},
                        Role=role)
    for _ in range(100):
        state = lam.get_function(FunctionName="prof")["Configuration"].get("State")
        if state == "Active":
            break
        time.sleep(0.1)
    return lambda: lam.invoke(FunctionName="prof", Payload=b"{}")["Payload"].read()


def profile(pid: int, call, out: Path) -> tuple[float, dict[str, float]]:
    for _ in range(100):
        call()
    recorder = subprocess.Popen([shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"), "record",
                                 "--pid", str(pid), "--rate", "1000", "--format", "raw", "--output", str(out),
                                 "--nonblocking", "--threads"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    samples = []
    for _ in range(CALLS):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    recorder.send_signal(2)
    recorder.wait(timeout=30)
    totals: collections.Counter[str] = collections.Counter()
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        # only request threads, and only while working (idle threads sit in select/accept)
        if not any("process_request_thread" in f for f in frames):
            continue
        if any(f.startswith(("select ", "accept ", "readinto ")) or "(select" in f or "readinto (socket" in f
               for f in frames[-2:]):
            continue
        totals[layer_of(frames)] += int(count)
    samples.sort()
    whole = sum(totals.values()) or 1
    return samples[len(samples) // 2], {k: round(100 * v / whole, 1) for k, v in totals.most_common()}


def main() -> None:
    only = set(sys.argv[1:])
    state = Path(tempfile.mkdtemp(prefix="profile-localcloud-"))
    print(f"state and raw py-spy stacks in {state}", file=sys.stderr)
    port = int(os.environ.get("LOCALCLOUD_PORT", free_port()))
    server = subprocess.Popen([sys.executable, "-m", "localcloud.server.main", "--port", str(port), "--state-dir",
                               str(state)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=state)
    report = {}
    try:
        wait_healthy(f"http://127.0.0.1:{port}/_localcloud/health", server)
        for name, call in operations(port).items():
            if only and name not in only:
                continue
            p50, layers = profile(server.pid, call, state / f"{name}.txt")
            report[name] = {"p50_ms": round(p50, 3), "percent_of_server_time": layers}
            print(f"{name}: p50 {p50:.2f} ms  " + ", ".join(f"{k} {v}%" for k, v in layers.items()), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)
        if not os.environ.get("PROFILE_KEEP"):
            shutil.rmtree(state, ignore_errors=True)
    out = RESULTS / "profiles"  # not a figures document: kept apart from what run_all.py tabulates
    out.mkdir(parents=True, exist_ok=True)
    (out / f"profile_hot{os.environ.get('PROFILE_TAG', '')}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
