"""The built-in image builder: the Lambda subset of Dockerfiles, evaluated without Docker, reproducibly.

The base config asserted here is the one in AWS's Lambda Python base image Dockerfiles
(github.com/aws/aws-lambda-base-images, Dockerfile.python3.x): LAMBDA_TASK_ROOT=/var/task,
LAMBDA_RUNTIME_DIR=/var/runtime, WORKDIR /var/task, ENTRYPOINT ["/lambda-entrypoint.sh"]."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

import pytest
from localcloud.imagebuild.builder import Builder, BuildRefused
from localcloud.imagebuild.dockerfile import parse, substitute


def _function(tmp_path, dockerfile: str, files: dict[str, str] | None = None):
    context = tmp_path / "fn"
    context.mkdir(exist_ok=True)
    (context / "Dockerfile").write_text(dockerfile)
    for name, text in (files or {"app.py": "def handler(event, context):\n    return 'ok'\n"}).items():
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        (context / name).write_text(text)
    return context


def _files(layer_blob: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(layer_blob))) as archive:
        return {member.name: member for member in archive.getmembers()}


LAMBDA_SHAPE = """# the usual shape
FROM public.ecr.aws/lambda/python:3.12
ARG STAGE=dev
ENV STAGE=${STAGE} \\
    LOG_LEVEL=INFO
LABEL team=data
COPY app.py ${LAMBDA_TASK_ROOT}
COPY lib/ ./lib/
CMD [ "app.handler" ]
"""


def test_the_lambda_shape_builds_on_the_synthesised_aws_base_image(tmp_path):
    context = _function(tmp_path, LAMBDA_SHAPE, {"app.py": "x = 1\n", "lib/util.py": "y = 2\n"})
    image = Builder(context).build()
    config = image.config_document
    assert config["architecture"] == "amd64" and config["os"] == "linux"
    inner = config["config"]
    assert inner["Entrypoint"] == ["/lambda-entrypoint.sh"] and inner["Cmd"] == ["app.handler"]
    assert inner["WorkingDir"] == "/var/task"
    env = dict(item.split("=", 1) for item in inner["Env"])
    assert env["LAMBDA_TASK_ROOT"] == "/var/task" and env["LAMBDA_RUNTIME_DIR"] == "/var/runtime"
    assert env["STAGE"] == "dev" and env["LOG_LEVEL"] == "INFO"
    assert inner["Labels"] == {"localcloud.base-image": "public.ecr.aws/lambda/python:3.12", "team": "data"}
    assert len(image.layers) == 3 and len(config["rootfs"]["diff_ids"]) == 3
    base, app, lib = (_files(layer.blob) for layer in image.layers)
    assert "lambda-entrypoint.sh" in base and "var/lang/lib/python3.12/site-packages" in base
    assert "var/task/app.py" in app  # COPY into an existing directory puts the file inside it
    assert "var/task/lib/util.py" in lib
    assert {member.mtime for member in (*app.values(), *lib.values())} == {0}
    assert {(member.uid, member.gid) for member in app.values()} == {(0, 0)}


def test_the_same_inputs_give_the_same_digest_and_a_change_gives_another(tmp_path):
    context = _function(tmp_path, LAMBDA_SHAPE, {"app.py": "x = 1\n", "lib/util.py": "y = 2\n"})
    first = Builder(context).build()
    (context / "lib" / "__pycache__").mkdir()
    (context / "lib" / "__pycache__" / "util.cpython-312.pyc").write_bytes(b"cache")  # never in the image
    (context / "app.py").touch()  # a new mtime changes nothing
    assert Builder(context).build().digest == first.digest
    assert Builder(context, build_args={"STAGE": "prod"}).build().digest != first.digest
    (context / "app.py").write_text("x = 2\n")
    assert Builder(context).build().digest != first.digest


@pytest.mark.parametrize(("line", "reason"), [
    ("RUN yum install -y gcc", "RUN is evaluated only for `pip install"),
    ("RUN pip install -r requirements.txt && rm -rf /root/.cache", "not a shell command line"),
    ("FROM python:3.12 AS second", "multi-stage"),
    ("COPY --from=builder /out /var/task", "COPY --from"),
    ("EXPOSE 8080", "EXPOSE is not evaluated"),
    ("ADD https://example.com/x.py /var/task/", "is a URL"),
    ("RUN pip install -e .", "pip option -e"),
])
def test_what_needs_docker_is_refused_naming_the_line(tmp_path, line, reason):
    context = _function(tmp_path, f"FROM public.ecr.aws/lambda/python:3.11\nCOPY app.py .\n{line}\n")
    with pytest.raises(BuildRefused) as refused:
        Builder(context).build()
    message = str(refused.value)
    assert f"Dockerfile:3: {line.split()[0]}" in message and reason in message
    assert "Docker engine" in message


def test_other_bases_are_refused(tmp_path):
    context = _function(tmp_path, "FROM public.ecr.aws/lambda/nodejs:20\nCMD [\"app.handler\"]\n")
    with pytest.raises(BuildRefused, match="Dockerfile:1: FROM .* not the AWS Lambda Python base image"):
        Builder(context).build()


def test_platform_and_arm64_tags_choose_the_architecture(tmp_path):
    context = _function(tmp_path, "FROM --platform=linux/arm64 public.ecr.aws/lambda/python:3.13\nCMD [\"app.h\"]\n")
    assert Builder(context).build().config_document["architecture"] == "arm64"
    context = _function(tmp_path, "FROM public.ecr.aws/lambda/python:3.10-arm64\nCMD [\"app.h\"]\n")
    assert Builder(context).build().config_document["architecture"] == "arm64"


def test_entrypoint_and_shell_forms_and_user_and_chown_notes(tmp_path):
    context = _function(tmp_path, "FROM public.ecr.aws/lambda/python:3.12\nUSER 1000\n"
                                  "COPY --chown=1000:1000 --chmod=755 app.py /opt/app.py\n"
                                  "ENTRYPOINT python /opt/app.py\n")
    image = Builder(context).build()
    assert image.config_document["config"]["Entrypoint"] == ["/bin/sh", "-c", "python /opt/app.py"]
    assert "Cmd" not in image.config_document["config"]
    assert _files(image.layers[1].blob)["opt/app.py"].mode == 0o755
    assert any("USER" in note for note in image.notes) and any("--chown" in note for note in image.notes)


def test_dockerfile_lines_and_variables_follow_docker_s_rules():
    [instruction] = parse("# comment\nRUN pip install \\\n  # inner comment\n  boto3\n")
    assert (instruction.keyword, instruction.arguments, instruction.line) == ("RUN", "pip install boto3", 2)
    assert substitute("${A:-x}/${B:+y}/$C/\\$D", {"B": "1", "C": "c"}) == "x/y/c/$D"


def test_the_manifest_names_config_and_layers_by_digest(tmp_path):
    image = Builder(_function(tmp_path, LAMBDA_SHAPE, {"app.py": "", "lib/a.py": ""})).build()
    manifest = json.loads(image.manifest)
    assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert set(image.blobs()) == {manifest["config"]["digest"], *(layer["digest"] for layer in manifest["layers"])}
