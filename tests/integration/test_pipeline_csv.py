"""CSV uploads end to end: a CSV under data/ in the uploads bucket -> csv_upsert -> Postgres upserts;
bad rows -> quarantine/ with reasons. Runs against the whole stack applied by Terraform."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from localcloud.testing import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.localcloud_only]


@pytest.fixture(scope="module")
def uploads(localcloud_stack):
    outputs = localcloud_stack.outputs
    secret = json.loads(localcloud_stack.client("secretsmanager").get_secret_value(
        SecretId=outputs["postgres_secret_arn"])["SecretString"])
    assert set(secret) == {"engine", "host", "port", "username", "password", "dbname"}

    def query(sql: str, *params):
        try:
            with psycopg.connect(host=secret["host"], port=secret["port"], user=secret["username"],
                                 password=secret["password"], dbname=secret["dbname"], connect_timeout=5) as db:
                return db.execute(sql, params).fetchall()
        except psycopg.errors.UndefinedTable:
            return None

    return {"bucket": outputs["uploads_bucket"], "s3": localcloud_stack.client("s3"), "query": query,
            "lambda": localcloud_stack.client("lambda"),
            "function": outputs["function_names"]["csv_upsert"]}


def unique(name: str) -> str:
    return f"{name}_{uuid.uuid4().hex[:8]}"


def rows(uploads, table: str, expected: int) -> list:
    def check():
        found = uploads["query"](f"SELECT COUNT(*) FROM {table}")
        return found is not None and found[0][0] == expected
    wait_for(check, what=f"{expected} rows in {table}")
    return uploads["query"](f"SELECT * FROM {table} ORDER BY 1")


def errors(uploads, key: str) -> dict:
    def read():
        try:
            return json.loads(uploads["s3"].get_object(Bucket=uploads["bucket"],
                                                        Key=f"quarantine/{key}.errors.json")["Body"].read())
        except uploads["s3"].exceptions.NoSuchKey:
            return None
    return wait_for(read, what=f"quarantine/{key}.errors.json")


def test_good_rows_load_with_inferred_types_and_bad_rows_go_to_quarantine(uploads):
    table = unique("customers")
    key = f"data/{table}.csv"
    body = ("id,name,age,joined,score,active\n"
            "1,Ada,36,2024-01-02,1.5,true\n"
            "2,Grace,85,2024-01-03,2.25,false\n"
            "3,Linus,not-a-number,2024-01-04,3,true\n"
            "4,Ken,77,2024-01-05,4,true,surplus\n"
            + "".join(f"{i},Person {i},{20 + i},2024-02-{i:02d},{i}.5,true\n" for i in range(5, 25)))
    uploads["s3"].put_object(Bucket=uploads["bucket"], Key=key, Body=body.encode())
    loaded = rows(uploads, table, 22)
    assert loaded[0] == (1, "Ada", 36, __import__("datetime").date(2024, 1, 2), 1.5, True)
    types = dict(uploads["query"]("SELECT column_name, data_type FROM information_schema.columns "
                                  "WHERE table_name = %s", table))
    assert types == {"id": "bigint", "name": "text", "age": "bigint", "joined": "date",
                     "score": "double precision", "active": "boolean"}
    report = errors(uploads, key)
    reasons = {entry["line"]: entry["reason"] for entry in report["rejected"]}
    assert set(reasons) == {4, 5}
    assert "'not-a-number' is not a valid bigint" in reasons[4] and "found 7" in reasons[5]
    quarantined = uploads["s3"].get_object(Bucket=uploads["bucket"], Key=f"quarantine/{key}")["Body"].read()
    assert b"3,Linus,not-a-number" in quarantined and quarantined.startswith(b"id,name,age")


def test_a_second_upload_updates_instead_of_duplicating(uploads):
    table = unique("accounts")
    key = f"data/{table}.csv"
    uploads["s3"].put_object(Bucket=uploads["bucket"], Key=key, Body=b"id,plan\n1,free\n2,free\n")
    rows(uploads, table, 2)
    # id 2 twice in one file: the later line wins; id 3 is new.
    uploads["s3"].put_object(Bucket=uploads["bucket"], Key=key, Body=b"id,plan\n2,pro\n3,free\n2,team\n")
    wait_for(lambda: uploads["query"](f"SELECT COUNT(*) FROM {table}")[0][0] == 3, what="the third account")
    assert uploads["query"](f"SELECT id, plan FROM {table} ORDER BY id") == [(1, "free"), (2, "team"), (3, "free")]


def test_without_an_id_rows_upsert_on_email(uploads):
    table = unique("subscribers")
    key = f"data/{table}.csv"
    uploads["s3"].put_object(Bucket=uploads["bucket"], Key=key, Body=b"email,name\na@x.org,A\nb@x.org,B\n")
    rows(uploads, table, 2)
    uploads["s3"].put_object(Bucket=uploads["bucket"], Key=key, Body=b"email,name\na@x.org,Alice\n")
    wait_for(lambda: uploads["query"](f"SELECT name FROM {table} WHERE email = 'a@x.org'") == [("Alice",)],
             what="the updated name")
    assert uploads["query"](f"SELECT COUNT(*) FROM {table}")[0][0] == 2


def test_a_redelivered_event_changes_nothing(uploads):
    table = unique("orders")
    key = f"data/{table}.csv"
    uploads["s3"].put_object(Bucket=uploads["bucket"], Key=key, Body=b"id,total\n1,9.5\n2,3\n")
    before = rows(uploads, table, 2)
    event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                          "s3": {"bucket": {"name": uploads["bucket"]}, "object": {"key": key}}}]}
    answer = uploads["lambda"].invoke(FunctionName=uploads["function"], Payload=json.dumps(event).encode())
    assert "FunctionError" not in answer, answer["Payload"].read()
    assert uploads["query"](f"SELECT * FROM {table} ORDER BY 1") == before


def test_a_file_without_a_key_column_is_quarantined_whole_with_the_reason(uploads):
    key = f"data/{unique('nokey')}.csv"
    uploads["s3"].put_object(Bucket=uploads["bucket"], Key=key, Body=b"name,city\nAda,London\n")
    report = errors(uploads, key)
    assert "neither an `id` nor an `email`" in report["rejected_file"]
    kept = uploads["s3"].get_object(Bucket=uploads["bucket"], Key=f"quarantine/{key}")["Body"].read()
    assert kept == b"name,city\nAda,London\n"
