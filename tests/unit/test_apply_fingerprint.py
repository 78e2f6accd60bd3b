"""The no-op apply fingerprint (terraform/fingerprint.py) and the cloud's state epoch (server/lineage.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from localcloud.server.lineage import Lineage
from localcloud.terraform.fingerprint import Fingerprint, local_fingerprint, state_inputs

CLOUD = {"epoch": "e1", "inventory": "i1"}


def _config(tmp_path: Path) -> tuple[Path, Path, Path]:
    directory = tmp_path / "infra"
    (directory / "envs").mkdir(parents=True)
    (directory / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n')
    (directory / "envs" / "local.tfvars").write_text('environment = "local"\n')
    artifact = tmp_path / "build" / "fn.zip"
    artifact.parent.mkdir()
    artifact.write_bytes(b"zip one")
    state = tmp_path / "state" / "terraform.tfstate"
    state.parent.mkdir()
    state.write_text(json.dumps({"resources": [{"type": "aws_lambda_function", "instances": [
        {"attributes": {"filename": "../build/fn.zip", "function_name": "fn"}}]}]}))
    return directory, state, artifact


def _fingerprint(directory: Path, state: Path, previous=None, cloud=CLOUD, variables=None) -> Fingerprint:
    local = local_fingerprint(directory, state, [directory / "envs" / "local.tfvars"], variables or {},
                              sys.executable, "http://127.0.0.1:1", "us-east-1", ("localcloud_override.tf",),
                              previous)
    return Fingerprint(local, cloud)


def test_unchanged_inputs_match_the_record(tmp_path):
    directory, state, _ = _config(tmp_path)
    record = _fingerprint(directory, state).as_record()
    assert _fingerprint(directory, state, record).matches(record)


def test_a_changed_tf_file_tfvars_or_variable_does_not_match(tmp_path):
    directory, state, _ = _config(tmp_path)
    record = _fingerprint(directory, state).as_record()
    assert not _fingerprint(directory, state, variables={"name": "x"}).matches(record)
    (directory / "envs" / "local.tfvars").write_text('environment = "other"\n')
    assert not _fingerprint(directory, state, record).matches(record)


def test_a_rebuilt_artifact_the_state_names_does_not_match_but_a_touch_does(tmp_path):
    directory, state, artifact = _config(tmp_path)
    assert state_inputs(state, directory) == [artifact.resolve()]
    record = _fingerprint(directory, state).as_record()
    os.utime(artifact, ns=(1, 1))  # same bytes, other time (a rebuild that came out identical)
    assert _fingerprint(directory, state, record).matches(record)
    artifact.write_bytes(b"zip two")
    assert not _fingerprint(directory, state, record).matches(record)


def test_our_override_files_do_not_count(tmp_path):
    directory, state, _ = _config(tmp_path)
    record = _fingerprint(directory, state).as_record()
    (directory / "localcloud_override.tf").write_text("# generated\n")
    assert _fingerprint(directory, state, record).matches(record)


def test_another_cloud_state_or_a_cloud_that_cannot_say_does_not_match(tmp_path):
    directory, state, _ = _config(tmp_path)
    record = _fingerprint(directory, state).as_record()
    assert not _fingerprint(directory, state, record, cloud={"epoch": "e2", "inventory": "i1"}).matches(record)
    assert not _fingerprint(directory, state, record, cloud={"epoch": "e1", "inventory": "i2"}).matches(record)
    assert not _fingerprint(directory, state, record, cloud=None).matches(record)
    assert not _fingerprint(directory, state, cloud=None).matches(None)


def _snapshot(directory: Path, service: str, data: bytes = b"pickle") -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{service}.pickle").write_bytes(data)


def test_epoch_survives_a_clean_stop_with_the_snapshots_it_left(tmp_path):
    first = Lineage(tmp_path)
    first.begin()
    assert first.restore == "fresh"
    _snapshot(tmp_path, "s3")
    first.stopped_cleanly()
    again = Lineage(tmp_path)
    again.begin()
    assert (again.epoch, again.restore) == (first.epoch, "restored")


def test_epoch_changes_after_an_unclean_stop(tmp_path):
    first = Lineage(tmp_path)
    first.begin()
    _snapshot(tmp_path, "s3")  # saved while running, then killed: no clean stop recorded
    again = Lineage(tmp_path)
    again.begin()
    assert again.epoch != first.epoch
    assert "did not stop cleanly" in again.restore


def test_epoch_changes_when_snapshots_are_removed_or_replaced(tmp_path):
    first = Lineage(tmp_path)
    first.begin()
    _snapshot(tmp_path, "s3")
    _snapshot(tmp_path, "iam")
    first.stopped_cleanly()
    (tmp_path / "iam.pickle").unlink()
    lost = Lineage(tmp_path)
    lost.begin()
    assert lost.epoch != first.epoch and "differ" in lost.restore
    lost.stopped_cleanly()
    _snapshot(tmp_path, "s3", b"another cloud's state")
    swapped = Lineage(tmp_path)
    swapped.begin()
    assert swapped.epoch != lost.epoch


def test_an_unreadable_snapshot_starts_a_new_epoch(tmp_path):
    lineage = Lineage(tmp_path)
    lineage.begin()
    before = lineage.epoch
    lineage.lost("s3")
    assert lineage.epoch != before and "s3" in lineage.restore
    assert json.loads((tmp_path / "lineage.json").read_text())["epoch"] == lineage.epoch


def test_local_outputs_are_read_from_the_state_file_as_terraform_output_prints_them(tmp_path):
    import shutil

    import pytest

    from localcloud.terraform.runner import TerraformRunner

    if not (shutil.which("terraform") or shutil.which("tofu")):
        pytest.skip("the runner needs terraform or tofu on PATH to be constructed")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text('output "bucket" { value = "b" }\n')
    runner = TerraformRunner(tmp_path / "infra", "s", tmp_path / "state", "http://127.0.0.1:4566")
    runner.paths.root.mkdir(parents=True)
    runner.paths.state_file.write_text(json.dumps({"version": 4, "outputs": {
        "bucket": {"value": "b", "type": "string"},
        "api": {"value": "https://abc123.execute-api.us-east-1.amazonaws.com/v1", "type": "string"}}}))
    assert runner.outputs() == {"bucket": "b", "api": "http://127.0.0.1:4566/restapis/abc123/v1/_user_request_"}
    assert not runner.paths.log_file.exists()  # no Terraform command ran
