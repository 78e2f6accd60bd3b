"""Step Functions behaves as AWS does where moto did not (issue 17); sources: the Step Functions API
reference and botocore's stepfunctions model, cited in localcloud/aws/stepfunctions/responses.py."""

import json
import uuid

import pytest
from botocore.exceptions import ClientError

DEFINITION = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})


@pytest.fixture(scope="module")
def sfn(cloud):
    return cloud.client("stepfunctions")


@pytest.fixture(scope="module")
def role(cloud) -> str:
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                         "Principal": {"Service": "states.amazonaws.com"}}]})
    return cloud.client("iam").create_role(RoleName=f"sfn-{uuid.uuid4().hex[:6]}",
                                           AssumeRolePolicyDocument=policy)["Role"]["Arn"]


def _machine(sfn, role) -> str:
    return sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", definition=DEFINITION,
                                    roleArn=role)["stateMachineArn"]


def _code(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_a_value_that_is_not_an_arn_is_invalid_arn(sfn):
    assert _code(lambda: sfn.describe_state_machine(stateMachineArn="not_an_arn")) == \
        ("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: not_an_arn'")
    assert _code(lambda: sfn.describe_execution(executionArn="nope"))[0] == "InvalidArn"


def test_definition_without_states_is_invalid_definition(sfn, role):
    code, message = _code(lambda: sfn.create_state_machine(name="bad", definition='{"StartAt": "A"}', roleArn=role))
    assert code == "InvalidDefinition"
    assert message == ("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: "
                       "[States] at /'")


def test_execution_input_that_is_not_json_is_invalid_execution_input(sfn, role):
    arn = _machine(sfn, role)
    assert _code(lambda: sfn.start_execution(stateMachineArn=arn, input="not json"))[0] == "InvalidExecutionInput"


def test_describe_shows_no_default_encryption_and_revision_after_update(sfn, role):
    arn = _machine(sfn, role)
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert "encryptionConfiguration" not in described and "revisionId" not in described
    assert described["loggingConfiguration"] == {"level": "OFF", "includeExecutionData": False}
    changed = json.dumps({"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}})
    first = sfn.update_state_machine(stateMachineArn=arn, definition=changed)["revisionId"]
    assert sfn.describe_state_machine(stateMachineArn=arn)["revisionId"] == first
    assert sfn.update_state_machine(stateMachineArn=arn, definition=changed)["revisionId"] == first  # no change


def test_executions_carry_redrive_fields_and_stop_date(sfn, role):
    arn = sfn.create_state_machine(name=f"w-{uuid.uuid4().hex[:8]}", roleArn=role, definition=json.dumps(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}))["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert sfn.list_executions(stateMachineArn=arn)["executions"][0]["redriveCount"] == 0
    assert "stopDate" in sfn.stop_execution(executionArn=execution)
    described = sfn.describe_execution(executionArn=execution)
    assert described["redriveCount"] == 0 and described["inputDetails"] == {"included": True}


def test_publish_state_machine_version(sfn, role):
    arn = _machine(sfn, role)
    published = sfn.publish_state_machine_version(stateMachineArn=arn)
    assert published["stateMachineVersionArn"] == f"{arn}:1"
    assert sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"] == f"{arn}:1"


# API_CreateStateMachine, "Idempotency": the name, definition, type and configurations must match; roleArn
# and tags are not compared.
def test_creating_a_state_machine_again_is_idempotent_only_with_the_same_definition(sfn, role):
    name = f"m-{uuid.uuid4().hex[:8]}"
    arn = sfn.create_state_machine(name=name, definition=DEFINITION, roleArn=role)["stateMachineArn"]
    assert sfn.create_state_machine(name=name, definition=DEFINITION, roleArn=role,
                                    tags=[{"key": "ignored", "value": "x"}])["stateMachineArn"] == arn
    reindented = json.dumps(json.loads(DEFINITION), indent=4)
    assert _code(lambda: sfn.create_state_machine(name=name, definition=reindented, roleArn=role)) == \
        ("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")
    assert _code(lambda: sfn.create_state_machine(name=name, definition=DEFINITION, roleArn=role,
                                                  type="EXPRESS"))[0] == "StateMachineAlreadyExists"
    assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == DEFINITION


# API_TagResource: resourceArn is a state machine's or an activity's.
def test_only_state_machines_and_activities_take_tags(sfn, role):
    arn = _machine(sfn, role)
    version = sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
    tag = [{"key": "k", "value": "v"}]
    assert _code(lambda: sfn.tag_resource(resourceArn=version, tags=tag)) == \
        ("ResourceNotFound", f"Resource not found: '{version}'")
    assert _code(lambda: sfn.untag_resource(resourceArn=arn + "-missing", tagKeys=["k"]))[0] == "ResourceNotFound"
    sfn.tag_resource(resourceArn=arn, tags=tag)
    activity = sfn.create_activity(name=f"a-{uuid.uuid4().hex[:8]}")["activityArn"]
    sfn.tag_resource(resourceArn=activity, tags=tag)
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == tag
    assert sfn.list_tags_for_resource(resourceArn=activity)["tags"] == tag


# API_UpdateStateMachine: at least one of definition, roleArn, loggingConfiguration, tracingConfiguration
# (MissingRequiredParameter); the error must carry its code.
def test_an_update_without_changes_is_missing_required_parameter(sfn, role):
    arn = _machine(sfn, role)
    code, message = _code(lambda: sfn.update_state_machine(stateMachineArn=arn))
    assert code == "MissingRequiredParameter"
    assert message.startswith("Either the definition, the role ARN, the LoggingConfiguration")
