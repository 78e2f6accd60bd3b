"""Athena queries through boto3 against a running local cloud: Glue tables over Parquet and CSV objects
written with pyarrow and uploaded to the local S3, executed for real by DuckDB."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from localcloud.testing import isolated, wait_for

PARQUET = {"InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
           "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}
CSV = {"InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
       "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                     "Parameters": {"field.delim": ","}}}


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    cloud = isolated(tmp_path_factory.mktemp("athena-state")).start()
    yield cloud.client("s3"), cloud.client("glue"), cloud.client("athena")
    cloud.stop()


def _parquet(table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def lake(clients):
    s3, glue, _ = clients
    s3.create_bucket(Bucket="lake")
    s3.create_bucket(Bucket="results")
    glue.create_database(DatabaseInput={"Name": "shop"})
    # orders: Parquet, partitioned by day, partitions registered in the catalog (not discovered).
    days = {"2024-01-01": [(1, 10, 2.5, "apple"), (2, 11, 1.0, "pear")],
            "2024-01-02": [(3, 10, 4.0, "apple"), (4, 12, 3.0, "plum"), (5, 11, 0.5, "apple")]}
    for day, rows in days.items():
        ids, customers, amounts, items = zip(*rows)
        body = _parquet(pa.table({"order_id": list(ids), "customer_id": list(customers),
                                  "amount": list(amounts), "item": list(items)}))
        s3.put_object(Bucket="lake", Key=f"orders/day={day}/part-0000.parquet", Body=body)
    s3.put_object(Bucket="lake", Key="orders/day=2024-01-01/_SUCCESS", Body=b"")
    # An unregistered partition: Athena does not see it until it is in the catalog.
    s3.put_object(Bucket="lake", Key="orders/day=2024-01-03/part-0000.parquet",
                  Body=_parquet(pa.table({"order_id": [99], "customer_id": [10], "amount": [100.0],
                                          "item": ["ghost"]})))
    glue.create_table(DatabaseName="shop", TableInput={
        "Name": "orders", "TableType": "EXTERNAL_TABLE",
        "PartitionKeys": [{"Name": "day", "Type": "string"}],
        "StorageDescriptor": {"Columns": [{"Name": "order_id", "Type": "bigint"},
                                          {"Name": "customer_id", "Type": "bigint"},
                                          {"Name": "amount", "Type": "double"}, {"Name": "item", "Type": "string"}],
                              "Location": "s3://lake/orders/", **PARQUET}})
    glue.batch_create_partition(DatabaseName="shop", TableName="orders", PartitionInputList=[
        {"Values": [day], "StorageDescriptor": {"Location": f"s3://lake/orders/day={day}/", **PARQUET}}
        for day in days])
    # customers: CSV with a header line, LazySimpleSerDe.
    text = io.StringIO()
    csv.writer(text).writerows([["customer_id", "name", "signup"], [10, "ada", "2023-05-01"],
                                [11, "bob", "2023-06-01"], [12, "cy", "2023-07-01"]])
    s3.put_object(Bucket="lake", Key="customers/customers.csv", Body=text.getvalue().encode())
    glue.create_table(DatabaseName="shop", TableInput={
        "Name": "customers", "Parameters": {"skip.header.line.count": "1", "classification": "csv"},
        "StorageDescriptor": {"Columns": [{"Name": "customer_id", "Type": "bigint"},
                                          {"Name": "name", "Type": "string"}, {"Name": "signup", "Type": "date"}],
                              "Location": "s3://lake/customers/", **CSV}})
    return "shop"


def run_query(athena, sql: str, database: str = "shop", **extra) -> dict:
    """Start a query and wait for it to finish, as a client polling GetQueryExecution would."""
    started = athena.start_query_execution(QueryString=sql, QueryExecutionContext={"Database": database},
                                           ResultConfiguration={"OutputLocation": "s3://results/athena/"},
                                           **extra)

    def finished() -> dict | None:
        execution = athena.get_query_execution(QueryExecutionId=started["QueryExecutionId"])["QueryExecution"]
        return execution if execution["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED") else None

    return wait_for(finished, interval=0.02, what=f"the query {sql!r} to finish")


def rows_of(athena, execution_id: str) -> tuple[list[str], list[list[str | None]], list[dict]]:
    result = athena.get_query_results(QueryExecutionId=execution_id)
    rows = [[cell.get("VarCharValue") for cell in row["Data"]] for row in result["ResultSet"]["Rows"]]
    return rows[0], rows[1:], result["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]


def test_group_by_with_partition_filter(clients, lake):
    _, _, athena = clients
    execution = run_query(athena, "SELECT item, count(*) AS orders, sum(amount) AS total FROM shop.orders "
                                  "WHERE day = '2024-01-02' GROUP BY item ORDER BY item")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    header, rows, columns = rows_of(athena, execution["QueryExecutionId"])
    assert header == ["item", "orders", "total"]
    assert rows == [["apple", "2", "4.5"], ["plum", "1", "3.0"]]
    assert [c["Type"] for c in columns] == ["varchar", "bigint", "double"]


def test_only_registered_partitions_are_read_and_markers_ignored(clients, lake):
    _, _, athena = clients
    execution = run_query(athena, "SELECT count(*), max(amount) FROM orders")
    _, rows, _ = rows_of(athena, execution["QueryExecutionId"])
    assert rows == [["5", "4.0"]]  # not the unregistered 2024-01-03 partition's 100.0


def test_join_parquet_with_csv_and_where(clients, lake):
    _, _, athena = clients
    execution = run_query(athena, "SELECT c.name, o.order_id, c.signup FROM orders o JOIN customers c "
                                  "ON o.customer_id = c.customer_id WHERE o.amount >= 1 ORDER BY o.order_id")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    _, rows, columns = rows_of(athena, execution["QueryExecutionId"])
    assert rows == [["ada", "1", "2023-05-01"], ["bob", "2", "2023-06-01"], ["ada", "3", "2023-05-01"],
                    ["cy", "4", "2023-07-01"]]
    assert [c["Type"] for c in columns] == ["varchar", "bigint", "date"]


def test_result_csv_and_metadata_land_at_the_output_location(clients, lake):
    s3, _, athena = clients
    execution = run_query(athena, "SELECT order_id, item FROM orders WHERE order_id < 3 ORDER BY order_id")
    query_id = execution["QueryExecutionId"]
    assert execution["ResultConfiguration"]["OutputLocation"] == f"s3://results/athena/{query_id}.csv"
    body = s3.get_object(Bucket="results", Key=f"athena/{query_id}.csv")["Body"].read().decode()
    assert body == '"order_id","item"\n"1","apple"\n"2","pear"\n'
    s3.head_object(Bucket="results", Key=f"athena/{query_id}.csv.metadata")


def test_missing_table_fails_with_athena_reason(clients, lake):
    _, _, athena = clients
    execution = run_query(athena, "SELECT * FROM shop.nothing")
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"] == \
        "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.shop.nothing' does not exist"
    with pytest.raises(athena.exceptions.InvalidRequestException, match="FAILED"):
        athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"])


@pytest.mark.parametrize("sql, reason", [
    ("SELECT nope FROM orders", "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved"),
    ("SELEC 1", "SYNTAX_ERROR"),
    ("DROP TABLE nowhere", "FAILED: SemanticException [Error 10001]: Table not found shop.nowhere"),
    ("DELETE FROM orders WHERE order_id = 1", ("NOT_SUPPORTED: line 1:1: Modifying Hive table rows is only "
                                               "supported for transactional tables")),
])
def test_errors_and_writes_fail_with_reasons(clients, lake, sql, reason):
    _, _, athena = clients
    execution = run_query(athena, sql)
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"].startswith(reason), execution["Status"]["StateChangeReason"]


def test_paging_header_first_then_rows(clients, lake):
    _, _, athena = clients
    execution = run_query(athena, "SELECT x FROM UNNEST(sequence(1, 25)) AS t(x) ORDER BY x")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    values, token, pages = [], None, 0
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"], MaxResults=10, **kwargs)
        values += [row["Data"][0].get("VarCharValue") for row in page["ResultSet"]["Rows"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3 and values == ["x", *[str(i) for i in range(1, 26)]]


def test_trino_dialect_basics(clients, lake):
    _, _, athena = clients
    execution = run_query(athena, "SELECT 7 / 2 AS q, date_format(date_parse('2024-03-04 05:06:07', "
                                  "'%Y-%m-%d %H:%i:%s'), '%Y/%m/%d') AS d, approx_distinct(item) AS n FROM orders")
    _, rows, _ = rows_of(athena, execution["QueryExecutionId"])
    assert rows == [["3", "2024/03/04", "3"]]


def test_show_tables_and_partitions(clients, lake):
    _, _, athena = clients
    execution = run_query(athena, "SHOW PARTITIONS orders")
    result = athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    assert [r["Data"][0]["VarCharValue"] for r in result["ResultSet"]["Rows"]] == ["day=2024-01-01",
                                                                                  "day=2024-01-02"]


def test_output_location_is_required(clients, lake):
    _, _, athena = clients
    with pytest.raises(athena.exceptions.InvalidRequestException, match="No output location provided"):
        athena.start_query_execution(QueryString="SELECT 1")
