"""Athena's DDL and writing statements through boto3 against a running local cloud: CREATE DATABASE /
EXTERNAL TABLE, CTAS, INSERT INTO, UNLOAD, views, partitions and MSCK REPAIR - checked in what a user
sees: the Glue catalog, the objects in S3, the manifest, and the rows read back."""

from __future__ import annotations

import base64
import gzip
import io
import json

import pyarrow.parquet as pq
import pytest
from test_athena_queries import run_query


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    from localcloud.testing import isolated

    cloud = isolated(tmp_path_factory.mktemp("athena-ddl")).start()
    s3, glue, athena = cloud.client("s3"), cloud.client("glue"), cloud.client("athena")
    for bucket in ("raw", "results", "curated"):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket="raw", Key="sales/part-0.csv", Body=b"1,eu,10.5\n2,us,3.0\n3,eu,1.5\n4,ap,7.0\n")
    yield s3, glue, athena
    cloud.stop()


def ok(athena, sql: str, database: str = "lake") -> dict:
    execution = run_query(athena, sql, database)
    assert execution["Status"]["State"] == "SUCCEEDED", (sql, execution["Status"])
    return execution


def failed(athena, sql: str, database: str = "lake") -> str:
    execution = run_query(athena, sql, database)
    assert execution["Status"]["State"] == "FAILED", (sql, execution["Status"])
    return execution["Status"]["StateChangeReason"]


def rows(athena, sql: str, database: str = "lake") -> list[list[str | None]]:
    execution = ok(athena, sql, database)
    result = athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"])["ResultSet"]["Rows"]
    body = result[1:] if execution["StatementType"] == "DML" else result  # the header leads DML results only
    return [[cell.get("VarCharValue") for cell in row["Data"]] for row in body]


def finished(athena, query_id: str) -> dict:
    from localcloud.testing import wait_for

    def final():
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        return execution if execution["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED") else None

    return wait_for(final)


def keys(s3, bucket: str, prefix: str) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []))


@pytest.fixture(scope="module")
def lake(aws):
    _, _, athena = aws
    execution = ok(athena, "CREATE DATABASE IF NOT EXISTS lake COMMENT 'test lake'", "default")
    assert (execution["StatementType"], execution["SubstatementType"]) == ("DDL", "CREATE_DATABASE")
    ok(athena, """CREATE EXTERNAL TABLE sales (id int, region string, amount double)
                  ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
                  STORED AS TEXTFILE LOCATION 's3://raw/sales/'""")
    return aws


def test_create_external_table_registers_hive_table_athena_reads(lake):
    _, glue, athena = lake
    table = glue.get_table(DatabaseName="lake", Name="sales")["Table"]
    descriptor = table["StorageDescriptor"]
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert [(c["Name"], c["Type"]) for c in descriptor["Columns"]] == [("id", "int"), ("region", "string"),
                                                                         ("amount", "double")]
    assert descriptor["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
    assert descriptor["SerdeInfo"]["Parameters"]["field.delim"] == ","
    assert rows(athena, "SELECT region, sum(amount) FROM sales GROUP BY region ORDER BY region") == [
        ["ap", "7.0"], ["eu", "12.0"], ["us", "3.0"]]
    assert failed(athena, "CREATE EXTERNAL TABLE sales (id int) LOCATION 's3://raw/sales/'").startswith(
        "FAILED: AlreadyExistsException Table lake.sales already exists")
    shown = rows(athena, "SHOW CREATE TABLE sales")
    assert shown[0] == ["CREATE EXTERNAL TABLE `lake`.`sales`("] and ["  's3://raw/sales/'"] in shown


def test_ctas_writes_partitioned_parquet_registers_table_and_manifest(lake):
    s3, glue, athena = lake
    execution = ok(athena, "CREATE TABLE by_region WITH (format = 'PARQUET', partitioned_by = ARRAY['region']) "
                           "AS SELECT id, amount, region FROM sales")
    query_id = execution["QueryExecutionId"]
    # Athena: CTAS is a DDL statement; the table goes under <results>/tables/<query id>/ when no location.
    assert (execution["StatementType"], execution["SubstatementType"]) == ("DDL", "CREATE_TABLE_AS_SELECT")
    files = keys(s3, "results", f"athena/tables/{query_id}/")
    assert {f.split("/")[3] for f in files} == {"region=ap", "region=eu", "region=us"}
    manifest = execution["Statistics"]["DataManifestLocation"]
    assert manifest == f"s3://results/athena/tables/{query_id}-manifest.csv"
    listed = s3.get_object(Bucket="results", Key=manifest.split("/", 3)[3])["Body"].read().decode().split()
    assert sorted(listed) == [f"s3://results/{f}" for f in files]
    first = pq.read_table(io.BytesIO(s3.get_object(Bucket="results", Key=files[0])["Body"].read()))
    assert first.column_names == ["id", "amount"]  # partition values live in the folder names, as Hive
    assert pq.ParquetFile(io.BytesIO(s3.get_object(Bucket="results", Key=files[0])["Body"].read())) \
        .metadata.row_group(0).column(0).compression == "GZIP"  # Athena's default write compression
    table = glue.get_table(DatabaseName="lake", Name="by_region")["Table"]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["region"]
    assert "Parquet" in table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]
    partitions = glue.get_partitions(DatabaseName="lake", TableName="by_region")["Partitions"]
    assert sorted(p["Values"][0] for p in partitions) == ["ap", "eu", "us"]
    assert athena.get_query_results(QueryExecutionId=query_id)["UpdateCount"] == 4
    assert rows(athena, "SELECT count(*), sum(amount) FROM by_region WHERE region = 'eu'") == [["2", "12.0"]]


def test_ctas_location_must_be_empty_and_table_new(lake):
    _, _, athena = lake
    ok(athena, "CREATE TABLE copy1 WITH (external_location = 's3://curated/copy/') AS SELECT * FROM sales")
    assert failed(athena, "CREATE TABLE copy2 WITH (external_location = 's3://curated/copy/') AS "
                          "SELECT * FROM sales").startswith("HIVE_PATH_ALREADY_EXISTS: Target directory for table "
                                                            "'lake.copy2' already exists")
    assert failed(athena, "CREATE TABLE copy1 AS SELECT 1 AS x").startswith(
        "TABLE_ALREADY_EXISTS: line 1:1: Table 'awsdatacatalog.lake.copy1' already exists")
    assert failed(athena, "CREATE TABLE bad WITH (partitioned_by = ARRAY['id']) AS SELECT id, region FROM sales"
                  ).startswith("HIVE_COLUMN_ORDER_MISMATCH")
    assert "AVRO" in failed(athena, "CREATE TABLE avro1 WITH (format = 'AVRO') AS SELECT 1 AS x")


def test_ctas_textfile_json_and_bucketing(lake):
    s3, _, athena = lake
    ok(athena, "CREATE TABLE as_text WITH (format = 'TEXTFILE', field_delimiter = '|', "
               "external_location = 's3://curated/text/') AS SELECT id, region FROM sales")
    (text_key,) = keys(s3, "curated", "text/")
    assert text_key.endswith(".gz")
    body = gzip.decompress(s3.get_object(Bucket="curated", Key=text_key)["Body"].read()).decode()
    assert sorted(body.split()) == ["1|eu", "2|us", "3|eu", "4|ap"]
    assert rows(athena, "SELECT region FROM as_text WHERE id = 4") == [["ap"]]
    ok(athena, "CREATE TABLE as_json WITH (format = 'JSON', external_location = 's3://curated/json/') "
               "AS SELECT id, region FROM sales")
    assert rows(athena, "SELECT count(*) FROM as_json WHERE region = 'eu'") == [["2"]]
    ok(athena, "CREATE TABLE bucketed WITH (bucketed_by = ARRAY['id'], bucket_count = 2, "
               "external_location = 's3://curated/bucketed/') AS SELECT id, region FROM sales")
    names = keys(s3, "curated", "bucketed/")
    assert 1 <= len(names) <= 2 and all("_bucket-0000" in n for n in names)
    assert rows(athena, "SELECT count(*) FROM bucketed") == [["4"]]


def test_ctas_orc_partitioned_reads_back_and_takes_inserts(lake):
    from pyarrow import orc

    s3, glue, athena = lake
    ok(athena, "CREATE TABLE as_orc WITH (format = 'ORC', partitioned_by = ARRAY['region'], "
               "external_location = 's3://curated/orc/') AS SELECT id, amount, region FROM sales")
    names = keys(s3, "curated", "orc/")
    assert {n.split("/")[1] for n in names} == {"region=ap", "region=eu", "region=us"}
    first = orc.ORCFile(io.BytesIO(s3.get_object(Bucket="curated", Key=names[0])["Body"].read()))
    assert first.compression == "ZLIB" and first.schema.names == ["id", "amount"]  # Athena's ORC default
    assert "OrcSerde" in glue.get_table(DatabaseName="lake", Name="as_orc")["Table"]["StorageDescriptor"][
        "SerdeInfo"]["SerializationLibrary"]
    ok(athena, "INSERT INTO as_orc VALUES (9, 9.5, 'eu')")
    assert rows(athena, "SELECT count(*), sum(amount) FROM as_orc WHERE region = 'eu'") == [["3", "21.5"]]


def test_insert_into_adds_files_and_partitions(lake):
    s3, glue, athena = lake
    ok(athena, "CREATE TABLE facts WITH (external_location = 's3://curated/facts/', partitioned_by = "
               "ARRAY['day']) AS SELECT id, amount, '2024-01-01' AS day FROM sales")
    before = keys(s3, "curated", "facts/")
    execution = ok(athena, "INSERT INTO facts SELECT id + 10, amount * 2, '2024-01-02' FROM sales WHERE region = 'eu'")
    assert (execution["StatementType"], execution["SubstatementType"]) == ("DML", "INSERT")
    after = keys(s3, "curated", "facts/")
    assert set(before) < set(after) and any("day=2024-01-02/" in k for k in after)
    assert athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"])["UpdateCount"] == 2
    values = sorted(p["Values"][0] for p in glue.get_partitions(DatabaseName="lake", TableName="facts")["Partitions"])
    assert values == ["2024-01-01", "2024-01-02"]
    assert rows(athena, "SELECT day, count(*), sum(amount) FROM facts GROUP BY day ORDER BY day") == [
        ["2024-01-01", "4", "22.0"], ["2024-01-02", "2", "24.0"]]
    ok(athena, "INSERT INTO facts VALUES (99, 1.0, '2024-01-02')")
    assert rows(athena, "SELECT id FROM facts WHERE id = 99") == [["99"]]
    assert failed(athena, "INSERT INTO facts SELECT 1").startswith("TYPE_MISMATCH: Insert query has mismatched")


def test_partitions_by_ddl_and_msck_repair(lake):
    s3, glue, athena = lake
    for day in ("2024-02-01", "2024-02-02", "2024-02-03"):
        s3.put_object(Bucket="raw", Key=f"events/dt={day}/part-0.csv", Body=f"{day},1\n".encode())
    ok(athena, "CREATE EXTERNAL TABLE events (d string, n int) PARTITIONED BY (dt string) "
               "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://raw/events/'")
    assert rows(athena, "SELECT count(*) FROM events") == [["0"]]  # nothing registered yet, as Athena
    ok(athena, "ALTER TABLE events ADD PARTITION (dt = '2024-02-01')")
    assert rows(athena, "SELECT d FROM events") == [["2024-02-01"]]
    assert failed(athena, "ALTER TABLE events ADD PARTITION (dt = '2024-02-01')").startswith(
        "FAILED: AlreadyExistsException Partition already exists")
    execution = ok(athena, "MSCK REPAIR TABLE events")
    assert (execution["StatementType"], execution["SubstatementType"]) == ("DDL", "MSCK_REPAIR_TABLE")
    assert rows(athena, "SELECT count(*) FROM events") == [["3"]]
    ok(athena, "ALTER TABLE events DROP PARTITION (dt = '2024-02-02')")
    assert sorted(p["Values"][0] for p in glue.get_partitions(DatabaseName="lake", TableName="events")[
        "Partitions"]) == ["2024-02-01", "2024-02-03"]
    assert keys(s3, "raw", "events/dt=2024-02-02/")  # dropping a partition leaves its data
    assert rows(athena, "SHOW PARTITIONS events") == [["dt=2024-02-01"], ["dt=2024-02-03"]]


def test_views_are_glue_virtual_views_athena_reads(lake):
    _, glue, athena = lake
    execution = ok(athena, "CREATE VIEW eu_sales AS SELECT id, amount FROM sales WHERE region = 'eu'")
    assert (execution["StatementType"], execution["SubstatementType"]) == ("DDL", "CREATE_VIEW")
    table = glue.get_table(DatabaseName="lake", Name="eu_sales")["Table"]
    assert table["TableType"] == "VIRTUAL_VIEW" and table["Parameters"]["presto_view"] == "true"
    encoded = table["ViewOriginalText"].removeprefix("/* Presto View: ").removesuffix(" */")
    document = json.loads(base64.b64decode(encoded))
    assert document["originalSql"].startswith("SELECT id, amount FROM sales")
    assert [c["type"] for c in document["columns"]] == ["integer", "double"]
    assert rows(athena, "SELECT sum(amount) FROM eu_sales") == [["12.0"]]
    assert failed(athena, "CREATE VIEW eu_sales AS SELECT 1 AS x").startswith("ALREADY_EXISTS")
    ok(athena, "CREATE OR REPLACE VIEW eu_sales AS SELECT id FROM sales WHERE region = 'eu' AND id > 1")
    assert rows(athena, "SELECT * FROM eu_sales") == [["3"]]
    # a view in another database, read from this one: its names resolve in its own database
    assert rows(athena, "SELECT count(*) FROM lake.eu_sales", "default") == [["1"]]
    ok(athena, "DROP VIEW eu_sales")
    assert failed(athena, "DROP VIEW eu_sales").startswith("TABLE_NOT_FOUND")


def test_unload_writes_files_and_manifest(lake):
    s3, _, athena = lake
    execution = ok(athena, "UNLOAD (SELECT id, region FROM sales WHERE amount > 2) TO 's3://curated/unload/' "
                           "WITH (format = 'PARQUET', compression = 'SNAPPY')")
    assert (execution["StatementType"], execution["SubstatementType"]) == ("DML", "UNLOAD")
    (key,) = keys(s3, "curated", "unload/")
    table = pq.read_table(io.BytesIO(s3.get_object(Bucket="curated", Key=key)["Body"].read()))
    assert sorted(table.column("id").to_pylist()) == [1, 2, 4]
    manifest = execution["Statistics"]["DataManifestLocation"]
    assert manifest.endswith(f"{execution['QueryExecutionId']}-manifest.csv")
    assert s3.get_object(Bucket="results", Key=manifest.split("/", 3)[3])["Body"].read().decode().split() == [
        f"s3://curated/{key}"]


def test_drop_table_keeps_external_data_and_refusals(lake):
    s3, glue, athena = lake
    ok(athena, "CREATE TABLE doomed WITH (external_location = 's3://curated/doomed/') AS SELECT 1 AS x")
    ok(athena, "DROP TABLE doomed")
    assert keys(s3, "curated", "doomed/")  # Athena: dropping an external table leaves its data
    assert "doomed" not in [t["Name"] for t in glue.get_tables(DatabaseName="lake")["TableList"]]
    assert failed(athena, "UPDATE sales SET amount = 0").startswith("NOT_SUPPORTED: line 1:1: Modifying Hive")
    assert failed(athena, "CREATE TABLE host WITH (external_location = '/tmp/x/') AS SELECT 1 AS x").startswith(
        "INVALID_TABLE_PROPERTY")
    assert failed(athena, "CREATE TABLE leak AS SELECT * FROM read_text('/etc/passwd')").startswith(
        "PERMISSION_DENIED")
    assert failed(athena, "DROP DATABASE lake").startswith("FAILED: InvalidOperationException Database lake is "
                                                          "not empty")


def test_prepared_statements_execute_using_and_parameters(lake):
    _, _, athena = lake
    execution = ok(athena, "PREPARE by_region FROM SELECT count(*) FROM sales WHERE region = ? AND amount > ?")
    assert execution["StatementType"] == "DDL"
    assert athena.get_prepared_statement(StatementName="by_region", WorkGroup="primary")[
        "PreparedStatement"]["QueryStatement"].startswith("SELECT count(*) FROM sales")
    assert rows(athena, "EXECUTE by_region USING 'eu', 1.0") == [["2"]]
    started = athena.start_query_execution(QueryString="EXECUTE by_region", ExecutionParameters=["'eu'", "5"],
                                           QueryExecutionContext={"Database": "lake"},
                                           ResultConfiguration={"OutputLocation": "s3://results/athena/"})
    done = finished(athena, started["QueryExecutionId"])
    assert done["Status"]["State"] == "SUCCEEDED", done["Status"]
    result = athena.get_query_results(QueryExecutionId=started["QueryExecutionId"])["ResultSet"]["Rows"]
    assert result[1]["Data"][0]["VarCharValue"] == "1"
    with pytest.raises(athena.exceptions.InvalidRequestException, match="Incorrect number of parameters"):
        athena.start_query_execution(QueryString="EXECUTE by_region USING 'eu'",
                                     ResultConfiguration={"OutputLocation": "s3://results/athena/"})
    ok(athena, "DEALLOCATE PREPARE by_region")
    with pytest.raises(athena.exceptions.InvalidRequestException, match="Prepared statement not found"):
        athena.start_query_execution(QueryString="EXECUTE by_region USING 'eu', 1",
                                     ResultConfiguration={"OutputLocation": "s3://results/athena/"})


def test_runtime_statistics_and_bytes_scanned(lake):
    _, _, athena = lake
    execution = ok(athena, "SELECT count(*) FROM sales")
    assert execution["Statistics"]["DataScannedInBytes"] == len(b"1,eu,10.5\n2,us,3.0\n3,eu,1.5\n4,ap,7.0\n")
    statistics = athena.get_query_runtime_statistics(QueryExecutionId=execution["QueryExecutionId"])[
        "QueryRuntimeStatistics"]
    assert statistics["Rows"]["OutputRows"] == 1
    assert statistics["Timeline"]["TotalExecutionTimeInMillis"] >= 0


def test_partition_projection_reads_partitions_the_catalog_does_not_hold(lake):
    s3, glue, athena = lake
    for day, hour in (("2024-05-01", 1), ("2024-05-02", 2), ("2023-01-01", 3)):
        s3.put_object(Bucket="raw", Key=f"clicks/{day}/h={hour}/part.csv", Body=f"{day},{hour}\n".encode())
    ok(athena, """CREATE EXTERNAL TABLE clicks (d string, n int) PARTITIONED BY (day string, h int)
                  ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://raw/clicks/'
                  TBLPROPERTIES ('projection.enabled' = 'true',
                                 'projection.day.type' = 'date', 'projection.day.format' = 'yyyy-MM-dd',
                                 'projection.day.range' = '2024-01-01,NOW',
                                 'projection.h.type' = 'integer', 'projection.h.range' = '0,23',
                                 'storage.location.template' = 's3://raw/clicks/${day}/h=${h}/')""")
    assert glue.get_partitions(DatabaseName="lake", TableName="clicks")["Partitions"] == []
    # 2023-01-01 is outside the projected range, so Athena does not read it
    assert rows(athena, "SELECT day, h, n FROM clicks ORDER BY day") == [["2024-05-01", "1", "1"],
                                                                         ["2024-05-02", "2", "2"]]


def test_writing_statements_run_locked_down_too(lake):
    _, _, athena = lake
    ok(athena, "CREATE TABLE settings_seen WITH (external_location = 's3://curated/settings/') AS "
               "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
               "'lock_configuration', 'autoload_known_extensions')")
    assert sorted(rows(athena, "SELECT name, value FROM settings_seen")) == [
        ["autoload_known_extensions", "false"], ["enable_external_access", "false"], ["lock_configuration", "true"]]
    for sql in ("CREATE TABLE leak2 AS SELECT * FROM read_blob('/etc/hostname')",
                "INSERT INTO settings_seen SELECT 'x', content FROM read_text('/etc/hostname')",
                "UNLOAD (SELECT * FROM read_csv('/etc/passwd')) TO 's3://curated/leak/' WITH (format = 'JSON')"):
        assert failed(athena, sql).startswith("PERMISSION_DENIED"), sql


@pytest.mark.parametrize("sql, expected", [
    ("SELECT date_add('day', 3, DATE '2024-01-30')", "2024-02-02"),
    ("SELECT date_diff('day', DATE '2024-01-01', DATE '2024-03-01')", "60"),
    ("SELECT approx_percentile(x, 0.5) FROM UNNEST(sequence(1, 9)) AS t(x)", "5"),
    ("SELECT regexp_extract('order-123-x', 'order-(\\d+)', 1)", "123"),
    ("SELECT year(from_iso8601_timestamp('2024-05-06T07:08:09Z'))", "2024"),
    ("SELECT try_cast('nope' AS integer) IS NULL", "true"),
    ("SELECT element_at(map(ARRAY['a', 'b'], ARRAY[1, 2]), 'b')", "2"),
    ("SELECT cardinality(filter(ARRAY[1, 2, 3, 4], x -> x > 2))", "2"),
    ("SELECT array_join(transform(ARRAY[1, 2], x -> x * 10), ',')", "10,20"),
    ("SELECT sum(x * n) FROM UNNEST(ARRAY[5, 7]) WITH ORDINALITY AS t(x, n)", "19"),
])
def test_trino_functions_translate(lake, sql, expected):
    _, _, athena = lake
    assert rows(athena, sql) == [[expected]]


def test_query_execution_context_catalog(lake):
    _, _, athena = lake
    for catalog, state in (("AwsDataCatalog", "SUCCEEDED"), ("awsdatacatalog", "SUCCEEDED"), ("other", "FAILED")):
        execution = run_query(athena, "SELECT count(*) FROM sales", "lake")  # default catalog
        assert execution["QueryExecutionContext"]["Catalog"] == "AwsDataCatalog"
        started = athena.start_query_execution(
            QueryString="SELECT count(*) FROM sales", QueryExecutionContext={"Database": "lake", "Catalog": catalog},
            ResultConfiguration={"OutputLocation": "s3://results/athena/"})
        done = finished(athena, started["QueryExecutionId"])
        assert done["Status"]["State"] == state
        if state == "FAILED":
            assert done["Status"]["StateChangeReason"].startswith("CATALOG_NOT_FOUND: line 1:1: Catalog 'other'")


def test_enforced_workgroup_location_holds_ctas_tables(lake):
    s3, _, athena = lake
    athena.create_work_group(Name="etl", Configuration={
        "ResultConfiguration": {"OutputLocation": "s3://curated/wg-results/"}, "EnforceWorkGroupConfiguration": True})
    started = athena.start_query_execution(
        QueryString="CREATE TABLE wg_copy AS SELECT id FROM sales", WorkGroup="etl",
        QueryExecutionContext={"Database": "lake"}, ResultConfiguration={"OutputLocation": "s3://results/ignored/"})
    done = finished(athena, started["QueryExecutionId"])
    assert done["Status"]["State"] == "SUCCEEDED", done["Status"]
    # Athena: with the work group's location enforced, the table goes under <its location>/tables/<query id>/
    assert keys(s3, "curated", f"wg-results/tables/{started['QueryExecutionId']}/")
    assert not keys(s3, "results", "ignored/")


def test_unnamed_columns_are_named_as_trino_names_them(lake):
    _, glue, athena = lake
    execution = ok(athena, "SELECT count(*), region, max(amount) AS top FROM sales GROUP BY region")
    header = athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"])["ResultSet"]["Rows"][0]
    assert [c["VarCharValue"] for c in header["Data"]] == ["_col0", "region", "top"]
    ok(athena, "CREATE TABLE unnamed WITH (external_location = 's3://curated/unnamed/') AS SELECT count(*) FROM sales")
    columns = glue.get_table(DatabaseName="lake", Name="unnamed")["Table"]["StorageDescriptor"]["Columns"]
    assert columns == [{"Name": "_col0", "Type": "bigint"}]
