"""The local ECR accepts images through the OCI distribution API (distribution-spec v1.1) and its control
plane shows them as ECR does (DescribeImages' ImageDetail: imageDigest is the sha256 of the manifest,
imageSizeInBytes the layers' compressed sizes). Real server, real HTTP; the client is the builder's own."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from localcloud.imagebuild.registry_client import RegistryClient, RegistryError

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _layer(files: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def _image(client: RegistryClient, tag: str | None, files: dict[str, bytes], media_type: str = OCI_MANIFEST,
           chunk_size: int = 1024 * 1024, architecture: str = "amd64") -> tuple[bytes, bytes, bytes]:
    layer = _layer(files)
    config = json.dumps({"architecture": architecture, "os": "linux", "config": {"Cmd": ["app.handler"]},
                         "rootfs": {"type": "layers", "diff_ids": [_digest(gzip.decompress(layer))]}}).encode()
    client.push_blob(layer, chunk_size=chunk_size)
    client.push_blob(config)
    config_type = "application/vnd.oci.image.config.v1+json" if media_type == OCI_MANIFEST else \
        "application/vnd.docker.container.image.v1+json"
    layer_type = "application/vnd.oci.image.layer.v1.tar+gzip" if media_type == OCI_MANIFEST else \
        "application/vnd.docker.image.rootfs.diff.tar.gzip"
    manifest = json.dumps({"schemaVersion": 2, "mediaType": media_type,
                           "config": {"mediaType": config_type, "digest": _digest(config), "size": len(config)},
                           "layers": [{"mediaType": layer_type, "digest": _digest(layer), "size": len(layer)}]},
                          indent=3).encode()
    client.push_manifest(tag or _digest(manifest), manifest, media_type)
    return manifest, config, layer


@pytest.fixture(scope="module")
def ecr(cloud):
    return cloud.client("ecr")


@pytest.fixture(scope="module")
def password(ecr):
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    return base64.b64decode(token).decode().split(":", 1)[1]


@pytest.fixture
def repository(ecr):
    name = f"fn/{uuid.uuid4().hex[:8]}"
    ecr.create_repository(repositoryName=name)
    return name


def _client(cloud, password, repository, host_form=False) -> RegistryClient:
    host = f"{cloud.settings.account_id}.dkr.ecr.{cloud.settings.region}.localhost.localstack.cloud:" \
           f"{cloud.settings.port}" if host_form else None
    return RegistryClient(cloud.endpoint, repository, password, host)


def _raw(cloud, method, path, body=None, headers=None):
    request = urllib.request.Request(cloud.endpoint + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_v2_without_credentials_answers_docker_s_basic_challenge_and_the_ecr_token_opens_it(cloud, password):
    status, headers, body = _raw(cloud, "GET", "/v2/")
    assert status == 401 and headers["WWW-Authenticate"].startswith("Basic realm=")
    assert headers["Docker-Distribution-API-Version"] == "registry/2.0"
    assert json.loads(body)["errors"][0]["code"] == "UNAUTHORIZED"
    basic = base64.b64encode(f"AWS:{password}".encode()).decode()
    assert _raw(cloud, "GET", "/v2/", headers={"Authorization": f"Basic {basic}"})[0] == 200
    wrong = base64.b64encode(b"AWS:not-a-token").decode()
    assert _raw(cloud, "GET", "/v2/", headers={"Authorization": f"Basic {wrong}"})[0] == 401


def test_chunked_push_then_pull_gives_back_the_same_bytes_by_tag_and_by_digest(cloud, password, repository):
    client = _client(cloud, password, repository)
    payload = {"app.py": b"def handler(e, c):\n    return 1\n", "data.bin": os.urandom(20000)}
    manifest, config, layer = _image(client, "v1", payload, chunk_size=4096)  # many PATCHes
    assert len(layer) > 3 * 4096
    body, media_type, digest = client.manifest("v1")
    assert (body, media_type, digest) == (manifest, OCI_MANIFEST, _digest(manifest))
    assert client.manifest(digest)[0] == manifest
    assert client.blob(_digest(layer)) == layer and client.blob(_digest(config)) == config
    assert client.tags() == ["v1"]


def test_a_blob_whose_bytes_do_not_match_the_digest_is_refused_with_digest_invalid(cloud, password, repository):
    client = _client(cloud, password, repository)
    wrong = _digest(b"something else")
    with pytest.raises(RegistryError) as refused:
        client.push_blob(b"the real bytes", digest=wrong)
    assert (refused.value.status, refused.value.code) == (400, "DIGEST_INVALID")
    assert not client.has_blob(wrong)


def test_a_chunk_that_skips_ahead_is_refused_with_416(cloud, password, repository):
    basic = base64.b64encode(f"AWS:{password}".encode()).decode()
    auth = {"Authorization": f"Basic {basic}"}
    status, headers, _ = _raw(cloud, "POST", f"/v2/{repository}/blobs/uploads/", b"", auth)
    assert status == 202
    location = headers["Location"]
    assert _raw(cloud, "PATCH", location, b"abcd", {**auth, "Content-Range": "0-3"})[0] == 202
    status, headers, _body = _raw(cloud, "PATCH", location, b"efgh", {**auth, "Content-Range": "10-13"})
    assert status == 416 and headers["Range"] == "0-3"
    status, _, _ = _raw(cloud, "PUT", f"{location}?digest={_digest(b'abcd')}", b"", auth)
    assert status == 201


def test_monolithic_post_and_a_cross_repository_mount(cloud, password, repository, ecr):
    basic = base64.b64encode(f"AWS:{password}".encode()).decode()
    auth = {"Authorization": f"Basic {basic}"}
    data = b"one request holds the whole blob"
    status, headers, _ = _raw(cloud, "POST", f"/v2/{repository}/blobs/uploads/?digest={_digest(data)}", data, auth)
    assert status == 201 and headers["Docker-Content-Digest"] == _digest(data)
    other = f"fn/{uuid.uuid4().hex[:8]}"
    ecr.create_repository(repositoryName=other)
    assert not _client(cloud, password, other).has_blob(_digest(data))  # blobs are per repository, as in ECR
    status, _, _ = _raw(cloud, "POST", f"/v2/{other}/blobs/uploads/?mount={_digest(data)}&from={repository}", b"", auth)
    assert status == 201 and _client(cloud, password, other).blob(_digest(data)) == data
    status, _, _ = _raw(cloud, "POST", f"/v2/{other}/blobs/uploads/?mount={_digest(b'nope')}&from={repository}", b"", auth)
    assert status == 202  # not mountable: an upload session instead (distribution spec)


def test_pushing_to_a_repository_that_does_not_exist_fails_with_name_unknown(cloud, password):
    client = _client(cloud, password, "never-created")
    with pytest.raises(RegistryError) as refused:
        client.push_blob(b"x")
    assert (refused.value.status, refused.value.code) == (404, "NAME_UNKNOWN")
    assert "does not exist in the registry" in refused.value.message


def test_a_manifest_naming_a_blob_never_pushed_is_refused(cloud, password, repository):
    client = _client(cloud, password, repository)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": _digest(b"{}"), "size": 2}, "layers": []}).encode()
    with pytest.raises(RegistryError) as refused:
        client.push_manifest("v1", manifest, OCI_MANIFEST)
    assert (refused.value.status, refused.value.code) == (400, "MANIFEST_BLOB_UNKNOWN")
    with pytest.raises(RegistryError) as refused:
        client.push_manifest(_digest(b"other"), b"{\"schemaVersion\": 2}", OCI_MANIFEST)
    assert refused.value.code in ("DIGEST_INVALID", "MANIFEST_INVALID")


def test_describe_images_shows_a_pushed_image_as_ecr_does(cloud, password, repository, ecr):
    client = _client(cloud, password, repository, host_form=True)
    manifest, _, layer = _image(client, "latest", {"app.py": b"x = 1\n"}, media_type=DOCKER_MANIFEST)
    [detail] = ecr.describe_images(repositoryName=repository)["imageDetails"]
    assert detail["imageDigest"] == _digest(manifest)
    assert detail["imageSizeInBytes"] == len(layer)
    assert detail["imageManifestMediaType"] == DOCKER_MANIFEST
    assert detail["imageTags"] == ["latest"] and detail["imagePushedAt"].year >= 2025
    [got] = ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageTag": "latest"}])["images"]
    assert got["imageManifest"].encode() == manifest and got["imageId"]["imageDigest"] == _digest(manifest)
    assert ecr.list_images(repositoryName=repository)["imageIds"] == [
        {"imageDigest": _digest(manifest), "imageTag": "latest"}]
    # The same image pushed again under its tag changes nothing and succeeds, as on a registry.
    assert client.push_manifest("latest", manifest, DOCKER_MANIFEST) == _digest(manifest)
    # A new image under the same tag leaves the old one untagged (ECR), not deleted.
    newer, _, _ = _image(client, "latest", {"app.py": b"x = 2\n"}, media_type=DOCKER_MANIFEST)
    details = {d["imageDigest"]: d.get("imageTags", []) for d in ecr.describe_images(repositoryName=repository)["imageDetails"]}
    assert details == {_digest(manifest): [], _digest(newer): ["latest"]}


def test_an_image_pushed_with_put_image_is_pullable_and_deletes_are_seen_by_both_sides(cloud, password, repository, ecr):
    client = _client(cloud, password, repository)
    manifest, _, _ = _image(client, "v1", {"a": b"1"})
    ecr.put_image(repositoryName=repository, imageManifest=manifest.decode(), imageTag="v2")
    assert sorted(client.tags()) == ["v1", "v2"]
    ecr.batch_delete_image(repositoryName=repository, imageIds=[{"imageDigest": _digest(manifest)}])
    with pytest.raises(RegistryError) as gone:
        client.manifest("v1")
    assert (gone.value.status, gone.value.code) == (404, "MANIFEST_UNKNOWN")
    manifest, _, _ = _image(client, "v3", {"b": b"2"})
    basic = base64.b64encode(f"AWS:{password}".encode()).decode()
    status, _, _ = _raw(cloud, "DELETE", f"/v2/{repository}/manifests/{_digest(manifest)}", None,
                        {"Authorization": f"Basic {basic}"})
    assert status == 202 and ecr.describe_images(repositoryName=repository)["imageDetails"] == []
    _image(client, "v4", {"c": b"3"})
    ecr.delete_repository(repositoryName=repository, force=True)
    with pytest.raises(RegistryError) as gone:
        client.manifest("v4")
    assert gone.value.code == "NAME_UNKNOWN"


def test_an_index_is_stored_and_resolves_to_the_image_for_the_architecture(cloud, password, repository, ecr):
    client = _client(cloud, password, repository)
    amd, _, amd_layer = _image(client, None, {"arch": b"amd64"})
    arm, _, arm_layer = _image(client, None, {"arch": b"arm64" * 100}, architecture="arm64")
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": OCI_MANIFEST, "digest": _digest(amd), "size": len(amd),
         "platform": {"os": "linux", "architecture": "amd64"}},
        {"mediaType": OCI_MANIFEST, "digest": _digest(arm), "size": len(arm),
         "platform": {"os": "linux", "architecture": "arm64"}}]}).encode()
    client.push_manifest("multi", index, OCI_INDEX)
    details = {d["imageDigest"]: d for d in ecr.describe_images(repositoryName=repository)["imageDetails"]}
    assert details[_digest(index)]["imageSizeInBytes"] == max(len(amd_layer), len(arm_layer))
    uri = f"{cloud.settings.account_id}.dkr.ecr.{cloud.settings.region}.amazonaws.com/{repository}:multi"
    for architecture, expected in (("x86_64", amd), ("arm64", arm)):
        status, _, body = _raw(cloud, "GET", f"/_localcloud/ecr/resolve?uri={uri}&architecture={architecture}")
        resolved = json.loads(body)
        assert status == 200 and resolved["digest"] == _digest(expected)
        assert resolved["index_digest"] == _digest(index)


def test_resolve_reads_every_uri_form_to_the_pushed_layers(cloud, password, repository):
    client = _client(cloud, password, repository)
    manifest, config, layer = _image(client, "v1", {"app.py": b"print(1)\n"})
    account, region, port = cloud.settings.account_id, cloud.settings.region, cloud.settings.port
    forms = [f"{account}.dkr.ecr.{region}.amazonaws.com/{repository}:v1",
             f"{account}.dkr.ecr.{region}.amazonaws.com/{repository}@{_digest(manifest)}",
             f"{account}.dkr.ecr.{region}.localhost.localstack.cloud:{port}/{repository}:v1",
             f"127.0.0.1:{port}/{repository}:v1", f"localhost:{port}/{repository}@{_digest(manifest)}"]
    for uri in forms:
        status, _, body = _raw(cloud, "GET", "/_localcloud/ecr/resolve?" + urllib.parse.urlencode({"uri": uri}))
        resolved = json.loads(body)
        assert status == 200, (uri, resolved)
        assert resolved["digest"] == _digest(manifest) and resolved["config"] == json.loads(config)
        [path] = resolved["layers"]
        with open(path, "rb") as blob:
            assert blob.read() == layer
    status, _, body = _raw(cloud, "GET", "/_localcloud/ecr/resolve?" + urllib.parse.urlencode(
        {"uri": f"{account}.dkr.ecr.{region}.amazonaws.com/{repository}:missing"}))
    assert status == 404 and json.loads(body)["error"] == "ImageNotFound"


def test_api_gateway_v2_calls_under_v2_still_reach_api_gateway(cloud):
    api = cloud.client("apigatewayv2").create_api(Name="still-there", ProtocolType="HTTP")
    assert cloud.client("apigatewayv2").get_api(ApiId=api["ApiId"])["Name"] == "still-there"


def test_the_control_plane_around_images_answers_as_ecr(cloud, password):
    """GetAuthorizationToken's token lasts 12 hours; scan on push, tags and lifecycle policies are kept (a
    scan is never run: scan on push is accepted and does nothing here)."""
    import datetime

    ecr = cloud.client("ecr")
    [data] = ecr.get_authorization_token()["authorizationData"]
    left = data["expiresAt"] - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(hours=11) < left <= datetime.timedelta(hours=12)
    name = f"scan/{uuid.uuid4().hex[:6]}"
    created = ecr.create_repository(repositoryName=name, imageScanningConfiguration={"scanOnPush": True},
                                    tags=[{"Key": "team", "Value": "data"}])["repository"]
    assert created["repositoryUri"] == f"{cloud.settings.account_id}.dkr.ecr.{cloud.settings.region}.amazonaws.com/{name}"
    assert ecr.list_tags_for_resource(resourceArn=created["repositoryArn"])["tags"] == [{"Key": "team", "Value": "data"}]
    policy = {"rules": [{"rulePriority": 1, "description": "expire untagged", "action": {"type": "expire"},
                         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                                       "countUnit": "days", "countNumber": 1}}]}
    ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps(policy))
    assert json.loads(ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]) == policy
    manifest, _, _ = _image(_client(cloud, password, name), "v1", {"a": b"1"})
    [detail] = ecr.describe_images(repositoryName=name)["imageDetails"]
    assert detail["imageDigest"] == _digest(manifest)


def test_deleting_a_repository_frees_the_blobs_no_other_repository_needs(cloud, password, ecr):
    from localcloud.testing import wait_for

    blobs = cloud.settings.state_dir / "ecr" / "blobs" / "sha256"
    doomed, kept = f"gc/{uuid.uuid4().hex[:6]}", f"gc/{uuid.uuid4().hex[:6]}"
    for name in (doomed, kept):
        ecr.create_repository(repositoryName=name)
    shared = {"shared.py": b"used by both\n"}
    _, own_config, own_layer = _image(_client(cloud, password, doomed), "v1", {"only.py": os.urandom(64)})
    _, _, shared_layer = _image(_client(cloud, password, doomed), "v2", shared)
    _image(_client(cloud, password, kept), "v1", shared)
    path = lambda data: blobs / _digest(data)[7:9] / _digest(data)[7:]  # noqa: E731
    assert path(own_layer).is_file() and path(shared_layer).is_file()
    ecr.delete_repository(repositoryName=doomed, force=True)
    wait_for(lambda: not path(own_layer).exists() and not path(own_config).exists(), timeout=30)
    assert path(shared_layer).is_file()
    assert _client(cloud, password, kept).blob(_digest(shared_layer)) == shared_layer


def test_an_immutable_repository_refuses_to_move_a_tag_and_the_catalog_lists_repositories(cloud, password, ecr):
    name = f"pinned/{uuid.uuid4().hex[:6]}"
    ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")
    client = _client(cloud, password, name)
    first, _, _ = _image(client, "v1", {"a": b"1"})
    assert client.push_manifest("v1", first, OCI_MANIFEST) == _digest(first)  # the same image again: fine
    with pytest.raises(RegistryError) as refused:
        _image(client, "v1", {"a": b"2"})
    assert (refused.value.status, refused.value.code) == (400, "TAG_INVALID")
    assert client.manifest("v1")[0] == first
    basic = base64.b64encode(f"AWS:{password}".encode()).decode()
    status, _, body = _raw(cloud, "GET", "/v2/_catalog", headers={"Authorization": f"Basic {basic}"})
    assert status == 200 and name in json.loads(body)["repositories"]
