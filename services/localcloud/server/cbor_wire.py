"""The CBOR wire formats, spoken as AWS speaks them: AWS JSON-in-CBOR and Smithy RPC v2 CBOR.

The AWS SDK for Java (v1 and v2), the Kinesis Client Library and the Kinesis Producer Library send Kinesis
requests in CBOR by default ("AWS_CBOR_DISABLE" turns it off), and expect CBOR back: a map with the same
member names as the JSON protocol, blobs as CBOR byte strings (not base64 text) and timestamps as tag 1
(epoch seconds). moto speaks JSON only, so it answered such a request with a JSON body the SDK cannot read.

Here a CBOR request is turned into its JSON twin before anything else sees it (the authorizer, the model
validation, the journal, our handlers, moto), and the answer, success or error, is turned back, guided by
the operation's output shape in botocore's model (which members are blobs and timestamps).

Smithy RPC v2 CBOR (botocore protocol "smithy-rpc-v2-cbor": CloudWatch lists it first, and AWS moves more
services to it) names the operation in the path, POST /service/<service shape>/operation/<operation>, with
Content-Type application/cbor and the header smithy-protocol: rpc-v2-cbor, which the answer carries too
(Smithy's "RPC v2 CBOR protocol" specification). The service shape is the JSON protocol's target prefix
(CloudWatch: GraniteServiceVersion20100801), so the request becomes X-Amz-Target <prefix>.<operation>.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import re
from functools import cache
from typing import Any

import botocore.session
import cbor2

CBOR = "application/x-amz-cbor-1.1"
RPC_V2_CBOR = "application/cbor"
JSON = "application/x-amz-json-1.1"
_FLAG = "localcloud.cbor"
# The services whose SDKs send CBOR (botocore name, by the X-Amz-Target prefix / Smithy service shape).
TARGET_PREFIXES = {"Kinesis_20131202": "kinesis", "GraniteServiceVersion20100801": "cloudwatch"}
_RPC_V2_PATH = re.compile(r"^/service/([^/]+)/operation/([^/]+)$")

Response = tuple[int, list[tuple[str, str]], bytes]


def _content_type(environ: dict[str, Any]) -> str:
    return (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()


def _is_rpc_v2(environ: dict[str, Any]) -> bool:
    return (environ.get("HTTP_SMITHY_PROTOCOL", "").lower() == "rpc-v2-cbor"
            and _RPC_V2_PATH.match(environ.get("PATH_INFO", "")) is not None)


def is_cbor(environ: dict[str, Any]) -> bool:
    return _content_type(environ) == CBOR or _is_rpc_v2(environ)


def _plain(value: Any) -> Any:
    """A decoded CBOR value as the JSON protocol writes it."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, cbor2.CBORTag):
        return _plain(value.value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def decode_request(environ: dict[str, Any], body: bytes) -> bytes:
    """Rewrite a CBOR request into the JSON protocol in place; returns the JSON body."""
    try:
        document = cbor2.loads(body) if body else {}
    except Exception:  # noqa: BLE001  (not CBOR after all: the service answers SerializationException)
        return body
    text = json.dumps(_plain(document)).encode()
    environ[_FLAG] = CBOR
    if _is_rpc_v2(environ):
        service_shape, operation = _RPC_V2_PATH.match(environ["PATH_INFO"]).groups()
        environ[_FLAG] = RPC_V2_CBOR
        environ["HTTP_X_AMZ_TARGET"] = f"{service_shape}.{operation}"
        environ["PATH_INFO"] = "/"
        environ["CONTENT_TYPE"] = "application/x-amz-json-1.0"
    else:
        environ["CONTENT_TYPE"] = JSON
    environ["CONTENT_LENGTH"] = str(len(text))
    environ["wsgi.input"] = io.BytesIO(text)
    return text


@cache
def _output_shape(target: str) -> Any:
    prefix, _, operation = target.partition(".")
    service = TARGET_PREFIXES.get(prefix)
    if service is None:
        return None
    try:
        return botocore.session.get_session().get_service_model(service).operation_model(operation).output_shape
    except Exception:  # noqa: BLE001  (an operation botocore does not know: members go as they are)
        return None


def _typed(value: Any, shape: Any, millis: bool) -> Any:
    """A JSON-protocol value as CBOR carries it: blobs as bytes, timestamps as tag 1. AWS's JSON-in-CBOR
    (Kinesis) writes the tag over integer epoch milliseconds, as the SDK for Java reads it; Smithy RPC v2
    CBOR over epoch seconds (its specification)."""
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value)
        except ValueError:
            return value
    if kind == "timestamp" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return cbor2.CBORTag(1, int(round(value * 1000)) if millis else value)
    if kind == "structure" and isinstance(value, dict):
        return {k: _typed(v, shape.members.get(k), millis) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_typed(v, shape.member, millis) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _typed(v, shape.value, millis) for k, v in value.items()}
    return value


def encode_response(environ: dict[str, Any], response: Response) -> Response:
    """The answer to a request that came in CBOR, in CBOR (errors too: {"__type", "message"})."""
    if not environ.get(_FLAG):
        return response
    status, headers, body = response
    try:
        document = json.loads(body) if body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        return response  # not JSON (an event stream, an HTML page): nothing to translate
    if status < 300 and isinstance(document, dict):
        document = _typed(document, _output_shape(environ.get("HTTP_X_AMZ_TARGET", "")), environ[_FLAG] == CBOR)
    encoded = cbor2.dumps(document)
    kind = environ[_FLAG]
    kept = [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length", "smithy-protocol")]
    if kind == RPC_V2_CBOR:
        kept.append(("smithy-protocol", "rpc-v2-cbor"))
    return status, kept + [("Content-Type", kind), ("Content-Length", str(len(encoded)))], encoded
