"""Part-1 pipeline figures through the real entry points on a stack applied by Terraform:

- csv_upsert: 100,000 rows into Postgres (COPY to a staging table + one upsert), first load and re-load
  (every row an update); goal under 5 s each, measured around a synchronous invoke.
- CMS: cms_fetch of the demo year (24,039 records, 5 API pages) until every row is in MySQL.
- records: CSV put -> Parquet -> Glue partition visible; query API latency (p50/p95 over 10 GETs).

`--endpoint URL --outputs FILE` measures an already applied stack; by default it starts its own.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from common import ROOT, figure, percentile, write_results
from localcloud.testing import wait_for

UPSERT_ROWS = 100_000


def upsert_csv(rows: int, version: int) -> bytes:
    out = io.StringIO()
    out.write("id,name,email,amount,created,active\n")
    for i in range(1, rows + 1):
        out.write(f"{i},Customer {i},c{i}@example.com,{(i * 7 + version) % 10000}.{version:02d},"
                  f"2024-{1 + i % 12:02d}-{1 + i % 28:02d},{'true' if (i + version) % 3 else 'false'}\n")
    return out.getvalue().encode()


def bench_csv_upsert(cloud, outputs) -> list[dict]:
    s3, lambda_ = cloud.client("s3"), cloud.client("lambda", read_timeout=300)
    figures = []
    table = f"bench_upsert_{uuid.uuid4().hex[:8]}"  # a new table, so the first load really inserts
    for version, label in ((1, "first load"), (2, "re-load, all updates")):
        key = f"bench/{table}.csv"  # outside data/: no notification races the synchronous invoke
        s3.put_object(Bucket=outputs["uploads_bucket"], Key=key, Body=upsert_csv(UPSERT_ROWS, version))
        event = {"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": outputs["uploads_bucket"]},
                                                              "object": {"key": key}}}]}
        began = time.perf_counter()
        answer = lambda_.invoke(FunctionName=outputs["function_names"]["csv_upsert"],
                                Payload=json.dumps(event).encode())
        took = time.perf_counter() - began
        result = json.loads(answer["Payload"].read())
        if answer.get("FunctionError"):
            raise RuntimeError(f"csv_upsert failed: {result}")
        loaded = result["objects"][0]
        assert loaded["rows"] == UPSERT_ROWS and loaded["rejected"] == 0, loaded
        figures.append(figure(f"csv_upsert {UPSERT_ROWS // 1000}k rows, {label}", took, "s", 5,
                              in_function_s=loaded["seconds"], validate_s=loaded.get("validate_s"),
                              database_s=loaded.get("database_s")))
    return figures


def bench_cms(cloud, outputs) -> list[dict]:
    import pymysql
    spec = importlib.util.spec_from_file_location("cms_demo", ROOT / "fixtures" / "cms_api" / "demo_data.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    expected = len(demo.records())
    secret = json.loads(cloud.client("secretsmanager").get_secret_value(
        SecretId=outputs["mysql_secret_arn"])["SecretString"])

    def count() -> int:
        connection = pymysql.connect(host=secret["host"], port=int(secret["port"]), user=secret["username"],
                                     password=secret["password"], database=secret["dbname"])
        with connection, connection.cursor() as cursor:
            try:
                cursor.execute("SELECT COUNT(*) FROM partd_prescriber_drug")
                return cursor.fetchone()[0]
            except pymysql.MySQLError:
                return 0
    if count() >= expected:
        print("bench: MySQL already holds the CMS year; its figure is skipped (use a fresh stack)", file=sys.stderr)
        return []
    began = time.perf_counter()
    answer = cloud.client("lambda", read_timeout=900).invoke(FunctionName=outputs["cms_fetch_function"],
                                                             Payload=b"{}")
    fetched = time.perf_counter() - began
    assert not answer.get("FunctionError"), answer["Payload"].read()
    wait_for(lambda: count() >= expected, 300, 0.1, "all CMS rows in MySQL", max_interval=0.1)
    return [figure("cms_fetch (5 pages, 24k records)", fetched, "s"),
            figure("cms API -> all rows in MySQL", time.perf_counter() - began, "s", 60, rows=expected)]


def bench_records(cloud, outputs) -> list[dict]:
    s3, glue = cloud.client("s3"), cloud.client("glue")
    table = f"bench_readings_{uuid.uuid4().hex[:8]}"
    body = "sensor_id,reading,taken_at\n" + "".join(
        f"s-{i % 10},{i * 0.5},2024-06-01T{i % 24:02d}:{i % 60:02d}:00\n" for i in range(10_000))
    began = time.perf_counter()
    s3.put_object(Bucket=outputs["records_bucket"], Key=f"input/{table}.csv", Body=body.encode())

    def partitioned() -> bool:
        try:
            return bool(glue.get_partitions(DatabaseName=outputs["glue_database"], TableName=table)["Partitions"])
        except glue.exceptions.EntityNotFoundException:
            return False
    wait_for(partitioned, 120, 0.1, "the Glue partition", max_interval=0.1)
    to_catalog = time.perf_counter() - began
    latencies = []
    sql = urllib.parse.urlencode({"sql": f"SELECT sensor_id, avg(reading) FROM {table} GROUP BY sensor_id"})
    for _ in range(10):
        began = time.perf_counter()
        with urllib.request.urlopen(f"{outputs['query_api_url']}/query?{sql}", timeout=60) as response:
            assert len(json.loads(response.read())["rows"]) == 10
        latencies.append(time.perf_counter() - began)
    return [figure("records CSV put -> Glue partition (10k rows)", to_catalog, "s", 30),
            figure("query API p50", percentile(latencies, 0.5) * 1000, "ms", 1000),
            figure("query API p95", percentile(latencies, 0.95) * 1000, "ms")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", help="an already applied stack (with --outputs); default: start our own")
    parser.add_argument("--outputs", type=Path, help="`localcloud terraform outputs` JSON of that stack")
    parser.add_argument("--tf-dir", type=Path, default=ROOT / "infra" / "tflocal")
    args = parser.parse_args()
    from localcloud.testing import isolated

    fixture = subprocess.run([sys.executable, str(ROOT / "fixtures" / "cms_api" / "serve.py"), "--detach",
                              "--state-dir", tempfile.mkdtemp(prefix="bench-p1-fixture-")], capture_output=True, check=False)
    if fixture.returncode != 0:
        raise SystemExit(f"the CMS fixture server did not start: {fixture.stdout!r} {fixture.stderr!r}")
    if args.endpoint:
        port = urllib.parse.urlsplit(args.endpoint).port
        cloud, owned = isolated(Path(tempfile.mkdtemp(prefix="bench-p1-")), port=port), False
        outputs = json.loads(args.outputs.read_text())
    else:
        from localcloud.terraform.runner import TerraformRunner
        cloud, owned = isolated(Path(tempfile.mkdtemp(prefix="bench-p1-"))).start(), True
        began = time.perf_counter()
        runner = TerraformRunner(args.tf_dir, "bench-part1", cloud.settings.state_dir, cloud.endpoint,
                                 cloud.settings.region, [args.tf_dir / "envs" / "local.tfvars"])
        runner.apply()
        print(f"stack applied in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        outputs = runner.outputs()
    try:
        figures = bench_csv_upsert(cloud, outputs) + bench_cms(cloud, outputs) + bench_records(cloud, outputs)
        write_results("pipelines_part1", figures, upsert_rows=UPSERT_ROWS)
    finally:
        if owned:
            cloud.stop()


if __name__ == "__main__":
    main()
