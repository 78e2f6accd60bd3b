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
