"""Cold starts forked from a per-runtime template (runtime/template.py): same isolation as a spawned worker.

What a forked environment must still be, as on AWS (https://docs.aws.amazon.com/lambda/latest/dg/
lambda-runtime-environment.html, .../configuration-envvars.html): its own process (PID 1 of its own
namespace in the sandbox), its own variables and execution-role credentials and nothing of another
function's or of the template's, its own empty /tmp; a package that ships its own boto3 imports that one
(AWS puts /var/task before /var/runtime). And the template is only a shortcut: when it is gone, the next
cold start is spawned as before and succeeds.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import urllib.request

import pytest
from support import Functions, start_cloud, wait_for

RUNTIME = "python3.12"

PROBE = """import os
import boto3
def handler(event, context):
    open("/tmp/mine-" + os.environ["AWS_LAMBDA_FUNCTION_NAME"], "w").write("x")
    return {"pid": os.getpid(), "who": os.environ.get("WHO"), "key": os.environ["AWS_ACCESS_KEY_ID"],
            "name": os.environ["AWS_LAMBDA_FUNCTION_NAME"], "tmp": sorted(os.listdir("/tmp")),
            "ours": sorted(k for k in os.environ if k.startswith("_LOCALCLOUD")),
            "boto3": boto3.__file__, "uid": os.getuid(), "cwd": os.getcwd()}
"""


def templates(cloud) -> dict:
    with urllib.request.urlopen(cloud.endpoint + "/_localcloud/health", timeout=10) as answer:
        return json.loads(answer.read())["lambda_templates"]


def ready_template(cloud, pid_other_than: int | None = None) -> dict:
    """The runtime's template once it has imported boto3 (it starts with the runtime's first cold start)."""
    def ready():
        found = templates(cloud).get(RUNTIME)
        return found if found and found["ready"] and found["pid"] != pid_other_than else None

    return wait_for(ready, timeout=120, what=f"the {RUNTIME} fork template to be ready")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    if not sys.platform.startswith("linux"):
        pytest.skip("fork templates use Linux's SO_PASSCRED; elsewhere cold starts spawn as before")
    cloud = start_cloud(tmp_path_factory.mktemp("fork-template") / "state")
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def functions(cloud) -> Functions:
    functions = Functions(cloud, runtime=RUNTIME)
    functions.invoke(functions.create("def handler(event, context):\n    return 1\n"))  # starts the template
    ready_template(cloud)
    return functions


def forked_cold_start(cloud, functions, source: str, **extra) -> tuple[dict, object, int]:
    """Create and invoke a new function; the template's fork count after it."""
    before = templates(cloud)[RUNTIME]["forked"]
    answer, body = functions.invoke(functions.create(source, **extra))
    return answer, body, templates(cloud)[RUNTIME]["forked"] - before


def test_each_forked_environment_has_its_own_variables_credentials_pid_and_tmp(cloud, functions):
    _, a, forked_a = forked_cold_start(cloud, functions, PROBE, Environment={"Variables": {"WHO": "a"}})
    _, b, forked_b = forked_cold_start(cloud, functions, PROBE, Environment={"Variables": {"WHO": "b"}})
    assert (forked_a, forked_b) == (1, 1)  # both came from the template, not from a spawn
    assert (a["who"], b["who"]) == ("a", "b")
    assert a["key"] != b["key"] and a["key"].startswith("ASIA")  # each its own role session's keys
    assert a["tmp"] == [f"mine-{a['name']}"] and b["tmp"] == [f"mine-{b['name']}"]  # a fresh /tmp each
    assert a["ours"] == b["ours"] == []  # nothing of the template's variables is left
    assert a["boto3"] == "/var/runtime/boto3/__init__.py"  # the runtime's boto3, as on AWS
    if templates(cloud)[RUNTIME]["sandboxed"]:
        assert a["pid"] == b["pid"] == 1 and a["uid"] == b["uid"] == 993 and a["cwd"] == "/var/task"


def test_a_package_with_its_own_boto3_imports_that_one(cloud, functions):
    answer, body, forked = forked_cold_start(
        cloud, functions, "import boto3\ndef handler(event, context):\n    return [boto3.__version__, boto3.__file__]\n",
        files={"boto3/__init__.py": "__version__ = 'from-the-zip'\n"})
    assert "FunctionError" not in answer, body
    assert body[0] == "from-the-zip" and body[1].endswith("/boto3/__init__.py")
    assert "/var/runtime/" not in body[1]
    assert forked == 0  # spawned: the template's boto3 would have shadowed the package's


def test_a_dead_template_means_a_spawned_cold_start_then_a_new_template(cloud, functions):
    old = ready_template(cloud)
    os.kill(old["pid"], signal.SIGKILL)
    # At once: whether the server has noticed yet (then it spawns) or finds out as it asks for a fork (then
    # it falls back to a spawn), the invoke succeeds.
    answer, body = functions.invoke(functions.create(PROBE, Environment={"Variables": {"WHO": "after"}}))
    assert "FunctionError" not in answer, body
    assert body["who"] == "after"
    ready_template(cloud, pid_other_than=old["pid"])  # a new one, for the cold starts after
    _, again, forked = forked_cold_start(cloud, functions, PROBE, Environment={"Variables": {"WHO": "again"}})
    assert forked == 1 and again["who"] == "again"


def test_warm_environments_outlive_their_template(cloud, functions):
    name = functions.create("import os\ndef handler(event, context):\n    return os.getpid()\n")
    template = ready_template(cloud)
    before = templates(cloud)[RUNTIME]["forked"]
    functions.invoke(name)
    assert templates(cloud)[RUNTIME]["forked"] == before + 1
    os.kill(template["pid"], signal.SIGKILL)
    answer, _ = functions.invoke(name, LogType="Tail")
    assert "FunctionError" not in answer
    import base64

    assert "Init Duration" not in base64.b64decode(answer["LogResult"]).decode()  # the same, warm environment
