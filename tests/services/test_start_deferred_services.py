"""Start-up: moto's Step Functions and RDS patches come after the others (moto_patches.DEFERRED) and hold only
their own services. A request for one of them that arrives while they are still being applied waits and is
answered from the restored state, never from an empty backend; the other services do not wait for them.
"""

from __future__ import annotations

import json
import urllib.request

from support import start_cloud, wait_for

from localcloud import moto_patches

MACHINE = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


def health(cloud) -> dict:
    with urllib.request.urlopen(cloud.endpoint + "/_localcloud/health", timeout=10) as answer:
        return json.loads(answer.read())


def test_deferred_services_are_step_functions_and_rds_only():
    assert moto_patches.deferred_services() == {"stepfunctions", "rds"}
    assert set(moto_patches.DEFERRED) <= set(moto_patches.MODULES)  # every patch is still applied


def test_a_request_during_the_deferred_start_waits_for_the_restored_state(tmp_path):
    state = tmp_path / "state"
    cloud = start_cloud(state)
    try:
        sfn, s3 = cloud.client("stepfunctions"), cloud.client("s3")
        arn = sfn.create_state_machine(name="kept", definition=MACHINE,
                                       roleArn="arn:aws:iam::000000000000:role/sfn")["stateMachineArn"]
        s3.create_bucket(Bucket="kept-bucket")
    finally:
        cloud.stop()
    cloud = start_cloud(state)  # returns as soon as health answers: the deferred patches may still be going in
    try:
        # The first calls, at once: each waits for its own service's patches and state, then sees that state.
        machines = [m["stateMachineArn"] for m in cloud.client("stepfunctions").list_state_machines()["stateMachines"]]
        buckets = [b["Name"] for b in cloud.client("s3").list_buckets()["Buckets"]]
        assert machines == [arn]
        assert buckets == ["kept-bucket"]
        assert health(cloud)["services"]["stepfunctions"] != "starting"
        # And it runs on the interpreter the deferred patch installs (executions are enabled by it).
        sfn = cloud.client("stepfunctions")
        execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        assert wait_for(lambda: sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED",
                        timeout=60, what="the execution to succeed")
    finally:
        cloud.stop()
