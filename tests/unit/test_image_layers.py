"""A container image's layers become /var/task, /opt and site-packages on disk; OCI whiteouts apply; the
config says how to run it or why it needs Docker (runtime/image_layers.py, runtime/image_functions.py)."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest
from localcloud.runtime import image_functions, image_layers
from localcloud.runtime.image_functions import ImageNotRunnable, ImageOverrides


def layer(tmp_path: Path, name: str, files: dict[str, bytes | None], compress: bool = False) -> Path:
    """A layer tar: a path -> bytes is a file, -> None a directory."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            if data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
            else:
                info.size, info.mode = len(data), 0o755 if path.endswith(".sh") else 0o644
                archive.addfile(info, io.BytesIO(data))
    target = tmp_path / name
    target.write_bytes(gzip.compress(buffer.getvalue()) if compress else buffer.getvalue())
    return target


BASE = {"lambda-entrypoint.sh": b"#!/bin/sh\n", "var/lang/bin/python3.12": b"\x7fELF", "var/runtime/bootstrap": b"",
        "var/lang/lib/python3.12/site-packages/boto3/__init__.py": b"", "var/task/": None, "usr/lib64/libc.so": b"x"}
AWS_CONFIG = {"config": {"Entrypoint": ["/lambda-entrypoint.sh"], "Cmd": ["app.handler"], "WorkingDir": "/var/task",
                         "Env": ["LANG=en_US.UTF-8", "PATH=/var/lang/bin:/usr/bin", "LAMBDA_TASK_ROOT=/var/task",
                                 "GREETING=from-image"]}}


def test_only_the_trees_lambda_reads_are_written_and_the_python_is_found(tmp_path):
    layers = [layer(tmp_path, "base.tar", BASE, compress=True),
              layer(tmp_path, "app.tar", {"var/task/app.py": b"print('hi')", "opt/extension/x": b"1",
                                          "var/lang/lib/python3.12/site-packages/pyarrow/__init__.py": b""})]
    unpacked = image_layers.unpack(tmp_path / "cache", "sha256:" + "a" * 64, layers)
    assert (unpacked.task / "app.py").read_text() == "print('hi')"
    assert (unpacked.opt / "extension" / "x").read_text() == "1"
    assert (unpacked.lang_layer / "python/lib/python3.12/site-packages/pyarrow/__init__.py").is_file()
    assert not list((tmp_path / "cache").rglob("libc.so"))  # the base's OS stays in the blobs
    assert unpacked.pythons == ("3.12",)
    assert "lambda-entrypoint.sh" in unpacked.markers


def test_whiteouts_hide_lower_layers_but_not_their_own_layer(tmp_path):
    lower = layer(tmp_path, "lower.tar", {"var/task/old.py": b"", "var/task/keep.py": b"",
                                          "var/task/pkg/a.py": b"", "var/task/pkg/b.py": b""})
    upper = layer(tmp_path, "upper.tar", {"var/task/.wh.old.py": b"", "var/task/pkg/.wh..wh..opq": b"",
                                          "var/task/pkg/c.py": b""})
    unpacked = image_layers.unpack(tmp_path / "cache", "sha256:" + "b" * 64, [lower, upper])
    assert sorted(p.name for p in unpacked.task.iterdir()) == ["keep.py", "pkg"]
    assert sorted(p.name for p in (unpacked.task / "pkg").iterdir()) == ["c.py"]


def test_a_member_escaping_the_root_is_skipped(tmp_path):
    evil = layer(tmp_path, "evil.tar", {"var/task/../../../escaped.py": b"x", "/var/task/ok.py": b"ok"})
    unpacked = image_layers.unpack(tmp_path / "cache", "sha256:" + "c" * 64, [evil])
    assert (unpacked.task / "ok.py").read_text() == "ok"
    assert not list(tmp_path.rglob("escaped.py"))


def test_a_layer_that_is_not_a_tar_is_reported(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x28\xb5\x2f\xfd zstd frame")
    with pytest.raises(image_layers.UnreadableImage, match="zstd"):
        image_layers.unpack(tmp_path / "cache", "sha256:" + "d" * 64, [bad])
    assert not (tmp_path / "cache" / ("d" * 64)).exists()  # nothing half-written is kept


def _unpacked(tmp_path: Path, files: dict) -> image_layers.UnpackedImage:
    return image_layers.unpack(tmp_path / "cache", "sha256:" + "e" * 64, [layer(tmp_path, "l.tar", files)])


def test_the_aws_python_base_runs_cmd_as_the_handler_with_its_env(tmp_path):
    plan = image_functions.plan("repo:1", AWS_CONFIG, _unpacked(tmp_path, BASE), ImageOverrides())
    assert (plan.python_version, plan.handler, plan.working_directory) == ("3.12", "app.handler", "/var/task")
    assert plan.environment == {"LANG": "en_US.UTF-8", "GREETING": "from-image"}  # PATH etc. are the sandbox's


def test_image_config_overrides_command_and_working_directory(tmp_path):
    overrides = ImageOverrides.from_config({"Command": ["other.main"], "WorkingDirectory": "/var/task/sub"})
    plan = image_functions.plan("repo:1", AWS_CONFIG, _unpacked(tmp_path, BASE), overrides)
    assert (plan.handler, plan.working_directory) == ("other.main", "/var/task/sub")


@pytest.mark.parametrize("label", ["localcloud.base-image", "org.opencontainers.image.base.name"])
def test_the_python_version_may_come_from_a_base_label(tmp_path, label):
    config = {"config": {**AWS_CONFIG["config"], "Labels": {label: "public.ecr.aws/lambda/python:3.13"}}}
    plan = image_functions.plan("repo:1", config, _unpacked(tmp_path, {"var/task/app.py": b""}), ImageOverrides())
    assert plan.python_version == "3.13"


@pytest.mark.parametrize("entry_point", [["/usr/bin/node", "index.js"], ["/var/runtime/bootstrap"], []])
def test_any_other_entry_point_needs_docker(tmp_path, entry_point):
    overrides = ImageOverrides.from_config({"EntryPoint": entry_point}) if entry_point else ImageOverrides()
    config = {"config": {**AWS_CONFIG["config"], "Entrypoint": entry_point}}
    with pytest.raises(ImageNotRunnable, match="needs a Docker engine"):
        image_functions.plan("repo:1", config, _unpacked(tmp_path, BASE), overrides)


def test_an_image_without_a_known_python_needs_docker(tmp_path):
    with pytest.raises(ImageNotRunnable, match="does not show which Python"):
        image_functions.plan("repo:1", AWS_CONFIG, _unpacked(tmp_path, {"var/task/app.py": b""}), ImageOverrides())


def test_host_directory_of_a_working_directory(tmp_path):
    task, opt = tmp_path / "task", tmp_path / "opt"
    (task / "sub").mkdir(parents=True)
    opt.mkdir()
    assert image_functions.host_directory("/var/task/sub", task, [opt]) == task / "sub"
    assert image_functions.host_directory("/opt", task, [opt]) == opt
    assert image_functions.host_directory("/var/task/missing", task, [opt]) == task
