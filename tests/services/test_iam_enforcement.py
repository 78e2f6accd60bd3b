"""IAM enforced on a real local cloud: a function's calls are evaluated against its execution role, a denied
call fails with the service's AccessDenied naming the statement to add, and adding it makes the call pass.

The cases beyond the Lambda ones sign with an assumed role's session keys from STS AssumeRole (what the
Lambda runtime gives each function), so each decision is one plain API call.
"""

from __future__ import annotations

import base64
import json
import re
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from support import Functions, start_cloud, wait_for

ACCOUNT = "123456789012"

# The handler tries each call and reports its outcome, so one invocation shows all three decisions.
TRIES = """import base64, os, boto3
from botocore.exceptions import ClientError
def handler(event, context):
    calls = {
        "dynamodb": lambda: boto3.client("dynamodb").put_item(TableName=event["table"],
                                                             Item={"pk": {"S": "k"}}),
        "s3": lambda: boto3.client("s3").get_object(Bucket=event["bucket"], Key="data/a.txt")["Body"].read(),
        "kms": lambda: boto3.client("kms").decrypt(CiphertextBlob=base64.b64decode(event["ciphertext"])),
    }
    outcome = {}
    for name, call in calls.items():
        try:
            call()
            outcome[name] = "ok"
        except ClientError as exc:
            outcome[name] = {"code": exc.response["Error"]["Code"], "message": exc.response["Error"]["Message"]}
    return outcome
"""


@pytest.fixture(scope="module")
def iam_cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("iam-state"), LOCALCLOUD_IAM="enforce")
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def resources(iam_cloud):
    """A table, an object and a ciphertext, made with the root's keys (as Terraform makes them)."""
    import base64

    table, bucket = f"t-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    iam_cloud.client("dynamodb").create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    iam_cloud.client("s3").create_bucket(Bucket=bucket)
    iam_cloud.client("s3").put_object(Bucket=bucket, Key="data/a.txt", Body=b"a")
    kms = iam_cloud.client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"secret")["CiphertextBlob"]
    return {"table": table, "bucket": bucket, "key": key, "ciphertext": base64.b64encode(blob).decode()}


def _statement(message: str) -> dict:
    """The statement the AccessDenied message says to add."""
    found = re.search(r"add this statement to [^:]+: (\{.*\})\)$", message)
    assert found, f"no statement to add in: {message}"
    return json.loads(found.group(1))


def test_function_without_policy_is_denied_then_allowed_by_the_named_statements(iam_cloud, resources):
    functions = Functions(iam_cloud, policy=None)
    name = functions.create(TRIES, Timeout=60)
    answer, outcome = functions.invoke(name, resources, LogType="Tail")
    log_tail = base64.b64decode(answer["LogResult"]).decode()
    assert "[localcloud iam] AccessDenied: User: " in log_tail and "kms:Decrypt" in log_tail, log_tail
    # The function's log, the report and the delivery trace carry the same line for each denial.
    report = json.loads(iam_cloud.cli("iam", "report", "--json").stdout)
    decrypt = next(d for d in reversed(report["denied"]) if d["action"] == "kms:Decrypt"
                   and d["principal"].endswith(f"/{name}"))
    assert decrypt["line"] in log_tail, (decrypt["line"], log_tail)
    assert decrypt["line"] in [d["detail"] for d in iam_cloud.deliveries(f"iam:{decrypt['principal']}")]
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{functions.role_name}/{name}"
    expected = {"dynamodb": ("AccessDeniedException", "dynamodb:PutItem",
                             f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{resources['table']}"),
                "s3": ("AccessDenied", "s3:GetObject", f"arn:aws:s3:::{resources['bucket']}/data/a.txt"),
                "kms": ("AccessDeniedException", "kms:Decrypt", resources["key"])}
    statements = []
    for service, (code, action, resource) in expected.items():
        error = outcome[service]
        assert error["code"] == code, outcome
        shown = f'"{resource}"' if service == "s3" else resource  # S3 quotes the resource (messages.py)
        assert error["message"].startswith(
            f"User: {session} is not authorized to perform: {action} on resource: {shown} because no "
            f"identity-based policy allows the {action} action"), error["message"]
        statement = _statement(error["message"])
        assert statement == {"Effect": "Allow", "Action": action, "Resource": resource}
        statements.append(statement)

    iam_cloud.client("iam").put_role_policy(
        RoleName=functions.role_name, PolicyName="named-by-the-errors",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    _, outcome = functions.invoke(name, resources)
    assert outcome == {"dynamodb": "ok", "s3": "ok", "kms": "ok"}


# -- the rest: one assumed-role session per case ------------------------------------------------------------
# The tests assume each role with the local (root) keys: the trust policy must name the account for that, as
# on AWS a trust policy naming only lambda.amazonaws.com refuses every other caller (test_iam_assume_role.py).
ACCOUNT_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com", "AWS": f"arn:aws:iam::{ACCOUNT}:root"},
     "Action": "sts:AssumeRole"}]})


def _role(cloud, *policies: dict, boundary: str | None = None) -> tuple[str, str]:
    iam = cloud.client("iam")
    name = f"r-{uuid.uuid4().hex[:8]}"
    extra = {"PermissionsBoundary": boundary} if boundary else {}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=ACCOUNT_TRUST, **extra)["Role"]["Arn"]
    for number, policy in enumerate(policies):
        iam.put_role_policy(RoleName=name, PolicyName=f"p{number}", PolicyDocument=json.dumps(policy))
    return name, arn


def _session(cloud, role_arn: str, service: str):
    keys = cloud.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="case")["Credentials"]
    return boto3.client(service, endpoint_url=cloud.endpoint, region_name="us-east-1",
                        aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                        aws_session_token=keys["SessionToken"], config=Config(retries={"max_attempts": 1}))


def _allow(action: str, resource: str = "*", **extra) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource,
                                                     **extra}]}


def _denied(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException",
                                                      "AuthorizationError"), caught.value.response
    return caught.value.response["Error"]["Message"]


def test_explicit_deny_wins_over_allow(iam_cloud, resources):
    deny = {"Version": "2012-10-17", "Statement": [{"Sid": "NoWrites", "Effect": "Deny",
                                                     "Action": "dynamodb:PutItem", "Resource": "*"}]}
    _, arn = _role(iam_cloud, _allow("dynamodb:*"), deny)
    dynamodb = _session(iam_cloud, arn, "dynamodb")
    message = _denied(lambda: dynamodb.put_item(TableName=resources["table"], Item={"pk": {"S": "x"}}))
    assert "with an explicit deny in an identity-based policy" in message
    assert "'NoWrites'" in message and "no Allow overrides it" in message
    dynamodb.get_item(TableName=resources["table"], Key={"pk": {"S": "x"}})  # the Allow still covers reads


def test_bucket_policy_grants_a_session_without_identity_policy(iam_cloud, resources):
    _, arn = _role(iam_cloud)
    s3 = _session(iam_cloud, arn, "s3")
    _denied(lambda: s3.get_object(Bucket=resources["bucket"], Key="data/a.txt"))
    iam_cloud.client("s3").put_bucket_policy(Bucket=resources["bucket"], Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": arn},
                                                 "Action": "s3:GetObject",
                                                 "Resource": f"arn:aws:s3:::{resources['bucket']}/data/*"}]}))
    try:
        assert s3.get_object(Bucket=resources["bucket"], Key="data/a.txt")["Body"].read() == b"a"
        _denied(lambda: s3.put_object(Bucket=resources["bucket"], Key="data/b.txt", Body=b"b"))
    finally:
        iam_cloud.client("s3").delete_bucket_policy(Bucket=resources["bucket"])


def test_bucket_policy_deny_beats_identity_allow(iam_cloud, resources):
    _, arn = _role(iam_cloud, _allow("s3:*"))
    iam_cloud.client("s3").put_bucket_policy(Bucket=resources["bucket"], Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                                                 "Resource": f"arn:aws:s3:::{resources['bucket']}/*",
                                                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    try:
        message = _denied(lambda: _session(iam_cloud, arn, "s3").get_object(Bucket=resources["bucket"],
                                                                             Key="data/a.txt"))
        assert "with an explicit deny in a resource-based policy" in message
    finally:
        iam_cloud.client("s3").delete_bucket_policy(Bucket=resources["bucket"])


def test_queue_policy_grants_another_principal(iam_cloud):
    sqs = iam_cloud.client("sqs")
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    _, arn = _role(iam_cloud)
    client = _session(iam_cloud, arn, "sqs")
    _denied(lambda: client.send_message(QueueUrl=url, MessageBody="m"))
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": arn},
                                                 "Action": "sqs:SendMessage", "Resource": queue_arn}]})})
    client.send_message(QueueUrl=url, MessageBody="m")


def test_key_policy_without_the_account_statement_ignores_identity_policies(iam_cloud):
    kms = iam_cloud.client("kms")
    _, arn = _role(iam_cloud, _allow("kms:*"))
    key = kms.create_key(Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "OnlyRootUser", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/admin"},
        "Action": "kms:*", "Resource": "*"}]}))["KeyMetadata"]["Arn"]
    client = _session(iam_cloud, arn, "kms")
    message = _denied(lambda: client.encrypt(KeyId=key, Plaintext=b"x"))
    assert "because no resource-based policy allows the kms:Encrypt action" in message
    assert f"the key policy of {key}" in message
    default_key = kms.create_key()["KeyMetadata"]["Arn"]  # the default key policy lets IAM policies grant
    client.encrypt(KeyId=default_key, Plaintext=b"x")


def test_permissions_boundary_limits_an_allowing_policy(iam_cloud, resources):
    iam = iam_cloud.client("iam")
    boundary = iam.create_policy(PolicyName=f"b-{uuid.uuid4().hex[:8]}",
                                 PolicyDocument=json.dumps(_allow("s3:*")))["Policy"]["Arn"]
    _, arn = _role(iam_cloud, _allow("*"), boundary=boundary)
    message = _denied(lambda: _session(iam_cloud, arn, "dynamodb").put_item(
        TableName=resources["table"], Item={"pk": {"S": "b"}}))
    assert "because no permissions boundary allows the dynamodb:PutItem action" in message
    assert _session(iam_cloud, arn, "s3").get_object(Bucket=resources["bucket"], Key="data/a.txt")


def test_not_action_allows_everything_else(iam_cloud, resources):
    _, arn = _role(iam_cloud, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": "dynamodb:*", "Resource": "*"}]})
    assert _session(iam_cloud, arn, "s3").get_object(Bucket=resources["bucket"], Key="data/a.txt")
    _denied(lambda: _session(iam_cloud, arn, "dynamodb").put_item(TableName=resources["table"],
                                                                   Item={"pk": {"S": "n"}}))


def test_attached_aws_managed_policy_counts(iam_cloud, resources):
    name, arn = _role(iam_cloud)
    iam_cloud.client("iam").attach_role_policy(RoleName=name,
                                               PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    s3 = _session(iam_cloud, arn, "s3")
    assert s3.get_object(Bucket=resources["bucket"], Key="data/a.txt")["Body"].read() == b"a"
    _denied(lambda: s3.put_object(Bucket=resources["bucket"], Key="x", Body=b"x"))


def test_prefix_condition_on_list_bucket(iam_cloud, resources):
    _, arn = _role(iam_cloud, _allow("s3:ListBucket", f"arn:aws:s3:::{resources['bucket']}",
                                     Condition={"StringLike": {"s3:prefix": "data/*"}}))
    s3 = _session(iam_cloud, arn, "s3")
    assert s3.list_objects_v2(Bucket=resources["bucket"], Prefix="data/")["KeyCount"] == 1
    _denied(lambda: s3.list_objects_v2(Bucket=resources["bucket"], Prefix="other/"))
    _denied(lambda: s3.list_objects_v2(Bucket=resources["bucket"]))  # no prefix: the key is absent


def test_report_lists_denials_and_report_mode_lets_them_through(iam_cloud, tmp_path, resources):
    answer = iam_cloud.cli("iam", "report", "--json")
    assert answer.returncode == 0, answer.stderr
    report = json.loads(answer.stdout)
    assert report["mode"] == "enforce"
    assert any(d["action"] == "dynamodb:PutItem" and d["statement"] for d in report["denied"]), report
    human = iam_cloud.cli("iam", "report")
    assert "DENIED" in human.stdout and "fix: add this statement" in human.stdout
    assert any(d["source"].startswith("iam:arn:aws:sts::") for d in iam_cloud.deliveries("iam:"))

    lenient = start_cloud(tmp_path / "report-state", LOCALCLOUD_IAM="report")
    try:
        wait_for(lambda: lenient.client("s3").list_buckets() is not None, what="the report-mode cloud")
        lenient.client("s3").create_bucket(Bucket="lenient")
        _, arn = _role(lenient)
        _session(lenient, arn, "s3").put_object(Bucket="lenient", Key="k", Body=b"v")  # not refused
        report = json.loads(lenient.cli("iam", "report", "--json").stdout)
        assert report["mode"] == "report"
        assert [(d["action"], d["enforced"]) for d in report["denied"]] == [("s3:PutObject", False)]
    finally:
        lenient.stop()


def test_off_mode_evaluates_nothing(tmp_path):
    cloud = start_cloud(tmp_path / "off-state", LOCALCLOUD_IAM="off")
    try:
        cloud.client("s3").create_bucket(Bucket="open")
        _, arn = _role(cloud)
        _session(cloud, arn, "s3").put_object(Bucket="open", Key="k", Body=b"v")
        report = json.loads(cloud.cli("iam", "report", "--json").stdout)
        assert report["mode"] == "off" and report["counts"] == {} and report["denied"] == []
    finally:
        cloud.stop()


def test_step_functions_tasks_run_as_the_state_machine_role(iam_cloud):
    functions = Functions(iam_cloud)
    function = functions.arn(functions.create("def handler(event, context):\n    return {'ok': True}\n"))
    name, arn = _role(iam_cloud)
    sfn = iam_cloud.client("stepfunctions")
    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", roleArn=arn, definition=json.dumps(
        {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                               "Parameters": {"FunctionName": function}, "End": True}}}))[
        "stateMachineArn"]

    def finished(execution: str) -> dict:
        return wait_for(lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d,
                        what="the execution's end")

    denied = finished(sfn.start_execution(stateMachineArn=machine)["executionArn"])
    assert denied["status"] == "FAILED"
    assert f"assumed-role/{name}/" in denied.get("cause", "") and "lambda:InvokeFunction" in denied["cause"], denied
    iam_cloud.client("iam").put_role_policy(RoleName=name, PolicyName="invoke", PolicyDocument=json.dumps(
        _allow("lambda:InvokeFunction", function)))
    assert finished(sfn.start_execution(stateMachineArn=machine)["executionArn"])["status"] == "SUCCEEDED"


def test_eventbridge_starts_an_execution_only_if_the_target_role_may(iam_cloud):
    from support import fire

    sfn, events = iam_cloud.client("stepfunctions"), iam_cloud.client("events")
    name, role = _role(iam_cloud)
    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", roleArn=role, definition=json.dumps(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
    rule = f"r-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=rule, ScheduleExpression="rate(1 day)")
    events.put_targets(Rule=rule, Targets=[{"Id": "sfn", "Arn": machine, "RoleArn": role}])
    assert fire(iam_cloud, rule)[0] == 200
    failed = wait_for(lambda: [d for d in iam_cloud.deliveries(rule) if "AccessDenied" in d["detail"]],
                      what="the denied delivery in the trace")
    assert "states:StartExecution" in failed[0]["detail"] and f"assumed-role/{name}/" in failed[0]["detail"]
    assert sfn.list_executions(stateMachineArn=machine)["executions"] == []
    iam_cloud.client("iam").put_role_policy(RoleName=name, PolicyName="start", PolicyDocument=json.dumps(
        _allow("states:StartExecution", machine)))
    assert fire(iam_cloud, rule)[0] == 200
    wait_for(lambda: sfn.list_executions(stateMachineArn=machine)["executions"], what="the allowed execution")


def test_event_source_mapping_needs_a_role_that_may_read_the_source(iam_cloud):
    """Lambda refuses the mapping when the execution role cannot read the queue (AWS's
    InvalidParameterValueException), naming what to grant."""
    functions = Functions(iam_cloud, policy=None)
    name = functions.create("def handler(event, context):\n    return None\n")
    sqs = iam_cloud.client("sqs")
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam = iam_cloud.client("lambda")
    with pytest.raises(ClientError) as refused:
        lam.create_event_source_mapping(EventSourceArn=queue, FunctionName=name)
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"].startswith("The provided execution role does not have permissions to call "
                                       "ReceiveMessage on SQS")
    statement = _statement(error["Message"])
    assert statement["Action"] == ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    iam_cloud.client("iam").put_role_policy(RoleName=functions.role_name, PolicyName="read-queue",
                                            PolicyDocument=json.dumps({"Version": "2012-10-17",
                                                                       "Statement": [statement]}))
    assert lam.create_event_source_mapping(EventSourceArn=queue, FunctionName=name)["UUID"]
