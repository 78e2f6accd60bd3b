"""Every moto attribute the S3 and SQS parity modules wrap still exists, and wrapping is done once: a moto
upgrade that renames one fails here, by name, instead of silently losing the behaviour."""

import importlib

import pytest

TARGETS = {
    "moto.s3.models.S3Backend": ["put_object", "create_multipart_upload", "put_bucket_website", "get_object",
                                 "put_object_tagging"],
    "moto.s3.responses.S3Response": ["_key_response", "_bucket_response", "_bucket_response_post", "put_object",
                                     "upload_part", "copy_object", "upload_part_copy", "serialized",
                                     "_key_response_put", "_complete_multipart_body", "parse_key_name"],
    "moto.s3.responses": ["metadata_from_headers", "compute_checksum"],
    "moto.core.serialize.S3Serializer": ["_serialize_error_metadata"],
    "moto.core.serialize.SqsQuerySerializer": ["_serialize_error_metadata"],
    "moto.core.errors.ErrorLookupFactory": ["_create_error_lut"],
    "moto.core.responses.BaseResponse": ["setup_class"],
    "moto.sqs.models.SQSBackend": ["create_queue", "set_queue_attributes", "send_message", "send_message_batch",
                                   "delete_message_batch", "change_message_visibility_batch", "receive_message",
                                   "purge_queue", "add_permission", "remove_permission"],
    "moto.sqs.models.Queue": ["add_message", "pending_messages"],
    "moto.sqs.responses.SQSResponse": ["send_message", "send_message_batch", "delete_message_batch",
                                       "change_message_visibility_batch", "create_queue", "list_queues"],
}


def _resolve(dotted: str):
    module_name, _, attribute = dotted.rpartition(".")
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError:
        return getattr(importlib.import_module(module_name), attribute)


@pytest.mark.parametrize("owner", sorted(TARGETS))
def test_the_moto_targets_we_wrap_exist(owner):
    target = _resolve(owner)
    missing = [name for name in TARGETS[owner] if not hasattr(target, name)]
    assert not missing, f"moto no longer has {owner}.{', '.join(missing)}: update localcloud/aws/s3 or aws/sqs"


def test_installing_twice_wraps_once():
    import moto.s3.responses as s3_responses
    import moto.sqs.models as sqs_models
    from localcloud.aws import (
        s3,
        sqs,
    )

    before = (s3_responses.S3Response._key_response, sqs_models.SQSBackend.send_message)
    for module in (s3.checksums, s3.sse_c, s3.parts, s3.object_defaults, s3.presign, s3.validation, s3.multipart,
                   s3.website, s3.lifecycle, s3.versioning, s3.intelligent_tiering, sqs.validation, sqs.fifo, sqs.errors, sqs.query_protocol,
                   sqs.responses, sqs.permissions):
        module.install()
    assert (s3_responses.S3Response._key_response, sqs_models.SQSBackend.send_message) == before
