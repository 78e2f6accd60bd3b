"""The execution environment AWS gives a function, probed from inside handlers through the real endpoint.

https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html (read-only /var/task and
/opt, writable /tmp sized by EphemeralStorage), .../configuration-envvars.html (runtime variables),
.../gettingstarted-limits.html (MemorySize). On AWS the code runs as sbx_user1051 (uid 993).
"""

from __future__ import annotations

import base64
import json
import sys
import urllib.request

import pytest
import support
from support import start_cloud, zip_of



@pytest.fixture(scope="module")
def functions(lambda_functions):
    """The module's functions on the shared Lambda test cloud (tests/services/conftest.py)."""
    return lambda_functions


def sandbox_state(cloud) -> str:
    with urllib.request.urlopen(cloud.endpoint + "/_localcloud/health", timeout=10) as answer:
        return json.loads(answer.read())["lambda_sandbox"]


@pytest.fixture(scope="module", autouse=True)
def sandbox_is_on(lambda_cloud, functions):
    functions.invoke(functions.create("def handler(event, context):\n    return 1\n"))  # waits for the probe
    mode = sandbox_state(lambda_cloud)
    if not sys.platform.startswith("linux"):
        pytest.skip(f"the Lambda sandbox needs Linux namespaces; here: {mode}")
    # On Linux it must be on: a machine where it is not fails here, with the probe's reason.
    assert mode in ("root", "userns"), mode


def probe(functions, source: str, **extra) -> object:
    name = functions.create(source, **extra)
    answer, body = functions.invoke(name)
    assert "FunctionError" not in answer, body
    return body


def test_writing_into_the_code_directory_fails_with_erofs_as_on_aws(functions):
    body = probe(functions, """import errno, os
def handler(event, context):
    try:
        open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "new.txt"), "w")
    except OSError as exc:
        return {"errno": exc.errno, "root": os.environ["LAMBDA_TASK_ROOT"], "cwd": os.getcwd(),
                "file": __file__}
    return {"errno": None}
""")
    assert body == {"errno": 30, "root": "/var/task", "cwd": "/var/task", "file": "/var/task/handler.py"}


def test_etc_shadow_is_unreadable_and_host_homes_are_invisible(functions, lambda_cloud):
    body = probe(functions, """import os
def attempt(action):
    try:
        action()
        return "allowed"
    except OSError as exc:
        return type(exc).__name__
def handler(event, context):
    return {"shadow": attempt(lambda: open("/etc/shadow").read()),
            "root": attempt(lambda: os.listdir("/root")), "home": attempt(lambda: os.listdir("/home")),
            "state": attempt(lambda: os.listdir(event["state"])),
            "etc_write": attempt(lambda: open("/etc/localcloud-probe", "w")),
            "usr_write": attempt(lambda: open("/usr/localcloud-probe", "w")),
            "passwd": open("/etc/passwd").read().count(":x:") > 0}
""".replace("event[\"state\"]", repr(str(lambda_cloud.settings.state_dir))))
    assert body["shadow"] == "PermissionError"
    assert body["root"] != "allowed" and body["home"] != "allowed"
    assert body["state"] == "FileNotFoundError"  # the local cloud's state directory is not in the sandbox
    assert body["etc_write"] != "allowed" and body["usr_write"] != "allowed"
    assert body["passwd"]  # the system stays usable: /etc is there, read-only


@pytest.mark.parametrize("runtime", ["python3.11", "python3.12", "python3.13"])
def test_runs_as_sbx_user1051_not_root_on_every_runtime(functions, runtime):
    # Each runtime's interpreter (a pyenv shim, a venv link or a plain binary) is placed at /var/lang.
    body = probe(functions, """import os, pwd, sys
def handler(event, context):
    return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "name": pwd.getpwuid(os.getuid()).pw_name,
            "root": os.environ["LAMBDA_TASK_ROOT"], "version": "%d.%d" % sys.version_info[:2]}
""", runtime=runtime)
    assert body["uid"] != 0 and body["euid"] != 0
    assert body == {"uid": 993, "euid": 993, "gid": 990, "name": "sbx_user1051", "root": "/var/task",
                    "version": runtime.removeprefix("python")}


def test_layers_are_merged_into_opt_in_order_read_only(functions):
    lam = functions.lam
    first = lam.publish_layer_version(LayerName="base", Content={"ZipFile": zip_of({
        "python/shared_mod.py": "WHO = 'first'\n", "python/only_first.py": "X = 1\n", "data/conf.txt": "first"})})
    second = lam.publish_layer_version(LayerName="override", Content={"ZipFile": zip_of({
        "python/shared_mod.py": "WHO = 'second'\n", "data/conf.txt": "second"})})
    body = probe(functions, """import errno, os, shared_mod, only_first
def handler(event, context):
    try:
        open("/opt/data/new", "w")
        writable = True
    except OSError as exc:
        writable = exc.errno
    return {"module": shared_mod.WHO, "module_file": shared_mod.__file__, "conf": open("/opt/data/conf.txt").read(),
            "only_first": only_first.X, "opt_write": writable}
""", Layers=[first["LayerVersionArn"], second["LayerVersionArn"]])
    assert body == {"module": "second", "module_file": "/opt/python/shared_mod.py", "conf": "second",
                    "only_first": 1, "opt_write": 30}


def test_tmp_is_private_writable_and_sized_by_ephemeral_storage(functions):
    writer = functions.create("""import os
def handler(event, context):
    with open("/tmp/marker", "w") as out:
        out.write("mine")
    st = os.statvfs("/tmp")
    return {"read_back": open("/tmp/marker").read(), "size_mb": st.f_blocks * st.f_frsize // 2**20}
""", EphemeralStorage={"Size": 700})
    _, body = functions.invoke(writer)
    assert body == {"read_back": "mine", "size_mb": 700}
    other = probe(functions, """import os
def handler(event, context):
    st = os.statvfs("/tmp")
    return {"marker": os.path.exists("/tmp/marker"), "size_mb": st.f_blocks * st.f_frsize // 2**20}
""")
    assert other == {"marker": False, "size_mb": 512}  # another environment's /tmp; AWS's default size


def test_home_and_runtime_variables_are_set_as_aws_sets_them(functions):
    body = probe(functions, """import os, sys
KEYS = ["HOME", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "PATH", "LD_LIBRARY_PATH", "LANG", "TZ", "_HANDLER",
        "_X_AMZN_TRACE_ID", "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "_LOCALCLOUD_SANDBOX",
        "_LOCALCLOUD_SYS_PATH"]
def handler(event, context):
    return {"env": {k: os.environ.get(k) for k in KEYS}, "path": sys.path[:4], "executable": sys.executable}
""")
    env = body["env"]
    assert env["HOME"] == "/home/sbx_user1051"
    assert env["LAMBDA_TASK_ROOT"] == "/var/task" and env["LAMBDA_RUNTIME_DIR"] == "/var/runtime"
    assert env["PATH"].startswith("/var/lang/bin:") and env["LD_LIBRARY_PATH"].startswith("/var/lang/lib:")
    assert env["LANG"] == "en_US.UTF-8" and env["TZ"] == ":UTC" and env["_HANDLER"] == "handler.handler"
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert env["AWS_LAMBDA_RUNTIME_API"] and env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["AWS_ACCESS_KEY"] == env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"]
    assert env["_LOCALCLOUD_SANDBOX"] is None and env["_LOCALCLOUD_SYS_PATH"] is None  # ours do not leak
    assert body["path"] == ["/var/task", "/opt/python/lib/python3.12/site-packages", "/opt/python", "/var/runtime"]
    assert body["executable"].startswith("/var/lang/bin/python3.12")


def test_the_endpoint_is_reachable_from_inside(functions):
    # The network is the host's: boto3 in the handler reaches AWS_ENDPOINT_URL on 127.0.0.1.
    body = probe(functions, """import boto3
def handler(event, context):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="sandbox-net-probe")
    return [b["Name"] for b in s3.list_buckets()["Buckets"]]
""")
    assert "sandbox-net-probe" in body


def test_exceeding_memory_size_kills_the_environment_as_aws_reports_it(functions):
    name = functions.create("""import time
def handler(event, context):
    if event.get("allocate"):
        blocks = [bytearray(b"x" * 2**20) for _ in range(400)]  # 400 MB, touched
        return len(blocks)
    return "alive"
""", MemorySize=128, Timeout=30)
    answer, body = functions.invoke(name, {"allocate": True}, LogType="Tail")
    assert answer["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.OutOfMemory"
    request_id = answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert body["errorMessage"] == f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"
    report = next(line for line in base64.b64decode(answer["LogResult"]).decode().splitlines()
                  if line.startswith("REPORT"))
    assert "Memory Size: 128 MB\tMax Memory Used: 128 MB" in report
    # AWS replaces the environment: the next invocation runs on a fresh one.
    answer, body = functions.invoke(name, LogType="Tail")
    assert "FunctionError" not in answer and body == "alive"
    assert "Init Duration" in base64.b64decode(answer["LogResult"]).decode()


def test_max_memory_used_is_the_measured_peak(functions):
    name = functions.create("""def handler(event, context):
    block = bytearray(b"x" * 150 * 2**20)
    return len(block)
""", MemorySize=512)
    answer, body = functions.invoke(name, LogType="Tail")
    assert "FunctionError" not in answer and body == 150 * 2**20
    report = next(line for line in base64.b64decode(answer["LogResult"]).decode().splitlines()
                  if line.startswith("REPORT"))
    used = int(report.split("Max Memory Used: ")[1].split(" MB")[0])
    assert 150 < used < 512, report


def test_the_sandbox_can_be_turned_off(tmp_path):
    cloud = start_cloud(tmp_path / "state", LOCALCLOUD_LAMBDA_SANDBOX="0")
    try:
        body = probe(support.Functions(cloud), """import os
def handler(event, context):
    return os.environ["LAMBDA_TASK_ROOT"]
""")
        state = sandbox_state(cloud)
    finally:
        cloud.stop()
    assert body != "/var/task" and body.startswith(str(tmp_path))
    assert state == "off: turned off by LOCALCLOUD_LAMBDA_SANDBOX"


def test_without_namespaces_functions_run_as_before_with_one_warning(tmp_path):
    # No `unshare` on PATH stands for a machine without namespaces (macOS, a locked-down container).
    cloud = start_cloud(tmp_path / "state", PATH=str(tmp_path / "no-tools"))
    try:
        functions = support.Functions(cloud)
        body = probe(functions, """import os
def handler(event, context):
    return os.environ["LAMBDA_TASK_ROOT"]
""")
        name = functions.create("""def handler(event, context):
    return len([bytearray(b"x" * 2**20) for _ in range(400)])
""", MemorySize=128, Timeout=30)
        _, oom = functions.invoke(name)
        state = sandbox_state(cloud)
        with urllib.request.urlopen(cloud.endpoint + "/_localcloud/health", timeout=10) as reply:
            notes = json.loads(reply.read())["notes"]
        log = cloud.settings.log_file.read_text()
    finally:
        cloud.stop()
    assert body.startswith(str(tmp_path))  # the unpacked code on the host, as before the sandbox
    assert state == "off: util-linux `unshare` is not on PATH"
    assert any(note.startswith("Lambda functions run WITHOUT the AWS-like sandbox") for note in notes)
    assert log.count("Lambda functions run WITHOUT the AWS-like sandbox") == 1
    assert oom["errorType"] == "Runtime.OutOfMemory"  # memory limits do not need namespaces

