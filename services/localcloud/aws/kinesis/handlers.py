"""Kinesis where moto 5.2.5 drops what the Terraform provider sends, or fails on what AWS accepts.

CreateStream's `Tags` (in the API since 2023; the provider sends default_tags there) are ignored by moto,
so every plan after an apply wants to add the tags again. We create through moto, then tag the stream.
Reference: botocore's kinesis service-2.json, CreateStreamInput.Tags ("A set of up to 50 key-value pairs
to use to create the tags").
"""

from __future__ import annotations

import json

from localcloud.aws.registry import handles
from localcloud.moto_adapter import kinesis_backends
from localcloud.server.requests import AwsRequest

# "If you specify ON_DEMAND, you don't have to specify ShardCount": an on-demand stream starts with 4 shards
# (https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html, on-demand mode). moto divided
# by the missing count (TypeError: int // None), answered as an internal failure.
ON_DEMAND_INITIAL_SHARDS = 4


@handles("kinesis", "CreateStream")
def create_stream(request: AwsRequest):
    spec = request.json()
    tags = spec.get("Tags") or {}
    mode = (spec.get("StreamModeDetails") or {}).get("StreamMode")
    if spec.get("ShardCount") is None and mode in (None, "ON_DEMAND"):
        # Without ShardCount or a mode AWS creates an on-demand stream (CreateStream: ShardCount is
        # "Required: No"; only a PROVISIONED stream needs it).
        spec["ShardCount"] = ON_DEMAND_INITIAL_SHARDS
        spec["StreamModeDetails"] = {"StreamMode": "ON_DEMAND"}
        answer = request.to_moto(json.dumps(spec).encode())
    else:
        answer = request.to_moto()
    if answer.status == 200 and tags:
        backend = kinesis_backends[request.account_id][request.region]
        backend.add_tags_to_stream(None, request.json()["StreamName"], tags)
    return answer.status, answer.headers, answer.body
