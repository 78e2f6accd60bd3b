"""Writes to a bucket whose versioning is suspended keep the object's other versions ("Working with objects in
a versioning-suspended bucket", S3 User Guide: "Amazon S3 adds objects with version ID null ... If there's
already a null version, it's overwritten"; existing versions "remain in the bucket"). moto 5.2.5 replaced
the key's whole version list, so every earlier version was lost.
"""

from __future__ import annotations

import functools
from typing import Any


_MARK = "__localcloud_versioning__"


def _put_object(original: Any) -> Any:
    @functools.wraps(original)
    def put_object(self: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        bucket = self.get_bucket(bucket_name)
        versions = bucket.keys.getlist(key_name, []) if bucket.versioning_status == "Suspended" else []
        kept = [k for k in versions if str(k.version_id) != "null"]
        if not kept:
            return original(self, bucket_name, key_name, *args, **kwargs)
        # moto's key store disposes (closes the body of) every version its setlist drops: let moto see, and
        # replace, only the null version; the others are set aside and put back in front of the new one.
        dict.__setitem__(bucket.keys, key_name, [k for k in versions if k not in kept])
        try:
            key = original(self, bucket_name, key_name, *args, **kwargs)
        finally:
            dict.__setitem__(bucket.keys, key_name, [*kept, *dict.get(bucket.keys, key_name, [])])
        return key

    setattr(put_object, _MARK, original)
    return put_object
