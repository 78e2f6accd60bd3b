"""Deliveries a service makes by itself are evaluated as AWS evaluates them, on a real local cloud:

- EventBridge rule -> Lambda / SQS targets: the target's resource policy must allow events.amazonaws.com
  for the rule (aws:SourceArn); a refused delivery is not retried, is dead-lettered when the target has a
  DLQ (ERROR_CODE NO_PERMISSIONS, eb-rule-dlq.html) and counts in the rule's FailedInvocations metric.
- EventBridge Scheduler targets: the schedule's RoleArn is evaluated as that role's session.
- SNS -> SQS: the queue policy's aws:SourceArn condition decides which topic may deliver.
Each refusal is in `localcloud iam report` and the delivery trace with the same IAM line.
"""

from __future__ import annotations

import json
import uuid

import pytest
from support import (
    allow_invoke,
    allow_queue,
    fire,
    queue_policy,
    receive,
    start_cloud,
    trust_policy,
    wait_for,
)

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("iam-delivery-state"), LOCALCLOUD_IAM="enforce")
    yield cloud
    cloud.stop()


def _queue(cloud, name: str = "") -> tuple[str, str]:
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=name or f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _report(cloud) -> dict:
    answer = cloud.cli("iam", "report", "--json")
    assert answer.returncode == 0, answer.stderr
    return json.loads(answer.stdout)


def _denials(cloud, principal: str, resource: str) -> list[dict]:
    return [d for d in _report(cloud)["denied"] if d["principal"] == principal and d["resource"] == resource]


def _trace(cloud, source: str, target: str, result: str) -> list[dict]:
    return [d for d in cloud.deliveries(target) if d["source"] == source and d["target"] == target
            and d["result"] == result]


def test_rule_to_lambda_needs_the_function_policy_and_a_refusal_is_dead_lettered(cloud):
    from support import Functions

    functions = Functions(cloud)
    name = functions.create("def handler(event, context):\n    return event\n")
    function = functions.arn(name)
    dlq_url, dlq_arn = _queue(cloud)
    sqs, events = cloud.client("sqs"), cloud.client("events")
    rule = f"r-{uuid.uuid4().hex[:8]}"
    rule_arn = events.put_rule(Name=rule, ScheduleExpression="rate(1 day)")["RuleArn"]
    allow_queue(sqs, dlq_url, "events.amazonaws.com", rule_arn)  # the DLQ allows the rule; the function not
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": function, "DeadLetterConfig": {"Arn": dlq_arn}}])

    assert fire(cloud, rule)[0] == 200
    message = receive(sqs, dlq_url)[0]
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "NO_PERMISSIONS" and attributes["RETRY_ATTEMPTS"] == "0"
    assert attributes["RULE_ARN"] == rule_arn and attributes["TARGET_ARN"] == function
    denial = _denials(cloud, "events.amazonaws.com", function)[-1]
    assert denial["action"] == "lambda:InvokeFunction" and denial["enforced"]
    assert denial["reason"] == "because no resource-based policy allows the lambda:InvokeFunction action"
    assert denial["statement"] == {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                   "Action": "lambda:InvokeFunction", "Resource": function,
                                   "Condition": {"ArnLike": {"aws:SourceArn": rule_arn}}}
    assert "aws lambda add-permission" in denial["add_to"]
    # The rule's own trace entry carries the report's line (and says where the event went).
    dead = _trace(cloud, rule_arn, function, "dead-lettered")
    assert dead and denial["line"] in dead[-1]["detail"], (dead, denial["line"])
    assert _trace(cloud, "iam:events.amazonaws.com", function, "denied")[-1]["detail"] == denial["line"]
    # FailedInvocations / InvocationsSentToDLQ on the rule (eb-monitoring.html)
    import datetime as dt

    watch = cloud.client("cloudwatch")
    now = dt.datetime.now(dt.UTC)
    for metric in ("FailedInvocations", "InvocationsSentToDLQ"):
        points = watch.get_metric_statistics(Namespace="AWS/Events", MetricName=metric, Statistics=["Sum"],
                                             Dimensions=[{"Name": "RuleName", "Value": rule}], Period=60,
                                             StartTime=now - dt.timedelta(hours=1),
                                             EndTime=now + dt.timedelta(hours=1))["Datapoints"]
        assert sum(p["Sum"] for p in points) == 1, (metric, points)

    # The statement the report names, added the way Terraform's aws_lambda_permission does: delivered.
    allow_invoke(cloud.client("lambda"), name, "events.amazonaws.com", rule_arn)
    assert fire(cloud, rule)[0] == 200
    wait_for(lambda: _trace(cloud, rule_arn, function, "ok"), what="the allowed delivery")


def test_rule_to_sqs_honours_the_queue_policy_source_arn(cloud):
    url, arn = _queue(cloud)
    sqs, events = cloud.client("sqs"), cloud.client("events")
    allowed, other = (f"r-{uuid.uuid4().hex[:8]}" for _ in range(2))
    allowed_arn = events.put_rule(Name=allowed, ScheduleExpression="rate(1 day)")["RuleArn"]
    other_arn = events.put_rule(Name=other, ScheduleExpression="rate(1 day)")["RuleArn"]
    allow_queue(sqs, url, "events.amazonaws.com", allowed_arn)
    for rule in (allowed, other):
        events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": arn, "Input": json.dumps({"rule": rule})}])
    fire(cloud, other)
    dropped = wait_for(lambda: _trace(cloud, other_arn, arn, "dropped"), what="the refused delivery")
    assert "NO_PERMISSIONS" in dropped[0]["detail"] and "sqs:SendMessage" in dropped[0]["detail"]
    assert "(no DeadLetterConfig on the target)" in dropped[0]["detail"]
    fire(cloud, allowed)
    assert [json.loads(m["Body"]) for m in receive(sqs, url)] == [{"rule": allowed}]


def test_scheduler_target_is_called_as_the_schedule_role(cloud):
    url, arn = _queue(cloud)
    iam = cloud.client("iam")
    role = f"sched-{uuid.uuid4().hex[:8]}"
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_policy("scheduler.amazonaws.com"))[
        "Role"]["Arn"]
    name = f"s-{uuid.uuid4().hex[:8]}"
    schedule = cloud.client("scheduler").create_schedule(
        Name=name, ScheduleExpression="rate(1 day)", FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": arn, "RoleArn": role_arn, "Input": '{"n": 1}',
                "RetryPolicy": {"MaximumRetryAttempts": 0}})["ScheduleArn"]
    fire(cloud, name)
    dropped = wait_for(lambda: _trace(cloud, schedule, arn, "dropped"), what="the refused schedule delivery")
    denial = _denials(cloud, f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/scheduler-target", arn)[-1]
    assert denial["reason"] == "because no identity-based policy allows the sqs:SendMessage action"
    assert denial["line"] in dropped[-1]["detail"]
    iam.put_role_policy(RoleName=role, PolicyName="send", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [denial["statement"]]}))
    fire(cloud, name)
    assert [json.loads(m["Body"]) for m in receive(cloud.client("sqs"), url)] == [{"n": 1}]


def test_sns_to_sqs_delivers_only_for_the_topic_the_queue_policy_names(cloud):
    """A queue policy allowing sns.amazonaws.com with aws:SourceArn = topic A: topic A delivers, topic B
    (same account, same queue subscribed) does not (sns-sqs-as-subscriber.html)."""
    sns, sqs = cloud.client("sns"), cloud.client("sqs")
    url, arn = _queue(cloud)
    topic_a, topic_b = (sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"] for _ in range(2))
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": queue_policy(arn, "sns.amazonaws.com", topic_a)})
    for topic in (topic_a, topic_b):
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic_b, Message="from B")
    sns.publish(TopicArn=topic_a, Message="from A")
    assert [m["Body"] for m in receive(sqs, url)] == ["from A"]
    dropped = wait_for(lambda: _trace(cloud, f"sns:{topic_b}", arn, "dropped"), what="B's refused delivery")
    denial = _denials(cloud, "sns.amazonaws.com", arn)[-1]
    assert dropped[-1]["detail"] == denial["line"] and f"(for {topic_b})" in denial["line"]
    assert denial["statement"]["Condition"] == {"ArnLike": {"aws:SourceArn": topic_b}}
    assert not _trace(cloud, f"sns:{topic_a}", arn, "dropped")


# -- API Gateway integrations --------------------------------------------------------------------------------
ECHO = "import json\ndef handler(event, context):\n    return {'statusCode': 200, 'body': 'hello'}\n"


def _get(url: str, method: str = "GET", body: bytes | None = None) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, method=method), timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _rest_api(cloud, function: str, **integration) -> tuple[str, str]:
    apigateway = cloud.client("apigateway")
    api = apigateway.create_rest_api(name=f"iam-{uuid.uuid4().hex[:6]}")["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    resource = apigateway.create_resource(restApiId=api, parentId=root, pathPart="hello")["id"]
    apigateway.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType="NONE")
    apigateway.put_integration(restApiId=api, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
                               integrationHttpMethod="POST", **integration,
                               uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function}/invocations")
    apigateway.create_deployment(restApiId=api, stageName="prod")
    return api, f"{cloud.endpoint}/restapis/{api}/prod/_user_request_/hello"


def test_rest_lambda_proxy_without_credentials_needs_the_function_policy_for_its_method(cloud):
    from support import Functions

    functions = Functions(cloud)
    name = functions.create(ECHO)
    function = functions.arn(name)
    api, url = _rest_api(cloud, function)
    method_arn = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api}/prod/GET/hello"
    assert _get(url) == 500  # AWS: {"message": "Internal server error"}, "Invalid permissions on Lambda function"
    denial = _denials(cloud, "apigateway.amazonaws.com", function)[-1]
    assert denial["statement"]["Condition"] == {"ArnLike": {"aws:SourceArn": method_arn}}
    lam = cloud.client("lambda")
    allow_invoke(lam, name, "apigateway.amazonaws.com", f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api}/*/POST/hello")
    assert _get(url) == 500  # a permission for another method does not cover GET
    allow_invoke(lam, name, "apigateway.amazonaws.com", f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api}/*/GET/hello")
    assert _get(url) == 200


def test_rest_integration_with_credentials_invokes_as_that_role(cloud):
    from support import Functions

    functions = Functions(cloud)
    function = functions.arn(functions.create(ECHO))
    iam = cloud.client("iam")
    role = f"gw-{uuid.uuid4().hex[:8]}"
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_policy("apigateway.amazonaws.com"))[
        "Role"]["Arn"]
    _, url = _rest_api(cloud, function, credentials=role_arn)
    assert _get(url) == 500  # the function policy does not matter here: the role may not invoke
    denial = _denials(cloud, f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/apigateway-integration", function)[-1]
    assert denial["reason"] == "because no identity-based policy allows the lambda:InvokeFunction action"
    iam.put_role_policy(RoleName=role, PolicyName="invoke", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [denial["statement"]]}))
    assert _get(url) == 200


def test_http_api_sqs_integration_sends_as_its_credentials_role(cloud):
    v2, sqs, iam = cloud.client("apigatewayv2"), cloud.client("sqs"), cloud.client("iam")
    url, arn = _queue(cloud)
    role = f"gw-{uuid.uuid4().hex[:8]}"
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_policy("apigateway.amazonaws.com"))[
        "Role"]["Arn"]
    api = v2.create_api(Name=f"iam-{uuid.uuid4().hex[:6]}", ProtocolType="HTTP")["ApiId"]
    integration = v2.create_integration(
        ApiId=api, IntegrationType="AWS_PROXY", IntegrationSubtype="SQS-SendMessage", PayloadFormatVersion="1.0",
        CredentialsArn=role_arn, RequestParameters={"QueueUrl": url, "MessageBody": "$request.body"})["IntegrationId"]
    v2.create_route(ApiId=api, RouteKey="POST /orders", Target=f"integrations/{integration}")
    v2.create_stage(ApiId=api, StageName="prod")
    endpoint = f"{cloud.endpoint}/restapis/{api}/prod/_user_request_/orders"
    assert _get(endpoint, "POST", b'{"id": 1}') == 403  # SQS's AccessDenied, signed as the role's session
    denial = _denials(cloud, f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/apigateway-integration", arn)[-1]
    assert denial["action"] == "sqs:SendMessage"
    iam.put_role_policy(RoleName=role, PolicyName="send", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [denial["statement"]]}))
    assert _get(endpoint, "POST", b'{"id": 2}') == 200
    assert [json.loads(m["Body"]) for m in receive(sqs, url)] == [{"id": 2}]


# -- Athena reads and writes with its caller's permissions ------------------------------------------------
def test_athena_query_by_a_role_needs_its_glue_and_s3_permissions(cloud):
    """Each missing permission fails the query with Athena's StateChangeReason; adding the statement the
    report names moves it on to the next, until it succeeds (Athena User Guide, access to Glue and S3)."""
    import boto3
    from botocore.config import Config

    s3, glue, iam = cloud.client("s3"), cloud.client("glue"), cloud.client("iam")
    tag = uuid.uuid4().hex[:8]
    lake, results, database = f"lake-{tag}", f"results-{tag}", f"db_{tag}"
    for bucket in (lake, results):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=lake, Key="data/readings/part-0.csv", Body=b"a,1\nb,2\n")
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_table(DatabaseName=database, TableInput={
        "Name": "readings", "TableType": "EXTERNAL_TABLE",
        "StorageDescriptor": {"Columns": [{"Name": "k", "Type": "string"}, {"Name": "v", "Type": "bigint"}],
                              "Location": f"s3://{lake}/data/readings/",
                              "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                              "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                                            "Parameters": {"field.delim": ","}}}})
    role = f"analyst-{tag}"
    # The test assumes the role with the local (root) keys: its trust policy must name the account for that,
    # as on AWS (the trust policy decides AssumeRole: test_iam_assume_role.py).
    account_trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=account_trust)["Role"]["Arn"]
    statements = [{"Effect": "Allow", "Action": ["athena:StartQueryExecution", "athena:GetQueryExecution"],
                   "Resource": f"arn:aws:athena:us-east-1:{ACCOUNT}:workgroup/primary"}]

    def grant() -> None:
        iam.put_role_policy(RoleName=role, PolicyName="athena", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": statements}))

    grant()
    keys = cloud.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="analyst")["Credentials"]
    athena = boto3.client("athena", endpoint_url=cloud.endpoint, region_name="us-east-1",
                          aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                          aws_session_token=keys["SessionToken"], config=Config(retries={"max_attempts": 1}))
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/analyst"

    def run() -> dict:
        execution = athena.start_query_execution(
            QueryString="SELECT k, v FROM readings ORDER BY k", QueryExecutionContext={"Database": database},
            ResultConfiguration={"OutputLocation": f"s3://{results}/out/"})["QueryExecutionId"]
        return wait_for(lambda: (s := athena.get_query_execution(QueryExecutionId=execution)["QueryExecution"][
            "Status"])["State"] in ("SUCCEEDED", "FAILED") and s, what="the query's end")

    def missing(action: str, resource_start: str) -> dict:
        denial = next(d for d in reversed(_report(cloud)["denied"]) if d["principal"] == session)
        assert denial["action"] == action and denial["resource"].startswith(resource_start), denial
        return denial

    status = run()
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith("Insufficient permissions to execute the query. Error: "), status
    assert "glue:GetDatabase" in status["StateChangeReason"]
    missing("glue:GetDatabase", f"arn:aws:glue:us-east-1:{ACCOUNT}:catalog")
    glue_arns = [f"arn:aws:glue:us-east-1:{ACCOUNT}:catalog", f"arn:aws:glue:us-east-1:{ACCOUNT}:database/{database}",
                 f"arn:aws:glue:us-east-1:{ACCOUNT}:table/{database}/*"]
    statements.append({"Effect": "Allow", "Action": ["glue:GetDatabase", "glue:GetTable"], "Resource": glue_arns})
    grant()

    status = run()
    assert status["State"] == "FAILED" and status["StateChangeReason"].startswith(
        f"Permission denied on S3 path: s3://{lake}/data/readings/"), status
    missing("s3:GetBucketLocation", f"arn:aws:s3:::{lake}")
    statements.append({"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                       "Resource": [f"arn:aws:s3:::{lake}", f"arn:aws:s3:::{results}"]})
    statements.append({"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{lake}/data/*"})
    grant()

    status = run()
    assert status["State"] == "FAILED" and status["StateChangeReason"].startswith(
        f"Access denied when writing output to url: s3://{results}/out/"), status
    missing("s3:PutObject", f"arn:aws:s3:::{results}/out/")
    statements.append({"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{results}/out/*"})
    grant()

    assert run()["State"] == "SUCCEEDED"


# -- Lambda sends async records as the execution role ------------------------------------------------------
def test_async_failure_destination_is_written_as_the_execution_role(cloud):
    """invocation-async-retain-records.html: Lambda sends to a destination with the execution role's
    permissions; without sqs:SendMessage the record is dropped, and the trace and the report say why."""
    from support import Functions

    url, arn = _queue(cloud)
    functions = Functions(cloud, policy=None)
    name = functions.create("def handler(event, context):\n    raise ValueError('cannot process')\n")
    lam = cloud.client("lambda")
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": arn}})
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 1}')
    source = f"lambda:{functions.arn(name)}"
    dropped = wait_for(lambda: [d for d in cloud.deliveries(arn) if d["source"].startswith(source)
                                and d["result"] == "dropped"], what="the refused destination record")
    denial = _denials(cloud, f"arn:aws:sts::{ACCOUNT}:assumed-role/{functions.role_name}/{name}", arn)[-1]
    assert denial["action"] == "sqs:SendMessage" and dropped[-1]["detail"] == denial["line"]
    cloud.client("iam").put_role_policy(RoleName=functions.role_name, PolicyName="destination",
                                        PolicyDocument=json.dumps({"Version": "2012-10-17",
                                                                   "Statement": [denial["statement"]]}))
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 2}')
    record = json.loads(receive(cloud.client("sqs"), url)[0]["Body"])
    assert record["requestPayload"] == {"n": 2} and record["requestContext"]["condition"] == "RetriesExhausted"
