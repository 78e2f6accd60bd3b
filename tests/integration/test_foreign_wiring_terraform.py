"""API Gateway wiring around a queue, a stream and a state machine, written as teams write it, through
the real Terraform: HTTP API service integrations behind CORS and a JWT authorizer, stage logging and
throttling; a REST API with AWS integrations, method settings and stage variables. Apply, use, an empty
re-plan, a clean destroy."""

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from localcloud.terraform.runner import TerraformRunner
from localcloud.testing import isolated

pytestmark = pytest.mark.integration
CONFIG = Path(__file__).resolve().parent / "foreign_wiring"


def _post(url: str, body: bytes, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_api_gateway_wiring_applies_serves_replans_clean_and_destroys(tmp_path):
    cloud = isolated(tmp_path / "state").start()
    runner = TerraformRunner(CONFIG, "wiring", cloud.settings.state_dir, cloud.endpoint, "us-east-1")
    try:
        runner.apply()
        outputs = runner.outputs()

        status, body = _post(outputs["http_url"] + "/orders", b'{"order": 7}')
        assert status == 200 and json.loads(body)["MessageId"]
        sqs = cloud.client("sqs")
        messages = sqs.receive_message(QueueUrl=outputs["queue_url"], WaitTimeSeconds=5)["Messages"]
        assert json.loads(messages[0]["Body"]) == {"order": 7}
        sqs.delete_message(QueueUrl=outputs["queue_url"], ReceiptHandle=messages[0]["ReceiptHandle"])
        assert _post(outputs["http_url"] + "/flows", b"{}")[0] == 401  # the JWT authorizer wants a token

        # REST AWS integrations: a Kinesis PutRecord from a mapping template, an SQS SendMessage by path.
        status, body = _post(outputs["rest_url"] + "/clicks", b'{"page": "home"}',
                             {"Content-Type": "application/json"})
        assert status == 200 and json.loads(body)["ShardId"]
        kinesis = cloud.client("kinesis")
        shard = kinesis.list_shards(StreamName="wiring-clicks")["Shards"][0]["ShardId"]
        iterator = kinesis.get_shard_iterator(StreamName="wiring-clicks", ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        assert [json.loads(r["Data"]) for r in kinesis.get_records(ShardIterator=iterator)["Records"]] == \
            [{"page": "home"}]
        _post(outputs["rest_url"] + "/queue", b"restock", {"Content-Type": "application/json", "X-Shop": "s1"})
        messages = sqs.receive_message(QueueUrl=outputs["queue_url"], WaitTimeSeconds=5)["Messages"]
        assert [m["Body"] for m in messages] == ["restock"]

        v2 = cloud.client("apigatewayv2")
        api = v2.get_apis()["Items"][0]
        assert api["CorsConfiguration"]["AllowOrigins"] == ["https://shop.example"]
        stage = v2.get_stage(ApiId=api["ApiId"], StageName="prod")
        assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 50 and stage["StageVariables"] == {"tier": "prod"}

        plan = runner.plan()
        assert plan.exit_code == 0, plan.output[-4000:]

        runner.destroy()
        assert v2.get_apis()["Items"] == []
        assert cloud.client("apigateway").get_rest_apis()["items"] == []
        assert sqs.list_queues().get("QueueUrls", []) == []
    finally:
        cloud.stop()
