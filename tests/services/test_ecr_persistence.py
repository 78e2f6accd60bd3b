"""Repositories, images pushed through the OCI API, and their blobs survive `localcloud stop`/start and a
kill -9 (the push is journaled as PutImage before it is answered; blobs are renamed into place whole)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal

from localcloud import process
from localcloud.testing import snapshot_seq
from localcloud.imagebuild.registry_client import RegistryClient
from support import start_cloud, wait_for

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _push(cloud, repository: str, tag: str, content: bytes) -> tuple[bytes, bytes]:
    ecr = cloud.client("ecr")
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    client = RegistryClient(cloud.endpoint, repository, base64.b64decode(token).decode().split(":", 1)[1])
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["app.handler"]}}).encode()
    client.push_blob(content, chunk_size=1000)
    client.push_blob(config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": _digest(config), "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                       "digest": _digest(content), "size": len(content)}]}).encode()
    client.push_manifest(tag, manifest, OCI_MANIFEST)
    return manifest, client


def _pulled(client: RegistryClient, tag: str) -> tuple[bytes, bytes]:
    manifest = client.manifest(tag)[0]
    return manifest, client.blob(json.loads(manifest)["layers"][0]["digest"])


def test_pushed_images_survive_a_clean_stop_and_start(tmp_path):
    cloud = start_cloud(tmp_path / "state", clock_speed=1.0)
    try:
        cloud.client("ecr").create_repository(repositoryName="kept")
        layer = os.urandom(5000)
        manifest, client = _push(cloud, "kept", "v1", layer)
        cloud.stop()
        cloud.start()
        assert _pulled(client, "v1") == (manifest, layer)
        persistence = process.health(cloud.settings, timeout=30)["persistence"]
        assert persistence["replayed"] == 0 and persistence["last_error"] is None  # from the snapshot itself
        [detail] = cloud.client("ecr").describe_images(repositoryName="kept")["imageDetails"]
        assert detail["imageDigest"] == _digest(manifest) and detail["imageSizeInBytes"] == len(layer)
    finally:
        cloud.stop()


def test_an_image_pushed_just_before_a_kill_9_is_there_after_the_restart(tmp_path):
    cloud = start_cloud(tmp_path / "state", clock_speed=1.0)
    try:
        cloud.client("ecr").create_repository(repositoryName="crash")
        wait_for(lambda: snapshot_seq(cloud.settings) > 0, timeout=60,
                 what="a snapshot holding the repository, so the push below lives only in the journal")
        layer = os.urandom(3000)
        manifest, client = _push(cloud, "crash", "v1", layer)
        os.kill(process.read_pid(cloud.settings), signal.SIGKILL)
        wait_for(lambda: process.read_pid(cloud.settings) is None, what="the killed server to be gone")
        cloud.start()
        assert _pulled(client, "v1") == (manifest, layer)
        assert cloud.client("ecr").list_images(repositoryName="crash")["imageIds"] == [
            {"imageDigest": _digest(manifest), "imageTag": "v1"}]
        assert process.health(cloud.settings, timeout=30)["persistence"]["replayed"] >= 1
        # no half blob: nothing is left in the blob tree but whole, digest-named files
        blobs = tmp_path / "state" / "ecr" / "blobs" / "sha256"
        for path in blobs.glob("*/*"):
            assert "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest() == f"sha256:{path.name}"
    finally:
        cloud.stop()


def test_a_chunked_upload_goes_on_after_a_restart(tmp_path):
    import urllib.request

    cloud = start_cloud(tmp_path / "state", clock_speed=1.0)
    try:
        cloud.client("ecr").create_repository(repositoryName="resumed")
        auth = {"Authorization": "Basic " + base64.b64encode(
            f"AWS:{cloud.settings.account_id}-auth-token".encode()).decode()}

        def call(method, path, body=None, headers=None):
            request = urllib.request.Request(cloud.endpoint + path, data=body, method=method,
                                             headers={**auth, **(headers or {})})
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, dict(answer.headers)

        data = os.urandom(6000)
        _, headers = call("POST", "/v2/resumed/blobs/uploads/", b"")
        location = headers["Location"]
        call("PATCH", location, data[:4000], {"Content-Range": "0-3999"})
        cloud.stop()
        cloud.start()
        status, headers = call("GET", location)
        assert status == 204 and headers["Range"] == "0-3999"
        call("PATCH", location, data[4000:], {"Content-Range": "4000-5999"})
        status, headers = call("PUT", f"{location}?digest={_digest(data)}", b"")
        assert status == 201 and headers["Docker-Content-Digest"] == _digest(data)
    finally:
        cloud.stop()
