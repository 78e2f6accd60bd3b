"""A function named any way AWS accepts reaches the same function, for every operation (issue 17).

Source: the Lambda API reference, FunctionName of GetFunction / Invoke / UpdateFunctionConfiguration ("Function
name – my-function, my-function:v1. Function ARN – arn:aws:lambda:us-west-2:123456789012:function:my-function.
Partial ARN – 123456789012:function:my-function"), and the model's NamespacedFunctionName pattern, whose
groups make `arn:aws:lambda:REGION:ACCOUNT:function` the function named "function".
"""

import json

import pytest
from botocore.exceptions import ClientError
from localcloud.testing import Functions

SOURCE = "def handler(event, context):\n    return event\n"
MISMATCH = "The derived qualifier from the function name does not match the specified qualifier."


@pytest.fixture(scope="module")
def functions(cloud) -> Functions:
    return Functions(cloud)


def _error(call) -> dict:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response


def test_name_full_arn_partial_arn_and_latest_qualified_arn_reach_the_same_function(functions):
    name = functions.create(SOURCE)
    arn = functions.arn(name)
    partial = ":".join(arn.split(":")[-3:])  # 123456789012:function:NAME
    for spelling in (name, arn, partial, f"{arn}:$LATEST", f"{name}:$LATEST"):
        assert functions.lam.get_function_configuration(FunctionName=spelling)["FunctionName"] == name
        assert functions.lam.get_function(FunctionName=spelling)["Configuration"]["FunctionName"] == name
        answer = functions.lam.invoke(FunctionName=spelling, Payload=json.dumps({"via": spelling}))
        assert json.loads(answer["Payload"].read()) == {"via": spelling}
    for spelling in (arn, partial):  # UpdateFunctionConfiguration takes no Qualifier: unqualified spellings
        updated = functions.lam.update_function_configuration(FunctionName=spelling, Description=spelling)
        assert updated["FunctionName"] == name and updated["Description"] == spelling


def test_arn_without_a_function_name_names_the_function_called_function(functions):
    arn_prefix = functions.arn(functions.create(SOURCE)).rsplit(":", 1)[0]  # arn:aws:lambda:REGION:ACCOUNT:function
    answer = _error(lambda: functions.lam.get_function(FunctionName=arn_prefix))
    assert answer["Error"]["Code"] == "ResourceNotFoundException"
    assert answer["Error"]["Message"] == f"Function not found: {arn_prefix}:function"


@pytest.mark.parametrize("operation", ["get_function", "get_function_configuration", "delete_function", "invoke"])
def test_qualifier_in_the_name_and_a_different_qualifier_parameter_is_invalid(functions, operation):
    name = functions.create(SOURCE)
    answer = _error(lambda: getattr(functions.lam, operation)(FunctionName=f"{functions.arn(name)}:1",
                                                              Qualifier="$LATEST"))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert answer["Error"]["Code"] == "InvalidParameterValueException"
    assert answer["Error"]["Message"] == MISMATCH
    assert functions.lam.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name  # not deleted


def test_add_permission_with_a_mismatched_qualifier_is_invalid_before_the_function_is_looked_up(functions):
    name = functions.create(SOURCE)
    answer = _error(lambda: functions.lam.add_permission(
        FunctionName=f"{name}:alias-not-42", Qualifier="42", StatementId="s3", Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com"))
    assert (answer["Error"]["Code"], answer["Error"]["Message"]) == ("InvalidParameterValueException", MISMATCH)
