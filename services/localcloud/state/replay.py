"""Which requests the journal records, how one is recorded, and how it is replayed deterministically.

Replaying a request must rebuild the state it built, ids included: Terraform's state names an API
Gateway by the id moto drew at random, and later requests in the journal name it too. moto draws every
id from one MotoRandom (moto.moto_api._internal.mock_random); during a journaled request that draws from
a generator of the request's own, seeded with a number the journal keeps, so the replay draws the same.

Not journaled: reads (Get*, List*, Describe*, Query, Scan, ...), synchronous invocations (replaying one
would run the function again; its own writes are journaled as requests), SQS ReceiveMessage (visibility
is not state worth keeping: after a crash a message becomes visible again, as SQS allows), and
requests that failed (4xx/5xx: moto changed nothing).
"""

from __future__ import annotations

import io
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

READ_PREFIXES = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "Head", "Lookup", "Search", "Select",
                 "Filter", "Test", "Validate", "Simulate", "Estimate", "Check", "Preview", "Decrypt", "Encrypt",
                 "GenerateDataKey", "GenerateRandom", "GenerateMac", "Sign", "Verify", "ReEncrypt")
NOT_JOURNALED = {"ReceiveMessage", "StartSyncExecution", "AssumeRole", "AssumeRoleWithWebIdentity",
                 "GetSessionToken", "InvokeWithResponseStream"}
KEPT_ENVIRON = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "RAW_URI", "REQUEST_URI", "CONTENT_TYPE",
                "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR")

_local = threading.local()


def journaled(service: str, method: str, operation: str | None, environ: dict[str, Any]) -> bool:
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    if operation is None:
        return not (service == "s3" and "select" in environ.get("QUERY_STRING", ""))
    if operation == "Invoke":
        return environ.get("HTTP_X_AMZ_INVOCATION_TYPE") == "Event"  # accepted events; sync runs are not state
    if operation in NOT_JOURNALED:
        return False
    return not operation.startswith(READ_PREFIXES)


def record(service: str, environ: dict[str, Any], body: bytes, seed: int) -> dict[str, Any]:
    kept = {k: v for k, v in environ.items() if k in KEPT_ENVIRON or k.startswith("HTTP_")}
    return {"service": service, "environ": kept, "body": body, "seed": seed}


def environ_of(entry: dict[str, Any]) -> dict[str, Any]:
    environ = dict(entry["environ"])
    body = entry["body"]
    environ.update({"CONTENT_LENGTH": str(len(body)), "SCRIPT_NAME": "", "wsgi.version": (1, 0),
                    "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
                    "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
                    "localcloud.replay": True})
    return environ


def new_seed() -> int:
    return int.from_bytes(os.urandom(8), "big")


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """moto's ids drawn in this thread come from a generator seeded with `seed`."""
    from localcloud.moto_adapter import MotoRandom

    previous = getattr(_local, "random", None)
    _local.random = MotoRandom(seed)
    try:
        yield
    finally:
        _local.random = previous


def replaying() -> bool:
    """True while the journal is being replayed in this thread (deliveries may check it)."""
    return bool(getattr(_local, "replaying", False))


@contextmanager
def replay_mode() -> Iterator[None]:
    _local.replaying = True
    try:
        yield
    finally:
        _local.replaying = False


def thread_random() -> Any:
    """The MotoRandom of the journaled request this thread runs, or None (moto's shared one is used then).
    moto_patches/core.py routes moto's mock_random through it."""
    return getattr(_local, "random", None)


def install_deterministic_ids() -> None:
    """For callers that use moto without the server (the server applies every moto patch at start)."""
    from localcloud.moto_patches import apply, core

    apply(core.PATCHES)
