"""Part-2 pipeline figures, end to end through the real entry points on a stack applied by Terraform:

- ETL first full run over the demo data (10,000 sales orders): goal under 30 s;
- ETL incremental run after 100 changed rows (50 new sales orders, 50 updated): goal under 5 s;
- orders API: POST latency (p50/p95) and the time until 200 posted orders are all in DynamoDB.

Run time is the Step Functions execution (startDate..stopDate) after firing the schedule rule.
  .venv/bin/python bench/bench_pipelines_part2.py                 # own local cloud, applies infra/tflocal
  .venv/bin/python bench/bench_pipelines_part2.py --endpoint http://127.0.0.1:4566 --outputs .localcloud/outputs.json
JSON in bench/results/pipelines_part2.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import figure, percentile, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SALES_ORDERS = 10_000
ORDERS_POSTED = 200


def fixture(path: str, name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_etl(endpoint: str, sfn, outputs: dict, timeout: float = 300) -> tuple[float, dict]:
    machine = outputs["etl_state_machine_arn"]
    before = {e["executionArn"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]}
    query = urllib.parse.urlencode({"name": outputs["etl_schedule_rule"]})
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/_localcloud/events/fire?{query}", method="POST"),
                           timeout=30).read()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = [e for e in sfn.list_executions(stateMachineArn=machine)["executions"] if e["executionArn"] not in before]
        if new and new[0]["status"] != "RUNNING":
            run = sfn.describe_execution(executionArn=new[0]["executionArn"])
            if run["status"] != "SUCCEEDED":
                raise SystemExit(f"the ETL run ended {run['status']}: {run.get('cause')}")
            return (run["stopDate"] - run["startDate"]).total_seconds(), json.loads(run["output"])
        time.sleep(0.1)
    raise SystemExit(f"the ETL run did not finish within {timeout} s")


def bench_orders(url: str, dynamodb, table: str) -> list[dict]:
    post_orders = fixture("fixtures/orders/post_orders.py", "post_orders")
    invoice_base = 700000 + uuid.uuid4().int % 90000
    rows = [{"InvoiceNo": str(invoice_base + i // 4), "StockCode": f"3{i:04d}", "Description": "BENCH",
             "Quantity": "2", "InvoiceDate": "12/1/2010 8:26", "UnitPrice": "1.25", "CustomerID": "12350",
             "Country": "France"} for i in range(ORDERS_POSTED)]
    latencies, began = [], time.perf_counter()
    for row in rows:
        start = time.perf_counter()
        status, body = post_orders.post(url + "/orders", row)
        assert status == 202, body
        latencies.append(time.perf_counter() - start)
    invoices = sorted({row["InvoiceNo"] for row in rows})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        stored = sum(dynamodb.query(TableName=table, KeyConditionExpression="InvoiceNo = :i", Select="COUNT",
                                    ExpressionAttributeValues={":i": {"S": i}})["Count"] for i in invoices)
        if stored == ORDERS_POSTED:
            break
        time.sleep(0.2)
    return [figure("orders POST p50", percentile(latencies, 0.5) * 1000, "ms", 100),
            figure("orders POST p95", percentile(latencies, 0.95) * 1000, "ms", 300),
            figure(f"orders {ORDERS_POSTED} posted -> in DynamoDB", time.perf_counter() - began, "s")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", help="an already applied stack (with --outputs); default: start our own")
    parser.add_argument("--outputs", type=Path)
    args = parser.parse_args()
    cloud = None
    from localcloud.testing import isolated

    if args.endpoint:
        from urllib.parse import urlsplit

        parts = urlsplit(args.endpoint)
        cloud = isolated(Path(tempfile.mkdtemp(prefix="bench-p2-")), port=parts.port)
        outputs = fixture("fixtures/totesys/database.py", "totesys_database").read_outputs(args.outputs)
        owned = False
    else:
        from localcloud.terraform.runner import TerraformRunner

        cloud = isolated(Path(tempfile.mkdtemp(prefix="bench-p2-"))).start()
        owned = True
        tf_dir = ROOT / "infra" / "tflocal"
        began = time.perf_counter()
        runner = TerraformRunner(tf_dir, "bench-part2", cloud.settings.state_dir, cloud.endpoint,
                                 cloud.settings.region, [tf_dir / "envs" / "local.tfvars"])
        runner.apply()
        print(f"stack applied in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        outputs = runner.outputs()
    try:
        secrets, sfn = cloud.client("secretsmanager"), cloud.client("stepfunctions")
        seed = fixture("fixtures/totesys/seed.py", "totesys_seed")
        changes = fixture("fixtures/totesys/generate_changes.py", "totesys_changes")
        seed.seed(outputs["oltp_secret_arn"], SALES_ORDERS, secrets=secrets, report=lambda line: print(line, file=sys.stderr))
        full, full_output = run_etl(cloud.endpoint, sfn, outputs)
        changes.apply_changes(outputs["oltp_secret_arn"], new_orders=50, updates=50, seed=1, secrets=secrets)
        incremental, incremental_output = run_etl(cloud.endpoint, sfn, outputs)
        figures = [
            figure("etl first full run", full, "s", 30, rows=full_output["ingest"]["total_rows"]),
            figure("etl incremental run (100 rows)", incremental, "s", 5,
                   rows=incremental_output["ingest"]["total_rows"]),
        ]
        figures += bench_orders(outputs["orders_api_url"].rstrip("/"), cloud.client("dynamodb"),
                                outputs["invoices_table"])
        write_results("pipelines_part2", figures, sales_orders=SALES_ORDERS)
    finally:
        if owned:
            cloud.stop()


if __name__ == "__main__":
    main()
