"""Write a query's rows as the files CTAS, INSERT INTO and UNLOAD write, into S3.

DuckDB's COPY writes into a private staging directory of this query (the only directory besides the
mirror its locked-down connection may touch); each file is then uploaded into the local cloud's S3 and the
staging directory removed. The statement never names a host path: the COPY is ours.

Formats and compression follow Athena (https://docs.aws.amazon.com/athena/latest/ug/compression-formats.html:
GZIP is the default write compression for Parquet and text files of Hive tables; ORC's is ZLIB):
PARQUET (GZIP, SNAPPY, ZSTD, NONE) and ORC (ZLIB, SNAPPY, ZSTD, LZ4, NONE) through pyarrow, TEXTFILE
(LazySimpleSerDe: field_delimiter, default \\001, `\\N` for NULL, no quoting) and JSON (one object a line)
through DuckDB's COPY. AVRO and ION are refused: no writer here.
Partitions are Hive folders `key=value` with the partition columns left out of the files, as Hive does;
bucketing writes `bucket_count` files per partition, rows placed by a hash of the bucketed_by columns.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from localcloud.engines.athena import s3_store
from localcloud.engines.athena.types import writable_cast

COMPRESSIONS = {"PARQUET": {"GZIP", "SNAPPY", "ZSTD", "NONE", "UNCOMPRESSED"},
                "TEXTFILE": {"GZIP", "NONE", "ZSTD"}, "JSON": {"GZIP", "NONE", "ZSTD"},
                "ORC": {"ZLIB", "SNAPPY", "ZSTD", "LZ4", "NONE"}}
_TEXT_SUFFIX = {"GZIP": ".gz", "ZSTD": ".zst", "NONE": ""}
BUCKET_COLUMN = "__localcloud_bucket"
FILE_ROWS = 500_000  # rows per Parquet file of an unpartitioned write


class WriteError(Exception):
    def __init__(self, error_name: str, message: str) -> None:
        super().__init__(message)
        self.error_name = error_name


@dataclass
class WriteSpec:
    location: str  # s3://bucket/prefix/
    file_format: str = "PARQUET"  # PARQUET, TEXTFILE, JSON
    compression: str = "GZIP"
    field_delimiter: str = "\x01"
    partitioned_by: list[str] = field(default_factory=list)
    bucketed_by: list[str] = field(default_factory=list)
    bucket_count: int = 0


@dataclass
class Written:
    files: list[str]  # s3:// URIs, for the data manifest
    partitions: list[tuple[list[str], str]]  # (values, location) of every partition written
    rows: int
    columns: list[tuple[str, Any]]  # (name, DuckDB type) of the data columns, partition columns excluded
    partition_columns: list[tuple[str, Any]]


def check_format(file_format: str, compression: str) -> None:
    if file_format in ("AVRO", "ION"):
        raise WriteError("NOT_SUPPORTED", f"localcloud's Athena writes PARQUET, ORC, TEXTFILE and JSON; "
                         f"{file_format} has no writer here. Use format = 'PARQUET' (Athena's default) instead.")
    if file_format not in COMPRESSIONS:
        raise WriteError("INVALID_TABLE_PROPERTY", f"Unknown format '{file_format}'. Supported: "
                         "PARQUET, ORC, AVRO, JSON, TEXTFILE")
    if compression not in COMPRESSIONS[file_format]:
        raise WriteError("INVALID_TABLE_PROPERTY", f"Compression {compression} is not supported for "
                         f"{file_format}; supported: {', '.join(sorted(COMPRESSIONS[file_format]))}")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def describe(connection: Any, select_sql: str) -> list[tuple[str, Any]]:
    cursor = connection.execute(f"SELECT * FROM ({select_sql}) AS q LIMIT 0")
    return [(name, kind) for name, kind, *_ in cursor.description]


def write(connection: Any, select_sql: str, spec: WriteSpec, staging: Path, account_id: str,
          query_id: str) -> Written:
    """Run `select_sql` on the (locked-down) connection and write its rows as `spec` says, into S3."""
    columns = describe(connection, select_sql)
    names = [name for name, _ in columns]
    lowered = [name.lower() for name in names]
    if len(set(lowered)) != len(lowered):
        duplicate = next(n for n in lowered if lowered.count(n) > 1)
        raise WriteError("DUPLICATE_COLUMN_NAME", f"Column name '{duplicate}' specified more than once")
    partitions = [p.lower() for p in spec.partitioned_by]
    if partitions and lowered[-len(partitions):] != partitions:
        # https://docs.aws.amazon.com/athena/latest/ug/create-table-as.html: "list the partition columns last".
        raise WriteError("HIVE_COLUMN_ORDER_MISMATCH", "Partition keys must be the last columns in the table "
                         f"and in the same order as the table properties: {spec.partitioned_by}")
    for column in spec.bucketed_by:
        if column.lower() not in lowered:
            raise WriteError("INVALID_TABLE_PROPERTY", f"Bucketing column '{column}' not present in the table")
    projection = []
    for name, kind in columns:
        cast = writable_cast(kind)
        projection.append(f"CAST({_ident(name)} AS {cast}) AS {_ident(name)}" if cast else _ident(name))
    folders = [_ident(names[lowered.index(p)]) for p in partitions]
    if spec.bucketed_by and spec.bucket_count > 0:
        keys = ", ".join(_ident(names[lowered.index(c.lower())]) for c in spec.bucketed_by)
        projection.append(f"CAST(hash({keys}) % {spec.bucket_count} AS INTEGER) AS {BUCKET_COLUMN}")
        folders.append(BUCKET_COLUMN)
    staging.mkdir(parents=True, exist_ok=True)
    target = staging / "out"
    options = _copy_options(spec)
    if folders:
        options.append(f"PARTITION_BY ({', '.join(folders)})")
        options.append("FILENAME_PATTERN 'part_{i}'")
    selected = f"SELECT {', '.join(projection)} FROM ({select_sql}) AS q"
    try:
        if spec.file_format == "ORC":
            rows = _write_orc(connection, selected, spec, target, partition_names(names, lowered, partitions,
                                                                                  bool(spec.bucketed_by)))
        elif spec.file_format == "PARQUET":
            rows = _write_parquet(connection, selected, spec, target, partition_names(names, lowered, partitions,
                                                                                      bool(spec.bucketed_by)))
        else:
            rows = connection.execute(f"COPY ({selected}) TO {_quote(str(target))} ({', '.join(options)})"
                                      ).fetchone()[0]
        written = _upload(target, spec, account_id, query_id, partitions, target.is_dir()) if rows else ([], [])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    data_columns = [c for c in columns if c[0].lower() not in partitions]
    partition_columns = [columns[lowered.index(p)] for p in partitions]
    return Written(written[0], written[1], int(rows or 0), data_columns, partition_columns)


def partition_names(names: list[str], lowered: list[str], partitions: list[str], bucketed: bool) -> list[str]:
    return [names[lowered.index(p)] for p in partitions] + ([BUCKET_COLUMN] if bucketed else [])


# Athena names no GZIP level; level 1 writes 1M rows in ~0.9 s where DuckDB's GZIP (miniz) takes ~2.6 s and
# zlib's default ~3.7 s, for files ~2% larger. ZSTD: level 3, Athena's default ZSTD level.
_PYARROW_CODECS = {"GZIP": ("gzip", 1), "SNAPPY": ("snappy", None), "ZSTD": ("zstd", 3), "NONE": ("none", None),
                   "UNCOMPRESSED": ("none", None)}


def _write_parquet(connection: Any, selected: str, spec: WriteSpec, target: Path, folders: list[str]) -> int:
    """Parquet through pyarrow (the rows leave DuckDB as Arrow, no copy through Python objects)."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    table = connection.sql(selected).to_arrow_table()
    if table.num_rows == 0:
        return 0
    codec, level = _PYARROW_CODECS[spec.compression]
    if not folders:
        if table.num_rows <= FILE_ROWS:
            pq.write_table(table, target, compression=codec, compression_level=level)
            return table.num_rows
        # Several files written side by side, as Athena's workers write several: compression is the cost,
        # and pyarrow compresses without the GIL.
        from concurrent.futures import ThreadPoolExecutor

        target.mkdir(parents=True, exist_ok=True)
        slices = [table.slice(start, FILE_ROWS) for start in range(0, table.num_rows, FILE_ROWS)]
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 2)) as pool:
            list(pool.map(lambda item: pq.write_table(item[1], target / f"part_{item[0]}", compression=codec,
                                                      compression_level=level), enumerate(slices)))
        return table.num_rows
    options = ds.ParquetFileFormat().make_write_options(compression=codec, compression_level=level)
    ds.write_dataset(table, target, format="parquet", partitioning=folders, partitioning_flavor="hive",
                     file_options=options, basename_template="part_{i}", existing_data_behavior="overwrite_or_ignore")
    return table.num_rows


def _write_orc(connection: Any, selected: str, spec: WriteSpec, target: Path, folders: list[str]) -> int:
    """ORC through pyarrow's writer (Apache ORC's C++ library); ZLIB is Athena's default for ORC. pyarrow
    cannot write ORC datasets, so partitions are split here: one file per partition folder."""
    import pyarrow.compute as pc
    from pyarrow import orc

    table = connection.sql(selected).to_arrow_table()
    if table.num_rows == 0:
        return 0
    compression = "uncompressed" if spec.compression == "NONE" else spec.compression.lower()
    if not folders:
        orc.write_table(table, target, compression=compression)
        return table.num_rows
    data = table.drop_columns(folders)
    for combination in table.select(folders).group_by(folders).aggregate([]).to_pylist():
        mask = None
        for column, value in combination.items():
            test = pc.is_null(table[column]) if value is None else pc.equal(table[column], value)
            mask = test if mask is None else pc.and_(mask, test)
        folder = target.joinpath(*(f"{c}={quote('__HIVE_DEFAULT_PARTITION__' if v is None else str(v), safe='')}"
                                   for c, v in combination.items()))
        folder.mkdir(parents=True, exist_ok=True)
        orc.write_table(data.filter(mask), folder / "part_0", compression=compression)
    return table.num_rows


def _copy_options(spec: WriteSpec) -> list[str]:
    compression = "uncompressed" if spec.compression in ("NONE", "UNCOMPRESSED") else spec.compression.lower()
    if spec.file_format == "PARQUET":
        return ["FORMAT parquet", f"COMPRESSION {compression}"]
    text_compression = "none" if compression == "uncompressed" else compression
    if spec.file_format == "JSON":
        return ["FORMAT json", f"COMPRESSION {text_compression}"]
    return ["FORMAT csv", f"DELIMITER {_quote(spec.field_delimiter)}", "QUOTE ''", "ESCAPE ''",
            "NULLSTR '\\N'", "HEADER false", f"COMPRESSION {text_compression}"]


def _upload(target: Path, spec: WriteSpec, account_id: str, query_id: str, partitions: list[str],
            foldered: bool) -> tuple[list[str], list[tuple[list[str], str]]]:
    suffix = "" if spec.file_format in ("PARQUET", "ORC") else _TEXT_SUFFIX.get(spec.compression, "")
    base = spec.location.rstrip("/") + "/"
    files, seen = [], {}
    paths = sorted(p for p in target.rglob("*") if p.is_file()) if foldered else [target]
    for number, path in enumerate(paths):
        relative = path.relative_to(target).parts if foldered else ()
        folders = [part.partition("=") for part in relative[:-1]]
        values = [unquote(value) for key, _, value in folders if key != BUCKET_COLUMN]
        bucket = next((int(value) for key, _, value in folders if key == BUCKET_COLUMN), None)
        prefix = base + "".join(f"{key}={value}/" for key, (_, _, value) in zip(partitions, folders))
        name = f"{query_id}_bucket-{bucket:05d}_{number}" if bucket is not None else f"{query_id}_{number}"
        uri = prefix + name + suffix
        s3_store.put(account_id, uri, path.read_bytes())
        os.unlink(path)
        files.append(uri)
        if partitions:
            seen.setdefault(tuple(values), prefix)
    return files, [(list(values), location) for values, location in seen.items()]


def staging_dir(root: Path) -> Path:
    return root / uuid.uuid4().hex
