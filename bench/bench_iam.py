"""IAM evaluation overhead per request (issue 16's benchmark: <= 0.2 ms p50 with the pipelines' policies).

In one process, against moto's own backends: a role shaped like the pipelines' execution roles (the
orders_api inline policy: Kinesis put on one stream, DynamoDB reads on two tables; plus the attached AWS
managed AWSLambdaBasicExecutionRole), an assumed-role session, and the enforcement hook timed on
requests as they reach the server (WSGI environs with SigV4 Authorization headers): an allowed
DynamoDB GetItem, an allowed Kinesis PutRecord, a denied DynamoDB PutItem, an S3 GetObject against a
bucket with a bucket policy, and a request signed with the local root keys (the fast path).
"""

from __future__ import annotations

import io
import json
import logging
import os
import time

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
os.environ["LOCALCLOUD_IAM"] = "enforce"

from common import figure, percentile, write_results

ACCOUNT, REGION = "123456789012", "us-east-1"
CALLS = 5000


def _setup() -> str:
    from moto.core import DEFAULT_ACCOUNT_ID  # noqa: F401
    from moto.iam.models import iam_backends
    from moto.s3.models import s3_backends
    from moto.sts.models import sts_backends

    iam = iam_backends[ACCOUNT]["aws"]
    iam.create_role("orders-api", json.dumps({"Version": "2012-10-17", "Statement": []}), "/", None, "", [],
                    "3600")
    iam.put_role_policy("orders-api", "least-privilege", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kinesis:PutRecord", "kinesis:PutRecords"],
         "Resource": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/orders"},
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
         "Resource": [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/customers",
                      f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/invoices"]}]}))
    iam.attach_role_policy("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "orders-api")
    s3 = s3_backends[ACCOUNT]["aws"]
    s3.create_bucket("data", REGION)
    s3.put_object("data", "raw/a.csv", b"a,b\n")  # an existing key: a missing one also asks for s3:ListBucket
    s3.put_bucket_policy("data", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/orders-api"},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}).encode())
    session = sts_backends[ACCOUNT]["aws"].assume_role(REGION, "orders-api-fn", f"arn:aws:iam::{ACCOUNT}:role/orders-api",
                                                      "", 3600, "")
    return session.access_key_id


def _environ(key: str, signing: str, target: str | None, body: dict | None, path: str = "/",
             method: str = "POST") -> dict:
    raw = json.dumps(body).encode() if body is not None else b""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "CONTENT_LENGTH": str(len(raw)),
               "CONTENT_TYPE": "application/x-amz-json-1.0", "wsgi.input": io.BytesIO(raw), "REMOTE_ADDR": "127.0.0.1",
               "HTTP_HOST": "127.0.0.1:4566", "wsgi.url_scheme": "http",
               "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential={key}/20261201/{REGION}/{signing}/aws4_request, "
                                     "SignedHeaders=host, Signature=0"}
    if target:
        environ["HTTP_X_AMZ_TARGET"] = target
    return environ


def main() -> None:
    logging.disable(logging.WARNING)  # the denied case logs each denial; not what is measured
    from localcloud.iam.enforcement import check

    key = _setup()
    cases = {
        "dynamodb GetItem (allowed)": (_environ(key, "dynamodb", "DynamoDB_20120810.GetItem",
                                                {"TableName": "customers", "Key": {"pk": {"S": "c1"}}}),
                                       ("dynamodb", "GetItem")),
        "kinesis PutRecord (allowed)": (_environ(key, "kinesis", "Kinesis_20131202.PutRecord",
                                                 {"StreamName": "orders", "Data": "e30=", "PartitionKey": "p"}),
                                        ("kinesis", "PutRecord")),
        "dynamodb PutItem (denied)": (_environ(key, "dynamodb", "DynamoDB_20120810.PutItem",
                                               {"TableName": "customers", "Item": {"pk": {"S": "c1"}}}),
                                      ("dynamodb", "PutItem")),
        "s3 GetObject (bucket policy)": (_environ(key, "s3", None, None, "/data/raw/a.csv", "GET"),
                                         ("s3", "GetObject")),
        "s3 GetObject of a missing key (+ s3:ListBucket)": (_environ(key, "s3", None, None, "/data/raw/none.csv",
                                                                      "GET"), ("s3", "GetObject")),
        "root keys (not evaluated)": (_environ("test", "dynamodb", "DynamoDB_20120810.PutItem",
                                               {"TableName": "customers", "Item": {}}), ("dynamodb", "PutItem")),
    }
    figures = []
    for name, (environ, (service, operation)) in cases.items():
        body = environ["wsgi.input"].getvalue()

        def describe(env, service=service, operation=operation, body=body):
            return service, operation, body, REGION

        samples = []
        for _ in range(CALLS):
            started = time.perf_counter()
            check(environ, describe, lambda s: None, ACCOUNT)
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        p50 = percentile(samples, 0.50)
        figures.append(figure(f"iam check p50: {name}", round(p50, 4), "ms", 0.2,
                              p99=round(percentile(samples, 0.99), 4)))
    write_results("iam", figures, notes=f"{CALLS} calls per case, one process, moto's backends; the hook as "
                                        "server/app.py calls it, after the WSGI environ is read")


if __name__ == "__main__":
    main()
