"""Lambda behaves as AWS does where moto did not (issue 17). Each test names the AWS behaviour and its source:
the botocore lambda model (service-2.json) or the Lambda API reference."""

import uuid

import pytest
from botocore.exceptions import ClientError
from localcloud.testing import Functions

SOURCE = "def handler(event, context):\n    return event\n"


@pytest.fixture(scope="module")
def functions(cloud) -> Functions:
    return Functions(cloud)


@pytest.fixture(scope="module")
def raw_lambda(cloud):
    """A client that sends what it is given (botocore's own checks off), as other SDKs and tools may."""
    return cloud.client("lambda", parameter_validation=False)


def _error(call) -> dict:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response


@pytest.mark.parametrize("operation", ["get_function", "delete_function", "get_function_configuration"])
def test_function_name_outside_the_models_pattern_is_a_validation_exception_not_a_404_page(raw_lambda, operation):
    # botocore lambda model: NamespacedFunctionName pattern; AWS answers 400 ValidationException naming it.
    answer = _error(lambda: getattr(raw_lambda, operation)(FunctionName="my-function!"))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert answer["Error"]["Code"] == "ValidationException"
    message = answer["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value 'my-function!' at 'functionName' failed to "
                              "satisfy constraint: Member must satisfy regular expression pattern: ")


def test_every_violated_constraint_is_listed_with_its_count(raw_lambda):
    # A qualifier over 128 characters (model max) and a name outside the pattern: two errors, one answer.
    answer = _error(lambda: raw_lambda.get_function(FunctionName="bad name", Qualifier="q" * 129))
    message = answer["Error"]["Message"]
    assert message.startswith("2 validation errors detected: ")
    assert "at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128" in message
    assert "at 'functionName' failed to satisfy constraint: Member must satisfy regular expression" in message


def test_enum_member_with_an_unknown_value_is_refused_before_the_service(raw_lambda, functions):
    name = functions.create(SOURCE)
    answer = _error(lambda: raw_lambda.put_function_recursion_config(FunctionName=name, RecursiveLoop="Sometimes"))
    assert answer["Error"]["Code"] == "ValidationException"
    assert "at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set:" in \
        answer["Error"]["Message"]


def test_function_arn_of_another_region_is_not_found_here(functions):
    name = functions.create(SOURCE)
    arn = functions.arn(name).replace(":us-east-1:", ":eu-central-1:")
    for call in (functions.lam.get_function_configuration, functions.lam.delete_function):
        answer = _error(lambda: call(FunctionName=arn))
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 404
        assert answer["Error"]["Code"] == "ResourceNotFoundException"
        assert answer["Error"]["Message"] == ("Functions from 'eu-central-1' are not reachable in this region "
                                              "('us-east-1')")
    assert functions.lam.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name


def test_errors_carry_type_and_message_as_the_model_names_them(functions):
    # ResourceNotFoundException has members Type and Message; InvalidParameterValueException Type and message.
    missing = _error(lambda: functions.lam.get_function(FunctionName=f"none-{uuid.uuid4().hex[:6]}"))
    assert missing["Type"] == "User" and missing["Message"].startswith("Function not found: arn:aws:lambda:")
    name = functions.create(SOURCE)
    qualified = functions.arn(name) + ":1"
    refused = _error(lambda: functions.lam.put_function_concurrency(FunctionName=qualified,
                                                                   ReservedConcurrentExecutions=1))
    assert refused["Error"]["Code"] == "InvalidParameterValueException"
    assert refused["Type"] == "User" and "unqualified function ARN" in refused["message"]


def test_function_configuration_has_logging_config_revision_and_runtime_version(functions):
    name = functions.create(SOURCE, Environment={"Variables": {}})
    config = functions.lam.get_function_configuration(FunctionName=name)
    assert config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert config["RuntimeVersionConfig"]["RuntimeVersionArn"].startswith("arn:aws:lambda:us-east-1::runtime:")
    assert config["Environment"] == {"Variables": {}}
    assert "Layers" not in config
    uuid.UUID(config["RevisionId"])
    assert functions.lam.get_function_configuration(FunctionName=name)["RevisionId"] == config["RevisionId"]


def test_json_log_format_defaults_its_log_levels_to_info(functions):
    name = functions.create(SOURCE)
    updated = functions.lam.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "JSON"})
    assert updated["LoggingConfig"] == {"LogFormat": "JSON", "LogGroup": f"/aws/lambda/{name}",
                                        "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO"}


def test_create_answers_pending_and_update_in_progress_then_reads_settle_with_a_new_revision(functions):
    name = f"fn-{uuid.uuid4().hex[:10]}"
    from localcloud.testing import zip_of

    created = functions.lam.create_function(FunctionName=name, Runtime="python3.12", Role=functions.role,
                                            Handler="handler.handler", Code={"ZipFile": zip_of({"handler.py": SOURCE})})
    assert (created["State"], created["StateReasonCode"]) == ("Pending", "Creating")
    read = functions.lam.get_function_configuration(FunctionName=name)
    assert read["State"] == "Active" and read["RevisionId"] != created["RevisionId"]
    updated = functions.lam.update_function_configuration(FunctionName=name, Description="changed")
    assert updated["LastUpdateStatus"] == "InProgress"
    after = functions.lam.get_function_configuration(FunctionName=name)
    assert after["LastUpdateStatus"] == "Successful"
    assert len({created["RevisionId"], read["RevisionId"], updated["RevisionId"], after["RevisionId"]}) == 4


def test_tagging_a_function_changes_its_revision(functions):
    name = functions.create(SOURCE)
    before = functions.lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    functions.lam.tag_resource(Resource=functions.arn(name), Tags={"team": "data"})
    assert functions.lam.get_function(FunctionName=name)["Configuration"]["RevisionId"] != before


def test_add_permission_answers_201_as_the_model_says(functions):
    name = functions.create(SOURCE)
    answer = functions.lam.add_permission(FunctionName=name, StatementId="logs", Action="lambda:InvokeFunction",
                                          Principal="logs.amazonaws.com")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 201


@pytest.mark.parametrize("runtime", ["python3.7", "java8", "nodejs12.x"])
def test_runtime_past_its_block_create_date_is_refused(functions, runtime):
    # https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-deprecated
    answer = _error(lambda: functions.create(SOURCE, runtime=runtime))
    assert answer["Error"]["Code"] == "InvalidParameterValueException"
    assert answer["Error"]["Message"].startswith(f"The runtime parameter of {runtime} is no longer supported")


def test_inline_zip_over_50_mb_is_request_entity_too_large(functions):
    # https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: 50 MB zipped, direct upload
    import io
    import os
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("handler.py", SOURCE)
        archive.writestr("blob.bin", os.urandom(52428800 + 1))
    answer = _error(lambda: functions.lam.create_function(
        FunctionName=f"big-{uuid.uuid4().hex[:6]}", Runtime="python3.12", Role=functions.role,
        Handler="handler.handler", Code={"ZipFile": buffer.getvalue()}))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert answer["Error"]["Code"] == "RequestEntityTooLargeException"
    assert answer["Error"]["Message"] == "Zipped size must be smaller than 52428800 bytes"


def test_list_functions_shows_no_state_members(functions):
    name = functions.create(SOURCE)
    listed = [f for f in functions.lam.list_functions()["Functions"] if f["FunctionName"] == name][0]
    assert "State" not in listed and "LastUpdateStatus" not in listed
    assert "LoggingConfig" in listed and "RevisionId" in listed
