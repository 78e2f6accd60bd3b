"""Console figures with real volumes: a bucket of 10,000 objects and a table of 100,000 items.

For each: the console API's answer for the first page and for a deep page (server-side paging), and, when
Debian's chromium is installed, the page rendered in a headless browser (hash change until the page says
it has drawn). Goal: every page renders in <= 300 ms.
Run: .venv/bin/python bench/bench_console.py (JSON in bench/results/console.json)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import median

import boto3
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import figure, free_port, wait_healthy, write_results

OBJECTS = 10_000
ITEMS = 100_000
RUNS = 7
GOAL_MS = 300.0
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


def fill(endpoint: str) -> None:
    kw = {"endpoint_url": endpoint, "region_name": "us-east-1", "aws_access_key_id": "test",
          "aws_secret_access_key": "test", "config": Config(max_pool_connections=16)}
    s3, dynamodb = boto3.client("s3", **kw), boto3.client("dynamodb", **kw)
    s3.create_bucket(Bucket="bench-objects")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: s3.put_object(Bucket="bench-objects", Key=f"data/{i:05d}.csv", Body=b"id\n1\n"),
                      range(OBJECTS)))
    dynamodb.create_table(TableName="bench-items", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])

    def batch(start: int) -> None:
        requests = [{"PutRequest": {"Item": {"pk": {"S": f"item-{i:06d}"}, "amount": {"N": str(i % 997)},
                                             "city": {"S": f"city-{i % 50}"}}}} for i in range(start, start + 25)]
        while requests:
            left = dynamodb.batch_write_item(RequestItems={"bench-items": requests}).get("UnprocessedItems", {})
            requests = left.get("bench-items", [])
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(batch, range(0, ITEMS, 25)))


def api_ms(url: str) -> tuple[float, dict]:
    samples, document = [], {}
    for _ in range(RUNS):
        began = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as answer:
            document = json.loads(answer.read())
        samples.append((time.perf_counter() - began) * 1000)
    return median(samples), document


def deep_cursor(base: str, path: str, pages: int, size: int, **params: str) -> str:
    """The cursor of page `pages` + 1, by walking the listing as a person paging forward would."""
    cursor = ""
    for _ in range(pages):
        query = urllib.parse.urlencode({**params, "size": size, "cursor": cursor})
        with urllib.request.urlopen(f"{base}{path}?{query}", timeout=60) as answer:
            cursor = json.loads(answer.read())["next"]
    return cursor


def browser_ms(base: str, routes: dict[str, str]) -> dict[str, float]:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("bench: chromium is not installed (apt-get install chromium); browser figures skipped", file=sys.stderr)
        return {}
    from playwright.sync_api import sync_playwright

    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(base + "/#/overview")
        page.wait_for_function("document.getElementById('main').dataset.loaded === location.hash", timeout=60_000)
        for name, route in routes.items():
            samples = []
            for _ in range(RUNS):
                page.evaluate("location.hash = '#/overview'")
                page.wait_for_function("document.getElementById('main').dataset.loaded === location.hash")
                samples.append(page.evaluate("""route => new Promise(done => {
                    const began = performance.now();
                    const seen = () => document.getElementById('main').dataset.loaded === route
                        ? requestAnimationFrame(() => done(performance.now() - began)) : setTimeout(seen, 2);
                    location.hash = route; seen(); })""", route))
            found[name] = median(samples)
        browser.close()
    return found


def main() -> None:
    port = free_port()
    state = Path(tempfile.mkdtemp(prefix="bench-console-"))
    server = subprocess.Popen([sys.executable, "-m", "localcloud.server.main", "--port", str(port), "--state-dir",
                               str(state)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        wait_healthy(f"{endpoint}/_localcloud/health", server)
        began = time.perf_counter()
        fill(endpoint)
        print(f"bench: filled {OBJECTS} objects and {ITEMS} items in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        base = f"{endpoint}/_localcloud/console"
        objects = "/api/s3/buckets/bench-objects/objects"
        items = "/api/dynamodb/tables/bench-items/items"
        object_cursor = deep_cursor(base, objects, 5, 1000, prefix="data/")
        figures = []
        first_objects, page = api_ms(f"{base}{objects}?prefix=data/")
        assert len(page["items"]) == 100, page
        figures.append(figure("API: objects, first page of 10,000", first_objects, "ms", goal=GOAL_MS))
        deep = f"{base}{objects}?prefix=data/&cursor={urllib.parse.quote(object_cursor)}"
        deep_objects, page = api_ms(deep)
        assert page["items"][0]["key"] == "data/05000.csv", page["items"][0]
        figures.append(figure("API: objects, page at object 5,000", deep_objects, "ms", goal=GOAL_MS))
        first_items, page = api_ms(f"{base}{items}")
        assert len(page["rows"]) == 50, page
        figures.append(figure("API: items, first page of 100,000", first_items, "ms", goal=GOAL_MS))
        item_cursor = deep_cursor(base, items, 50, 1000)  # item 50,000 of the scan order
        deep_items, _ = api_ms(f"{base}{items}?cursor={urllib.parse.quote(item_cursor)}")
        figures.append(figure("API: items, page at item 50,000", deep_items, "ms", goal=GOAL_MS))
        by_key, page = api_ms(f"{base}{items}?key=item-077777")
        assert page["rows"][0][0] == "item-077777", page
        figures.append(figure("API: items, query by key", by_key, "ms", goal=GOAL_MS))
        rendered = browser_ms(base, {
            "browser: bucket page (10,000 objects)": "#/s3/bench-objects?prefix=data/",
            "browser: bucket page at object 5,000": "#/s3/bench-objects?" + urllib.parse.urlencode(
                {"prefix": "data/", "cursor": object_cursor}),
            "browser: table page (100,000 items)": "#/dynamodb/bench-items",
            "browser: table page at item 50,000": "#/dynamodb/bench-items?" + urllib.parse.urlencode({"cursor": item_cursor}),
        })
        figures += [figure(name, value, "ms", goal=GOAL_MS) for name, value in rendered.items()]
        write_results("console", figures, objects=OBJECTS, items=ITEMS)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
