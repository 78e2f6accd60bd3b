"""`localcloud build --image` without Docker: a Lambda-shaped Dockerfile becomes an image in the local ECR,
pip wheels installed for the image's Python, the same digest every time, unsupported lines refused."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import tarfile
import urllib.parse
import urllib.request
import zipfile

import pytest

DOCKERFILE = """FROM public.ecr.aws/lambda/python:3.12
ARG GREETING=hello
ENV GREETING=${GREETING}
COPY requirements.txt ${LAMBDA_TASK_ROOT}
COPY wheels/ ./wheels/
RUN pip install --no-cache-dir --no-index --find-links ./wheels -r requirements.txt --target "${LAMBDA_TASK_ROOT}"
COPY app.py ${LAMBDA_TASK_ROOT}
CMD [ "app.handler" ]
"""


def _wheel(path) -> None:
    """A tiny pure-Python wheel, so pip installs offline (--no-index --find-links)."""
    files = {"tinypkg/__init__.py": "VALUE = 42\n",
             "tinypkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n",
             "tinypkg-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()},"
                     f"{len(text)}\n" for name, text in files.items()) + "tinypkg-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in {**files, "tinypkg-1.0.dist-info/RECORD": record}.items():
            archive.writestr(name, text)


@pytest.fixture
def function_dir(tmp_path):
    context = tmp_path / "records_image"
    (context / "wheels").mkdir(parents=True)
    _wheel(context / "wheels" / "tinypkg-1.0-py3-none-any.whl")
    (context / "requirements.txt").write_text("tinypkg==1.0\n")
    (context / "app.py").write_text("import tinypkg\n\ndef handler(event, context):\n    return tinypkg.VALUE\n")
    (context / "Dockerfile").write_text(DOCKERFILE)
    return context


def _build(cloud, context, out, *extra):
    return cloud.cli("build", "--image", str(context), "--out", str(out), "--repository", "records-fn",
                     "--engine", "built-in", *extra)


def test_build_pushes_a_reproducible_image_the_control_plane_and_resolve_see(cloud, function_dir, tmp_path):
    ecr = cloud.client("ecr")
    ecr.create_repository(repositoryName="records-fn")
    first = _build(cloud, function_dir, tmp_path / "build")
    assert first.returncode == 0, first.stderr
    image_uri = first.stdout.strip().splitlines()[-1]
    account, region = cloud.settings.account_id, cloud.settings.region
    assert image_uri.startswith(f"{account}.dkr.ecr.{region}.amazonaws.com/records-fn@sha256:")
    digest = image_uri.split("@", 1)[1]
    [detail] = ecr.describe_images(repositoryName="records-fn")["imageDetails"]
    assert detail["imageDigest"] == digest and detail["imageTags"] == ["latest"]
    recorded = json.loads((tmp_path / "build" / "images" / "records-fn.json").read_text())
    assert recorded["image_uri"] == image_uri

    again = _build(cloud, function_dir, tmp_path / "build-again")  # a fresh pip cache too
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == image_uri  # same inputs, same digest: re-plan stays empty

    query = urllib.parse.urlencode({"uri": f"{account}.dkr.ecr.{region}.amazonaws.com/records-fn:latest"})
    with urllib.request.urlopen(f"{cloud.endpoint}/_localcloud/ecr/resolve?{query}", timeout=30) as answer:
        resolved = json.loads(answer.read())
    assert resolved["digest"] == digest
    assert resolved["config"]["config"]["Cmd"] == ["app.handler"]
    assert "GREETING=hello" in resolved["config"]["config"]["Env"]
    names = set()
    for path in resolved["layers"]:
        with open(path, "rb") as blob, tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob.read()))) as archive:
            names |= set(archive.getnames())
    assert {"var/task/app.py", "var/task/tinypkg/__init__.py", "var/task/requirements.txt"} <= names

    changed = _build(cloud, function_dir, tmp_path / "build", "--build-arg", "GREETING=hi", "--tag", "v2")
    assert changed.returncode == 0 and changed.stdout.strip().splitlines()[-1] != image_uri


def test_an_unsupported_instruction_fails_the_build_naming_the_line(cloud, function_dir, tmp_path):
    cloud.client("ecr").create_repository(repositoryName="refused-fn")
    (function_dir / "Dockerfile").write_text(DOCKERFILE + "RUN yum install -y libxml2\n")
    result = cloud.cli("build", "--image", str(function_dir), "--out", str(tmp_path / "b"),
                       "--repository", "refused-fn", "--engine", "built-in")
    assert result.returncode == 1
    assert "Dockerfile:9: RUN yum install" in " ".join(result.stderr.split()) and "Docker engine" in result.stderr
    assert cloud.client("ecr").describe_images(repositoryName="refused-fn")["imageDetails"] == []


def test_a_build_for_a_repository_that_does_not_exist_says_so(cloud, function_dir, tmp_path):
    result = cloud.cli("build", "--image", str(function_dir), "--out", str(tmp_path / "b"),
                       "--repository", "no-such-repo", "--engine", "built-in")
    assert result.returncode == 1 and "NAME_UNKNOWN" in result.stderr


def test_build_and_push_takes_the_repository_url_terraform_reports(cloud, function_dir, tmp_path):
    """The Terraform runner's entry point: `<repository_url>:<tag>` in, the pushed digest out."""
    from localcloud.imagebuild import build_and_push

    ecr = cloud.client("ecr")
    url = ecr.create_repository(repositoryName="tf-image")["repository"]["repositoryUri"]
    digest = build_and_push(function_dir, f"{url}:v7", endpoint=cloud.endpoint, cache_dir=tmp_path / "cache")
    [detail] = ecr.describe_images(repositoryName="tf-image")["imageDetails"]
    assert detail["imageDigest"] == digest and detail["imageTags"] == ["v7"]
