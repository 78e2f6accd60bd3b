"""The Athena writer on its own: DuckDB rows -> Parquet files in the in-process S3 (moto's backend), split
into several files past FILE_ROWS as Athena's workers write several, every row in exactly one."""

from __future__ import annotations

import io

import duckdb
import pyarrow.parquet as pq
from localcloud.engines.athena import writer


def test_large_unpartitioned_writes_split_into_files(tmp_path, monkeypatch):
    from moto.s3.models import s3_backends

    account = "123456789012"
    s3 = s3_backends[account]["global"]
    s3.create_bucket("writer-test", "us-east-1")
    monkeypatch.setattr(writer, "FILE_ROWS", 10)
    connection = duckdb.connect()
    written = writer.write(connection, "SELECT range AS id FROM range(25)", writer.WriteSpec("s3://writer-test/t/"),
                           tmp_path / "staging", account, "q1")
    assert written.rows == 25 and len(written.files) == 3
    ids = []
    for uri in written.files:
        body = s3.get_object("writer-test", uri.split("/", 3)[3]).value
        table = pq.read_table(io.BytesIO(body))
        assert pq.ParquetFile(io.BytesIO(body)).metadata.row_group(0).column(0).compression == "GZIP"
        ids += table.column("id").to_pylist()
    assert sorted(ids) == list(range(25))
    assert not (tmp_path / "staging").exists()  # the staging directory is gone once uploaded
