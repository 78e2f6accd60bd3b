"""The server-side cost of one warm hot call, without sockets: boto3's requests are handed to LocalCloudApp in
this process (a before-send hook), and the app's time is measured with and without the fast path, then
profiled with cProfile (deterministic, so it does not suffer from the machine's load the way sampling does).
Used for docs/performance.md; not part of `make bench`.

    .venv/bin/python bench/profile_inprocess.py [operation]
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config

CALLS = 2000
ROUND = 100


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = io.BytesIO(body)

    def stream(self, amt: int = 1024, decode_content: bool = False):  # what botocore's streaming bodies read
        while chunk := self._body.read(amt):
            yield chunk

    def read(self, amt: int | None = None) -> bytes:
        return self._body.read() if amt is None else self._body.read(amt)


def in_process_clients(app, services=("s3", "dynamodb", "sqs", "secretsmanager")):
    """boto3 clients whose requests go to `app` directly (environ as server/http.py builds it)."""
    timing = {"seconds": 0.0}

    def send(request, **_):
        parts = urlsplit(request.url)
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        environ = {"REQUEST_METHOD": request.method, "SCRIPT_NAME": "", "PATH_INFO": parts.path,
                   "RAW_URI": parts.path + (f"?{parts.query}" if parts.query else ""), "QUERY_STRING": parts.query,
                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "4566", "SERVER_PROTOCOL": "HTTP/1.1",
                   "REMOTE_ADDR": "127.0.0.1", "CONTENT_LENGTH": str(len(body)), "wsgi.version": (1, 0),
                   "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
                   "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False}
        for key, value in request.headers.items():
            value = value.decode() if isinstance(value, bytes) else value
            name = key.upper().replace("-", "_")
            if name == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif name != "CONTENT_LENGTH":
                environ["HTTP_" + name] = value
        environ.setdefault("HTTP_HOST", "127.0.0.1:4566")
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"], captured["headers"] = int(status.split()[0]), headers

        began = time.perf_counter()
        payload = b"".join(app(environ, start_response))
        timing["seconds"] += time.perf_counter() - began
        return AWSResponse(request.url, captured["status"], dict(captured["headers"]), _Raw(payload))

    options = dict(endpoint_url="http://127.0.0.1:4566", region_name="us-east-1", aws_access_key_id="test",
                   aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))
    clients = {}
    for name in services:
        clients[name] = boto3.client(name, **options)
        clients[name].meta.events.register_first("before-send", send)
    return clients, timing


def main() -> None:
    import os

    from localcloud.config import Settings
    from localcloud.server.main import build_app

    only = sys.argv[1] if len(sys.argv) > 1 else None
    state = Path(tempfile.mkdtemp(prefix="profile-inprocess-"))
    app = build_app(Settings.from_env(port=4566, state_dir=state))
    app.start()
    app.state.wait_all_restored()
    clients, timing = in_process_clients(app)
    s3, ddb, sqs, sm = clients["s3"], clients["dynamodb"], clients["sqs"], clients["secretsmanager"]
    s3.create_bucket(Bucket="prof-bucket")
    s3.put_object(Bucket="prof-bucket", Key="hot", Body=b"x" * 1024)
    ddb.create_table(TableName="prof", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName="prof", Item={"pk": {"S": "hot"}, "v": {"S": "x" * 100}})
    queue = sqs.create_queue(QueueName="prof")["QueueUrl"]
    sm.create_secret(Name="prof", SecretString="s3cr3t")
    n = iter(range(10**9))
    operations = {
        "s3_put_object": lambda: s3.put_object(Bucket="prof-bucket", Key=f"k{next(n) % 50}", Body=b"x" * 1024),
        "s3_get_object": lambda: s3.get_object(Bucket="prof-bucket", Key="hot")["Body"].read(),
        "dynamodb_put_item": lambda: ddb.put_item(TableName="prof", Item={"pk": {"S": str(next(n) % 50)}, "v": {"S": "x"}}),
        "dynamodb_get_item": lambda: ddb.get_item(TableName="prof", Key={"pk": {"S": "hot"}}),
        "sqs_send_message": lambda: sqs.send_message(QueueUrl=queue, MessageBody="x" * 200),
        "secretsmanager_get_secret_value": lambda: sm.get_secret_value(SecretId="prof"),
    }
    print(f"{'operation':<34} {'server µs, fast path':>22} {'without':>10} {'ratio':>6}")
    for name, call in operations.items():
        if only and name != only:
            continue
        figures = {True: 0.0, False: 0.0}
        for _ in range(200):
            call()
        for _ in range(CALLS // ROUND):  # the two roads take turns, so drift in the machine's load falls on both
            for enabled in (True, False):
                app.fast_path.enabled = enabled
                timing["seconds"] = 0.0
                for _ in range(ROUND):
                    call()
                figures[enabled] += timing["seconds"] / CALLS * 1e6
        print(f"{name:<34} {figures[True]:>22.0f} {figures[False]:>10.0f} {figures[True] / figures[False]:>6.2f}")
    if only:
        app.fast_path.enabled = os.environ.get("LOCALCLOUD_FAST_PATH", "1") != "0"
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(CALLS):
            operations[only]()
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)
    os._exit(0)  # background workers of the app: this is a measurement, not a server


if __name__ == "__main__":
    main()
