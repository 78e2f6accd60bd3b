"""moto's request plumbing (moto.core, moto.moto_server) and its shared random source (moto.moto_api)."""

from __future__ import annotations

from collections.abc import Callable
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
