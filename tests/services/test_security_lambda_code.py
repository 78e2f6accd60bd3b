"""Deployment packages that would write outside their directory, or unzip to AWS's limit or more, are
refused at upload with AWS's InvalidParameterValueException (CreateFunction, UpdateFunctionCode,
PublishLayerVersion; inline or from S3), and nothing outside changes.

AWS's messages: "Could not unzip uploaded file. Please check your file, then try to upload again." and
"Unzipped size must be smaller than 262144000 bytes" (lambda/latest/dg/gettingstarted-limits.html: 250 MB).
"""

from __future__ import annotations

import io
import os
import stat
import uuid
import zipfile

import pytest
from support import Functions, zip_of


def _evil_zip(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
        info = zipfile.ZipInfo(member)
        info.external_attr = 0o100777 << 16  # would chmod the target 0777
        archive.writestr(info, b"owned")
    return buffer.getvalue()


def _huge_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
        with archive.open("data.bin", "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(250):  # 250 MiB = 262144000 bytes, the first size AWS refuses
                member.write(chunk)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def functions(cloud) -> Functions:
    return Functions(cloud)


@pytest.fixture
def outside(tmp_path):
    target = tmp_path / "outside.txt"
    target.write_text("mine")
    target.chmod(0o600)
    return target


def _refused(call) -> str:
    with pytest.raises(Exception) as refused:
        call()
    error = refused.value.response["Error"]  # a botocore ClientError
    assert error["Code"] == "InvalidParameterValueException", error
    return error["Message"]


@pytest.mark.parametrize("form", ["absolute", "dotdot"])
def test_create_function_refuses_members_outside_the_package(functions, outside, form):
    member = str(outside) if form == "absolute" else "../../../../../../../.." + str(outside)
    name = f"evil-{uuid.uuid4().hex[:8]}"
    message = _refused(lambda: functions.lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=functions.role, Handler="handler.handler",
        Code={"ZipFile": _evil_zip(member)}))
    assert message == "Could not unzip uploaded file. Please check your file, then try to upload again."
    assert stat.S_IMODE(os.stat(outside).st_mode) == 0o600 and outside.read_text() == "mine"
    assert name not in [f["FunctionName"] for f in functions.lam.list_functions()["Functions"]]


@pytest.mark.parametrize("form", ["absolute", "dotdot"])
def test_update_code_and_layers_refuse_members_outside(cloud, functions, outside, form):
    member = str(outside) if form == "absolute" else "../../" + outside.name
    name = functions.create("def handler(event, context):\n    return 'kept'\n")
    _refused(lambda: functions.lam.update_function_code(FunctionName=name, ZipFile=_evil_zip(member)))
    _refused(lambda: functions.lam.publish_layer_version(LayerName=f"evil-{form}",
                                                         Content={"ZipFile": _evil_zip(member)}))
    s3 = cloud.client("s3")
    bucket = f"code-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="evil.zip", Body=_evil_zip(member))
    _refused(lambda: functions.lam.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key="evil.zip"))
    assert stat.S_IMODE(os.stat(outside).st_mode) == 0o600
    assert functions.invoke(name)[1] == "kept"  # the function still runs its own code


def test_unzipped_size_is_capped_at_250_mb(functions):
    message = _refused(lambda: functions.lam.create_function(
        FunctionName=f"huge-{uuid.uuid4().hex[:8]}", Runtime="python3.12", Role=functions.role,
        Handler="handler.handler", Code={"ZipFile": _huge_zip()}))
    assert message == "Unzipped size must be smaller than 262144000 bytes"


def test_what_is_not_a_zip_is_refused(functions):
    message = _refused(lambda: functions.lam.create_function(
        FunctionName=f"junk-{uuid.uuid4().hex[:8]}", Runtime="python3.12", Role=functions.role,
        Handler="handler.handler", Code={"ZipFile": b"definitely not a zip"}))
    assert message.startswith("Could not unzip uploaded file")


def test_ordinary_packages_still_deploy(functions):
    name = functions.create("import helper\ndef handler(event, context):\n    return helper.VALUE\n",
                            files={"helper.py": "VALUE = 42\n"})
    assert functions.invoke(name)[1] == 42
    functions.lam.update_function_code(FunctionName=name, ZipFile=zip_of({
        "handler.py": "def handler(event, context):\n    return 43\n"}))
    functions.lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert functions.invoke(name)[1] == 43
