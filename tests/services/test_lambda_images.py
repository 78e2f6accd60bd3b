"""Container-image functions without Docker: an image built on AWS's Python base image, pushed to the local
ECR through its OCI API, runs as Lambda runs it (CMD as the handler, ImageConfig overrides, ENV under the
function's Environment, the tag resolved once at create/update); what the control plane answers for it;
and a non-Python image fails at invoke with a message that says a Docker engine is needed."""

from __future__ import annotations

import uuid

import botocore.exceptions
import pytest
from oci_images import AWS_PYTHON_BASE, Pusher, config, layer

APP = """\
import json, os, sys
import helper_dep

def handler(event, context):
    return {"who": "app", "greeting": os.environ.get("GREETING"), "overridden": os.environ.get("OVERRIDDEN"),
            "cwd": os.getcwd(), "execution_env": os.environ.get("AWS_EXECUTION_ENV"),
            "dep": helper_dep.VALUE, "task_root": os.environ.get("LAMBDA_TASK_ROOT"), "event": event}

def other(event, context):
    return {"who": "other", "cwd": os.getcwd()}
"""


@pytest.fixture(scope="module")
def images(lambda_cloud):
    """(ecr client, pusher, create_repository) on the module's local cloud."""
    ecr = lambda_cloud.client("ecr")
    pusher = Pusher(lambda_cloud)

    def repository() -> tuple[str, str]:
        name = f"img-{uuid.uuid4().hex[:8]}"
        url = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
        return name, url

    return ecr, pusher, repository


def _app_layers(app: str = APP) -> list[bytes]:
    return [layer(AWS_PYTHON_BASE),
            # `RUN pip install` without -t lands in the base Python's site-packages
            layer({"var/lang/lib/python3.11/site-packages/helper_dep.py": "VALUE = 'from-site-packages'\n"}),
            layer({"var/task/app.py": app, "var/task/sub/": None})]


def _create(functions, url: str, tag: str = "v1", **extra) -> str:
    name = f"img-fn-{uuid.uuid4().hex[:8]}"
    functions.lam.create_function(FunctionName=name, PackageType="Image", Code={"ImageUri": f"{url}:{tag}"},
                                  Role=functions.role, Timeout=30, **extra)
    return name


def test_an_aws_python_base_image_runs_its_cmd_with_its_env_under_the_functions(lambda_functions, images):
    _, pusher, repository = images
    repo, url = repository()
    digest = pusher.push(repo, "v1", _app_layers(), config(["app.handler"], env=["GREETING=from-image",
                                                                                  "OVERRIDDEN=by-image"]))
    name = _create(lambda_functions, url, Environment={"Variables": {"OVERRIDDEN": "by-function"}})

    got = lambda_functions.lam.get_function(FunctionName=name)
    configuration = got["Configuration"]
    assert configuration["PackageType"] == "Image"
    assert configuration["CodeSha256"] == digest.removeprefix("sha256:")  # AWS: the image digest
    assert got["Code"]["RepositoryType"] == "ECR"
    assert got["Code"]["ImageUri"] == f"{url}:v1"
    assert got["Code"]["ResolvedImageUri"] == f"{url}@{digest}"
    assert "ImageConfigResponse" not in configuration and "Runtime" not in configuration

    answer, body = lambda_functions.invoke(name, {"n": 1})
    assert answer.get("FunctionError") is None, body
    assert body == {"who": "app", "greeting": "from-image", "overridden": "by-function", "cwd": "/var/task",
                    "execution_env": "AWS_Lambda_Image", "dep": "from-site-packages", "task_root": "/var/task",
                    "event": {"n": 1}}


def test_image_config_overrides_cmd_and_workdir(lambda_functions, images):
    _, pusher, repository = images
    repo, url = repository()
    pusher.push(repo, "v1", _app_layers(), config(["app.handler"]))
    name = _create(lambda_functions, url,
                   ImageConfig={"Command": ["app.other"], "WorkingDirectory": "/var/task/sub"})
    assert lambda_functions.lam.get_function_configuration(FunctionName=name)["ImageConfigResponse"] == {
        "ImageConfig": {"Command": ["app.other"], "WorkingDirectory": "/var/task/sub"}}
    answer, body = lambda_functions.invoke(name)
    assert answer.get("FunctionError") is None, body
    assert body == {"who": "other", "cwd": "/var/task/sub"}

    lambda_functions.lam.update_function_configuration(FunctionName=name, ImageConfig={"Command": ["app.handler"]})
    lambda_functions.lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    _, body = lambda_functions.invoke(name)
    assert (body["who"], body["cwd"]) == ("app", "/var/task")  # the image's WORKDIR again


def test_the_tag_is_resolved_at_create_and_again_at_update_function_code(lambda_functions, images):
    _, pusher, repository = images
    repo, url = repository()
    first = pusher.push(repo, "v1", _app_layers(), config(["app.handler"], env=["GREETING=first"]))
    name = _create(lambda_functions, url)
    second = pusher.push(repo, "v1", _app_layers(), config(["app.handler"], env=["GREETING=second"]))
    assert first != second
    assert lambda_functions.invoke(name)[1]["greeting"] == "first"  # AWS runs the digest it resolved

    updated = lambda_functions.lam.update_function_code(FunctionName=name, ImageUri=f"{url}:v1")
    assert updated["CodeSha256"] == second.removeprefix("sha256:")
    lambda_functions.lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert lambda_functions.invoke(name)[1]["greeting"] == "second"


def test_an_image_that_is_not_in_the_repository_is_refused_as_aws_does(lambda_functions, images):
    _, _, repository = images
    _, url = repository()
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        _create(lambda_functions, url, tag="missing")
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == f"Source image {url}:missing does not exist. Provide a valid source image."


def test_a_non_python_image_is_active_but_its_invoke_says_docker_is_needed(lambda_functions, images):
    _, pusher, repository = images
    repo, url = repository()
    node_image = [layer({"usr/local/bin/node": "", "var/task/index.js": "exports.handler = async () => 1;\n"})]
    pusher.push(repo, "v1", node_image, config(["index.handler"], entrypoint=["/usr/local/bin/npx", "aws-lambda-ric"]))
    name = _create(lambda_functions, url)
    assert lambda_functions.lam.get_function_configuration(FunctionName=name)["State"] == "Active"

    answer, body = lambda_functions.invoke(name)
    assert answer["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.InvalidEntrypoint"
    assert "needs a Docker engine" in body["errorMessage"] and "/usr/local/bin/npx" in body["errorMessage"]


def test_an_image_built_by_localcloud_build_runs(lambda_cloud, lambda_functions, images, tmp_path):
    """The builder's synthesised base (no /var/lang/bin/python3.x, a label naming the base) is recognised."""
    from localcloud.imagebuild import build_and_push

    _, _, repository = images
    _, url = repository()
    (tmp_path / "Dockerfile").write_text("FROM public.ecr.aws/lambda/python:3.11\n"
                                         "COPY app.py ${LAMBDA_TASK_ROOT}/\n"
                                         "ENV GREETING=built\n"
                                         'CMD ["app.handler"]\n')
    (tmp_path / "app.py").write_text("import os, sys\n"
                                     "def handler(event, context):\n"
                                     "    return {'greeting': os.environ['GREETING'], 'python': sys.version[:4]}\n")
    build_and_push(tmp_path, f"{url}:v1", endpoint=lambda_cloud.endpoint)
    name = _create(lambda_functions, url)
    answer, body = lambda_functions.invoke(name)
    assert answer.get("FunctionError") is None, body
    assert body == {"greeting": "built", "python": "3.11"}


def test_an_image_function_created_just_before_a_kill_9_runs_after_the_restart(tmp_path):
    """The CreateFunction is replayed from the journal after the images it names (the digest it resolved is
    the same again), and the image blobs and unpacked layers are read back from the state directory."""
    import os
    import signal

    from localcloud import process
    from localcloud.testing import Functions, snapshot_seq
    from support import start_cloud, wait_for

    cloud = start_cloud(tmp_path / "state", clock_speed=1.0)
    try:
        functions = Functions(cloud)
        url = cloud.client("ecr").create_repository(repositoryName="durable")["repository"]["repositoryUri"]

        wait_for(lambda: snapshot_seq(cloud.settings) > 0, timeout=60,
                 what="a snapshot holding the repository, so what follows lives only in the journal")
        digest = Pusher(cloud).push("durable", "v1", _app_layers(), config(["app.handler"], env=["GREETING=kept"]))
        name = _create(functions, url)
        os.kill(process.read_pid(cloud.settings), signal.SIGKILL)
        wait_for(lambda: process.read_pid(cloud.settings) is None, what="the killed server to be gone")
        cloud.start()
        assert functions.lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"] == digest[7:]
        assert process.health(cloud.settings, timeout=30)["persistence"]["replayed"] >= 1
        answer, body = functions.invoke(name)
        assert answer.get("FunctionError") is None, body
        assert body["greeting"] == "kept"
    finally:
        cloud.stop()
