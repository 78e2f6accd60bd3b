"""moto's request plumbing (moto.core, moto.moto_server) and its shared random source (moto.moto_api)."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("core")

PATCHES.value("moto.moto_server.werkzeug_app:DISABLE_GLOBAL_CORS", True, was="bool", why="""
    moto's server wraps every service in flask_cors's CORS(app), which answers any Origin's preflight with
    that origin allowed: a web page could drive the AWS API. Off; the guard (server/guard.py) answers the
    developer's own pages, and S3 answers by each bucket's CORS rules (moto's S3 does that itself).""")


@PATCHES.build("moto.core.responses:method_names_from_class", signature="(clazz)")
def cached_method_names(original: Callable[[Any], list[str]]) -> Callable[[Any], list[str]]:
    """moto lists a response class's methods with inspect.getmembers on every request (~0.15 ms); the
    answer depends only on the class, so it is remembered."""
    return lru_cache(maxsize=None)(original)


# Journal replay draws the same ids as the original request (state/replay.py): moto's shared MotoRandom
# goes through the thread's own seeded generator when one is set. MotoRandom's helpers (uuid4,
# get_random_hex, choice, ...) all come down to getrandbits and random; instance attributes win over the
# class's methods, so only those two are rerouted.
@PATCHES.wrap("moto.moto_api._internal:mock_random.getrandbits", signature="(k, /)")
def getrandbits(original: Callable[[int], int], k: int) -> int:
    """Replayed requests draw moto's ids from the journaled seed (state/replay.py)."""
    from localcloud.state import replay

    own = replay.thread_random()
    return own.getrandbits(k) if own is not None else original(k)


@PATCHES.wrap("moto.moto_api._internal:mock_random.random", signature="()")
def random(original: Callable[[], float]) -> float:
    """Replayed requests draw moto's ids from the journaled seed (state/replay.py)."""
    from localcloud.state import replay

    own = replay.thread_random()
    return own.random() if own is not None else original()


@PATCHES.wrap("moto.core.serialize:BaseXMLSerializer._serialize_error_metadata",
              signature="(self, serialized, error, shape)")
def xml_error_without_the_json_message_member(original: Callable[..., None], self: Any, serialized: Any,
                                              error: Exception, shape: Any) -> None:
    """AWS's XML errors (query and REST-XML protocols) hold Type, Code and Message: "<Error><Type>Sender</Type>
    <Code>NotFound</Code><Message>Topic does not exist</Message></Error>". moto also serialises the error
    shape's members, and models that came from JSON (SNS's NotFoundException, IAM's, ...) name the message
    `message`, so every error had a second, lower-case message element (SDKs show it as Error.message)."""
    original(self, serialized, error, shape)
    if "Message" in serialized:
        serialized.pop("message", None)


@PATCHES.wrap("moto.core.exceptions:AWSError.__init__", signature="(self, message, exception_type=None, status=None)")
def aws_error_named_by_its_declared_code(original: Callable[..., None], self: Any, message: str,
                                         exception_type: str | None = None, status: int | None = None) -> None:
    """moto's Step Functions interpreter declares its errors LocalStack's way (`code = "MissingRequiredParameter"`,
    `status_code = 400` on the class) on top of AWSError, which reads TYPE: every one of them (33 classes)
    went out as {"__type": null} with X-Amzn-ErrorType UnknownError, so SDKs saw an error without a code."""
    if exception_type is None and self.TYPE is None:
        declared = getattr(type(self), "code", None)
        if isinstance(declared, str):
            exception_type = declared
            status = status or getattr(type(self), "status_code", None)
    original(self, message, exception_type, status)

# base64's two non-alphanumeric characters become letters: moto's alphabet (get_random_string: [A-Za-z0-9]).
_ALPHANUMERIC = bytes.maketrans(b"+/", b"Xz")


@PATCHES.replace("moto.core.responses:gen_amzn_requestid_long", signature="(headerdict=None)")
def gen_amzn_requestid_long(headerdict: dict[str, Any] | None = None) -> str:
    """moto draws every response's 52-character request id one `random.choice` at a time through its shared
    MotoRandom (~12 % of moto's time for a DynamoDB PutItem, docs/performance.md: 120 µs here); 39 bytes of
    os.urandom in base64 are 52 characters of the same alphabet in 8 µs. A request id is no state: it is not
    drawn from MotoRandom, and it was drawn after the model's ids, so journal replay (which seeds MotoRandom
    per request, state/replay.py) draws the same ids as before."""
    request_id = base64.b64encode(os.urandom(39)).translate(_ALPHANUMERIC).decode("ascii")
    if isinstance(headerdict, dict):
        headerdict["x-amzn-requestid"] = request_id
    return request_id


# An ISO 8601 timestamp as moto stores them ("2026-12-01T14:06:55.000Z"): the strings datetime parses itself.
_PLAIN_ISO8601 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3}|\.\d{6})?(?:Z|[+-]\d{2}:\d{2})?")


@PATCHES.build("moto.core.serialize:parse_to_aware_datetime", signature="(value)")
def parse_to_aware_datetime(original: Callable[[Any], datetime]) -> Callable[[Any], datetime]:
    """moto's serialiser turns every stored timestamp string back into a datetime with botocore's
    parse_to_aware_datetime, i.e. dateutil's general parser: ~0.3 ms per timestamp here, 60 % of the server's
    time for a 100-key ListObjectsV2 page (bench/bench_scaling.py, docs/performance.md). The plain ISO 8601
    strings moto writes are parsed by datetime.fromisoformat instead, into the same value (UTC, dateutil's
    tzutc, as botocore returns it); anything else goes to botocore's parser."""
    from dateutil.tz import tzutc

    utc = tzutc()

    def parse(value: Any) -> datetime:
        if isinstance(value, str) and _PLAIN_ISO8601.fullmatch(value):
            parsed = datetime.fromisoformat(value)
            return parsed.replace(tzinfo=utc) if parsed.tzinfo is None else parsed.astimezone(utc)
        return original(value)

    return parse


def _remembered_case(original: Callable[[str], str]) -> Callable[[str], str]:
    return lru_cache(maxsize=4096)(original)


# moto turns attribute and action names into Python names character by character on every request (331 times
# per SQS ReceiveMessage, ~0.1 ms each here: the largest single cost of a receive in cProfile); the answer
# depends only on the name, and the names are the API's few hundred.
for _module in ("moto.core.utils", "moto.core.responses", "moto.sqs.models"):  # the source, and two that import it by name
    PATCHES.build(f"{_module}:camelcase_to_underscores", signature="(argument)",
                  why="the conversion of a name is remembered: it depends only on the name, and moto repeats it "
                      "for every attribute of every request")(_remembered_case)
