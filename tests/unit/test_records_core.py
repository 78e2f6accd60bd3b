"""Records pipeline: Parquet conversion and keys, Glue schema mapping and merging, the read-only SQL guard."""

import io
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from _lambda_import import load

parquet = load("records_to_parquet")
catalog = load("records_catalog")
query = load("records_query")


def test_csv_becomes_snappy_parquet_with_clean_column_names():
    table = parquet.csv_to_table(b"Sensor ID,Reading,Taken At,Note\ns-1,1.5,2024-01-01T00:00:00,\ns-2,2,"
                                 b"2024-01-01T01:00:00,\n")
    assert table.column_names == ["sensor_id", "reading", "taken_at", "note"]
    data = parquet.to_parquet(table)
    meta = pq.ParquetFile(io.BytesIO(data)).metadata
    assert meta.num_rows == 2 and meta.row_group(0).column(0).compression == "SNAPPY"
    assert pq.read_table(io.BytesIO(data)).schema.field("note").type == pa.string()


def test_parquet_key_is_partitioned_and_stable_per_source_version():
    key = parquet.parquet_key("input/Sensor Readings.csv", '"0f343b0931126a20"', date(2026, 1, 31))
    assert key == "record_folders/sensor_readings/ingest_date=2026-01-31/sensor_readings-0f343b093112.parquet"


def test_unparseable_csv_is_a_conversion_error():
    with pytest.raises(parquet.ConversionError):
        parquet.csv_to_table(b"a,b\n1,2\n3,4,5\n")
    with pytest.raises(parquet.ConversionError, match="empty"):
        parquet.csv_to_table(b"  \n")


def test_catalog_key_parsing():
    assert catalog.parse_key("record_folders/t1/ingest_date=2026-01-31/x.parquet") == \
        ("record_folders", "t1", "2026-01-31")
    with pytest.raises(catalog.NotARecordFile):
        catalog.parse_key("record_folders/t1/x.parquet")


def test_glue_types_from_arrow():
    schema = pa.schema([("a", pa.int64()), ("b", pa.float64()), ("c", pa.string()), ("d", pa.bool_()),
                        ("e", pa.timestamp("s")), ("f", pa.date32()), ("g", pa.decimal128(10, 2))])
    assert [c["Type"] for c in catalog.columns_from_schema(schema)] == \
        ["bigint", "double", "string", "boolean", "timestamp", "date", "decimal(10,2)"]


def test_merge_keeps_order_widens_numbers_and_appends_new_columns():
    merged = catalog.merge_columns([{"Name": "a", "Type": "bigint"}, {"Name": "b", "Type": "string"}],
                                   [{"Name": "b", "Type": "string"}, {"Name": "a", "Type": "double"},
                                    {"Name": "c", "Type": "date"}])
    assert merged == [{"Name": "a", "Type": "double"}, {"Name": "b", "Type": "string"},
                      {"Name": "c", "Type": "date"}]
    assert catalog.wider("date", "bigint") == "string"


@pytest.mark.parametrize("sql", [
    "SELECT 1", "select * from t;", "WITH x AS (SELECT 1) SELECT * FROM x",
    "-- note\nSELECT 'drop table x' AS s", "SELECT \"update\" FROM t",
])
def test_read_only_queries_pass(sql):
    assert query.check_read_only(sql)


@pytest.mark.parametrize("sql, reason", [
    ("DROP TABLE t", "starts with DROP"),
    ("SELECT 1; DROP TABLE t", "one statement"),
    ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "INSERT"),
    ("/* hi */ delete from t", "starts with DELETE"),
    ("SELECT * FROM t; ", None),
    ("", "Pass a SQL"),
])
def test_forbidden_queries_are_rejected(sql, reason):
    if reason is None:
        assert query.check_read_only(sql) == "SELECT * FROM t"
        return
    with pytest.raises(query.QueryRejected, match=reason):
        query.check_read_only(sql)


def test_results_drop_the_header_row_and_convert_types():
    page = {"ResultSet": {"ResultSetMetadata": {"ColumnInfo": [{"Name": "id", "Type": "bigint"},
                                                                {"Name": "v", "Type": "double"},
                                                                {"Name": "s", "Type": "varchar"}]},
                          "Rows": [{"Data": [{"VarCharValue": "id"}, {"VarCharValue": "v"},
                                             {"VarCharValue": "s"}]},
                                   {"Data": [{"VarCharValue": "1"}, {"VarCharValue": "2.5"}, {}]},
                                   {"Data": [{"VarCharValue": "2"}, {"VarCharValue": "3"},
                                             {"VarCharValue": "x"}]}]}}
    assert query.shape_rows([page], 10) == (["id", "v", "s"], [[1, 2.5, None], [2, 3.0, "x"]], False)
    assert query.shape_rows([page], 1)[2] is True
