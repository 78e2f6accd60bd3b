"""API Gateway REST APIs invoked through the local endpoint: Lambda proxy event and response, path
parameters and {proxy+}, stages and stage variables, non-proxy and MOCK integrations, and the errors API
Gateway answers (403 Missing Authentication Token, 502 Internal server error).

AWS references: apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html (input and output
formats), .../api-gateway-mapping-template-reference.html, .../handle-errors-in-lambda-integration.html.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
from support import allow_invoke

ECHO = """import json
def handler(event, context):
    return {"statusCode": 201, "headers": {"X-Echo": "yes"}, "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": json.dumps(event), "isBase64Encoded": False}
"""


def call(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


class Api:
    def __init__(self, cloud, functions) -> None:
        self.cloud, self.functions = cloud, functions
        self.apigw = cloud.client("apigateway")
        self.id = self.apigw.create_rest_api(name=f"api-{uuid.uuid4().hex[:6]}")["id"]
        self.root = next(r["id"] for r in self.apigw.get_resources(restApiId=self.id)["items"] if r["path"] == "/")

    def resource(self, path: str) -> str:
        parent = self.root
        for part in [p for p in path.split("/") if p]:
            existing = {r["path"]: r["id"] for r in self.apigw.get_resources(restApiId=self.id)["items"]}
            current = next(p for p, i in existing.items() if i == parent)
            full = (current.rstrip("/") + "/" + part)
            parent = existing.get(full) or self.apigw.create_resource(
                restApiId=self.id, parentId=parent, pathPart=part)["id"]
        return parent

    def lambda_method(self, path: str, method: str, function: str, kind: str = "AWS_PROXY", **integration) -> str:
        resource = self.resource(path)
        self.apigw.put_method(restApiId=self.id, resourceId=resource, httpMethod=method, authorizationType="NONE")
        arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function}"
        if "${" not in function:  # API Gateway invokes under the function policy, as Terraform users grant it
            allow_invoke(self.cloud.client("lambda"), function, "apigateway.amazonaws.com",
                         f"arn:aws:execute-api:us-east-1:123456789012:{self.id}/*")
        self.apigw.put_integration(
            restApiId=self.id, resourceId=resource, httpMethod=method, type=kind, integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations", **integration)
        return resource

    def deploy(self, stage: str = "dev", **variables) -> str:
        self.apigw.create_deployment(restApiId=self.id, stageName=stage, variables=variables)
        return f"{self.cloud.endpoint}/restapis/{self.id}/{stage}/_user_request_"


@pytest.fixture(scope="module")
def echo(orch_functions):
    return orch_functions.create(ECHO)


def test_proxy_event_has_the_aws_shape(orch_cloud, orch_functions, echo):
    api = Api(orch_cloud, orch_functions)
    resource = api.lambda_method("/items/{id}", "POST", echo)
    base = api.deploy("dev", table="orders")
    status, headers, raw = call(f"{base}/items/42?q=1&tag=a&tag=b", "POST", b'{"x": 1}',
                                {"Content-Type": "application/json", "X-Custom": "v", "User-Agent": "tester"})
    assert status == 201 and headers["X-Echo"] == "yes"
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    event = json.loads(raw)
    assert event["resource"] == "/items/{id}" and event["path"] == "/items/42" and event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"q": "1", "tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"q": ["1"], "tag": ["a", "b"]}
    assert event["headers"]["X-Custom"] == "v" and event["multiValueHeaders"]["X-Custom"] == ["v"]
    assert event["stageVariables"] == {"table": "orders"}
    assert event["body"] == '{"x": 1}' and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["accountId"] == "123456789012" and context["apiId"] == api.id
    assert context["resourceId"] == resource and context["resourcePath"] == "/items/{id}"
    assert context["httpMethod"] == "POST" and context["stage"] == "dev" and context["path"] == "/dev/items/42"
    assert context["identity"]["sourceIp"] == "127.0.0.1" and context["identity"]["userAgent"] == "tester"
    assert context["protocol"].startswith("HTTP/") and isinstance(context["requestTimeEpoch"], int)
    assert context["requestId"] and context["domainName"]


def test_greedy_proxy_path_and_literal_precedence(orch_cloud, orch_functions, echo):
    api = Api(orch_cloud, orch_functions)
    api.lambda_method("/files/{proxy+}", "ANY", echo)
    api.lambda_method("/files/special", "GET", echo)
    base = api.deploy()
    event = json.loads(call(f"{base}/files/a/b/c.txt", "DELETE")[2])
    assert event["resource"] == "/files/{proxy+}" and event["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert event["httpMethod"] == "DELETE" and event["body"] is None and event["queryStringParameters"] is None
    assert json.loads(call(f"{base}/files/special")[2])["resource"] == "/files/special"


def test_missing_route_method_or_stage_is_forbidden_as_on_aws(orch_cloud, orch_functions, echo):
    api = Api(orch_cloud, orch_functions)
    api.lambda_method("/items", "GET", echo)
    base = api.deploy()
    status, headers, raw = call(f"{base}/nothing-here")
    assert status == 403 and json.loads(raw) == {"message": "Missing Authentication Token"}
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert call(f"{base}/items", "PUT")[0] == 403
    status, _, raw = call(f"{orch_cloud.endpoint}/restapis/{api.id}/nostage/_user_request_/items")
    assert status == 403 and json.loads(raw) == {"message": "Forbidden"}


@pytest.mark.parametrize("returned", ["'just a string'", "{'body': 'no status'}", "{'statusCode': 200, 'body': {'not': 'a string'}}",
                                      "{'statusCode': 200, 'unexpected': 1}"])
def test_malformed_proxy_response_is_502(orch_cloud, orch_functions, returned):
    function = orch_functions.create(f"def handler(event, context):\n    return {returned}\n")
    api = Api(orch_cloud, orch_functions)
    api.lambda_method("/x", "GET", function)
    status, _, raw = call(f"{api.deploy()}/x")
    assert status == 502 and json.loads(raw) == {"message": "Internal server error"}


def test_lambda_error_is_502(orch_cloud, orch_functions):
    function = orch_functions.create("def handler(event, context):\n    raise ValueError('boom')\n")
    api = Api(orch_cloud, orch_functions)
    api.lambda_method("/x", "GET", function)
    status, _, raw = call(f"{api.deploy()}/x")
    assert status == 502 and json.loads(raw) == {"message": "Internal server error"}


def test_binary_body_arrives_base64_encoded(orch_cloud, orch_functions, echo):
    api = Api(orch_cloud, orch_functions)
    api.lambda_method("/upload", "PUT", echo)
    event = json.loads(call(f"{api.deploy()}/upload", "PUT", b"\xff\xfe\x00binary")[2])
    assert event["isBase64Encoded"] is True
    import base64

    assert base64.b64decode(event["body"]) == b"\xff\xfe\x00binary"


def test_non_proxy_lambda_integration_with_templates_and_error_mapping(orch_cloud, orch_functions):
    source = ("def handler(event, context):\n"
              "    if event.get('id') == 'bad':\n        raise ValueError('NotFound: no such order')\n"
              "    return {'order': event['id'], 'stage': event['stage']}\n")
    function = orch_functions.create(source)
    api = Api(orch_cloud, orch_functions)
    resource = api.lambda_method("/orders/{id}", "GET", function, kind="AWS", requestTemplates={
        "application/json": '{"id": "$input.params(\'id\')", "stage": "$context.stage"}'})
    api.apigw.put_method_response(restApiId=api.id, resourceId=resource, httpMethod="GET", statusCode="200")
    api.apigw.put_method_response(restApiId=api.id, resourceId=resource, httpMethod="GET", statusCode="404")
    api.apigw.put_integration_response(restApiId=api.id, resourceId=resource, httpMethod="GET", statusCode="200",
                                       selectionPattern="", responseTemplates={"application/json": '{"got": $input.json(\'$.order\')}'})
    api.apigw.put_integration_response(restApiId=api.id, resourceId=resource, httpMethod="GET", statusCode="404",
                                       selectionPattern="NotFound:.*")
    base = api.deploy("prod")
    status, _, raw = call(f"{base}/orders/o-1")
    assert status == 200 and json.loads(raw) == {"got": "o-1"}
    status, _, raw = call(f"{base}/orders/bad")
    assert status == 404 and json.loads(raw)["errorMessage"] == "NotFound: no such order"


def test_mock_integration(orch_cloud, orch_functions):
    api = Api(orch_cloud, orch_functions)
    resource = api.resource("/health")
    api.apigw.put_method(restApiId=api.id, resourceId=resource, httpMethod="GET", authorizationType="NONE")
    api.apigw.put_integration(restApiId=api.id, resourceId=resource, httpMethod="GET", type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
    api.apigw.put_integration_response(restApiId=api.id, resourceId=resource, httpMethod="GET", statusCode="200",
                                       responseTemplates={"application/json": '{"ok": true}'})
    status, _, raw = call(f"{api.deploy()}/health")
    assert status == 200 and json.loads(raw) == {"ok": True}


def test_control_plane_under_restapis_still_answers(orch_cloud, orch_functions):
    api = Api(orch_cloud, orch_functions)
    assert api.apigw.get_rest_api(restApiId=api.id)["id"] == api.id


def test_execute_api_host_name(orch_cloud, orch_functions, echo):
    api = Api(orch_cloud, orch_functions)
    api.lambda_method("/hello", "GET", echo)
    api.deploy("v1")
    port = orch_cloud.settings.port
    # The host name needs no DNS: we connect to 127.0.0.1 and send it in the Host header.
    status, _, raw = call(f"http://127.0.0.1:{port}/v1/hello",
                          headers={"Host": f"{api.id}.execute-api.localhost.localstack.cloud:{port}"})
    assert status == 201 and json.loads(raw)["path"] == "/hello"
