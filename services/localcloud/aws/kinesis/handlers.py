"""Kinesis where moto 5.2.5 drops what the Terraform provider sends.

CreateStream's `Tags` (in the API since 2023; the provider sends default_tags there) are ignored by moto,
so every plan after an apply wants to add the tags again. We create through moto, then tag the stream.
Reference: botocore's kinesis service-2.json, CreateStreamInput.Tags ("A set of up to 50 key-value pairs
to use to create the tags").
"""

from __future__ import annotations

from moto.kinesis.models import kinesis_backends

from localcloud.aws.registry import handles
from localcloud.server.requests import AwsRequest


@handles("kinesis", "CreateStream")
def create_stream(request: AwsRequest):
    tags = request.json().get("Tags") or {}
    answer = request.to_moto()
    if answer.status == 200 and tags:
        backend = kinesis_backends[request.account_id][request.region]
        backend.add_tags_to_stream(None, request.json()["StreamName"], tags)
    return answer.status, answer.headers, answer.body
