"""Lambda resource policies, layers and function-level answers as AWS gives them (issue 17).

Sources: the Lambda API reference (AddPermission, GetPolicy, RemovePermission, UpdateFunctionConfiguration
Layers, PutFunctionConcurrency, DeleteFunction), cited per test.
"""

import pytest
from botocore.exceptions import ClientError
from localcloud.testing import Functions, zip_of

SOURCE = "def handler(event, context):\n    return event\n"


@pytest.fixture(scope="module")
def functions(cloud) -> Functions:
    return Functions(cloud)


def _error(call) -> dict:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response


def _grant(functions, name, sid="s3", **extra):
    return functions.lam.add_permission(FunctionName=name, StatementId=sid, Action="lambda:InvokeFunction",
                                        Principal=extra.pop("Principal", "s3.amazonaws.com"), **extra)


def test_add_permission_refuses_latest_an_invalid_principal_and_a_taken_statement_id(functions):
    name = functions.create(SOURCE)
    latest = _error(lambda: _grant(functions, f"{name}:$LATEST", Qualifier="$LATEST"))
    assert latest["Error"] == {"Code": "InvalidParameterValueException",
                               "Message": "We currently do not support adding policies for $LATEST."}
    principal = _error(lambda: _grant(functions, name, Principal="invalid.nonaws.com"))
    assert principal["Error"]["Message"] == ("The provided principal was invalid. Please check the principal and "
                                             "try again.")
    assert _grant(functions, name, Principal="123456789012")["ResponseMetadata"]["HTTPStatusCode"] == 201
    taken = _error(lambda: _grant(functions, name, sid="s3-again") and _grant(functions, name, sid="s3-again"))
    assert taken["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert taken["Error"]["Code"] == "ResourceConflictException"
    assert "(s3-again) provided already exists" in taken["Error"]["Message"]


def test_policy_of_missing_functions_versions_and_aliases_is_not_found_in_aws_words(functions):
    name = functions.create(SOURCE)
    arn = functions.arn(name)
    cases = [
        (lambda: functions.lam.get_policy(FunctionName=f"{name}-gone"), "The resource you requested does not exist."),
        (lambda: functions.lam.get_policy(FunctionName=name, Qualifier="77"),
         "The resource you requested does not exist."),
        (lambda: functions.lam.remove_permission(FunctionName=f"{name}-gone", StatementId="s3"),
         f"No policy found for: {arn}-gone"),
        (lambda: functions.lam.remove_permission(FunctionName=name, StatementId="s3"),
         "No policy is associated with the given resource."),
        (lambda: _grant(functions, name, Qualifier="no-such-alias"), f"Cannot find alias arn: {arn}:no-such-alias"),
    ]
    for call, message in cases:
        answer = _error(call)
        assert (answer["ResponseMetadata"]["HTTPStatusCode"], answer["Error"]["Message"]) == (404, message)


def test_layers_two_versions_of_one_layer_or_a_missing_version_are_refused(functions):
    # UpdateFunctionConfiguration Layers: InvalidParameterValueException for either.
    name = functions.create(SOURCE)
    first = functions.lam.publish_layer_version(LayerName=f"{name}-layer", Content={"ZipFile": zip_of({"a.py": "1"})})
    second = functions.lam.publish_layer_version(LayerName=f"{name}-layer", Content={"ZipFile": zip_of({"a.py": "2"})})
    both = _error(lambda: functions.lam.update_function_configuration(
        FunctionName=name, Layers=[first["LayerVersionArn"], second["LayerVersionArn"]]))
    assert both["Error"]["Code"] == "InvalidParameterValueException"
    assert both["Error"]["Message"] == (
        "Two different versions of the same layer are not allowed to be referenced in the same function. "
        f"{first['LayerVersionArn']} and {second['LayerVersionArn']} are versions of the same layer.")
    missing = _error(lambda: functions.lam.update_function_configuration(
        FunctionName=name, Layers=[f"{first['LayerArn']}:9"]))
    assert missing["Error"]["Message"] == f"Layer version {first['LayerArn']}:9 does not exist."
    attached = functions.lam.update_function_configuration(FunctionName=name, Layers=[second["LayerVersionArn"]])
    assert [layer["Arn"] for layer in attached["Layers"]] == [second["LayerVersionArn"]]


def test_concurrency_for_a_missing_function_names_its_latest_version(functions):
    arn = functions.arn(functions.create(SOURCE))
    answer = _error(lambda: functions.lam.put_function_concurrency(FunctionName=f"{arn}-gone",
                                                                  ReservedConcurrentExecutions=1))
    assert answer["Error"]["Message"] == f"Function not found: {arn}-gone:$LATEST"


def test_delete_function_answers_204(functions):
    # DeleteFunction: 204 No Content on AWS (its StatusCode member carries it).
    answer = functions.lam.delete_function(FunctionName=functions.create(SOURCE))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204 and answer["StatusCode"] == 204


def test_invoking_a_missing_function_names_its_latest_version(functions):
    arn = functions.arn(functions.create(SOURCE))
    answer = _error(lambda: functions.lam.invoke(FunctionName=f"{arn}-gone"))
    assert answer["Error"]["Message"] == f"Function not found: {arn}-gone:$LATEST"


def test_delete_function_qualifier_is_a_version_and_a_missing_version_is_already_deleted(functions):
    # API_DeleteFunction: only a version can be deleted by qualifier; deleting one that is not there succeeds.
    name = functions.create(SOURCE)
    assert functions.lam.delete_function(FunctionName=name, Qualifier="1233")["ResponseMetadata"]["HTTPStatusCode"] == 204
    alias = _error(lambda: functions.lam.delete_function(FunctionName=name, Qualifier="live"))
    assert alias["Error"] == {"Code": "InvalidParameterValueException",
                              "Message": "Deletion of aliases is not currently supported."}
    assert functions.lam.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name


def test_reserved_concurrency_leaves_the_account_100_unreserved(functions):
    # configuration-concurrency.html: reserving may not leave fewer than 100 unreserved executions (of 1,000).
    name = functions.create(SOURCE)
    refused = _error(lambda: functions.lam.put_function_concurrency(FunctionName=name,
                                                                   ReservedConcurrentExecutions=1000))
    assert refused["Error"]["Code"] == "InvalidParameterValueException"
    assert refused["Error"]["Message"] == ("Specified ReservedConcurrentExecutions for function decreases account's "
                                           "UnreservedConcurrentExecution below its minimum value of [100].")
    assert functions.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)[
        "ReservedConcurrentExecutions"] == 5


def test_a_second_function_url_is_a_conflict(functions):
    name = functions.create(SOURCE)
    functions.lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    answer = _error(lambda: functions.lam.create_function_url_config(FunctionName=name, AuthType="NONE"))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert answer["Error"]["Code"] == "ResourceConflictException"


def test_a_published_version_has_no_policy_of_its_own(functions):
    # Permissions apply to the function, a version or an alias: a version starts without a policy.
    name = functions.create(SOURCE)
    _grant(functions, name)
    version = functions.lam.publish_version(FunctionName=name)["Version"]
    assert "Statement" in functions.lam.get_policy(FunctionName=name)["Policy"]
    answer = _error(lambda: functions.lam.get_policy(FunctionName=name, Qualifier=version))
    assert answer["Error"]["Message"] == "The resource you requested does not exist."


def test_a_qualifier_that_cannot_be_an_alias_name_is_a_missing_version(functions):
    # Alias names match (?!^[0-9]+$)([a-zA-Z0-9-_]+); a qualifier with '$' can only name a version.
    name = functions.create(SOURCE)
    answer = _error(lambda: _grant(functions, name, Qualifier="valid-with-$-but-missing"))
    assert answer["Error"]["Message"] == f"Function not found: {functions.arn(name)}:valid-with-$-but-missing"


def test_layer_version_answer_has_description_and_the_runtimes_sent_and_no_empty_license(functions):
    layer = functions.lam.publish_layer_version(LayerName=f"layer-{functions.create(SOURCE)}", CompatibleRuntimes=[],
                                                Content={"ZipFile": zip_of({"a.py": "1"})})
    assert layer["Description"] == "" and layer["CompatibleRuntimes"] == [] and "LicenseInfo" not in layer


def test_layer_of_another_region_is_refused(functions):
    name = functions.create(SOURCE)
    arn = f"arn:aws:lambda:eu-west-1:{functions.arn(name).split(':')[4]}:layer:elsewhere:1"
    answer = _error(lambda: functions.lam.update_function_configuration(FunctionName=name, Layers=[arn]))
    assert answer["Error"]["Message"] == ("Layers are not in the same region as the function. Layers are expected to "
                                          "be in region us-east-1.")


def test_a_published_version_has_its_own_revision_and_publishing_leaves_latest_unchanged(functions):
    name = functions.create(SOURCE)
    latest = functions.lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    published = functions.lam.publish_version(FunctionName=name)
    assert published["RevisionId"] != latest
    again = functions.lam.publish_version(FunctionName=name)  # nothing changed: the same version
    assert (again["Version"], again["RevisionId"]) == (published["Version"], published["RevisionId"])
    assert functions.lam.get_function(FunctionName=name)["Configuration"]["RevisionId"] == latest
    version = functions.lam.get_function(FunctionName=name, Qualifier=published["Version"])["Configuration"]
    assert version["RevisionId"] == published["RevisionId"]



def test_create_with_publish_answers_latests_revision_and_version_1_has_its_own(functions):
    from localcloud.testing import zip_of as package

    name = f"fn-pub-{functions.create(SOURCE)[-8:]}"
    created = functions.lam.create_function(FunctionName=name, Runtime="python3.12", Role=functions.role,
                                            Handler="handler.handler", Publish=True,
                                            Code={"ZipFile": package({"handler.py": SOURCE})})
    version = functions.lam.get_function(FunctionName=name, Qualifier="1")["Configuration"]["RevisionId"]
    latest = functions.lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    assert len({created["RevisionId"], version, latest}) == 3
    assert functions.lam.publish_version(FunctionName=name)["RevisionId"] == version


def test_function_url_invoke_mode_is_the_models_enum_and_answered_on_create_only_when_set(functions):
    name = functions.create(SOURCE)
    created = functions.lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert "InvokeMode" not in created
    assert functions.lam.get_function_url_config(FunctionName=name)["InvokeMode"] == "BUFFERED"


def test_a_version_takes_a_statement_id_its_function_already_uses(functions):
    # Permissions apply per function, version or alias: the same StatementId may be used on each.
    name = functions.create(SOURCE)
    _grant(functions, name)
    version = functions.lam.publish_version(FunctionName=name)["Version"]
    assert _grant(functions, name, Qualifier=version)["ResponseMetadata"]["HTTPStatusCode"] == 201


def test_deleting_a_version_of_a_missing_function_names_the_function(functions):
    arn = functions.arn(functions.create(SOURCE))
    answer = _error(lambda: functions.lam.delete_function(FunctionName=f"{arn}-gone", Qualifier="3"))
    assert answer["Error"]["Message"] == f"Function not found: {arn}-gone"
