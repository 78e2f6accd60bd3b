"""The local console in a real browser (Debian's chromium, driven by Playwright) on the applied pipelines.

Every page opens; an S3 upload is followed through the event graph to its rows in Postgres; an Athena query
runs in the editor; the dashboard's numbers equal SQL on the warehouse; a secret is revealed only with the
CSRF token. Screenshots of every page land in build/console-screenshots/ (overview, event graph, a Step
Functions execution and the dashboard among them).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from localcloud.testing import wait_for

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "console-screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("the console browser tests need Chromium: install Debian's with `sudo apt-get install -y chromium` "
                "(.ci/run does it when missing), then run them again", allow_module_level=True)
try:
    from playwright.sync_api import Page, sync_playwright
except ImportError:
    pytest.skip("the console browser tests need Playwright (a dev extra): run `make install`", allow_module_level=True)

pytestmark = [pytest.mark.integration, pytest.mark.localcloud_only]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SALES_ORDERS = 300  # as test_pipeline_warehouse.py seeds it, so whichever runs first seeds the same database
PAGES = ("overview", "events", "mailbox", "dashboard", "s3", "dynamodb", "sqs", "kinesis", "lambda", "stepfunctions",
         "schedules", "secrets", "rds", "glue", "athena", "alarms")


class ConsolePage:
    def __init__(self, page: Page, endpoint: str) -> None:
        self.page, self.base = page, f"{endpoint}/_localcloud/console/"
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, route: str) -> Page:
        """Open #/route and wait until the page has drawn (router.js sets data-loaded)."""
        self.page.goto(self.base + "#/" + route)
        self.page.wait_for_function("document.getElementById('main').dataset.loaded === location.hash", timeout=60_000)
        return self.page

    def problems(self) -> list[str]:
        return self.page.locator("#main .error").all_inner_texts() + self.errors

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def table(self, selector: str) -> list[list[str]]:
        return self.page.locator(selector).first.evaluate(
            "t => [...t.querySelectorAll('tbody tr')].map(r => [...r.cells].map(c => c.innerText.trim()))")


@pytest.fixture(scope="module")
def console(localcloud_stack):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(60_000)
            yield ConsolePage(page, localcloud_stack.endpoint)
        finally:
            browser.close()


def _totesys(name: str):
    spec = importlib.util.spec_from_file_location(f"console_totesys_{name}", ROOT / "fixtures" / "totesys" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def warehouse(localcloud_stack, console):
    """The warehouse loaded by an ETL run fired from the console's Schedules page ("Fire now")."""
    outputs, secrets = localcloud_stack.outputs, localcloud_stack.client("secretsmanager")
    seed = _totesys("seed")
    seed.seed(outputs["oltp_secret_arn"], SALES_ORDERS, secrets=secrets, report=lambda _: None)
    sfn = localcloud_stack.client("stepfunctions")
    machine = outputs["etl_state_machine_arn"]
    before = {e["executionArn"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]}
    page = console.open("schedules")
    page.click(f"[data-test='fire-{outputs['etl_schedule_rule']}']")
    page.wait_for_selector("[data-test='fire-result'] .ok")

    def finished():
        runs = [e for e in sfn.list_executions(stateMachineArn=machine)["executions"] if e["executionArn"] not in before]
        return runs[0] if runs and runs[0]["status"] != "RUNNING" else None
    run = wait_for(finished, timeout=180, what="the ETL run fired from the console")
    assert run["status"] == "SUCCEEDED", sfn.describe_execution(executionArn=run["executionArn"])
    connection = seed.connect(outputs["warehouse_secret_arn"], secrets=secrets, autocommit=True)
    yield {"run": run, "db": connection}
    connection.close()


def test_every_page_opens_and_the_overview_lists_the_stack(console, localcloud_stack):
    for name in PAGES:
        console.open(name)
        assert console.problems() == [], f"page {name}: {console.problems()}"
        console.screenshot(name)
    page = console.open("overview")
    outputs = page.locator("[data-test='stack'] td").all_inner_texts()
    assert localcloud_stack.outputs["uploads_bucket"] in outputs
    buckets = len(localcloud_stack.client("s3").list_buckets()["Buckets"])
    assert page.inner_text("[data-test='count-s3'] .value") == str(buckets)


def test_an_upload_is_followed_through_the_event_graph_to_its_rows(console, localcloud_stack):
    outputs, s3 = localcloud_stack.outputs, localcloud_stack.client("s3")
    bucket, function = outputs["uploads_bucket"], outputs["function_names"]["csv_upsert"]
    table = f"console_{uuid.uuid4().hex[:8]}"
    # One bad row in 21: the loader infers age as bigint (90% of the values fit) and quarantines the misfit.
    good = "".join(f"{i},Person {i},{20 + i}\n" for i in range(3, 21))
    s3.put_object(Bucket=bucket, Key=f"data/{table}.csv",
                  Body=f"id,name,age\n1,Ada,36\n2,Grace,85\n{good}21,Linus,not-a-number\n".encode())
    quarantine = f"quarantine/data/{table}.csv.errors.json"
    wait_for(lambda: s3.list_objects_v2(Bucket=bucket, Prefix=quarantine).get("KeyCount"), what=quarantine)

    # The event graph: the bucket's notification edge to the function carried the delivery.
    page = console.open("events")
    graph = page.locator("[data-test='event-graph'] svg")
    assert graph.count() == 1
    assert page.locator("[data-test='trace'] td", has_text=f"s3:{bucket}/data/{table}.csv").count() == 1
    edge_labels = page.locator("[data-test='event-graph'] svg text").evaluate_all("all => all.map(t => t.textContent)")
    assert any(label.strip().isdigit() for label in edge_labels), "no edge shows a delivery count"
    console.screenshot("event-graph")
    # Click the function's node in the graph: its page opens, with the invocation the upload caused.
    nodes = page.evaluate("fetch('api/events/graph').then(r => r.json()).then(g => g.nodes)")
    node = next(n for n in nodes if n["label"] == function)
    box = graph.bounding_box()
    page.mouse.click(box["x"] + 8 + node["x"] + 100, box["y"] + 8 + node["y"] + 20)
    page.wait_for_function(f"location.hash === '#/lambda/{function}' && "
                           "document.getElementById('main').dataset.loaded === location.hash")
    assert page.locator("table.invocations td", has_text="ok").count() >= 1

    # Why a row was quarantined: the reasons object, previewed.
    page = console.open(f"s3/{bucket}?key={quarantine}")
    assert "not-a-number" in page.inner_text("#main pre")

    # Its rows: the read-only SQL box on the uploads database.
    page = console.open("rds")
    instance = next(i for i in localcloud_stack.client("rds").describe_db_instances()["DBInstances"]
                    if "postgres" in i["Engine"] and i["Endpoint"]["Port"] == json.loads(
                        localcloud_stack.client("secretsmanager").get_secret_value(
                            SecretId=outputs["postgres_secret_arn"])["SecretString"])["port"])
    identifier = instance["DBInstanceIdentifier"]
    page.fill(f"[data-test='sql-{identifier}']", f"SELECT id, name, (SELECT count(*) FROM {table}) AS n FROM {table} "
              "WHERE id <= 2 ORDER BY id")
    page.click(f"[data-test='run-{identifier}']")
    page.wait_for_selector(f"[data-test='sql-result-{identifier}'] table")
    assert console.table(f"[data-test='sql-result-{identifier}'] table") == [["1", "Ada", "20"], ["2", "Grace", "20"]]
    # Read-only: a write is refused by the database.
    page.fill(f"[data-test='sql-{identifier}']", f"DELETE FROM {table}")
    page.click(f"[data-test='run-{identifier}']")
    page.wait_for_selector(f"[data-test='sql-result-{identifier}'] .error")
    assert "read-only" in page.inner_text(f"[data-test='sql-result-{identifier}'] .error")


def test_an_athena_query_runs_in_the_editor(console, localcloud_stack):
    outputs, glue = localcloud_stack.outputs, localcloud_stack.client("glue")
    table = f"console_{uuid.uuid4().hex[:8]}"
    body = "Sensor ID,Reading\n" + "".join(f"s-{i % 3},{i}.5\n" for i in range(30))
    localcloud_stack.client("s3").put_object(Bucket=outputs["records_bucket"], Key=f"input/{table}.csv", Body=body.encode())

    def partitions():
        try:
            return glue.get_partitions(DatabaseName=outputs["glue_database"], TableName=table)["Partitions"]
        except glue.exceptions.EntityNotFoundException:
            return None
    wait_for(partitions, what=f"the Glue table {table}")
    page = console.open(f"glue/{outputs['glue_database']}/{table}")
    assert "sensor_id" in page.inner_text("#main")
    page.click("text=Query it in Athena")
    page.wait_for_function("document.getElementById('main').dataset.loaded === location.hash")
    page.fill("[data-test='athena-sql']", f'SELECT sensor_id, count(*) AS n FROM "{table}" GROUP BY sensor_id ORDER BY sensor_id')
    page.click("[data-test='athena-run']")
    page.wait_for_selector("[data-test='athena-result'] table, [data-test='athena-result'] .error")
    assert console.problems() == []
    assert console.table("[data-test='athena-result'] table") == [["s-0", "10"], ["s-1", "10"], ["s-2", "10"]]


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_the_dashboard_numbers_are_the_warehouse_numbers(console, warehouse):
    db = warehouse["db"]
    current = ("SELECT DISTINCT ON (sales_order_id) * FROM fact_sales_order "
               "ORDER BY sales_order_id, last_updated_date DESC, last_updated_time DESC")
    orders, value = db.execute(f"SELECT count(*), sum(units_sold * unit_price) FROM ({current}) o").fetchone()
    by_currency = db.execute(f"SELECT c.currency_code, sum(o.units_sold * o.unit_price) FROM ({current}) o "
                             "JOIN dim_currency c USING (currency_id) GROUP BY 1 ORDER BY 2 DESC").fetchall()
    top_designs = db.execute(f"SELECT d.design_name, sum(o.units_sold * o.unit_price) FROM ({current}) o "
                             "JOIN dim_design d USING (design_id) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10").fetchall()
    months = db.execute(f"SELECT count(DISTINCT to_char(created_date, 'YYYY-MM')) FROM ({current}) o").fetchone()[0]

    page = console.open("dashboard")
    assert console.problems() == []
    assert page.locator("[data-test='last-run'] a").count() == 1  # the latest ETL run, linked
    assert _number(page.inner_text("[data-test='total-orders'] .value")) == orders
    assert _number(page.inner_text("[data-test='total-sales'] .value")) == round(value, 2)
    currency_rows = console.table("table.table-sales_by_currency")
    assert [(r[0], _number(r[2])) for r in currency_rows] == [(code, round(v, 2)) for code, v in by_currency]
    design_rows = console.table("table.table-top_designs")
    assert [(r[0], _number(r[1])) for r in design_rows] == [(name, round(v, 2)) for name, v in top_designs]
    assert len(console.table("table.table-sales_by_month")) == months
    for chart in ("sales_by_month", "top_designs", "sales_by_country", "sales_by_city", "sales_by_currency",
                  "sales_by_staff", "delivery_lead_times"):
        assert page.locator(f"[data-test='chart-{chart}'] svg .mark-rect, [data-test='chart-{chart}'] svg .mark-line, "
                            f"[data-test='chart-{chart}'] svg .mark-arc").count() >= 1, f"chart {chart} drew nothing"
        assert "SELECT" in page.locator(f"[data-chart='{chart}'] pre.sql").text_content()  # inside a closed <details>
    console.screenshot("dashboard")

    # Which run loaded fact row 1: the run that loaded the first batch, found from the console alone.
    page.fill("[data-test='lineage-id']", "1")
    page.click("text=Find the run")
    page.wait_for_selector("[data-test='lineage-result'] a")
    run_link = page.locator("[data-test='lineage-result'] a").first
    run_link.click()
    page.wait_for_function("location.hash.includes('execution=') && "
                           "document.getElementById('main').dataset.loaded === location.hash")
    assert "Load" in [row[0] for row in console.table("table.steps")]


def test_a_step_functions_execution_shows_its_path(console, warehouse):
    run = warehouse["run"]
    page = console.open(f"stepfunctions?execution={run['executionArn']}")
    assert console.problems() == []
    states = [row[0] for row in console.table("table.steps")]
    assert states[0] == "Ingest" and "AnythingPending" in states
    assert page.locator("[data-test='execution-graph'] svg").count() == 1
    console.screenshot("stepfunctions-execution")


def test_a_secret_is_revealed_only_with_the_token(console, localcloud_stack):
    arn = localcloud_stack.outputs["postgres_secret_arn"]
    password = json.loads(localcloud_stack.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])["password"]
    page = console.open("secrets")
    assert password not in page.inner_text("#main")
    # The same request without the page's token: refused.
    status = page.evaluate("""arn => fetch('api/secrets/reveal', {method: 'POST', headers: {'Content-Type':
        'application/json'}, body: JSON.stringify({id: arn})}).then(r => r.status)""", arn)
    assert status == 403
    name = next(s["Name"] for s in localcloud_stack.client("secretsmanager").list_secrets()["SecretList"] if s["ARN"] == arn)
    row = page.locator("tr", has=page.locator(f"[data-test='secret-{name}']"))
    row.locator("text=Reveal").click()
    page.wait_for_selector(f"[data-test='secret-{name}'] pre")
    assert password in page.inner_text(f"[data-test='secret-{name}']")


def test_the_mailbox_shows_what_sns_delivered(console, localcloud_stack):
    folder = localcloud_stack.cloud.settings.state_dir / "mailbox"

    def shown_as_delivered():  # an alarm mail may land while the page loads: compare again until they agree
        delivered = len(list(folder.glob("*.json"))) if folder.is_dir() else 0
        page = console.open("mailbox")
        return (f"{delivered} e-mail(s)" in page.inner_text("#main")
                and page.locator("[data-test='mail']").count() == min(delivered, 50))
    wait_for(shown_as_delivered, what="the mailbox page listing every delivered mail")
    console.screenshot("mailbox")
