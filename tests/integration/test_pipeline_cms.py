"""CMS Part D ingestion end to end: cms_fetch (fixture API) -> raw bucket -> S3 event -> cms_load_mysql -> MySQL.

Runs against the whole stack applied by Terraform (the `localcloud_stack` session fixture) with the CMS API
fixture server (fixtures/cms_api/serve.py) the session starts on a free port (tests/integration/conftest.py).
"""

from __future__ import annotations

import importlib.util
import json
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import boto3
import pymysql
import pytest

from localcloud import testing
from localcloud.testing import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.localcloud_only]

ROOT = Path(__file__).resolve().parents[2]


def _demo_data():
    spec = importlib.util.spec_from_file_location("cms_demo_data", ROOT / "fixtures" / "cms_api" / "demo_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


demo = _demo_data()


def s3_event(bucket: str, key: str) -> dict:
    return {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                         "s3": {"bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                                "object": {"key": key}}}]}


@pytest.fixture(scope="module")
def cms(localcloud_stack):
    outputs = localcloud_stack.outputs
    secret = json.loads(localcloud_stack.client("secretsmanager").get_secret_value(
        SecretId=outputs["mysql_secret_arn"])["SecretString"])

    def query(sql: str, *params):
        connection = pymysql.connect(host=secret["host"], port=int(secret["port"]), user=secret["username"],
                                     password=secret["password"], database=secret["dbname"], connect_timeout=5)
        with connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def count() -> int:
        try:
            return query("SELECT COUNT(*) FROM partd_prescriber_drug")[0][0]
        except pymysql.MySQLError:
            return 0

    lambda_ = localcloud_stack.client("lambda", read_timeout=900)
    answer = lambda_.invoke(FunctionName=outputs["cms_fetch_function"], Payload=b'{"year": "2023"}')
    fetched = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, fetched
    expected = len(demo.records())
    wait_for(lambda: count() >= expected, timeout=180, what=f"MySQL holding {expected} rows")
    yield {"outputs": outputs, "fetched": fetched, "query": query, "count": count, "secret": secret,
           "s3": localcloud_stack.client("s3"), "lambda": lambda_}


def test_every_api_page_lands_in_a_partitioned_raw_key(cms):
    today = datetime.now(UTC).date().isoformat()
    expected_pages = -(-len(demo.records()) // 5000)
    assert cms["fetched"]["pages"] == expected_pages and cms["fetched"]["rows"] == len(demo.records())
    listed = cms["s3"].list_objects_v2(Bucket=cms["outputs"]["cms_raw_bucket"], Prefix="cms/year=2023/")
    keys = sorted(o["Key"] for o in listed["Contents"])
    assert f"cms/year=2023/ingest_date={today}/page-00001.json" in keys
    assert len([k for k in keys if f"ingest_date={today}/" in k]) == expected_pages


def test_mysql_holds_each_record_once_with_typed_values(cms):
    assert cms["count"]() == len(demo.records())
    record = demo.records()[123]
    (row,) = cms["query"](
        "SELECT prscrbr_last_org_name, prscrbr_state_abrvtn, tot_clms, tot_drug_cst, tot_benes, data_year "
        "FROM partd_prescriber_drug WHERE prscrbr_npi = %s AND brnd_name = %s AND gnrc_name = %s",
        record["Prscrbr_NPI"], record["Brnd_Name"], record["Gnrc_Name"])
    assert row[0] == record["Prscrbr_Last_Org_Name"] and row[1] == record["Prscrbr_State_Abrvtn"]
    assert row[2] == int(record["Tot_Clms"]) and row[3] == Decimal(record["Tot_Drug_Cst"])
    assert row[4] == (int(record["Tot_Benes"]) if record["Tot_Benes"] else None)  # suppressed -> NULL
    assert row[5] == 2023


def test_a_redelivered_event_loads_nothing_twice(cms):
    bucket = cms["outputs"]["cms_raw_bucket"]
    key = cms["fetched"]["keys"][0]
    before = cms["count"]()
    loader = cms["outputs"]["function_names"]["cms_load_mysql"]
    answer = cms["lambda"].invoke(FunctionName=loader, Payload=json.dumps(s3_event(bucket, key)).encode())
    result = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, result
    assert result["objects"][0]["status"] == "skipped"
    assert cms["count"]() == before
    assert cms["query"]("SELECT COUNT(*) FROM cms_loaded_objects WHERE object_key = %s", key)[0][0] == 1


def _loader_outcomes(cms, keys: list[str], since_ms: int) -> dict[str, str] | None:
    """key -> what the loader logged for it since `since_ms` ("object loaded" or "object already loaded;
    skipped"), once it has handled every key; None before. The loader is the function the S3 events went
    to (the delivery trace names it); its log lines are JSON."""
    bucket = cms["outputs"]["cms_raw_bucket"]
    endpoint = cms["lambda"].meta.endpoint_url
    targets = {d["target"] for key in keys for d in testing.deliveries(endpoint, f"s3:{bucket}/{key}")
               if d["source"] == f"s3:{bucket}/{key}" and d["result"] == "ok"}
    if not targets:
        return None
    logs = boto3.client("logs", endpoint_url=endpoint, region_name=cms["lambda"].meta.region_name,
                        aws_access_key_id="test", aws_secret_access_key="test")
    outcomes: dict[str, str] = {}
    for target in targets:
        pages = logs.get_paginator("filter_log_events").paginate(
            logGroupName=f"/aws/lambda/{target.rsplit(':', 1)[-1]}", startTime=since_ms)
        for event in (e for page in pages for e in page["events"]):
            try:
                line = json.loads(event["message"])
            except ValueError:
                continue  # START/END/REPORT lines
            if isinstance(line, dict) and line.get("key") in keys and line.get("message", "").startswith("object"):
                outcomes[line["key"]] = line["message"]
    return outcomes if set(outcomes) == set(keys) else None


def test_a_fetch_run_again_the_same_day_adds_no_rows(cms):
    before = cms["count"]()
    since_ms = int(time.time() * 1000)
    answer = cms["lambda"].invoke(FunctionName=cms["outputs"]["cms_fetch_function"], Payload=b"{}")
    refetched = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, refetched
    # The pages' S3 events reach the loader asynchronously; its idempotency record (cms_loaded_objects)
    # decides, and it logs the decision per page: wait for that, not for a while.
    outcomes = wait_for(lambda: _loader_outcomes(cms, refetched["keys"], since_ms), timeout=180,
                        what="the loader to handle every re-fetched page")
    # Same day, same pages: each was loaded before. (Run across midnight, the keys are new: they load, and
    # the upsert on the natural key still adds no row.)
    assert outcomes == {key: "object already loaded; skipped" if key in cms["fetched"]["keys"] else "object loaded"
                        for key in refetched["keys"]}
    assert cms["count"]() == before


def test_a_changed_page_updates_existing_rows_and_adds_new_ones(cms):
    bucket = cms["outputs"]["cms_raw_bucket"]
    existing = dict(demo.records()[0], Tot_Clms="99999")
    new = dict(demo.records()[0], Brnd_Name="Test Brand", Gnrc_Name="Testogen")
    before = cms["count"]()
    cms["s3"].put_object(Bucket=bucket, Key="cms/year=2023/ingest_date=1999-01-01/page-00001.json",
                         Body=json.dumps([existing, new]).encode())
    wait_for(lambda: cms["count"]() == before + 1, what="the new row")
    (clms,) = cms["query"]("SELECT tot_clms FROM partd_prescriber_drug WHERE prscrbr_npi = %s AND brnd_name = %s "
                           "AND gnrc_name = %s", existing["Prscrbr_NPI"], existing["Brnd_Name"],
                           existing["Gnrc_Name"])[0]
    assert clms == 99999
