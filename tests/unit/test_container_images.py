"""images.json: which images a stack builds (its `when` variables, as Terraform resolves them) and where they
are pushed (the repository_url of each instance the state holds) (terraform/container_images.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from localcloud.terraform import container_images

REPO = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, when: dict | None = None) -> Path:
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Dockerfile").write_text("FROM public.ecr.aws/lambda/python:3.12\n")
    (tmp_path / "main.tf").write_text('variable "kind" {\n  default = "Zip"\n}\n')
    entry = {"repository": "aws_ecr_repository.fn", "context": "ctx", **({"when": when} if when else {})}
    (tmp_path / "images.json").write_text(json.dumps({"images": [entry]}))
    return tmp_path


def test_the_reference_configuration_lists_the_records_image_off_by_default():
    directory = REPO / "infra" / "tflocal"
    (spec,) = container_images.load(directory)
    assert spec.repository == "aws_ecr_repository.records_to_parquet" and spec.dockerfile.is_file()
    local = [directory / "envs" / "local.tfvars"]
    assert container_images.enabled([spec], directory, local, {}) == []
    assert container_images.enabled([spec], directory, local, {"records_package_type": "Image"}) == [spec]


def test_when_reads_var_then_tf_var_then_tfvars_then_the_default(tmp_path, monkeypatch):
    directory = _config(tmp_path, when={"kind": "Image"})
    specs = container_images.load(directory)
    assert container_images.enabled(specs, directory, [], {}) == []  # the default, Zip
    tfvars = tmp_path / "x.tfvars"
    tfvars.write_text('kind = "Image"\n')
    assert container_images.enabled(specs, directory, [tfvars], {}) == specs
    monkeypatch.setenv("TF_VAR_kind", "Zip")
    assert container_images.enabled(specs, directory, [tfvars], {}) == []
    assert container_images.enabled(specs, directory, [tfvars], {"kind": "Image"}) == specs


def test_a_missing_dockerfile_or_a_malformed_file_is_reported(tmp_path):
    directory = _config(tmp_path)
    (tmp_path / "ctx" / "Dockerfile").unlink()
    with pytest.raises(container_images.ImageManifestError, match="does not exist"):
        container_images.load(directory)
    (tmp_path / "images.json").write_text('{"images": [{"context": "ctx"}]}')
    with pytest.raises(container_images.ImageManifestError, match="repository"):
        container_images.load(directory)


def test_only_repositories_the_state_holds_are_pushed_to(tmp_path):
    state = {"resources": [
        {"mode": "managed", "type": "aws_ecr_repository", "name": "fn",
         "instances": [{"attributes": {"repository_url": "1.dkr.ecr.r.amazonaws.com/a"}}]},
        {"module": "module.m", "mode": "managed", "type": "aws_ecr_repository", "name": "fn",
         "instances": [{"attributes": {"repository_url": "1.dkr.ecr.r.amazonaws.com/in-module"}}]},
        {"mode": "data", "type": "aws_ecr_repository", "name": "fn",
         "instances": [{"attributes": {"repository_url": "1.dkr.ecr.r.amazonaws.com/data"}}]}]}
    assert container_images.repository_urls(state, "aws_ecr_repository.fn") == ["1.dkr.ecr.r.amazonaws.com/a"]
    assert container_images.repository_urls(state, "module.m.aws_ecr_repository.fn") == [
        "1.dkr.ecr.r.amazonaws.com/in-module"]
    specs = container_images.load(_config(tmp_path))
    pushed = container_images.push_all(specs, state, lambda spec, target: f"sha256:{len(target)}")
    assert [(p.target, p.digest) for p in pushed] == [("1.dkr.ecr.r.amazonaws.com/a:latest", "sha256:34")]
    assert container_images.push_all(specs, {"resources": []}, lambda *_: pytest.fail("nothing to push")) == []


def test_a_changed_context_file_changes_the_digest(tmp_path):
    specs = container_images.load(_config(tmp_path))
    before = container_images.context_digest(specs)
    (tmp_path / "ctx" / "app.py").write_text("x = 1\n")
    assert container_images.context_digest(specs) != before
