"""AWS SDK for pandas (awswrangler, from PyPI, unchanged) against the local cloud through AWS_ENDPOINT_URL,
with its defaults: to_parquet into a catalogued dataset, read_sql_query with its default CTAS approach,
the UNLOAD approach, the plain CSV result approach; results compared with the same SQL run in DuckDB over
the same DataFrame."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

wr = pytest.importorskip("awswrangler", reason="awswrangler is a dev dependency: make install")

QUERY = ("SELECT region, count(*) AS orders, round(sum(amount), 2) AS total, max(day) AS last_day "
         "FROM orders WHERE amount > 1 GROUP BY region ORDER BY region")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    import boto3
    from localcloud.testing import isolated

    cloud = isolated(tmp_path_factory.mktemp("wrangler")).start()
    monkeypatch = pytest.MonkeyPatch()
    # awswrangler makes its own clients: the endpoint reaches them the way it reaches every SDK.
    monkeypatch.setenv("AWS_ENDPOINT_URL", cloud.endpoint)
    for bucket in ("wr-lake", "wr-results"):
        cloud.client("s3").create_bucket(Bucket=bucket)
    yield boto3.Session(region_name=cloud.settings.region, aws_access_key_id="test", aws_secret_access_key="test")
    monkeypatch.undo()
    cloud.stop()


@pytest.fixture(scope="module")
def orders(session) -> pd.DataFrame:
    frame = pd.DataFrame({
        "order_id": range(1, 201),
        "region": [("eu", "us", "ap", "sa")[i % 4] for i in range(200)],
        "amount": [round((i * 37 % 101) / 3.0, 2) for i in range(200)],
        "day": [f"2024-03-{1 + i % 5:02d}" for i in range(200)],
    })
    wr.catalog.create_database("wr_sales", boto3_session=session)
    wr.s3.to_parquet(frame, "s3://wr-lake/orders/", dataset=True, database="wr_sales", table="orders",
                     partition_cols=["day"], boto3_session=session)
    return frame


def expected(frame: pd.DataFrame) -> pd.DataFrame:
    connection = duckdb.connect()
    connection.register("orders", frame)
    return connection.execute(QUERY).df()


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert got.astype(str).values.tolist() == want.astype(str).values.tolist()


def test_read_sql_query_default_ctas_approach(session, orders):
    got = wr.athena.read_sql_query(QUERY, database="wr_sales", s3_output="s3://wr-results/q/",
                                   boto3_session=session)
    same(got, expected(orders))
    # awswrangler dropped its temporary CTAS table, as on AWS
    assert not [t for t in wr.catalog.get_tables(database="wr_sales", boto3_session=session)
                if t["Name"].startswith("temp_table_")]


def test_read_sql_query_unload_and_csv_approaches(session, orders):
    unloaded = wr.athena.read_sql_query(QUERY, database="wr_sales", s3_output="s3://wr-results/u/",
                                        ctas_approach=False, unload_approach=True, boto3_session=session)
    same(unloaded, expected(orders))
    plain = wr.athena.read_sql_query(QUERY, database="wr_sales", s3_output="s3://wr-results/c/",
                                     ctas_approach=False, boto3_session=session)
    same(plain, expected(orders))


def test_ctas_partition_pruning_and_repair_through_awswrangler(session, orders):
    got = wr.athena.read_sql_query("SELECT count(*) AS n FROM orders WHERE day = '2024-03-02'",
                                   database="wr_sales", s3_output="s3://wr-results/p/", boto3_session=session)
    assert int(got["n"][0]) == int((orders["day"] == "2024-03-02").sum())
    more = orders.head(3).assign(day="2024-04-01")
    wr.s3.to_parquet(more, "s3://wr-lake/orders/day=2024-04-01/extra.parquet", boto3_session=session)
    wr.athena.repair_table("orders", database="wr_sales", s3_output="s3://wr-results/r/", boto3_session=session)
    partitions = wr.catalog.get_partitions(database="wr_sales", table="orders", boto3_session=session)
    assert any(values == ["2024-04-01"] for values in partitions.values())


def test_create_ctas_table_and_view_from_awswrangler(session, orders):
    info = wr.athena.create_ctas_table("SELECT region, amount FROM orders WHERE region = 'eu'",
                                       database="wr_sales", ctas_table="eu_orders", s3_output="s3://wr-results/t/",
                                       wait=True, boto3_session=session)
    assert info["ctas_table"] == "eu_orders"
    assert wr.catalog.does_table_exist(database="wr_sales", table="eu_orders", boto3_session=session)
    wr.athena.start_query_execution("CREATE VIEW eu_view AS SELECT sum(amount) AS total FROM eu_orders",
                                    database="wr_sales", s3_output="s3://wr-results/v/", wait=True,
                                    boto3_session=session)
    got = wr.athena.read_sql_query("SELECT total FROM eu_view", database="wr_sales",
                                   s3_output="s3://wr-results/v/", boto3_session=session)
    assert round(float(got["total"][0]), 6) == round(float(orders[orders.region == "eu"]["amount"].sum()), 6)
