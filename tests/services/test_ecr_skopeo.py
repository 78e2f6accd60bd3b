"""An OCI client we did not write, skopeo (containers/image, Debian's package), pushes to the path form of
the local ECR, reads the image back and deletes it. Not part of what `make install` sets up: without
skopeo the test is skipped, saying so; test_ecr_registry.py proves the same API with our own client."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from localcloud.imagebuild.builder import Builder

pytestmark = pytest.mark.skipif(shutil.which("skopeo") is None,
                                reason="skopeo is not installed (apt-get install skopeo): the third-party client "
                                       "check does not run; test_ecr_registry.py covers the API without it")


def _layout(image, root: Path, tag: str) -> None:
    """The image as an OCI image layout directory (image-spec/image-layout.md), skopeo's `oci:` transport."""
    (root / "blobs" / "sha256").mkdir(parents=True)
    (root / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    for digest, blob in {**image.blobs(), image.digest: image.manifest}.items():
        (root / "blobs" / "sha256" / digest.split(":", 1)[1]).write_bytes(blob)
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": image.media_type, "digest": image.digest, "size": len(image.manifest),
         "annotations": {"org.opencontainers.image.ref.name": tag}}]}))


def _skopeo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=120, check=False)


def test_skopeo_pushes_to_the_path_form_pulls_back_and_deletes(cloud, tmp_path):
    context = tmp_path / "fn"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM public.ecr.aws/lambda/python:3.12\nCOPY app.py ${LAMBDA_TASK_ROOT}\n"
                                        "CMD [ \"app.handler\" ]\n")
    (context / "app.py").write_text("def handler(event, context):\n    return 1\n")
    image = Builder(context).build()
    _layout(image, tmp_path / "layout", "v1")
    ecr = cloud.client("ecr")
    ecr.create_repository(repositoryName="skopeo/fn")
    password = f"{cloud.settings.account_id}-auth-token"
    target = f"docker://127.0.0.1:{cloud.settings.port}/skopeo/fn"

    refused = _skopeo("copy", "--dest-tls-verify=false", "--dest-no-creds", f"oci:{tmp_path / 'layout'}:v1",
                      f"{target}:anonymous")
    assert refused.returncode != 0 and "authentication required" in refused.stderr  # ECR needs its token
    pushed = _skopeo("copy", "--dest-tls-verify=false", "--dest-creds", f"AWS:{password}",
                     f"oci:{tmp_path / 'layout'}:v1", f"{target}:v1")
    assert pushed.returncode == 0, pushed.stderr
    [detail] = ecr.describe_images(repositoryName="skopeo/fn")["imageDetails"]
    assert detail["imageDigest"] == image.digest and detail["imageTags"] == ["v1"]

    inspected = _skopeo("inspect", "--tls-verify=false", "--creds", f"AWS:{password}", f"{target}:v1")
    assert inspected.returncode == 0, inspected.stderr
    assert json.loads(inspected.stdout)["Digest"] == image.digest
    pulled = _skopeo("copy", "--src-tls-verify=false", "--src-creds", f"AWS:{password}", f"{target}:v1",
                     f"oci:{tmp_path / 'back'}:v1")
    assert pulled.returncode == 0, pulled.stderr
    assert json.loads((tmp_path / "back" / "index.json").read_text())["manifests"][0]["digest"] == image.digest

    deleted = _skopeo("delete", "--tls-verify=false", "--creds", f"AWS:{password}", f"{target}:v1")
    assert deleted.returncode == 0, deleted.stderr
    assert ecr.describe_images(repositoryName="skopeo/fn")["imageDetails"] == []
