"""The local cloud's front: health, lifecycle verbs, bad input, unimplemented operations, persistence."""

import json
import socket
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from localcloud.testing import trust_policy, wait_for, zip_of


def _health(cloud, path: str) -> dict:
    with urllib.request.urlopen(cloud.endpoint + path, timeout=60) as answer:
        return json.loads(answer.read())


def test_health_endpoints_list_every_service_and_all_become_running(cloud):
    # Services whose start-up work runs after the server answers (Step Functions' interpreter, RDS
    # engines) show "starting" until it is done; none may stay there.
    wait_for(lambda: "starting" not in _health(cloud, "/_localcloud/health")["services"].values(),
             what="every service to leave `starting`")
    for path in ("/_localcloud/health", "/_localstack/health"):
        services = _health(cloud, path)["services"]
        for service in ("s3", "lambda", "kinesis", "dynamodb", "stepfunctions", "rds", "athena", "glue"):
            assert services[service] == "running"


def test_status_exits_nonzero_when_nothing_runs(fresh_cloud):
    result = fresh_cloud.cli("status")
    assert result.returncode == 1
    assert "not running" in result.stderr


def test_stop_with_nothing_running_exits_zero_and_says_so(fresh_cloud):
    result = fresh_cloud.cli("stop")
    assert result.returncode == 0
    assert "not running" in result.stderr


def test_start_on_a_taken_port_names_the_port_and_the_holder(fresh_cloud):
    holder = socket.socket()
    holder.bind(("127.0.0.1", fresh_cloud.settings.port))
    holder.listen()
    try:
        result = fresh_cloud.cli("start", "--detach")
    finally:
        holder.close()
    assert result.returncode == 1
    assert f"Port {fresh_cloud.settings.port}" in result.stderr
    assert "pid" in result.stderr  # the process holding it (this test's own)


def test_start_recovers_from_a_stale_pid_file(fresh_cloud):
    fresh_cloud.settings.state_dir.mkdir(parents=True)
    fresh_cloud.settings.pid_file.write_text("999999")  # no such process: a crashed run's leftover
    result = fresh_cloud.cli("start", "--detach")
    assert result.returncode == 0, result.stderr
    assert "stale pid file" in result.stderr
    assert fresh_cloud.cli("status").returncode == 0


def test_unimplemented_operations_fail_at_once_without_retryable_500(cloud):
    def retrying(service: str):  # an SDK that retries what it may, as users' SDKs do by default
        return boto3.client(service, endpoint_url=cloud.endpoint, region_name=cloud.settings.region,
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=Config(retries={"max_attempts": 5, "mode": "standard"}))

    for call in (lambda: retrying("dynamodb").describe_table_replica_auto_scaling(TableName="t"),
                 lambda: retrying("lambda").list_code_signing_configs()):
        with pytest.raises(ClientError) as failure:
            call()
        assert failure.value.response["Error"]["Code"] == "NotImplemented"
        assert failure.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
        assert failure.value.response["ResponseMetadata"]["RetryAttempts"] == 0  # no SDK retry loop behind it
        assert "does not implement" in failure.value.response["Error"]["Message"]


def test_malformed_request_gets_an_aws_error_and_the_server_keeps_serving(cloud):
    request = urllib.request.Request(
        cloud.endpoint + "/", data=b"{not json", method="POST",
        headers={"X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Type": "application/x-amz-json-1.0",
                 "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, "
                                  "SignedHeaders=host, Signature=x"})
    with pytest.raises(urllib.error.HTTPError) as failure:
        urllib.request.urlopen(request, timeout=60)
    assert 400 <= failure.value.code < 500
    assert "__type" in json.loads(failure.value.read())
    assert cloud.client("s3").list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_validate_state_machine_definition_reports_a_missing_target(cloud):
    sfn = cloud.client("stepfunctions")
    good = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}'
    bad = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}'
    assert sfn.validate_state_machine_definition(definition=good)["result"] == "OK"
    answer = sfn.validate_state_machine_definition(definition=bad)
    assert answer["result"] == "FAIL"
    assert answer["diagnostics"][0]["code"] == "MISSING_TRANSITION_TARGET"


def test_state_survives_a_restart(fresh_cloud):
    fresh_cloud.start()
    s3 = fresh_cloud.client("s3")
    s3.create_bucket(Bucket="kept-across-restarts")
    s3.put_object(Bucket="kept-across-restarts", Key="k", Body=b"still here")
    table = fresh_cloud.client("dynamodb")
    table.create_table(TableName="kept", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST")
    table.put_item(TableName="kept", Item={"pk": {"S": "1"}})
    role = fresh_cloud.client("iam").create_role(RoleName="kept", AssumeRolePolicyDocument=trust_policy())[
        "Role"]["Arn"]
    fresh_cloud.client("lambda").create_function(
        FunctionName="kept", Runtime="python3.11", Role=role, Handler="handler.handler",
        Code={"ZipFile": zip_of("def handler(event, context):\n    return {'echo': event}\n")})
    fresh_cloud.stop()
    fresh_cloud.start()
    lam = fresh_cloud.client("lambda")
    lam.get_waiter("function_active_v2").wait(FunctionName="kept")  # as a client would after a restart
    answer = lam.invoke(FunctionName="kept", Payload=b'"after restart"')
    assert json.loads(answer["Payload"].read()) == {"echo": "after restart"}
    assert fresh_cloud.client("s3").get_object(Bucket="kept-across-restarts", Key="k")["Body"].read() == b"still here"
    assert fresh_cloud.client("dynamodb").get_item(TableName="kept", Key={"pk": {"S": "1"}})["Item"]
