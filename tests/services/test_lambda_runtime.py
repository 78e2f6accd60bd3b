"""Synchronous invoke on real worker processes: isolation, environment, lifecycle, errors, logs.

Behaviours from https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html,
.../configuration-envvars.html, .../python-context.html, .../lambda-runtime-environment.html.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError
from support import Functions, start_cloud, wait_for, zip_of


def test_host_only_package_fails_with_import_module_error(lambda_functions):
    # click is in the local cloud's venv but not in the zip: on AWS the import fails, so here too.
    name = lambda_functions.create("import click\n\ndef handler(event, context):\n    return 'unreachable'\n")
    answer, body = lambda_functions.invoke(name)
    assert answer["StatusCode"] == 200
    assert answer["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == "Unable to import module 'handler': No module named 'click'"


def test_boto3_is_provided_by_the_runtime_as_on_aws(lambda_functions):
    name = lambda_functions.create("import boto3\n\ndef handler(event, context):\n    return boto3.__version__\n")
    answer, body = lambda_functions.invoke(name)
    assert "FunctionError" not in answer and body.count(".") == 2


def test_layers_are_on_the_import_path_after_the_package(lambda_functions):
    layer = lambda_functions.lam.publish_layer_version(
        LayerName="shared", Content={"ZipFile": zip_of({"python/shared_util.py": "VALUE = 'from-layer'\n"})},
        CompatibleRuntimes=["python3.12"])
    name = lambda_functions.create("import shared_util\n\ndef handler(event, context):\n    return shared_util.VALUE\n",
                            Layers=[layer["LayerVersionArn"]])
    answer, body = lambda_functions.invoke(name)
    assert "FunctionError" not in answer
    assert body == "from-layer"


def test_environment_and_context_match_aws(lambda_functions, lambda_cloud):
    source = """import os
def handler(event, context):
    keys = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_REGION", "AWS_DEFAULT_REGION", "LAMBDA_TASK_ROOT", "_HANDLER", "AWS_LAMBDA_LOG_GROUP_NAME",
            "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_EXECUTION_ENV", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
            "AWS_SESSION_TOKEN", "GREETING", "VIRTUAL_ENV"]
    return {"env": {k: os.environ.get(k) for k in keys}, "cwd": os.getcwd(),
            "context": {"aws_request_id": context.aws_request_id, "arn": context.invoked_function_arn,
                        "remaining": context.get_remaining_time_in_millis(), "name": context.function_name,
                        "memory": context.memory_limit_in_mb, "log_group": context.log_group_name}}
"""
    name = lambda_functions.create(source, MemorySize=256, Timeout=7, Environment={"Variables": {"GREETING": "hi"}})
    answer, body = lambda_functions.invoke(name)
    env, context = body["env"], body["context"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name and env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "handler.handler" and env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["LAMBDA_TASK_ROOT"] == body["cwd"]
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"].split("/")[3].startswith("[$LATEST]")
    assert env["AWS_ENDPOINT_URL"] == lambda_cloud.endpoint
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA") and env["AWS_SESSION_TOKEN"]  # STS AssumeRole keys
    assert env["GREETING"] == "hi" and env["VIRTUAL_ENV"] is None  # nothing leaks from the host
    assert context["aws_request_id"] == answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert context["arn"].endswith(f":function:{name}") and context["name"] == name
    assert 3000 < context["remaining"] <= 7000  # counts down from Timeout=7 s, not the default 3 s
    assert context["memory"] == "256" and context["log_group"] == f"/aws/lambda/{name}"


def test_handler_code_reaches_the_local_cloud_without_changes(lambda_functions):
    source = ("import boto3\n\ndef handler(event, context):\n"
              "    boto3.client('s3').create_bucket(Bucket=event['bucket'])\n"
              "    return [b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']]\n")
    _, body = lambda_functions.invoke(lambda_functions.create(source), {"bucket": "made-by-lambda"})
    assert "made-by-lambda" in body


def test_warm_environment_keeps_module_state(lambda_functions):
    name = lambda_functions.create("count = 0\n\ndef handler(event, context):\n    global count\n    count += 1\n"
                            "    return count\n")
    assert [lambda_functions.invoke(name)[1] for _ in range(3)] == [1, 2, 3]


def test_timeout_is_enforced_and_the_environment_replaced(lambda_functions):
    name = lambda_functions.create("import time\nstarted = 0\n\ndef handler(event, context):\n    global started\n"
                            "    started += 1\n    if event.get('sleep'):\n        time.sleep(30)\n"
                            "    return started\n", Timeout=1)
    began = time.monotonic()
    answer, body = lambda_functions.invoke(name, {"sleep": True})
    assert time.monotonic() - began < 20  # stopped at the 1 s timeout, long before the 30 s sleep ends
    assert answer["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert lambda_functions.invoke(name)[1] == 1  # a fresh environment: module state starts over


def test_worker_crash_gives_runtime_exit_error_and_a_new_environment(lambda_functions):
    name = lambda_functions.create("import os\n\ndef handler(event, context):\n    if event.get('crash'):\n"
                            "        os._exit(3)\n    return 'alive'\n")
    answer, body = lambda_functions.invoke(name, {"crash": True})
    assert answer["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Runtime exited with error: exit status 3")
    assert lambda_functions.invoke(name)[1] == "alive"


def test_handler_exception_returns_aws_error_document(lambda_functions):
    name = lambda_functions.create("def handler(event, context):\n    raise ValueError('bad input')\n")
    answer, body = lambda_functions.invoke(name)
    assert answer["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "bad input"
    assert any("raise ValueError" in line for line in body["stackTrace"])


def test_logs_are_in_aws_format_in_cloudwatch_and_in_the_tail(lambda_functions, lambda_cloud):
    name = lambda_functions.create("def handler(event, context):\n    print('processing', event['n'])\n    return 1\n")
    first, _ = lambda_functions.invoke(name, {"n": 1}, LogType="Tail")
    second, _ = lambda_functions.invoke(name, {"n": 2}, LogType="Tail")
    tail = base64.b64decode(second["LogResult"]).decode()
    rid = second["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert f"START RequestId: {rid} Version: $LATEST" in tail and "processing 2" in tail
    assert f"END RequestId: {rid}" in tail
    report = next(line for line in tail.splitlines() if line.startswith("REPORT"))
    assert "Duration: " in report and "Billed Duration: " in report and "Memory Size: 128 MB" in report
    assert "Max Memory Used: " in report and "Init Duration" not in report  # warm: no init
    assert "Init Duration: " in base64.b64decode(first["LogResult"]).decode()  # cold start
    logs = lambda_cloud.client("logs")
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
    assert len(streams) == 1 and "/[$LATEST]" in streams[0]["logStreamName"]
    messages = [e["message"] for e in logs.get_log_events(logGroupName=f"/aws/lambda/{name}",
                                                          logStreamName=streams[0]["logStreamName"])["events"]]
    assert messages[0].startswith("START RequestId:") and "processing 1" in messages[1]
    assert sum(m.startswith("REPORT RequestId:") for m in messages) == 2


def _busy_environments(cloud) -> int:
    with urllib.request.urlopen(cloud.endpoint + "/_localcloud/health", timeout=60) as answer:
        return json.loads(answer.read())["lambda_environments"].get("BUSY", 0)


# With {"bucket": b}: stays in the handler until an object under go/ appears in b (bounded), so a test
# holds an environment busy for exactly as long as it needs, whatever the machine's load.
HOLDS = """import boto3, os, time
s3 = boto3.client("s3")
def handler(event, context):
    if not event.get("bucket"):
        return "ok"
    deadline = time.time() + 60
    while not s3.list_objects_v2(Bucket=event["bucket"], Prefix="go").get("KeyCount"):
        if time.time() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.05)
    return "released"
"""
# Each invocation arrives, then waits (bounded) until `size` invocations of its round are inside the
# handler at once: only separate environments can be.
RENDEZVOUS = """import boto3, time, uuid
ENVIRONMENT = uuid.uuid4().hex
s3 = boto3.client("s3")
def handler(event, context):
    s3.put_object(Bucket=event["bucket"], Key=f"arrived/{ENVIRONMENT}", Body=b"")
    deadline = time.time() + 60
    while s3.list_objects_v2(Bucket=event["bucket"], Prefix="arrived/").get("KeyCount", 0) < event["size"]:
        if time.time() > deadline:
            raise TimeoutError("the other invocations never arrived together with this one")
        time.sleep(0.05)
    return ENVIRONMENT
"""


def _bucket(cloud) -> str:
    name = f"b-{uuid.uuid4().hex[:8]}"
    cloud.client("s3").create_bucket(Bucket=name)
    return name


def test_reserved_concurrency_throttles_beyond_the_limit(lambda_functions, lambda_cloud):
    name = lambda_functions.create(HOLDS, Timeout=90)
    lambda_functions.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    lambda_functions.invoke(name)  # warm one environment
    bucket = _bucket(lambda_cloud)
    held: list = []
    slow = threading.Thread(target=lambda: held.append(lambda_functions.invoke(name, {"bucket": bucket})[1]))
    slow.start()
    wait_for(lambda: _busy_environments(lambda_cloud), what="the held call to be running")
    with pytest.raises(ClientError) as throttled:
        lambda_functions.invoke(name)
    lambda_cloud.client("s3").put_object(Bucket=bucket, Key="go", Body=b"")
    slow.join()
    assert held == ["released"]
    error = throttled.value.response
    assert error["Error"]["Code"] == "TooManyRequestsException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert lambda_functions.invoke(name)[1] == "ok"


def test_concurrent_invokes_get_separate_environments(lambda_functions, lambda_cloud):
    # An id drawn at init names the environment (each has its own PID namespace, so getpid() is 1 in all).
    name = lambda_functions.create(RENDEZVOUS, Timeout=90)
    event = {"bucket": _bucket(lambda_cloud), "size": 3}
    pids = []
    threads = [threading.Thread(target=lambda: pids.append(lambda_functions.invoke(name, event)[1]))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(pids)) == 3


def test_update_function_code_retires_old_environments(lambda_functions):
    name = lambda_functions.create("def handler(event, context):\n    return 'v1'\n")
    assert lambda_functions.invoke(name)[1] == "v1"
    lambda_functions.lam.update_function_code(FunctionName=name, ZipFile=zip_of(
        {"handler.py": "def handler(event, context):\n    return 'v2'\n"}))
    assert lambda_functions.invoke(name)[1] == "v2"


def test_payload_limit_and_dry_run(lambda_functions):
    name = lambda_functions.create("def handler(event, context):\n    return 1\n")
    assert lambda_functions.lam.invoke(FunctionName=name, InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(ClientError) as too_large:
        lambda_functions.lam.invoke(FunctionName=name, Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    assert too_large.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    with pytest.raises(ClientError) as missing:
        lambda_functions.lam.invoke(FunctionName="no-such-function")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_versions_and_aliases_run_their_own_code(lambda_functions):
    name = lambda_functions.create("def handler(event, context):\n    return 'one'\n")
    version = lambda_functions.lam.publish_version(FunctionName=name)["Version"]
    lambda_functions.lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    lambda_functions.lam.update_function_code(FunctionName=name, ZipFile=zip_of(
        {"handler.py": "def handler(event, context):\n    return 'two'\n"}))
    answer, body = lambda_functions.invoke(name, Qualifier="live")
    assert body == "one" and answer["ExecutedVersion"] == version
    assert lambda_functions.invoke(name)[1] == "two"


def test_runtime_that_cannot_run_here_is_active_and_each_invoke_fails_with_a_runtime_error(lambda_functions):
    # AWS: the function is Active (Terraform applies); here an invoke names what is missing.
    name = lambda_functions.create("def handler(event, context):\n  1\n", runtime="ruby3.3")
    configuration = lambda_functions.lam.get_function_configuration(FunctionName=name)
    assert configuration["State"] == "Active" and "StateReason" not in configuration
    answer, body = lambda_functions.invoke(name)
    assert answer["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.InvalidRuntime" and "ruby3.3" in body["errorMessage"]


def test_cli_invoke_prints_the_response_and_logs_prints_the_lines(lambda_functions, lambda_cloud):
    name = lambda_functions.create("def handler(event, context):\n    print('cli says', event['x'])\n"
                            "    return {'x': event['x']}\n")
    invoked = lambda_cloud.cli("invoke", name, "--payload", '{"x": 5}')
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads(invoked.stdout) == {"x": 5} and "cli says 5" in invoked.stderr
    printed = lambda_cloud.cli("logs", name)
    assert printed.returncode == 0 and "cli says 5" in printed.stdout and "REPORT RequestId:" in printed.stdout
    failing = lambda_functions.create("def handler(event, context):\n    raise KeyError('k')\n")
    assert lambda_cloud.cli("invoke", failing).returncode == 1


def test_missing_interpreter_runs_on_ours_and_says_so_once(lambda_functions, lambda_cloud):
    # No python3.14 interpreter here: the function still runs, and the status and its log say why.
    name = lambda_functions.create("import sys\n\ndef handler(event, context):\n    return sys.version_info[:2]\n",
                            runtime="python3.14")
    first, version = lambda_functions.invoke(name, LogType="Tail")
    assert version == list(sys.version_info[:2])
    assert "No working python3.14 interpreter" in base64.b64decode(first["LogResult"]).decode()
    second, _ = lambda_functions.invoke(name, LogType="Tail")
    assert "No working python3.14" not in base64.b64decode(second["LogResult"]).decode()
    status = lambda_cloud.cli("status")
    assert f"{name}: No working python3.14 interpreter" in status.stderr.replace("\n", " ").replace("  ", " ")


def test_idle_environments_are_reaped_after_the_ttl(tmp_path):
    cloud = start_cloud(tmp_path / "state", clock_speed=1, LOCALCLOUD_LAMBDA_IDLE_SECONDS="1")
    try:
        fns = Functions(cloud)
        name = fns.create("def handler(event, context):\n    return 1\n")
        fns.invoke(name)
        health = lambda: json.loads(urllib.request.urlopen(cloud.endpoint + "/_localcloud/health").read())
        assert health()["lambda_environments"] == {"READY": 1}
        wait_for(lambda: health()["lambda_environments"] == {}, what="the idle environment to be reaped")
        answer, _ = fns.invoke(name, LogType="Tail")
        assert "Init Duration" in base64.b64decode(answer["LogResult"]).decode()  # a cold start again
    finally:
        cloud.stop()
