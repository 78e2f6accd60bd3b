"""dbt-core with the Athena adapter (dbt-athena-community, from PyPI, unchanged) builds a table model, a
view and an incremental insert_overwrite model through the local Athena and Glue, found through
AWS_ENDPOINT_URL; the rows are checked against the same SQL in DuckDB."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT = Path(__file__).parent / "dbt_project"
SALES = [(1, "eu", 10.5, "2024-01-01"), (2, "us", 3.0, "2024-01-01"), (3, "eu", 1.5, "2024-01-02")]
PROFILE = """shop:
  target: local
  outputs:
    local:
      type: athena
      s3_staging_dir: s3://dbt-results/staging/
      s3_data_dir: s3://dbt-lake/dbt/
      region_name: {region}
      database: awsdatacatalog
      schema: analytics
      threads: 1
      num_retries: 0
      poll_interval: 0.2
"""


def _dbt() -> str:
    found = Path(sys.executable).parent / "dbt"
    if not found.exists():
        pytest.fail("dbt is not installed in this environment: `make install` installs the dev dependencies "
                    "(dbt-athena-community, dbt-core<1.12)")
    return str(found)


@pytest.fixture(scope="module")
def dbt_cloud(tmp_path_factory):
    from localcloud.testing import isolated

    cloud = isolated(tmp_path_factory.mktemp("dbt-state")).start()
    s3, glue = cloud.client("s3"), cloud.client("glue")
    for bucket in ("dbt-lake", "dbt-results", "results"):  # results: where run_query puts results
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket="dbt-lake", Key="raw/sales/part.csv",
                  Body="".join(f"{i},{r},{a},{d}\n" for i, r, a, d in SALES).encode())
    glue.create_database(DatabaseInput={"Name": "raw"})
    glue.create_database(DatabaseInput={"Name": "analytics"})
    glue.create_table(DatabaseName="raw", TableInput={"Name": "sales", "TableType": "EXTERNAL_TABLE", "StorageDescriptor": {
        "Columns": [{"Name": "id", "Type": "int"}, {"Name": "region", "Type": "string"},
                    {"Name": "amount", "Type": "double"}, {"Name": "day", "Type": "string"}],
        "Location": "s3://dbt-lake/raw/sales/", "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                      "Parameters": {"field.delim": ","}}}})
    project = tmp_path_factory.mktemp("dbt-project")
    shutil.copytree(PROJECT, project, dirs_exist_ok=True)
    (project / "profiles.yml").write_text(PROFILE.format(region=cloud.settings.region))
    env = {**os.environ, "AWS_ENDPOINT_URL": cloud.endpoint, "AWS_ACCESS_KEY_ID": "test",
           "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": cloud.settings.region,
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    yield cloud, project, env
    cloud.stop()


def dbt_run(project: Path, env: dict) -> str:
    done = subprocess.run([_dbt(), "run", "--profiles-dir", str(project), "--no-use-colors"],
                          check=False, cwd=project,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return done.stdout


def athena_rows(cloud, sql: str) -> list[list[str]]:
    from test_athena_queries import run_query

    execution = run_query(cloud.client("athena"), sql, "analytics")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    result = cloud.client("athena").get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    return [[c.get("VarCharValue") for c in row["Data"]] for row in result["ResultSet"]["Rows"][1:]]


def duckdb_rows(sql: str) -> list[list[str]]:
    connection = duckdb.connect()
    connection.execute("CREATE TABLE sales (id INTEGER, region VARCHAR, amount DOUBLE, day VARCHAR)")
    connection.executemany("INSERT INTO sales VALUES (?, ?, ?, ?)", SALES)
    return [[str(v) for v in row] for row in connection.execute(sql).fetchall()]


def test_table_view_and_incremental_models(dbt_cloud):
    cloud, project, env = dbt_cloud
    output = dbt_run(project, env)
    assert "PASS=3" in output
    glue = cloud.client("glue")
    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName="analytics")["TableList"]}
    assert tables["eu_orders"]["TableType"] == "VIRTUAL_VIEW"
    assert tables["orders_by_region"]["Parameters"].get("classification") == "parquet"
    assert athena_rows(cloud, "SELECT region, orders, total FROM orders_by_region ORDER BY region") == duckdb_rows(
        "SELECT region, count(*), sum(amount) FROM sales GROUP BY region ORDER BY region")
    assert athena_rows(cloud, "SELECT region, total FROM eu_orders") == [["eu", "12.0"]]
    # The second run is incremental: insert_overwrite replaces the partitions it writes, keeps the others.
    dbt_run(project, env)
    assert athena_rows(cloud, "SELECT day, count(*) FROM daily GROUP BY day ORDER BY day") == duckdb_rows(
        "SELECT day, count(*) FROM sales GROUP BY day ORDER BY day")
