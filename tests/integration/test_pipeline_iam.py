"""Enforcement bites on a real pipeline: remove one statement from a pipeline role (what a Terraform edit
would do) and that pipeline fails locally with the AccessDenied a real deploy would give; put it back and
it works again. Runs against the whole stack applied by Terraform (the `localcloud_stack` fixture)."""

from __future__ import annotations

import json
import urllib.request

import pytest
from test_pipeline_orders import http, order_rows, unique_invoice

pytestmark = pytest.mark.integration


def _orders_api_role(stack) -> tuple[str, str]:
    lam = stack.client("lambda")
    functions = [f for page in lam.get_paginator("list_functions").paginate() for f in page["Functions"]]
    function = next(f for f in functions if f["FunctionName"].endswith("orders-api"))
    return function["FunctionName"], function["Role"].rsplit("/", 1)[-1]


def _report(stack) -> dict:
    with urllib.request.urlopen(f"{stack.endpoint}/_localcloud/iam", timeout=30) as answer:
        return json.loads(answer.read())


def test_orders_api_without_its_kinesis_statement_is_denied_like_on_aws(localcloud_stack):
    stack = localcloud_stack
    url = stack.outputs["orders_api_url"].rstrip("/") + "/orders"
    function, role = _orders_api_role(stack)
    iam = stack.client("iam")
    policy_name = "least-privilege"
    original = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    document = original if isinstance(original, dict) else json.loads(original)
    without_kinesis = {**document, "Statement": [s for s in document["Statement"]
                                                 if not any(str(a).startswith("kinesis:")
                                                            for a in (s["Action"] if isinstance(s["Action"], list)
                                                                      else [s["Action"]]))]}
    assert len(without_kinesis["Statement"]) == len(document["Statement"]) - 1
    iam.put_role_policy(RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(without_kinesis))
    try:
        status, _ = http("POST", url, order_rows(unique_invoice(), "17850", 1)[0])
        assert status >= 500, "the order was accepted although the role may not write to the stream"
        denied = [d for d in _report(stack)["denied"] if d["action"] == "kinesis:PutRecord"
                  and f"assumed-role/{role}/{function}" in d["principal"]]
        assert denied, _report(stack)
        assert denied[-1]["reason"] == "because no identity-based policy allows the kinesis:PutRecord action"
        assert denied[-1]["statement"]["Resource"].endswith(":stream/" + stack.outputs["orders_stream"])
    finally:
        iam.put_role_policy(RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(document))
    status, _ = http("POST", url, order_rows(unique_invoice(), "17850", 1)[0])
    assert status < 300
