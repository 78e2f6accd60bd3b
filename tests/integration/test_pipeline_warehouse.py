"""totesys ETL end to end: rows changed in the OLTP database, the schedule fired, warehouse rows checked.

Runs against the whole stack applied by Terraform (the `localcloud_stack` session fixture). The tests share
one database and run in file order: full load, incremental load, no-change re-run, failing transform.
"""

from __future__ import annotations

import importlib.util
import json
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest

from localcloud.testing import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.localcloud_only]

ROOT = Path(__file__).resolve().parents[2]
SALES_ORDERS = 300  # the full demo has 10,000; these tests need only the shape


def _fixture_module(name: str):
    """fixtures/totesys/<name>.py under a unique module name (other fixtures have a seed.py too)."""
    spec = importlib.util.spec_from_file_location(f"totesys_{name}", ROOT / "fixtures" / "totesys" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate_changes = _fixture_module("generate_changes")
totesys_seed = _fixture_module("seed")
# The pipeline's own stamp rules (lambdas/shared ships in every ETL zip), to stage an object as a run would.
_spec = importlib.util.spec_from_file_location(
    "etl_batch_keys", ROOT / "lambdas" / "shared" / "pipeline_common" / "batch_keys.py")
batch_keys = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(batch_keys)

DIMENSIONS = {"dim_staff": 20, "dim_location": 30, "dim_currency": 3, "dim_design": 100, "dim_counterparty": 20}


class Etl:
    def __init__(self, stack):
        self.stack, self.outputs = stack, stack.outputs
        self.sfn, self.s3 = stack.client("stepfunctions"), stack.client("s3")
        self.secrets = stack.client("secretsmanager")

    def fire(self, timeout: float = 90) -> dict:
        """Fire the schedule rule as `localcloud events fire` does, then wait for the run it started."""
        machine = self.outputs["etl_state_machine_arn"]
        before = {e["executionArn"] for e in self.sfn.list_executions(stateMachineArn=machine)["executions"]}
        query = urllib.parse.urlencode({"name": self.outputs["etl_schedule_rule"]})
        request = urllib.request.Request(f"{self.stack.endpoint}/_localcloud/events/fire?{query}", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200, response.read()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            new = [e for e in self.sfn.list_executions(stateMachineArn=machine)["executions"]
                   if e["executionArn"] not in before]
            if new and new[0]["status"] != "RUNNING":
                return self.sfn.describe_execution(executionArn=new[0]["executionArn"])
            time.sleep(0.3)
        raise AssertionError(f"no ETL run finished within {timeout} s of firing the schedule")

    def warehouse(self) -> psycopg.Connection:
        return totesys_seed.connect(self.outputs["warehouse_secret_arn"], secrets=self.secrets, autocommit=True)

    def counts(self) -> dict[str, int]:
        with self.warehouse() as connection:
            return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                    for table in ("fact_sales_order", "dim_date", *DIMENSIONS)}

    def changes(self, **kwargs) -> dict:
        return generate_changes.apply_changes(self.outputs["oltp_secret_arn"], secrets=self.secrets, seed=7,
                                              **kwargs)


@pytest.fixture(scope="module")
def etl(localcloud_stack) -> Etl:
    etl = Etl(localcloud_stack)
    totesys_seed.seed(etl.outputs["oltp_secret_arn"], SALES_ORDERS, secrets=etl.secrets, report=lambda _: None)
    return etl


def test_first_run_loads_the_whole_star_schema(etl):
    started = time.monotonic()
    run = etl.fire()
    assert run["status"] == "SUCCEEDED", run.get("cause") or run
    counts = etl.counts()
    assert counts["fact_sales_order"] == SALES_ORDERS
    assert {name: counts[name] for name in DIMENSIONS} == DIMENSIONS
    assert counts["dim_date"] > 0
    with totesys_seed.connect(etl.outputs["oltp_secret_arn"], secrets=etl.secrets) as oltp, etl.warehouse() as wh:
        source = oltp.execute("SELECT units_sold, unit_price, staff_id, agreed_delivery_date FROM sales_order "
                              "WHERE sales_order_id = 17").fetchone()
        fact = wh.execute("SELECT units_sold, unit_price, sales_staff_id, agreed_delivery_date::text "
                          "FROM fact_sales_order WHERE sales_order_id = 17").fetchone()
        assert fact == source
        staff = wh.execute("SELECT department_name, location FROM dim_staff WHERE staff_id = 1").fetchone()
        assert staff == ("Purchasing", "Manchester")
    print(f"first run: {time.monotonic() - started:.1f} s")


def test_an_incremental_run_adds_only_the_changes(etl):
    before = etl.counts()
    touched = etl.changes(new_orders=10, updates=10, staff_updates=2)
    run = etl.fire()
    assert run["status"] == "SUCCEEDED", run.get("cause") or run
    output = json.loads(run["output"])
    assert output["ingest"]["rows_ingested"]["sales_order"] == 20
    after = etl.counts()
    # An updated order is a new fact row (a new version); new orders are new rows.
    assert after["fact_sales_order"] == before["fact_sales_order"] + 20
    assert after["dim_staff"] == before["dim_staff"]
    with etl.warehouse() as wh:
        email = wh.execute("SELECT email_address FROM dim_staff WHERE staff_id = %s",
                           (touched["staff"][0],)).fetchone()[0]
    assert email.startswith(f"staff{touched['staff'][0]}.")


def test_a_rerun_without_changes_ends_early_and_duplicates_nothing(etl):
    before = etl.counts()
    run = etl.fire()
    assert run["status"] == "SUCCEEDED"
    output = json.loads(run["output"])
    assert output["ingest"]["pending_objects"] == 0 and "transform" not in output
    assert etl.counts() == before


def test_loading_the_same_batch_twice_changes_nothing(etl):
    """Re-drive the last successful Load with its own input, as an operator would after a lost response."""
    machine = etl.outputs["etl_state_machine_arn"]
    succeeded = [e for e in etl.sfn.list_executions(stateMachineArn=machine, statusFilter="SUCCEEDED")["executions"]]
    transform = next(json.loads(etl.sfn.describe_execution(executionArn=e["executionArn"])["output"]).get("transform")
                     for e in succeeded if "transform" in etl.sfn.describe_execution(executionArn=e["executionArn"])["output"])
    before = etl.counts()
    load_arn = next(f for f in etl.stack.client("lambda").list_functions()["Functions"]
                    if f["FunctionName"].endswith("etl-load"))["FunctionArn"]
    answer = etl.stack.client("lambda").invoke(FunctionName=load_arn, Payload=json.dumps(transform).encode())
    result = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, result
    assert set(result["rows_changed"].values()) == {0}
    assert etl.counts() == before


def test_a_failing_transform_alerts_and_loads_nothing_then_the_batch_is_picked_up(etl):
    mailbox = etl.stack.cloud.settings.state_dir / "mailbox"
    mails_before = set(mailbox.glob("*.json")) if mailbox.is_dir() else set()
    before = etl.counts()
    # A corrupt object as an earlier ingest run would leave it: under the stamp that run claimed, so the next
    # run's own objects get a later stamp and never overwrite it.
    bucket = etl.outputs["ingest_bucket"]
    try:
        previous = etl.s3.get_object(Bucket=bucket, Key="_state/last_run_stamp")["Body"].read().decode()
    except etl.s3.exceptions.NoSuchKey:
        previous = None
    stamp = batch_keys.next_run_stamp(datetime.now(timezone.utc), previous)
    corrupt_key = batch_keys.object_key("sales_order", stamp)
    etl.s3.put_object(Bucket=bucket, Key=corrupt_key, Body=b"PAR1 this is not parquet")
    etl.s3.put_object(Bucket=bucket, Key="_state/last_run_stamp", Body=stamp.encode())
    etl.changes(new_orders=5, updates=0)

    run = etl.fire(timeout=120)
    assert run["status"] == "FAILED"
    history = etl.sfn.get_execution_history(executionArn=run["executionArn"], maxResults=1000)["events"]
    transform_attempts = [e for e in history if e["type"] == "TaskStateEntered"
                          and e["stateEnteredEventDetails"]["name"] == "Transform"]
    failures = [e for e in history if e["type"] in ("LambdaFunctionFailed", "TaskFailed")]
    assert transform_attempts and len(failures) >= 2, "the transform was not retried before the run failed"
    assert etl.counts() == before, "a failed transform must leave the warehouse untouched"

    def alert():
        new = set(mailbox.glob("*.json")) - mails_before if mailbox.is_dir() else set()
        mails = [json.loads(path.read_text()) for path in new]
        return [m for m in mails if "ETL run failed" in m.get("subject", "") and "Transform" in m.get("body", "")]

    wait_for(alert, what="the 'ETL run failed' alert in the mailbox")

    # Move the corrupt object aside: the next run loads the batch the failed run left pending.
    etl.s3.delete_object(Bucket=etl.outputs["ingest_bucket"], Key=corrupt_key)
    run = etl.fire()
    assert run["status"] == "SUCCEEDED", run.get("cause") or run
    assert etl.counts()["fact_sales_order"] == before["fact_sales_order"] + 5
