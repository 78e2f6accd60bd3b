"""Athena figures: COUNT(*) and a GROUP BY over a 1,000,000-row Parquet table, end to end through boto3
(StartQueryExecution, polling GetQueryExecution, GetQueryResults), first run (mirror copies the object)
and warm runs (ETag unchanged, nothing copied).

Goal: each under 1 s end to end. And CTAS of the 1,000,000 rows to Parquet read back by awswrangler's
default read path (read_sql_query: CTAS, manifest, Parquet files): under 3 s end to end. Run: .venv/bin/python bench/bench_athena.py (JSON in bench/results/athena.json)
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import boto3
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import figure, free_port, wait_healthy, write_results

ROWS = 1_000_000
RUNS = 5


def make_table() -> bytes:
    ids = pa.array(range(ROWS), pa.int64())
    table = pa.table({"id": ids, "city": pa.array([f"city-{i % 50}" for i in range(ROWS)]),
                      "amount": pa.array([(i % 1000) / 10 for i in range(ROWS)], pa.float64())})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def query(athena, sql: str) -> float:
    began = time.perf_counter()
    execution_id = athena.start_query_execution(QueryString=sql, QueryExecutionContext={"Database": "bench"},
                                                ResultConfiguration={"OutputLocation": "s3://bench-results/"})[
        "QueryExecutionId"]
    while True:
        state = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]["Status"]
        if state["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        time.sleep(0.01)
    assert state["State"] == "SUCCEEDED", state
    athena.get_query_results(QueryExecutionId=execution_id)
    return time.perf_counter() - began


def wrangler_ctas(port: int) -> float:
    """awswrangler's default: CTAS into Parquet, then the files from the manifest into a DataFrame."""
    import os

    import awswrangler as wr

    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
    session = boto3.Session(region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    began = time.perf_counter()
    frame = wr.athena.read_sql_query("SELECT id, city, amount FROM sales", database="bench",
                                     s3_output="s3://bench-results/wr/", boto3_session=session)
    elapsed = time.perf_counter() - began
    assert len(frame) == ROWS
    return elapsed


def main() -> None:
    port = free_port()
    state = Path(tempfile.mkdtemp(prefix="bench-athena-"))
    server = subprocess.Popen([sys.executable, "-m", "localcloud.server.main", "--port", str(port), "--state-dir",
                               str(state)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/_localcloud/health", server)
        kw = {"endpoint_url": f"http://127.0.0.1:{port}", "region_name": "us-east-1",
              "aws_access_key_id": "test", "aws_secret_access_key": "test"}
        s3, glue, athena = (boto3.client(name, **kw) for name in ("s3", "glue", "athena"))
        s3.create_bucket(Bucket="bench-lake")
        s3.create_bucket(Bucket="bench-results")
        body = make_table()
        s3.put_object(Bucket="bench-lake", Key="sales/part-0.parquet", Body=body)
        glue.create_database(DatabaseInput={"Name": "bench"})
        glue.create_table(DatabaseName="bench", TableInput={"Name": "sales", "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "city", "Type": "string"},
                        {"Name": "amount", "Type": "double"}],
            "Location": "s3://bench-lake/sales/",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}})
        figures = []
        first = query(athena, "SELECT COUNT(*) FROM sales")
        figures.append(figure("count(*) 1M rows, first (copies object)", first, "s", goal=1.0))
        for name, sql in (("count(*) 1M rows, warm", "SELECT COUNT(*) FROM sales"),
                          ("group by 1M rows, warm", "SELECT city, count(*), sum(amount) FROM sales GROUP BY city")):
            samples = [query(athena, sql) for _ in range(RUNS)]
            figures.append(figure(name, median(samples), "s", goal=1.0, max=round(max(samples), 3)))
        figures.append(figure("awswrangler read_sql_query (CTAS) of 1M rows", wrangler_ctas(port), "s", goal=3.0))
        write_results("athena", figures, parquet_bytes=len(body), rows=ROWS)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
