"""PublishStateMachineVersion (moto keeps versions but has no route for publishing one: 501 before).

https://docs.aws.amazon.com/step-functions/latest/apireference/API_PublishStateMachineVersion.html: answers
the version ARN (<machine ARN>:<n>) and its creationDate; publishing again with nothing changed since the
last version answers that version (AWS: "publishing ... without changes returns the latest version").
"""

from __future__ import annotations

from localcloud.aws.registry import handles, json_response
from localcloud.aws.stepfunctions import engine
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest


@handles("stepfunctions", "PublishStateMachineVersion")
def publish_state_machine_version(request: AwsRequest):
    spec = request.json()
    arn = spec.get("stateMachineArn", "")
    backend = engine.backend(request.account_id, request.region)
    machine = next((m for m in backend.state_machines if m.arn == arn), None)
    if machine is None:
        return aws_error("stepfunctions", 400, "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
    latest = machine.latest_version
    if latest is None or latest.definition != machine.definition or latest.roleArn != machine.roleArn:
        machine.publish(spec.get("description"))
        latest = machine.latest_version
    created = getattr(latest, "creation_date", None)
    return json_response({"stateMachineVersionArn": latest.arn,
                          "creationDate": created.timestamp() if hasattr(created, "timestamp") else created})
