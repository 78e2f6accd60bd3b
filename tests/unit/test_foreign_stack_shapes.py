"""Pure shapes behind foreign stacks: a function's state as reads report it, a Swagger 2.0 body as moto
imports it, an HTTP API's $default invoke URL as outputs rewrite it."""

from types import SimpleNamespace

from localcloud.aws.apigateway.imports import as_openapi3
from localcloud.aws.lambda_.states import REASON_ATTR, with_state_reason
from localcloud.terraform.outputs import rewrite_url


def test_failed_and_inactive_states_always_carry_a_reason_and_a_code():
    inactive = SimpleNamespace(state="Inactive")
    configuration = {"State": "Inactive"}
    with_state_reason(inactive, configuration)
    assert configuration["StateReason"] and configuration["StateReasonCode"] == "Idle"

    failed = SimpleNamespace(state="Failed", **{REASON_ATTR: ("the layer is gone", "InvalidLayer")})
    configuration = {"State": "Failed"}
    with_state_reason(failed, configuration)
    assert (configuration["StateReason"], configuration["StateReasonCode"]) == ("the layer is gone", "InvalidLayer")


def test_a_function_an_older_localcloud_marked_failed_for_its_runtime_is_active_again():
    # Saved state from before Node.js ran: Failed with no reason of our own.
    old = SimpleNamespace(state="Failed")
    configuration = {"State": "Failed", "StateReason": "", "StateReasonCode": "InvalidRuntime"}
    with_state_reason(old, configuration)
    assert configuration == {"State": "Active"} and old.state == "Active"


def test_swagger_2_becomes_the_openapi_3_document_moto_imports():
    swagger = {
        "swagger": "2.0", "info": {"title": "t", "version": "1"}, "basePath": "/v1",
        "x-amazon-apigateway-binary-media-types": ["image/png"],
        "paths": {"/items/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "type": "string"}],
            "x-amazon-apigateway-any-method": {
                "produces": ["application/json"], "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "arn:x"}},
            "options": {"responses": {}, "x-amazon-apigateway-integration": {"type": "mock"}}}},
    }
    converted = as_openapi3(swagger)
    assert converted["openapi"] == "3.0.1" and converted["info"] == {"title": "t", "version": "1", "description": ""}
    assert converted["x-amazon-apigateway-binary-media-types"] == ["image/png"]
    operations = converted["paths"]["/items/{id}"]
    assert set(operations) == {"any", "options"}
    assert operations["any"]["x-amazon-apigateway-integration"] == {"type": "AWS_PROXY", "httpMethod": "POST",
                                                                    "uri": "arn:x"}
    assert operations["options"]["x-amazon-apigateway-integration"] == {"type": "MOCK", "uri": "", "httpMethod": ""}


def test_invoke_urls_of_named_and_default_stages_become_local_paths():
    local = "http://127.0.0.1:4566"
    assert rewrite_url("https://abc123.execute-api.us-east-1.amazonaws.com/", local) == \
        f"{local}/restapis/abc123/$default/_user_request_"
    assert rewrite_url("https://abc123.execute-api.us-east-1.amazonaws.com/live", local) == \
        f"{local}/restapis/abc123/live/_user_request_"
