"""The rules behind the endpoint's security, without processes: Host names, origins, zip members, the
Terraform log line."""

from __future__ import annotations

import io
import os
import stat
import zipfile

import pytest
from localcloud.config import Settings
from localcloud.runtime import code
from localcloud.server.guard import EndpointGuard, host_name
from localcloud.terraform.command import shown_command


@pytest.mark.parametrize("header, name", [("localhost:4566", "localhost"), ("[::1]:4566", "::1"), ("::1", "::1"),
                                          ("Example.COM.", "example.com"), ("127.0.0.1", "127.0.0.1")])
def test_host_name(header, name):
    assert host_name(header) == name


def test_guard_hosts_and_origins():
    guard = EndpointGuard(Settings(allowed_hosts=("build.internal", "*.corp.example")), [])
    assert guard.host_allowed("build.internal:4566") and guard.host_allowed("a.b.corp.example")
    assert not guard.host_allowed("corp.example.evil") and not guard.host_allowed("192.168.1.20")
    assert EndpointGuard(Settings(allow_remote=True), []).host_allowed("192.168.1.20:4566")
    assert guard.own_origin("http://localhost:3000", "") and guard.own_origin("http://[::1]:8080", "")
    assert guard.own_origin("http://x.s3.localhost.localstack.cloud:4566", "")
    assert not guard.own_origin("https://evil.example", "") and not guard.own_origin("null", "")
    assert not guard.own_origin("https://localhost.evil.example", "")


def _zip(name: str, mode: int = 0o100755, data: bytes = b"x") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(name)
        info.external_attr = mode << 16
        archive.writestr(info, data)
    return buffer.getvalue()


@pytest.mark.parametrize("form", ["absolute", "dotdot"])
def test_unpack_refuses_members_outside_and_leaves_outside_files_alone(tmp_path, form):
    outside = tmp_path / "outside.txt"
    outside.write_text("mine")
    outside.chmod(0o600)
    name = str(outside) if form == "absolute" else "../../outside.txt"
    with pytest.raises(code.InvalidPackage, match="Could not unzip uploaded file"):
        code.unpack(tmp_path / "code" / "cache", _zip(name, 0o100777))
    assert stat.S_IMODE(os.stat(outside).st_mode) == 0o600
    assert not any((tmp_path / "code" / "cache").glob("*")) if (tmp_path / "code" / "cache").exists() else True


def test_unpack_keeps_modes_on_the_extracted_file(tmp_path):
    target = code.unpack(tmp_path, _zip("bin/tool", 0o100755))
    assert stat.S_IMODE(os.stat(target / "bin" / "tool").st_mode) == 0o755


def test_check_refuses_what_does_not_unzip():
    with pytest.raises(code.InvalidPackage, match="Could not unzip uploaded file"):
        code.check(b"not a zip")


def test_terraform_log_does_not_show_variable_values():
    shown = shown_command(["terraform", "apply", "-var-file=local.tfvars", "-var=db_password=s3cr3t"])
    assert shown == ["terraform", "apply", "-var-file=local.tfvars", "-var=db_password=(value not logged)"]


def test_terraform_debug_traces_stay_out_of_the_runner_log(tmp_path, monkeypatch):
    from localcloud.terraform.runner import TerraformRunner

    (tmp_path / "main.tf").write_text("")
    monkeypatch.setenv("TF_LOG", "TRACE")  # would print every provider request, SecretString included
    runner = TerraformRunner(tmp_path, "stack", tmp_path / "state", "http://127.0.0.1:4566",
                             plugin_mirror=tmp_path)
    assert "TF_LOG" not in runner._environment()
    monkeypatch.setenv("TF_LOG_PATH", str(tmp_path / "trace.log"))  # asked for, in a file of the user's
    assert runner._environment()["TF_LOG"] == "TRACE"


def test_moto_answers_no_preflight_with_an_allow():
    from moto.moto_server.werkzeug_app import create_backend_app

    from localcloud.moto_patches import apply, core

    apply(core.PATCHES)  # what the server applies at start; turns moto's blanket CORS off

    answer = create_backend_app("sts").test_client().options(
        "/", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in answer.headers
