"""The registry's parts without a server: image URI forms, manifest checks, the blob store's all-or-nothing
writes (a blob appears under its digest whole, or not at all)."""

from __future__ import annotations

import hashlib
import json

import pytest
from localcloud.aws.ecr import manifests
from localcloud.aws.ecr.blobstore import BlobStore, DigestMismatch, RangeInvalid, UploadUnknown
from localcloud.aws.ecr.control import Registry
from localcloud.aws.ecr.images import NotAnEcrImage, parse

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(("uri", "registry", "repository", "tag", "digest"), [
    ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/records:v1", Registry("123456789012", "eu-west-1"),
     "records", "v1", None),
    (f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/records@{DIGEST}", Registry("123456789012", "eu-west-1"),
     "team/records", None, DIGEST),
    (f"123456789012.dkr.ecr.us-east-1.amazonaws.com/records:v1@{DIGEST}", Registry("123456789012", "us-east-1"),
     "records", "v1", DIGEST),
    ("123456789012.dkr.ecr.us-east-1.localhost.localstack.cloud:4566/records", Registry("123456789012", "us-east-1"),
     "records", "latest", None),
    ("127.0.0.1:4566/records:v2", None, "records", "v2", None),
    ("localhost:4566/a.b-c/d_e:x", None, "a.b-c/d_e", "x", None),
])
def test_every_image_uri_form_terraform_and_clients_use(uri, registry, repository, tag, digest):
    reference = parse(uri)
    assert (reference.registry, reference.repository, reference.tag, reference.digest) == \
        (registry, repository, tag, digest)
    assert reference.reference == (digest or tag)


@pytest.mark.parametrize("uri", ["docker.io/library/python:3.12", "records:latest",
                                 "123456789012.dkr.ecr.us-east-1.amazonaws.com/Records:v1"])
def test_uris_of_other_registries_or_malformed_ones_are_refused(uri):
    with pytest.raises(NotAnEcrImage):
        parse(uri)


def test_a_manifest_is_checked_for_media_type_and_the_blobs_it_names():
    config = {"mediaType": manifests.OCI_CONFIG, "digest": DIGEST, "size": 2}
    body = json.dumps({"schemaVersion": 2, "mediaType": manifests.OCI_MANIFEST, "config": config,
                       "layers": [{"mediaType": manifests.OCI_LAYER_GZIP, "digest": "sha256:" + "cd" * 32,
                                   "size": 5}]}).encode()
    parsed = manifests.parse(body, None)
    assert parsed.blobs == [DIGEST, "sha256:" + "cd" * 32] and manifests.image_size(parsed.document) == 5
    with pytest.raises(manifests.ManifestInvalid, match="not supported"):
        manifests.parse(json.dumps({"schemaVersion": 2, "mediaType": "text/plain"}).encode(), None)
    with pytest.raises(manifests.ManifestInvalid, match="does not match"):
        manifests.parse(body, manifests.DOCKER_MANIFEST)
    with pytest.raises(manifests.ManifestInvalid, match="JSON"):
        manifests.parse(b"{not json", manifests.OCI_MANIFEST)


def test_a_blob_appears_whole_under_its_digest_or_not_at_all(tmp_path):
    store = BlobStore(tmp_path)
    upload = store.start("repo")
    store.append(upload.id, b"abc", start=0)
    with pytest.raises(RangeInvalid):
        store.append(upload.id, b"xyz", start=10)
    store.append(upload.id, b"def", start=3)
    digest = "sha256:" + hashlib.sha256(b"abcdef").hexdigest()
    assert not store.has(digest)  # nothing under the digest until the upload is finished
    assert store.finish(upload.id, digest) == digest and store.read(digest) == b"abcdef"
    with pytest.raises(UploadUnknown):
        store.upload(upload.id)

    wrong = store.start("repo")
    store.append(wrong.id, b"payload")
    with pytest.raises(DigestMismatch):
        store.finish(wrong.id, DIGEST)
    assert not store.has(DIGEST) and list(store.uploads.iterdir()) == []  # the bad upload is discarded


def test_garbage_collection_keeps_what_is_referenced(tmp_path):
    store = BlobStore(tmp_path)
    kept, dropped = store.put(b"kept"), store.put(b"dropped")
    assert store.collect_garbage({kept}) == (1, 0)
    assert store.has(kept) and not store.has(dropped)
