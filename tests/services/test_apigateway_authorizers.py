"""REST API Lambda authorizers: TOKEN and REQUEST, allow, deny, missing identity, the context reaching
the integration (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from support import allow_invoke

AUTHORIZER = """\
def handler(event, context):
    token = event.get("authorizationToken") or (event.get("headers") or {}).get("X-Key", "")
    if token == "boom":
        raise Exception("Unauthorized")
    effect = "Allow" if token in ("Bearer good", "good") else "Deny"
    return {"principalId": "ann", "context": {"kind": event["type"], "arn": event["methodArn"]},
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
"""
ECHO = """\
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"""


def _get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def guarded(lambda_cloud, lambda_functions):
    apigateway = lambda_cloud.client("apigateway")
    authorizer_arn = lambda_functions.arn(lambda_functions.create(AUTHORIZER))
    echo_arn = lambda_functions.arn(lambda_functions.create(ECHO))
    api = apigateway.create_rest_api(name="guarded")["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{}/invocations"
    ids = {}
    for kind, source in (("TOKEN", "method.request.header.Authorization"), ("REQUEST", "method.request.header.X-Key")):
        ids[kind] = apigateway.create_authorizer(restApiId=api, name=kind.lower(), type=kind,
                                                 authorizerUri=uri.format(authorizer_arn), identitySource=source)["id"]
        resource = apigateway.create_resource(restApiId=api, parentId=root, pathPart=kind.lower())["id"]
        apigateway.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType="CUSTOM",
                              authorizerId=ids[kind])
        apigateway.put_integration(restApiId=api, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
                                   integrationHttpMethod="POST", uri=uri.format(echo_arn))
    apigateway.create_deployment(restApiId=api, stageName="v1")
    # API Gateway invokes the function (and the authorizer) under its function policy
    allow_invoke(lambda_cloud.client("lambda"), echo_arn, "apigateway.amazonaws.com",
                 f"arn:aws:execute-api:us-east-1:123456789012:{api}/*")
    return f"{lambda_cloud.endpoint}/restapis/{api}/v1/_user_request_"


def test_token_authorizer_allows_denies_and_passes_its_context(guarded):
    assert _get(guarded + "/token")[0] == 401  # no Authorization header: the function is not called
    status, body = _get(guarded + "/token", {"Authorization": "Bearer bad"})
    assert status == 403 and b"explicit deny" in body
    assert _get(guarded + "/token", {"Authorization": "boom"})[0] == 401  # the function said Unauthorized
    status, body = _get(guarded + "/token", {"Authorization": "Bearer good"})
    context = json.loads(body)
    assert status == 200 and context["principalId"] == "ann" and context["kind"] == "TOKEN"
    assert context["arn"].endswith("/v1/GET/token")


def test_request_authorizer_sees_the_request(guarded):
    assert _get(guarded + "/request")[0] == 401
    assert _get(guarded + "/request", {"X-Key": "bad"})[0] == 403
    status, body = _get(guarded + "/request", {"X-Key": "good"})
    assert status == 200 and json.loads(body)["kind"] == "REQUEST"
