"""Step Functions service integrations against this server's own services, and state that survives a
restart.

AWS references: step-functions/latest/dg/connect-sqs.html, connect-sns.html, connect-ddb.html,
supported-services-awssdk.html, connect-to-resource.html#connect-wait-token (SendTaskSuccess/Failure).
"""

from __future__ import annotations

import json
import uuid

import pytest
from support import receive, start_cloud, wait_for


@pytest.fixture(scope="module")
def sfn(orch_cloud):
    return orch_cloud.client("stepfunctions")


def start(sfn, role, definition: dict, payload: object = None) -> str:
    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", roleArn=role,
                                       definition=json.dumps(definition))["stateMachineArn"]
    return sfn.start_execution(stateMachineArn=machine, input=json.dumps(payload or {}))["executionArn"]


def finish(sfn, execution: str) -> dict:
    return wait_for(lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d,
                    what=f"{execution} to finish")


def test_dynamodb_put_get_update_delete(orch_cloud, sfn, service_role):
    table = f"t-{uuid.uuid4().hex[:6]}"
    orch_cloud.client("dynamodb").create_table(
        TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    key = {"pk": {"S.$": "$.id"}}
    done = finish(sfn, start(sfn, service_role, {"StartAt": "Put", "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "ResultPath": None,
                "Parameters": {"TableName": table, "Item": {"pk": {"S.$": "$.id"}, "n": {"N": "1"}}}, "Next": "Update"},
        "Update": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem", "ResultPath": None,
                   "Parameters": {"TableName": table, "Key": key, "UpdateExpression": "SET n = n + :one",
                                  "ExpressionAttributeValues": {":one": {"N": "1"}}}, "Next": "Get"},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "ResultPath": "$.got",
                "Parameters": {"TableName": table, "Key": key}, "Next": "Delete"},
        "Delete": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:deleteItem", "ResultPath": None,
                   "Parameters": {"TableName": table, "Key": key}, "End": True}}}, {"id": "k1"}))
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"])["got"]["Item"] == {"pk": {"S": "k1"}, "n": {"N": "2"}}
    assert "Item" not in orch_cloud.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": "k1"}})


def test_sns_publish_and_sqs_send_message(orch_cloud, sfn, service_role):
    sqs, sns = orch_cloud.client("sqs"), orch_cloud.client("sns")
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    topic = sns.create_topic(Name=f"t-{uuid.uuid4().hex[:6]}")["TopicArn"]
    done = finish(sfn, start(sfn, service_role, {"StartAt": "Send", "States": {
        "Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "ResultPath": "$.sent",
                 "Parameters": {"QueueUrl": url, "MessageBody.$": "$.body"}, "Next": "Publish"},
        "Publish": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "ResultPath": "$.published",
                    "Parameters": {"TopicArn": topic, "Message": "hello"}, "End": True}}}, {"body": {"k": "v"}}))
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    assert output["sent"]["MessageId"] and output["published"]["MessageId"]
    assert json.loads(receive(sqs, url)[0]["Body"]) == {"k": "v"}


def test_wait_for_task_token_resumes_on_send_task_success_and_fails_on_failure(orch_cloud, sfn, service_role):
    sqs = orch_cloud.client("sqs")
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    # HeartbeatSeconds: 100 wall seconds at clock speed 60, so a loaded machine never times the task out.
    definition = {"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "HeartbeatSeconds": 6000,
        "Parameters": {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token", "n.$": "$.n"}}, "End": True}}}
    approved = start(sfn, service_role, definition, {"n": 1})
    rejected = start(sfn, service_role, definition, {"n": 2})
    tokens = {json.loads(m["Body"])["n"]: json.loads(m["Body"])["token"] for m in receive(sqs, url, 2)}
    assert sfn.describe_execution(executionArn=approved)["status"] == "RUNNING"
    sfn.send_task_heartbeat(taskToken=tokens[1])
    sfn.send_task_success(taskToken=tokens[1], output='{"approved": true}')
    sfn.send_task_failure(taskToken=tokens[2], error="Rejected", cause="no")
    assert json.loads(finish(sfn, approved)["output"]) == {"approved": True}
    failed = finish(sfn, rejected)
    assert failed["status"] == "FAILED" and failed["error"] == "Rejected" and failed["cause"] == "no"


def test_aws_sdk_integration_reaches_our_services(orch_cloud, sfn, service_role):
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    orch_cloud.client("s3").create_bucket(Bucket=bucket)
    done = finish(sfn, start(sfn, service_role, {"StartAt": "Put", "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject", "ResultPath": None,
                "Parameters": {"Bucket": bucket, "Key": "k.txt", "Body": "hi"}, "Next": "List"},
        "List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listObjectsV2",
                 "Parameters": {"Bucket": bucket}, "ResultSelector": {"keys.$": "$.Contents[*].Key"}, "End": True}}}))
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {"keys": ["k.txt"]}


def test_state_machines_and_executions_survive_a_restart(tmp_path):
    cloud = start_cloud(tmp_path / "state")
    try:
        sfn = cloud.client("stepfunctions")
        machine = sfn.create_state_machine(name="kept", roleArn="arn:aws:iam::123456789012:role/r", definition=json.dumps(
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": True}}}))["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
        finish(sfn, execution)
        cloud.stop()
        cloud = start_cloud(tmp_path / "state")  # same state, a fresh port (the old one may linger briefly)
        sfn = cloud.client("stepfunctions")
        assert sfn.describe_state_machine(stateMachineArn=machine)["name"] == "kept"
        assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
        again = sfn.start_execution(stateMachineArn=machine)["executionArn"]
        assert finish(sfn, again)["output"] == "1"
    finally:
        cloud.stop()
