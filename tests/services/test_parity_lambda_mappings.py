"""Lambda event source mappings, aliases, account settings and runtimes as AWS answers them (issue 17).

Sources, cited per test: the Lambda API reference (CreateEventSourceMapping, EventSourceMappingConfiguration,
GetAlias, GetAccountSettings, CreateFunction) and botocore's lambda model (service-2.json: responseCode).
"""

import uuid

import pytest
from botocore.exceptions import ClientError
from localcloud.testing import Functions

SOURCE = "def handler(event, context):\n    return event\n"


@pytest.fixture(scope="module")
def functions(cloud) -> Functions:
    return Functions(cloud)


@pytest.fixture(scope="module")
def stream_arn(cloud) -> str:
    kinesis = cloud.client("kinesis")
    name = f"parity-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    return kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]


def _error(call) -> dict:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response


@pytest.mark.parametrize("operation", ["get_event_source_mapping", "delete_event_source_mapping",
                                       "update_event_source_mapping"])
def test_unknown_mapping_uuid_is_not_found_for_get_update_and_delete(functions, operation):
    # API_DeleteEventSourceMapping / API_UpdateEventSourceMapping: ResourceNotFoundException, 404.
    answer = _error(lambda: getattr(functions.lam, operation)(UUID=str(uuid.uuid4())))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert (answer["Error"]["Code"], answer["Error"]["Message"]) == ("ResourceNotFoundException",
                                                                      "The resource you requested does not exist.")


def test_stream_mapping_needs_a_starting_position(functions, stream_arn):
    # API_CreateEventSourceMapping, StartingPosition: "Required for Amazon Kinesis and Amazon DynamoDB Streams".
    name = functions.create(SOURCE)
    answer = _error(lambda: functions.lam.create_event_source_mapping(FunctionName=name, EventSourceArn=stream_arn))
    assert answer["Error"]["Code"] == "InvalidParameterValueException"
    assert "Value null at 'startingPosition' failed to satisfy constraint: Member must not be null" in \
        answer["Error"]["Message"]
    assert functions.lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"] == []


def test_mapping_for_a_missing_function_or_without_a_source_is_invalid(functions, stream_arn):
    missing = _error(lambda: functions.lam.create_event_source_mapping(
        FunctionName=f"none-{uuid.uuid4().hex[:6]}", EventSourceArn=stream_arn, StartingPosition="LATEST"))
    assert missing["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (missing["Error"]["Code"], missing["Error"]["Message"]) == ("InvalidParameterValueException",
                                                                        "Function does not exist")
    sourceless = _error(lambda: functions.lam.create_event_source_mapping(FunctionName=functions.create(SOURCE)))
    assert (sourceless["Error"]["Code"], sourceless["Error"]["Message"]) == ("InvalidParameterValueException",
                                                                              "Unrecognized event source.")


def test_stream_mapping_answers_its_defaults_and_transitional_states(functions, stream_arn):
    # EventSourceMappingConfiguration; the model's responseCode for Create/Update/Delete is 202.
    name = functions.create(SOURCE)
    created = functions.lam.create_event_source_mapping(FunctionName=name, EventSourceArn=stream_arn,
                                                        StartingPosition="TRIM_HORIZON")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (created["State"], created["StateTransitionReason"]) == ("Creating", "User action")
    for member, default in (("BisectBatchOnFunctionError", False), ("MaximumRecordAgeInSeconds", -1),
                            ("MaximumRetryAttempts", -1), ("ParallelizationFactor", 1),
                            ("TumblingWindowInSeconds", 0), ("FunctionResponseTypes", [])):
        assert created[member] == default, member
    read = functions.lam.get_event_source_mapping(UUID=created["UUID"])
    assert read["State"] == "Enabled" and read["ResponseMetadata"]["HTTPStatusCode"] == 200
    updated = functions.lam.update_event_source_mapping(UUID=created["UUID"], BatchSize=10)
    assert updated["State"] == "Updating" and updated["ResponseMetadata"]["HTTPStatusCode"] == 202
    deleted = functions.lam.delete_event_source_mapping(UUID=created["UUID"])
    assert deleted["State"] == "Deleting" and deleted["ResponseMetadata"]["HTTPStatusCode"] == 202


def test_tagging_an_unknown_mapping_is_not_found_by_its_arn(functions):
    arn = functions.arn(functions.create(SOURCE)).split(":function:")[0] + f":event-source-mapping:{uuid.uuid4()}"
    answer = _error(lambda: functions.lam.list_tags(Resource=arn))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert answer["Error"]["Message"] == f"Event source mapping not found: {arn}"


def test_alias_reads_answer_200_and_a_missing_alias_is_named_by_its_arn(functions):
    # botocore lambda model: GetAlias responseCode 200 (moto answered 201), CreateAlias 201.
    name = functions.create(SOURCE)
    functions.lam.publish_version(FunctionName=name)
    created = functions.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert functions.lam.get_alias(FunctionName=name, Name="live")["ResponseMetadata"]["HTTPStatusCode"] == 200
    answer = _error(lambda: functions.lam.update_alias(FunctionName=name, Name="nope", FunctionVersion="1"))
    assert answer["Error"]["Message"] == f"Alias not found: {functions.arn(name)}:nope"


def test_account_settings_report_the_default_quotas_and_the_accounts_usage(functions):
    # API_GetAccountSettings; default quotas: 75 GB code storage, 50 MB zipped, 250 MB unzipped, 1,000 concurrency.
    name = functions.create(SOURCE)
    functions.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=7)
    settings = functions.lam.get_account_settings()
    limit, usage = settings["AccountLimit"], settings["AccountUsage"]
    assert (limit["CodeSizeZipped"], limit["CodeSizeUnzipped"]) == (50 * 1024 ** 2, 250 * 1024 ** 2)
    assert limit["ConcurrentExecutions"] == 1000 and limit["UnreservedConcurrentExecutions"] <= 993
    assert usage["FunctionCount"] >= 1 and usage["TotalCodeSize"] > 0


@pytest.mark.parametrize("runtime", ["PYTHON3.9", "non-existent-runtime"])
def test_unknown_runtime_is_the_services_invalid_parameter_value(functions, runtime):
    # CreateFunction / UpdateFunctionConfiguration: InvalidParameterValueException "Value X at 'runtime' failed
    # to satisfy constraint: Member must satisfy enum value set: [...] or be a valid ARN" (not ValidationException).
    name = functions.create(SOURCE)
    answer = _error(lambda: functions.lam.update_function_configuration(FunctionName=name, Runtime=runtime))
    assert answer["Error"]["Code"] == "InvalidParameterValueException" and answer["Type"] == "User"
    message = answer["Error"]["Message"]
    assert message.startswith(f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum")
    assert message.endswith("] or be a valid ARN") and "python3.12" in message and "python2.7" not in message


def test_environment_over_4_kb_is_refused_and_exactly_4_kb_is_accepted(functions):
    # gettingstarted-limits.html: "The total size of all environment variables doesn't exceed 4 KB" (as JSON).
    name = functions.create(SOURCE)
    overhead = len('{"BIG":""}')
    accepted = functions.lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"BIG": "x" * (4096 - overhead)}})
    assert len(accepted["Environment"]["Variables"]["BIG"]) == 4096 - overhead
    answer = _error(lambda: functions.lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"BIG": "x" * (4097 - overhead)}}))
    assert answer["Error"]["Code"] == "InvalidParameterValueException"
    assert answer["Error"]["Message"].startswith("Lambda was unable to configure your environment variables because "
                                                 "the environment variables you have provided exceeded the 4KB limit.")


def test_vpc_config_naming_a_missing_security_group_or_subnet_is_refused(cloud, functions):
    # configuration-vpc.html: Lambda looks the security groups and subnets up in EC2 (security groups first).
    ec2 = cloud.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=f"fn-{uuid.uuid4().hex[:6]}", Description="fn", VpcId=vpc)["GroupId"]
    name = functions.create(SOURCE)
    missing_group = _error(lambda: functions.lam.update_function_configuration(
        FunctionName=name, VpcConfig={"SubnetIds": ["subnet-0000000000"], "SecurityGroupIds": ["sg-0000000000"]}))
    assert missing_group["Error"]["Code"] == "InvalidParameterValueException"
    assert "InvalidGroup.NotFound" in missing_group["Error"]["Message"] and "'sg-0000000000'" in \
        missing_group["Error"]["Message"]
    missing_subnet = _error(lambda: functions.lam.update_function_configuration(
        FunctionName=name, VpcConfig={"SubnetIds": ["subnet-0000000000"], "SecurityGroupIds": [group]}))
    assert "InvalidSubnetID.NotFound" in missing_subnet["Error"]["Message"]
    wired = functions.lam.update_function_configuration(FunctionName=name,
                                                        VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [group]})
    assert wired["VpcConfig"]["SecurityGroupIds"] == [group]


@pytest.mark.parametrize("pattern", ['{"eventName": ["INSERT"=123}', '"INSERT"', '{"eventName": "INSERT"}', "{}"])
def test_filter_pattern_that_is_not_an_eventbridge_pattern_is_refused(functions, stream_arn, pattern):
    # invocation-eventfiltering.html: FilterCriteria patterns use EventBridge's pattern syntax.
    name = functions.create(SOURCE)
    answer = _error(lambda: functions.lam.create_event_source_mapping(
        FunctionName=name, EventSourceArn=stream_arn, StartingPosition="LATEST",
        FilterCriteria={"Filters": [{"Pattern": pattern}]}))
    assert (answer["Error"]["Code"], answer["Error"]["Message"]) == ("InvalidParameterValueException",
                                                                      "Invalid filter pattern definition.")


def test_filter_pattern_in_eventbridge_syntax_is_accepted(functions, stream_arn):
    name = functions.create(SOURCE)
    pattern = '{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"id": {"S": [{"prefix": "a"}]}}}}'
    created = functions.lam.create_event_source_mapping(FunctionName=name, EventSourceArn=stream_arn,
                                                        StartingPosition="LATEST",
                                                        FilterCriteria={"Filters": [{"Pattern": pattern}]})
    assert created["FilterCriteria"]["Filters"][0]["Pattern"] == pattern


def test_mapping_for_a_dynamodb_stream_that_does_not_exist_is_invalid(functions):
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/no-such-table/stream/2025-02-22T03:03:25.490"
    answer = _error(lambda: functions.lam.create_event_source_mapping(
        FunctionName=functions.create(SOURCE), EventSourceArn=arn, StartingPosition="LATEST"))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (answer["Error"]["Code"], answer["Error"]["Message"]) == ("InvalidParameterValueException",
                                                                      f"Stream not found: {arn}")
    assert answer["Type"] == "User"
