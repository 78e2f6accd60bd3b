"""moto.awslambda: event source mappings are ours to poll; moto's inline deliveries become wake-up calls.

moto delivers inside the producer's call: Kinesis PutRecord and DynamoDB writes invoke mapped functions
inline, SQS SendMessage receives and deletes a batch for its mapping. On AWS a producer never waits on a
consumer nor sees its error, so each becomes a notify and our pollers do the work (events/esm*.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("awslambda")


@PATCHES.replace("moto.awslambda.models:LambdaBackend.send_kinesis_message",
                 signature="(self, function_name, kinesis_stream, kinesis_partition_key, kinesis_sequence_number, "
                           "kinesis_data, kinesis_shard_id)")
def send_kinesis_message(self: Any, function_name: str, kinesis_stream: str, *args: Any, **kwargs: Any) -> None:
    """moto invokes the mapped function inside PutRecord(s); we wake the stream's poller instead."""
    from localcloud.events import wakeup

    wakeup.notify(kinesis_stream)  # moto calls this once per mapping on each PutRecord(s)


@PATCHES.replace("moto.awslambda.models:LambdaBackend.send_dynamodb_items",
                 signature="(self, function_arn, items, source)")
def send_dynamodb_items(self: Any, function_arn: str, items: Any, source: str) -> None:
    """moto invokes the mapped function inside the table write; we wake the stream's poller instead.
    Returning None keeps moto from clearing the stream shard's records."""
    from localcloud.events import wakeup

    wakeup.notify(source)


@PATCHES.replace("moto.awslambda.models:LambdaBackend.send_sqs_batch",
                 signature="(self, function_arn, messages, queue_arn)")
def send_sqs_batch(self: Any, function_arn: str, messages: Any, queue_arn: str) -> bool:
    """Unreachable (mappings are detached from their queues on creation); a guard against moto receiving
    and deleting a batch inside SendMessage."""
    return False


@PATCHES.wrap("moto.awslambda.models:LambdaBackend.create_event_source_mapping", signature="(self, spec)")
def create_event_source_mapping(original: Callable[..., Any], self: Any, spec: dict[str, Any]) -> Any:
    """Detach a new SQS mapping from moto's queue, remember LATEST stream positions, start its poller now."""
    from localcloud.events import esm
    from localcloud.events.esm_streams import latest_positions

    mapping = original(self, spec)
    esm.detach_from_queue(mapping)
    if ":sqs:" not in mapping.event_source_arn and mapping.starting_position == "LATEST":
        mapping.localcloud_latest = latest_positions(mapping)  # pickled with the mapping
    esm.mapping_changed.set()
    return mapping


@PATCHES.wrap("moto.awslambda.models:LambdaBackend.update_event_source_mapping", signature="(self, uuid, spec)")
def update_event_source_mapping(original: Callable[..., Any], self: Any, uuid: str, spec: dict[str, Any]) -> Any:
    """A changed mapping (enabled, batch size) reaches its poller at once."""
    from localcloud.events import esm, wakeup

    mapping = original(self, uuid, spec)
    esm.mapping_changed.set()
    if mapping is not None:
        wakeup.notify(mapping.event_source_arn)
    return mapping


@PATCHES.wrap("moto.awslambda.models:LambdaFunction._set_function_code", signature="(self, updated_spec)")
def set_function_code(original: Callable[..., Any], self: Any, updated_spec: dict[str, Any]) -> None:
    """Code.ImageUri resolves in the local ECR, as AWS resolves it at CreateFunction/UpdateFunctionCode: a
    missing image is refused (InvalidParameterValueException), CodeSha256 is the manifest digest's hex and the
    digest is kept on the function, which runs that image until its code is updated (aws/lambda_/images.py).
    moto would hash the URI text, or look in its ECR with a tag parser that breaks on a host with a port."""
    from_update = updated_spec is not self.code
    if "ImageUri" not in updated_spec or (from_update and updated_spec.get("DryRun")):
        return original(self, updated_spec)
    from moto.awslambda.exceptions import LambdaClientError

    from localcloud.aws.lambda_.images import ImageRefused, resolve_digest
    from localcloud.runtime.functions import IMAGE_DIGEST_ATTR

    try:
        digest = resolve_digest(updated_spec["ImageUri"], (self.architectures or ["x86_64"])[0])
    except ImageRefused as refused:
        raise LambdaClientError("InvalidParameterValueException", str(refused)) from None
    self.code_sha_256 = digest.removeprefix("sha256:")
    self.code_size = 0  # AWS reports CodeSize 0 for an image function
    setattr(self, IMAGE_DIGEST_ATTR, digest)
    if from_update:
        self.code["ImageUri"] = updated_spec["ImageUri"]
    return None
