"""Athena reads only what Glue points at: DuckDB's file functions cannot reach the host, and Glue names -
validated as AWS validates them - never lead the mirror outside its directory."""

from __future__ import annotations

import uuid
import pytest
from test_athena_queries import run_query


@pytest.fixture(scope="module")
def athena(cloud):
    s3, glue = cloud.client("s3"), cloud.client("glue")
    if "results" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket="results")  # where run_query puts results
    s3.create_bucket(Bucket="sec-lake")
    s3.put_object(Bucket="sec-lake", Key="items/part-0.csv", Body=b"1,apple\n2,pear\n")
    glue.create_database(DatabaseInput={"Name": "sec"})
    return cloud.client("athena")


def _csv_table(name: str, prefix: str = "items/") -> dict:
    return {"Name": name, "TableType": "EXTERNAL_TABLE", "StorageDescriptor": {
        "Columns": [{"Name": "id", "Type": "int"}, {"Name": "item", "Type": "string"}],
        "Location": f"s3://sec-lake/{prefix}", "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                      "Parameters": {"field.delim": ","}}}}


def _failed(athena, sql: str, database: str = "sec") -> str:
    execution = run_query(athena, sql, database)
    assert execution["Status"]["State"] == "FAILED", execution["Status"]
    return execution["Status"]["StateChangeReason"]


@pytest.mark.parametrize("sql", ["SELECT content FROM read_text('/etc/passwd')",
                                 "SELECT * FROM read_csv('/etc/passwd')",
                                 "SELECT * FROM glob('/etc/*')",
                                 "SELECT * FROM read_parquet('https://example.com/x.parquet')"])
def test_queries_cannot_read_host_files(athena, sql):
    reason = _failed(athena, sql)
    assert reason.startswith("PERMISSION_DENIED:") and "Access Denied" in reason
    assert "root:" not in reason


def test_queries_run_with_external_access_off_and_locked(athena):
    execution = run_query(athena, "SELECT name, value FROM duckdb_settings() WHERE name IN "
                          "('enable_external_access', 'lock_configuration', 'autoload_known_extensions') "
                          "ORDER BY name", "sec")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    rows = athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"])["ResultSet"]["Rows"][1:]
    assert [[c["VarCharValue"] for c in row["Data"]] for row in rows] == [
        ["autoload_known_extensions", "false"], ["enable_external_access", "false"], ["lock_configuration", "true"]]


def test_glue_refuses_names_aws_refuses(cloud):
    glue = cloud.client("glue")
    for name in ("x" * 256, "two\nlines"):
        with pytest.raises(glue.exceptions.ClientError) as refused:
            glue.create_database(DatabaseInput={"Name": name})
        assert refused.value.response["Error"]["Code"] == "ValidationException"
        assert "at 'databaseInput.name' failed to satisfy constraint" in str(refused.value)
    with pytest.raises(glue.exceptions.ClientError) as refused:
        glue.create_table(DatabaseName="sec", TableInput=_csv_table("t" * 256))
    assert "Member must have length less than or equal to 255" in str(refused.value)


@pytest.mark.parametrize("kind", ["absolute", "dotdot"])
def test_glue_names_that_look_like_paths_stay_in_the_mirror(cloud, athena, tmp_path, kind):
    glue = cloud.client("glue")
    outside = tmp_path / f"escape-{uuid.uuid4().hex[:6]}"
    # Glue accepts both (any single-line name); the mirror must not take them as paths.
    database = str(outside) if kind == "absolute" else f"../../../../../..{outside}"
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_table(DatabaseName=database, TableInput=_csv_table("items"))
    quoted = database.replace('"', '""')
    execution = run_query(athena, f'SELECT item FROM "{quoted}".items ORDER BY id', database)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    rows = athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"])["ResultSet"]["Rows"][1:]
    assert [row["Data"][0]["VarCharValue"] for row in rows] == ["apple", "pear"]
    assert not outside.exists()
    mirrored = [p for p in (cloud.settings.state_dir / "athena" / "mirror").rglob("part-0.csv")
                if outside.name in str(p)]
    assert mirrored, "the table's data was not mirrored under the state directory"
