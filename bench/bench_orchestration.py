"""Orchestration figures, measured through boto3/HTTP against a real server at clock speed 1:

- schedule firing accuracy: Scheduler at() schedules a few seconds ahead (second resolution, so the run
  stays short) deliver to SQS; lateness = delivery trace time - due time. Goal: max <= 1000 ms.
- Step Functions: a Standard machine of 3 Lambda Tasks (warm functions), StartExecution -> SUCCEEDED seen
  by DescribeExecution (polled every 5 ms); and the same machine as Express via StartSyncExecution.
- API Gateway: REST Lambda proxy request -> function -> response, p50/p99.
Run: .venv/bin/python bench/bench_orchestration.py  (JSON on stdout and in bench/results/orchestration.json)
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import figure, percentile, write_results
from localcloud.runtime.prepare import prepare_runtime
from localcloud.testing import isolated, trust_policy, zip_of

SCHEDULES = 6
EXECUTIONS = 20
REQUESTS = 200
ROLE_POLICY = trust_policy("lambda.amazonaws.com", "states.amazonaws.com", "scheduler.amazonaws.com")


def schedule_accuracy(cloud, role: str) -> list[dict]:
    sqs, scheduler = cloud.client("sqs"), cloud.client("scheduler")
    url = sqs.create_queue(QueueName="bench-schedules")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    first = int(time.time()) + 3
    due = {}
    for index in range(SCHEDULES):
        moment = first + index
        name = f"bench-at-{index}"
        at = dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        arn = scheduler.create_schedule(Name=name, ScheduleExpression=f"at({at})", FlexibleTimeWindow={"Mode": "OFF"},
                                        Target={"Arn": queue_arn, "RoleArn": role, "Input": "{}"})["ScheduleArn"]
        due[arn] = moment
    time.sleep(max(0.0, first + SCHEDULES - time.time()) + 1.5)
    with urllib.request.urlopen(f"{cloud.endpoint}/_localcloud/events?limit=500&source=schedule/default/bench-at") as r:
        deliveries = [d for d in json.loads(r.read())["deliveries"] if d["result"] == "ok" and d["source"] in due]
    late = [(d["at"] - due[d["source"]]) * 1000 for d in deliveries]
    missing = SCHEDULES - len(late)
    return [figure("schedule_firing_lateness_max", max(late) if late else float("inf"), "ms", 1000.0,
                   p50=round(median(late), 3) if late else None, firings=len(late), missed=missing,
                   how="Scheduler at() to SQS at clock speed 1; trace time of the delivery minus the due time")]


def step_functions(cloud, role: str, functions: list[str]) -> list[dict]:
    sfn = cloud.client("stepfunctions")
    sync = cloud.client("stepfunctions", inject_host_prefix=False)
    states = {}
    for index, function in enumerate(functions):
        states[f"T{index}"] = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                               "Parameters": {"FunctionName": function, "Payload.$": "$"},
                               "OutputPath": "$.Payload", **({"Next": f"T{index + 1}"} if index < 2 else {"End": True})}
    definition = json.dumps({"StartAt": "T0", "States": states})
    standard = sfn.create_state_machine(name="bench-std", roleArn=role, definition=definition)["stateMachineArn"]
    express = sfn.create_state_machine(name="bench-exp", roleArn=role, definition=definition,
                                       type="EXPRESS")["stateMachineArn"]
    samples, sync_samples = [], []
    for index in range(EXECUTIONS + 2):  # two warm-ups
        started = time.perf_counter()
        arn = sfn.start_execution(stateMachineArn=standard, input='{"n": 0}')["executionArn"]
        while (status := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            time.sleep(0.005)
        elapsed = (time.perf_counter() - started) * 1000
        assert status["status"] == "SUCCEEDED" and json.loads(status["output"]) == {"n": 3}, status
        started = time.perf_counter()
        answer = sync.start_sync_execution(stateMachineArn=express, input='{"n": 0}')
        sync_elapsed = (time.perf_counter() - started) * 1000
        assert answer["status"] == "SUCCEEDED", answer
        if index >= 2:
            samples.append(elapsed)
            sync_samples.append(sync_elapsed)
    return [figure("stepfunctions_3_lambda_tasks_p50", median(samples), "ms", None, p99=round(percentile(samples, 0.99), 3),
                   how="Standard: StartExecution until DescribeExecution shows SUCCEEDED (5 ms polling)"),
            figure("stepfunctions_3_lambda_tasks_sync_p50", median(sync_samples), "ms", None,
                   p99=round(percentile(sync_samples, 0.99), 3), how="Express: StartSyncExecution round trip")]


def api_gateway(cloud, function: str) -> list[dict]:
    apigw = cloud.client("apigateway")
    api = apigw.create_rest_api(name="bench")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api, parentId=root, pathPart="{proxy+}")["id"]
    apigw.put_method(restApiId=api, resourceId=resource, httpMethod="ANY", authorizationType="NONE")
    uri = (f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
           f"arn:aws:lambda:us-east-1:123456789012:function:{function}/invocations")
    apigw.put_integration(restApiId=api, resourceId=resource, httpMethod="ANY", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=uri)
    apigw.create_deployment(restApiId=api, stageName="bench")
    url = f"{cloud.endpoint}/restapis/{api}/bench/_user_request_/items/1?x=1"
    samples = []
    for index in range(REQUESTS + 5):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=10) as answer:
            answer.read()
        if index >= 5:
            samples.append((time.perf_counter() - started) * 1000)
    return [figure("apigateway_lambda_proxy_p50", median(samples), "ms", None,
                   p99=round(percentile(samples, 0.99), 3), requests=len(samples))]


def main() -> None:
    prepare_runtime()
    with tempfile.TemporaryDirectory() as state:
        cloud = isolated(Path(state), clock_speed=1.0).start()
        try:
            iam, lam = cloud.client("iam"), cloud.client("lambda")
            role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
            # Step Functions invokes the bench functions as this role (IAM is enforced)
            iam.put_role_policy(RoleName="bench", PolicyName="bench", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
            step = zip_of("def handler(event, context):\n    return {'n': event['n'] + 1}\n")
            proxy = zip_of("def handler(event, context):\n    return {'statusCode': 200, 'body': event['path']}\n")
            functions = []
            for index in range(3):
                name = f"bench-step-{index}-{uuid.uuid4().hex[:6]}"
                lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
                                    Code={"ZipFile": step})
                functions.append(name)
            lam.create_function(FunctionName="bench-proxy", Runtime="python3.12", Role=role,
                                Handler="handler.handler", Code={"ZipFile": proxy})
            figures = schedule_accuracy(cloud, role)
            figures += step_functions(cloud, role, functions)
            figures += api_gateway(cloud, "bench-proxy")
        finally:
            cloud.stop()
    write_results("orchestration", figures)


if __name__ == "__main__":
    main()
