"""Records end to end: CSV under input/ -> Parquet (snappy) under record_folders/ -> Glue table and
partition -> GET {query_api_url}/query?sql=... through Athena. Runs against the whole Terraform stack."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pyarrow.parquet as pq
import pytest

from localcloud.testing import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.localcloud_only]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture(scope="module")
def records(localcloud_stack):
    outputs = localcloud_stack.outputs
    s3, glue = localcloud_stack.client("s3"), localcloud_stack.client("glue")
    table = f"readings_{uuid.uuid4().hex[:8]}"
    body = "Sensor ID,Site,Reading,Taken At\n" + "".join(
        f"s-{i % 4},site-{i % 2},{i}.5,2024-06-01T{i % 24:02d}:00:00\n" for i in range(100))
    s3.put_object(Bucket=outputs["records_bucket"], Key=f"input/{table}.csv", Body=body.encode())

    def partitions():
        try:
            return glue.get_partitions(DatabaseName=outputs["glue_database"], TableName=table)["Partitions"]
        except glue.exceptions.EntityNotFoundException:
            return None
    wait_for(partitions, what=f"the Glue partition of {table}")

    def query(sql: str) -> tuple[int, dict]:
        return get(f"{outputs['query_api_url']}/query?{urllib.parse.urlencode({'sql': sql})}")

    return {"outputs": outputs, "s3": s3, "glue": glue, "table": table, "query": query,
            "partitions": partitions, "lambda": localcloud_stack.client("lambda")}


def parquet_keys(records) -> list[str]:
    listed = records["s3"].list_objects_v2(Bucket=records["outputs"]["records_bucket"],
                                           Prefix=f"record_folders/{records['table']}/")
    return [o["Key"] for o in listed.get("Contents", [])]


def test_csv_becomes_one_snappy_parquet_file_in_a_date_partition(records):
    (key,) = parquet_keys(records)
    assert "/ingest_date=" in key and key.endswith(".parquet")
    body = records["s3"].get_object(Bucket=records["outputs"]["records_bucket"], Key=key)["Body"].read()
    parquet = pq.ParquetFile(io.BytesIO(body))
    assert parquet.metadata.num_rows == 100
    assert parquet.metadata.row_group(0).column(0).compression == "SNAPPY"
    assert parquet.schema_arrow.names == ["sensor_id", "site", "reading", "taken_at"]


def test_glue_table_has_the_schema_and_the_partition(records):
    table = records["glue"].get_table(DatabaseName=records["outputs"]["glue_database"],
                                      Name=records["table"])["Table"]
    columns = [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]
    assert columns == [("sensor_id", "string"), ("site", "string"), ("reading", "double"),
                       ("taken_at", "timestamp")]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["ingest_date"]
    assert table["StorageDescriptor"]["Location"].endswith(f"/record_folders/{records['table']}/")
    assert len(records["partitions"]()) == 1


def test_query_api_answers_columns_and_rows(records):
    status, body = records["query"](f"SELECT sensor_id, COUNT(*) AS n, MAX(reading) AS top FROM "
                                    f"{records['table']} GROUP BY sensor_id ORDER BY sensor_id")
    assert status == 200, body
    assert body["columns"] == ["sensor_id", "n", "top"]
    assert body["rows"] == [["s-0", 25, 96.5], ["s-1", 25, 97.5], ["s-2", 25, 98.5], ["s-3", 25, 99.5]]


@pytest.mark.parametrize("sql, fragment", [
    ("DROP TABLE {table}", "read-only"),
    ("SELECT 1; DELETE FROM {table}", "one statement"),
    ("SELECT * FROM no_such_table_anywhere", "no_such_table_anywhere"),
    ("SELECT nonexistent_column FROM {table}", "nonexistent_column"),
])
def test_forbidden_or_failing_queries_answer_400_with_the_reason(records, sql, fragment):
    status, body = records["query"](sql.format(table=records["table"]))
    assert status == 400, body
    assert fragment in body["error"]


def test_a_redelivered_csv_event_adds_no_second_file(records):
    bucket = records["outputs"]["records_bucket"]
    converter = records["outputs"]["function_names"]["records_to_parquet"]
    event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                          "eventTime": records["s3"].head_object(
                              Bucket=bucket, Key=f"input/{records['table']}.csv")["LastModified"].isoformat(),
                          "s3": {"bucket": {"name": bucket}, "object": {"key": f"input/{records['table']}.csv"}}}]}
    answer = records["lambda"].invoke(FunctionName=converter, Payload=json.dumps(event).encode())
    assert "FunctionError" not in answer, answer["Payload"].read()
    assert len(parquet_keys(records)) == 1
    status, body = records["query"](f"SELECT COUNT(*) AS n FROM {records['table']}")
    assert (status, body["rows"]) == (200, [[100]])
