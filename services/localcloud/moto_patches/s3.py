"""moto.s3: notifications leave the request (a worker delivers them), and bodies live in blob files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from localcloud.moto_patches.registry import Patches
from localcloud.state import blobs

PATCHES = Patches("s3")


@PATCHES.replace("moto.s3.notifications:send_event", signature="(account_id, event_name, bucket, key)")
def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
    """moto delivers S3 notifications inside the write; AWS delivers them asynchronously, so a producer
    never waits on a consumer nor sees its error (events/s3_notifications.py queues them for a worker)."""
    from localcloud.events import s3_notifications

    s3_notifications.send_event(account_id, event_name, bucket, key)


@PATCHES.replace("moto.s3.notifications:send_test_event", signature="(account_id, bucket)")
def send_test_event(account_id: str, bucket: Any) -> None:
    """The s3:TestEvent of a new notification configuration goes through the same worker."""
    from localcloud.events import s3_notifications

    s3_notifications.send_test_event(account_id, bucket)


@PATCHES.wrap("moto.s3.models:FakeBucket.set_notification_configuration", signature="(self, notification_config)")
def set_notification_configuration(original: Callable[..., None], self: Any,
                                   notification_config: dict[str, Any] | None) -> None:
    """AWS refuses a configuration whose destinations' policies do not let S3 send to them; moto accepts it."""
    from moto.s3.exceptions import S3ClientError

    from localcloud.events import s3_notifications

    problems = s3_notifications.unauthorized_destinations(self, notification_config or {})
    if problems:
        error = S3ClientError("InvalidArgument", "Unable to validate the following destination configurations")
        # AWS names each destination and its problem: ArgumentName1/ArgumentValue1, ...
        error.argument_pairs = list(problems.items())  # type: ignore[attr-defined]
        raise error
    original(self, notification_config)


@PATCHES.wrap("moto.s3.models:S3Backend._set_delete_marker", signature="(self, bucket_name, key_name)")
def _set_delete_marker(original: Callable[..., Any], self: Any, bucket_name: str, key_name: str) -> Any:
    """A versioned DELETE without a version id adds a delete marker; AWS announces that as
    s3:ObjectRemoved:DeleteMarkerCreated, moto announces nothing."""
    from localcloud.events import s3_notifications

    marker = original(self, bucket_name, key_name)
    s3_notifications.send_event(self.account_id, "s3:ObjectRemoved:DeleteMarkerCreated",
                                self.get_bucket(bucket_name), marker)
    return marker


PATCHES.value("moto.s3.models:tempfile", blobs.TempfileShim(), was="module", why="""
    S3 bodies are files under <state>/blobs, not SpooledTemporaryFiles pickled into every snapshot
    (state/blobs.py); FakeKey.__init__ and __setstate__ are the only users of moto.s3.models.tempfile.""")
PATCHES.wrap("moto.s3.models:FakeKey.__getstate__", signature="(self)",
             why="a blob-backed key pickles its blob's reference, not its bytes (state/blobs.py)")(blobs.key_getstate)
PATCHES.wrap("moto.s3.models:FakeKey.__setstate__", signature="(self, state)",
             why="a blob-backed key is restored from its blob's reference (state/blobs.py)")(blobs.key_setstate)


# -- issue 17: S3 as AWS answers it. The behaviour lives in localcloud/aws/s3/, one module per behaviour, each
# a factory `(moto's original) -> what to install`; here it is registered. Where several wrap one target they
# are chained in the order listed (the first innermost).
def _s3(name: str) -> Any:
    import importlib

    return importlib.import_module(f"localcloud.aws.s3.{name}")


def _chain(*steps: tuple[str, str]) -> Callable[[Any], Any]:
    def build(original: Any) -> Any:
        for module, factory in steps:
            original = getattr(_s3(module), factory)(original)
        return original

    return build


def _register(location: str, signature: str, why: str, *steps: tuple[str, str]) -> None:
    PATCHES.build(location, signature=signature, why=why)(_chain(*steps))


for _location in ("moto.s3.utils:compute_checksum", "moto.s3.models:compute_checksum",
                  "moto.s3.responses:compute_checksum"):
    PATCHES.build(_location, signature="(body, algorithm, encode_base64=True)",
                  why="CRC32C and CRC64NVME exactly (awscrt); moto fell back to CRC32 (aws/s3/checksums.py)")(
        lambda original: _s3("checksums").compute_checksum)
_register("moto.s3.responses:metadata_from_headers", "(headers)",
          "a SigV2 presigned PUT's Expires is not object metadata (aws/s3/presign.py)",
          ("presign", "_metadata_without_auth"))
_register("moto.s3.responses:S3Response.put_object", "(self)",
          "sent checksums verified; the stored checksum and its type answered (checksums.py, object_defaults.py)",
          ("checksums", "_verified"), ("object_defaults", "_put_object_response"))
_register("moto.s3.responses:S3Response.upload_part", "(self)", "sent part checksums verified (checksums.py)",
          ("checksums", "_verified"))
_register("moto.s3.responses:S3Response._key_response", "(self, request, full_url)",
          "SSE-C, part reads, SSE-S3/checksum/version headers, presign expiry, bucket owner, lifecycle expiration",
          ("sse_c", "_key_response"), ("parts", "_key_response"), ("object_defaults", "_key_response"),
          ("presign", "_checked"), ("validation", "_owner_checked"), ("lifecycle", "_key_response"))
_register("moto.s3.responses:S3Response._bucket_response", "(self, request, full_url)",
          "presign expiry, bucket owner condition, Intelligent-Tiering configurations",
          ("presign", "_checked"), ("validation", "_owner_checked"), ("intelligent_tiering", "_bucket_response"))
_register("moto.s3.responses:S3Response._bucket_response_post", "(self, request, bucket_name)",
          "POST policy expiry and the tagging field of browser uploads (presign.py)", ("presign", "_checked_post"))
_register("moto.s3.responses:S3Response.serialized", "(self, action_result)",
          "checksum types, listing fields, no owner DisplayName (object_defaults.py)",
          ("object_defaults", "_serialized"))
_register("moto.s3.responses:S3Response.copy_object", "(self)", "malformed x-amz-copy-source (validation.py)",
          ("validation", "_copy_source_checked"))
_register("moto.s3.responses:S3Response.upload_part_copy", "(self)", "malformed x-amz-copy-source (validation.py)",
          ("validation", "_copy_source_checked"))
_register("moto.s3.responses:S3Response._key_response_put", "(self, query, key_name)",
          "Object Lock mode and retain-until date come together (validation.py)", ("validation", "_lock_checked"))
_register("moto.s3.responses:S3Response._complete_multipart_body", "(self, body)",
          "CompleteMultipartUpload checks part ETags and checksums (multipart.py)", ("multipart", "_complete_body"))
_register("moto.core.serialize:S3Serializer._serialize_error_metadata", "(self, serialized, error, shape)",
          "S3 XML errors carry their extra fields (multipart.py)", ("multipart", "_error_metadata"))
_register("moto.s3.models:S3Backend.put_object",
          "(self, bucket_name, key_name, value, storage=None, etag=None, multipart=None, encryption=None, "
          "kms_key_id=None, bucket_key_enabled=None, lock_mode=None, lock_legal_status=None, lock_until=None, "
          "checksum_value=None, request_method='PUT', disable_notification=False)",
          "SSE-S3 and a default checksum on every object; versions kept while versioning is suspended",
          ("object_defaults", "_put_object"), ("versioning", "_put_object"))
_register("moto.s3.models:S3Backend.create_multipart_upload",
          "(self, bucket_name, key_name, metadata, storage_type, tags, acl, sse_encryption, kms_key_id)",
          "multipart checksum type and SSE defaults (object_defaults.py)", ("object_defaults", "_create_multipart_upload"))
_register("moto.s3.models:S3Backend.put_bucket_website", "(self, bucket_name, website_configuration)",
          "website configurations validated (website.py)", ("website", "_checked"))


# -- ListObjectsV2 costs what it returns (aws/s3/listing.py): each key store keeps its names sorted.
def _listing() -> Any:
    from localcloud.aws.s3 import listing

    return listing


PATCHES.build("moto.s3.utils:_VersionedKeyStore.__setitem__", signature="(self, key, value)",
              why="a new key name goes into the store's sorted names (aws/s3/listing.py)")(
    lambda original: _listing().noting_new_name(original))
PATCHES.build("moto.s3.utils:_VersionedKeyStore.setlist", signature="(self, key, list_)",
              why="a new key name goes into the store's sorted names (aws/s3/listing.py)")(
    lambda original: _listing().noting_new_name(original))
PATCHES.build("moto.s3.utils:_VersionedKeyStore.pop", signature="(self, key)",
              why="a removed key name leaves the store's sorted names (aws/s3/listing.py)")(
    lambda original: _listing().forgetting_name(original))
PATCHES.build("moto.s3.models:S3Backend.list_objects_v2",
              signature="(self, bucket, prefix, delimiter, continuation_token, start_after, max_keys)",
              why="a page of a listing walks the sorted names from where it starts, not the whole bucket "
                  "(moto copied, walked and sorted every key per page; aws/s3/listing.py)")(
    lambda original: _listing().list_objects_v2(original))
