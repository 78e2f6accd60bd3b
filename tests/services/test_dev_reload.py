"""`localcloud dev`: a save under lambdas/ reaches the deployed function, and its log lines reach the terminal.

A real local cloud, a function deployed with boto3 from a zip `localcloud build` made of a temporary
lambdas/ folder, and `localcloud dev` as a subprocess watching that folder, as a person runs it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from support import LAMBDA_ROLE_POLICY, start_cloud, wait_for, zip_of

from localcloud.packaging import build_all

HANDLER = """import json
from greeting import WORD

def handler(event, context):
    print(json.dumps({{"level": "INFO", "marker": "{marker}"}}))
    return {{"version": {version}, "word": WORD}}
"""


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    instance = start_cloud(tmp_path_factory.mktemp("dev-state"), clock_speed=1.0)
    yield instance
    instance.stop()


class DevProcess:
    """`localcloud dev` in the background; its stdout lines collected as they come."""

    def __init__(self, cloud, *args: str) -> None:
        env = {**os.environ, "LOCALCLOUD_PORT": str(cloud.settings.port),
               "LOCALCLOUD_STATE_DIR": str(cloud.settings.state_dir)}
        self.process = subprocess.Popen([sys.executable, "-m", "localcloud.cli", "dev", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def said(self, text: str) -> list[str]:
        return [line for line in self.lines if text in line]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=20)


@pytest.fixture
def project(tmp_path):
    """lambdas/hello (handler + its own module), lambdas/shared/greeting.py, built into build/."""
    source = tmp_path / "lambdas"
    (source / "hello").mkdir(parents=True)
    (source / "shared").mkdir()
    # A marker of the test's own: the module's functions come from different zips.
    (source / "hello" / "handler.py").write_text(HANDLER.format(marker=uuid.uuid4().hex, version=1))
    (source / "shared" / "greeting.py").write_text('WORD = "hello"\n')
    build_all(source, tmp_path / "build", report=lambda line: None)
    return tmp_path


def _deploy(cloud, project: Path) -> str:
    name = f"dev-{uuid.uuid4().hex[:8]}"
    role = cloud.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_ROLE_POLICY)["Role"]["Arn"]
    cloud.client("lambda").create_function(
        FunctionName=name, Runtime="python3.11", Role=role, Handler="handler.handler",
        Code={"ZipFile": (project / "build" / "lambdas" / "hello.zip").read_bytes()})
    return name


def _invoke(cloud, name: str) -> dict:
    answer = cloud.client("lambda", read_timeout=60).invoke(FunctionName=name, Payload=b"{}")
    return json.loads(answer["Payload"].read())


def _start_dev(cloud, project: Path) -> DevProcess:
    dev = DevProcess(cloud, "--source", str(project / "lambdas"), "--out", str(project / "build"),
                     "--tf-dir", str(project / "no-terraform-here"), "--stack", "devtest")
    wait_for(lambda: dev.said("watching") or dev.process.poll() is not None, timeout=60, what="dev to start")
    assert dev.said("watching"), "\n".join(dev.lines)
    assert dev.said("(1 deployed functions run its code)"), "\n".join(dev.lines)
    return dev


def test_saving_a_handler_reaches_the_next_invocation_and_its_logs_the_terminal(cloud, project):
    name = _deploy(cloud, project)
    assert _invoke(cloud, name) == {"version": 1, "word": "hello"}  # a warm environment now runs version 1
    dev = _start_dev(cloud, project)
    try:
        (project / "lambdas" / "hello" / "handler.py").write_text(HANDLER.format(marker="after-save", version=2))
        wait_for(lambda: _invoke(cloud, name)["version"] == 2, timeout=30, what="the saved handler to run")
        wait_for(lambda: dev.said(f"reloaded hello -> {name} in"), what="a reload line")
        wait_for(lambda: dev.said(f"{name} | ") and dev.said("after-save"), what="the function's log line")
        # Warm environments of the old code were retired: every invocation now runs the new code.
        assert all(_invoke(cloud, name)["version"] == 2 for _ in range(3))
        # The zip on disk is the one the function runs: `make up` would find nothing to change.
        built = cloud.client("lambda").get_function(FunctionName=name)["Configuration"]["CodeSha256"]
        from localcloud.devloop.deployed import code_sha256
        assert built == code_sha256(project / "build" / "lambdas" / "hello.zip")
    finally:
        assert dev.stop() == 0, "\n".join(dev.lines)


def test_shared_code_change_reloads_the_functions_that_carry_it(cloud, project):
    name = _deploy(cloud, project)
    dev = _start_dev(cloud, project)
    try:
        (project / "lambdas" / "shared" / "greeting.py").write_text('WORD = "bonjour"\n')
        wait_for(lambda: _invoke(cloud, name)["word"] == "bonjour", timeout=30,
                 what=f"the shared change to run ({dev.lines})")
    finally:
        assert dev.stop() == 0, "\n".join(dev.lines)


def test_a_broken_build_is_reported_and_watching_goes_on(cloud, project):
    name = _deploy(cloud, project)
    dev = _start_dev(cloud, project)
    try:
        requirements = project / "lambdas" / "hello" / "requirements.txt"
        requirements.write_text("this-package-does-not-exist-anywhere==0.0.0\n")
        wait_for(lambda: dev.said("reload failed (hello)"), timeout=120, what="the failed build to be reported")
        requirements.unlink()
        (project / "lambdas" / "hello" / "handler.py").write_text(HANDLER.format(marker="fixed", version=3))
        wait_for(lambda: _invoke(cloud, name)["version"] == 3, timeout=30, what="the fixed handler to run")
    finally:
        assert dev.stop() == 0, "\n".join(dev.lines)


def test_dev_without_a_running_cloud_says_what_to_do(tmp_path):
    from localcloud.testing import free_port

    env = {**os.environ, "LOCALCLOUD_PORT": str(free_port()), "LOCALCLOUD_STATE_DIR": str(tmp_path)}
    (tmp_path / "lambdas").mkdir()
    done = subprocess.run([sys.executable, "-m", "localcloud.cli", "dev", "--source", str(tmp_path / "lambdas")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1
    assert "does not answer" in done.stderr and "make up" in done.stderr


LAYER_USER = """def handler(event, context):
    try:
        import layer_marker
    except ImportError:
        return "no marker"
    return layer_marker.VALUE
"""


def test_a_rebuilt_layer_is_published_as_a_new_version_and_its_users_moved_to_it(cloud, tmp_path):
    """Layer versions are immutable (AWS has no UpdateLayerVersion): PublishLayerVersion, then
    UpdateFunctionConfiguration of each function that used the old version."""
    from localcloud.devloop.reloader import Reloader, Unit

    source = tmp_path / "lambdas"
    (source / "layers" / "marker").mkdir(parents=True)
    (source / "layers" / "marker" / "requirements.txt").write_text("# no packages yet\n")
    lam = cloud.client("lambda", read_timeout=60)
    layer_name = f"marker-{uuid.uuid4().hex[:8]}"
    old = lam.publish_layer_version(LayerName=layer_name, CompatibleRuntimes=["python3.11"],
                                    Content={"ZipFile": zip_of({"python/layer_marker.py": "VALUE = 'old layer'\n"})})
    name = f"dev-{uuid.uuid4().hex[:8]}"
    role = cloud.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_ROLE_POLICY)["Role"]["Arn"]
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="handler.handler",
                        Code={"ZipFile": zip_of({"handler.py": LAYER_USER})}, Layers=[old["LayerVersionArn"]])
    assert _invoke(cloud, name) == "old layer"
    # The stack's state says which layer the zip builds, as `make up` leaves it.
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps({"resources": [{"mode": "managed", "type": "aws_lambda_layer_version", "instances": [
        {"attributes": {"filename": "build/layers/marker.zip", "layer_name": layer_name}}]}]}))

    [reload] = Reloader(source, tmp_path / "build", lam, state, tmp_path).reload({Unit("layer", source / "layers" / "marker")})

    assert reload.updated == [name]
    layers = lam.get_function_configuration(FunctionName=name)["Layers"]
    assert [layer["Arn"] for layer in layers] == [old["LayerVersionArn"].rsplit(":", 1)[0] + ":2"]
    assert _invoke(cloud, name) == "no marker"  # the new (empty) layer version runs, not the old one
