"""ListObjectsV2 that costs what it returns, not what the bucket holds.

moto lists a bucket by walking every key of it (`bucket.keys.items()`, which first copies the whole store),
sorting the matches, then cutting the page: a 100-key page of a 100k-object bucket cost the whole bucket
(and every page of a paged listing cost it again). Here each key store keeps its key names sorted (kept up
to date by the store's own writes: `__setitem__`, `setlist`, `pop`, moto_patches/s3.py), and a listing walks
from where the page starts (the prefix, the continuation token or StartAfter), stepping over each common
prefix in one bisect, until it has one entry more than MaxKeys. The answer is moto's, entry for entry: keys
and common prefixes in one name order, delete markers left out of the keys (not out of the prefixes), the
page cut and the continuation token made by moto's own `_truncate_result`.
"""

from __future__ import annotations

import bisect
from typing import Any

_NAMES = "_localcloud_sorted_names"


def sorted_names(store: Any) -> list[str]:
    """The store's key names in order; rebuilt if the store was filled some way that kept no index (a
    restored snapshot pickles the store's dict, not this list)."""
    names = store.__dict__.get(_NAMES)
    if names is None or len(names) != dict.__len__(store):
        names = sorted(dict.keys(store))
        store.__dict__[_NAMES] = names
    return names


def noting_new_name(original: Any) -> Any:
    """__setitem__ / setlist: a name the store did not hold goes into its sorted names."""
    def write(store: Any, key: str, value: Any) -> Any:
        new = not dict.__contains__(store, key)
        result = original(store, key, value)
        names = store.__dict__.get(_NAMES)
        if new and names is not None:
            bisect.insort(names, key)
        return result
    return write


def forgetting_name(original: Any) -> Any:
    """pop: the name leaves the sorted names."""
    def pop(store: Any, key: str) -> Any:
        result = original(store, key)
        names = store.__dict__.get(_NAMES)
        if names is not None:
            at = bisect.bisect_left(names, key)
            if at < len(names) and names[at] == key:
                del names[at]
        return result
    return pop


def _past(folder: str) -> str:
    """The least string greater than every name that starts with `folder`."""
    return folder[:-1] + chr(ord(folder[-1]) + 1)


def list_objects_v2(original: Any) -> Any:
    def listing(self: Any, bucket: Any, prefix: str | None, delimiter: str | None, continuation_token: str | None,
                start_after: str | None, max_keys: int) -> Any:
        from moto.s3.models import FakeDeleteMarker, FakeTableStorageBucket

        if isinstance(bucket, FakeTableStorageBucket) or max_keys is None:
            return original(self, bucket, prefix, delimiter, continuation_token, start_after, max_keys)
        limit = None
        if continuation_token or start_after:
            limit = self._pagination_tokens.get(continuation_token) if continuation_token else start_after
            if limit is None:  # a token moto never gave: moto's own answer to it
                return original(self, bucket, prefix, delimiter, continuation_token, start_after, max_keys)
        store = bucket.keys
        names = sorted_names(store)
        prefix = prefix or ""
        at = bisect.bisect_left(names, prefix)
        if limit is not None:
            at = max(at, bisect.bisect_right(names, limit))
        wanted = max_keys + 1  # one more than the page: moto's _truncate_result tells truncation by it
        found: list[Any] = []
        while at < len(names) and len(found) < wanted:
            name = names[at]
            if not name.startswith(prefix):
                break
            rest = name[len(prefix):]
            if delimiter and delimiter in rest:
                folder = prefix + rest.split(delimiter)[0] + delimiter
                if limit is None or folder > limit:
                    found.append(folder)
                at = bisect.bisect_left(names, _past(folder), at + 1) if folder[-1] != "\U0010ffff" else at + 1
                continue
            key = store.get(name)
            if key is not None and not isinstance(key, FakeDeleteMarker):
                found.append(key)
            at += 1
        return self._truncate_result(found, max_keys)
    return listing
