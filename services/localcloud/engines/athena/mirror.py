"""Copy the S3 objects behind a table into a local directory DuckDB reads, laid out as hive partitions.

Why a mirror instead of DuckDB's httpfs: httpfs is an extension DuckDB downloads at first use, which these
machines (and many CI runners) cannot do; and reading moto's S3 backend in-process costs no HTTP at all.
Objects are copied only when their ETag or size changed, so repeated queries pay a listing, not a copy.
Whatever the S3 layout, the mirror names each partition directory `key=value`, so DuckDB's
hive_partitioning yields the catalog's partition values and prunes on them.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from urllib.parse import quote

from localcloud.engines.athena.catalog import TableSource
from localcloud.engines.athena.s3_store import MirrorError, split_s3  # noqa: F401  (mirror.MirrorError, as callers name it)


def _s3(account_id: str):
    from localcloud.moto_adapter import s3_backends

    return s3_backends[account_id]["global"]


def _component(name: str) -> str:
    """A Glue name as one file name: "/" and a leading "." escaped, so "../x" or "/etc" stay one level down."""
    quoted = quote(name, safe=" ")
    return "%2E" + quoted[1:] if quoted.startswith(".") else quoted


def _hidden(relative: str) -> bool:
    # Athena ignores objects whose name (or folder) starts with "_" or "." (_SUCCESS, .crc files), and
    # zero-byte "folder" markers.
    return relative.endswith("/") or any(part.startswith(("_", ".")) for part in relative.split("/"))


def _orc_as_parquet(body: bytes, path: Path) -> None:
    """DuckDB reads no ORC (its extension is not in the wheel): the mirror holds an ORC object as Parquet,
    converted by pyarrow's ORC reader, so queries over ORC tables read the same rows."""
    import io

    import pyarrow.parquet as pq
    from pyarrow import orc

    pq.write_table(orc.ORCFile(io.BytesIO(body)).read(), path, compression="snappy")


class TableMirror:
    def __init__(self, root: Path, account_id: str) -> None:
        self.root = root
        self.account_id = account_id
        self._copied: dict[Path, tuple[str, int]] = {}  # local file -> (etag, size) it holds
        self._lock = threading.Lock()

    def directory(self, source: TableSource) -> Path:
        # Glue accepts nearly any single-line name ("/etc", "..", spaces: glue/names.py); each becomes one
        # path component, and every path is checked to stay under the root before anything is written.
        return self._inside(self.root / _component(source.database) / _component(source.name))

    def _inside(self, path: Path) -> Path:
        root = os.path.normpath(self.root)
        if not os.path.normpath(path).startswith(root + os.sep):
            raise MirrorError(f"its data would be copied to {path}, outside the mirror {self.root}")
        return path

    def sync(self, source: TableSource) -> tuple[Path, int]:
        """Bring the table's local copy up to date; returns its directory and the bytes it holds."""
        with self._lock:
            wanted: dict[Path, object] = {}
            base = self.directory(source)
            if source.partition_keys:
                for partition in source.partitions:
                    folder = self._inside(base.joinpath(*(f"{key}={quote(value, safe='')}" for (key, _), value
                                                          in zip(source.partition_keys, partition.values))))
                    self._list(partition.location, folder, wanted)
            else:
                self._list(source.location, base, wanted)
            total = 0
            for path, key in wanted.items():
                signature = (key.etag, key.size)  # type: ignore[attr-defined]
                total += key.size  # type: ignore[attr-defined]
                if self._copied.get(path) != signature or not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    partial = path.with_name(path.name + ".partial")
                    if source.data_format == "orc":
                        _orc_as_parquet(key.value, partial)  # type: ignore[attr-defined]
                    else:
                        partial.write_bytes(key.value)  # type: ignore[attr-defined]
                    partial.replace(path)
                    self._copied[path] = signature
            self._remove_stale(base, set(wanted))
            return base, total

    def _list(self, location: str, folder: Path, wanted: dict[Path, object]) -> None:
        bucket_name, prefix = split_s3(location)
        try:
            bucket = _s3(self.account_id).get_bucket(bucket_name)
        except Exception as exc:  # moto's MissingBucket
            raise MirrorError(f"bucket {bucket_name!r} does not exist") from exc
        for name, key in list(bucket.keys.items()):
            if not name.startswith(prefix) or _hidden(name[len(prefix):]) or getattr(key, "size", 0) == 0:
                continue
            wanted[self._inside(folder / name[len(prefix):].replace("/", "__"))] = key

    def _remove_stale(self, base: Path, wanted: set[Path]) -> None:
        if not base.exists():
            return
        for path in base.rglob("*"):
            if path.is_file() and path not in wanted:
                path.unlink()
                self._copied.pop(path, None)

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
