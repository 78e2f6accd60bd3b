"""HTTP APIs (API Gateway v2) on the local cloud: their own service name in errors and health, deployments,
payload format 1.0 beside 2.0, JWT authorizers, CORS, an SQS service integration, and state that survives
a restart."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError
from support import allow_invoke, trust_policy

ECHO = ("import json\n"
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': json.dumps(event)}\n")


def _http(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def _token(claims: dict) -> str:
    def part(document: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.fixture(scope="module")
def http_api(lambda_cloud, lambda_functions):
    v2 = lambda_cloud.client("apigatewayv2")
    echo = lambda_functions.arn(lambda_functions.create(ECHO))
    api = v2.create_api(Name="v2-tests", ProtocolType="HTTP", CorsConfiguration={
        "AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["x-k"],
        "MaxAge": 60})["ApiId"]
    v1 = v2.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=echo,
                               PayloadFormatVersion="1.0")["IntegrationId"]
    v2_integration = v2.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=echo,
                                           PayloadFormatVersion="2.0")["IntegrationId"]
    jwt = v2.create_authorizer(ApiId=api, Name="jwt", AuthorizerType="JWT",
                               IdentitySource=["$request.header.Authorization"],
                               JwtConfiguration={"Issuer": "https://issuer.example", "Audience": ["orders"]})
    v2.create_route(ApiId=api, RouteKey="GET /v1/{item}", Target=f"integrations/{v1}")
    v2.create_route(ApiId=api, RouteKey="ANY /{proxy+}", Target=f"integrations/{v2_integration}")
    v2.create_route(ApiId=api, RouteKey="GET /me", Target=f"integrations/{v2_integration}",
                    AuthorizationType="JWT", AuthorizerId=jwt["AuthorizerId"])
    v2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    allow_invoke(lambda_cloud.client("lambda"), echo, "apigateway.amazonaws.com",
                 f"arn:aws:execute-api:us-east-1:123456789012:{api}/*")  # what Terraform users grant
    return api, f"{lambda_cloud.endpoint}/restapis/{api}/$default/_user_request_"


def test_payload_1_0_and_2_0_and_the_most_specific_route(http_api):
    _, base = http_api
    status, _, body = _http(base + "/v1/lamp?a=1&a=2")
    event = json.loads(body)
    assert status == 200 and event["version"] == "1.0"
    assert event["pathParameters"] == {"item": "lamp"} and event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    status, _, body = _http(base + "/deep/path", "POST", b"{}")
    event = json.loads(body)
    assert event["version"] == "2.0" and event["routeKey"] == "ANY /{proxy+}"
    assert event["pathParameters"] == {"proxy": "deep/path"} and event["requestContext"]["http"]["method"] == "POST"


def test_jwt_authorizer_checks_issuer_audience_and_expiry(http_api):
    _, base = http_api
    good = {"iss": "https://issuer.example", "aud": "orders", "sub": "ann", "exp": time.time() + 600}
    assert _http(base + "/me")[0] == 401
    assert _http(base + "/me", headers={"Authorization": "Bearer " + _token({**good, "aud": "other"})})[0] == 401
    assert _http(base + "/me", headers={"Authorization": "Bearer " + _token({**good, "exp": 1})})[0] == 401
    status, _, body = _http(base + "/me", headers={"Authorization": "Bearer " + _token(good)})
    assert status == 200
    assert json.loads(body)["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "ann"


def test_cors_preflight_and_headers_from_the_api_configuration(http_api):
    _, base = http_api
    status, headers, _ = _http(base + "/anything", "OPTIONS", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert status == 204 and headers["access-control-allow-origin"] == "https://app.example"
    assert headers.get("access-control-allow-methods") == "GET,POST" and headers.get("access-control-max-age") == "60", headers
    status, headers, _ = _http(base + "/anything", headers={"Origin": "https://app.example"})
    assert status == 200 and headers["access-control-allow-origin"] == "https://app.example"
    # An origin the API does not list is refused before it reaches the API, as a browser would be.
    assert _http(base + "/anything", headers={"Origin": "https://evil.example"})[0] == 403


def test_sqs_service_integration_sends_the_body(lambda_cloud):
    v2, sqs = lambda_cloud.client("apigatewayv2"), lambda_cloud.client("sqs")
    queue = sqs.create_queue(QueueName="v2-orders")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    iam = lambda_cloud.client("iam")
    role = iam.create_role(RoleName="apigw-sqs", AssumeRolePolicyDocument=trust_policy("apigateway.amazonaws.com"))[
        "Role"]["Arn"]  # API Gateway sends as this role
    iam.put_role_policy(RoleName="apigw-sqs", PolicyName="send", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}]}))
    api = v2.create_api(Name="v2-sqs", ProtocolType="HTTP")["ApiId"]
    integration = v2.create_integration(
        ApiId=api, IntegrationType="AWS_PROXY", IntegrationSubtype="SQS-SendMessage", PayloadFormatVersion="1.0",
        CredentialsArn=role,
        RequestParameters={"QueueUrl": queue, "MessageBody": "$request.body.order"})["IntegrationId"]
    v2.create_route(ApiId=api, RouteKey="POST /orders", Target=f"integrations/{integration}")
    v2.create_stage(ApiId=api, StageName="prod")
    status, _, body = _http(f"{lambda_cloud.endpoint}/restapis/{api}/prod/_user_request_/orders", "POST",
                            b'{"order": {"id": 7}}')
    assert status == 200 and "MessageId" in json.loads(body)
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5)["Messages"]
    assert json.loads(messages[0]["Body"]) == {"id": 7}


def test_deployments_and_errors_name_apigatewayv2(http_api, lambda_cloud):
    api, _ = http_api
    v2 = lambda_cloud.client("apigatewayv2")
    deployment = v2.create_deployment(ApiId=api, Description="first")
    assert deployment["DeploymentStatus"] == "DEPLOYED"
    assert v2.get_deployment(ApiId=api, DeploymentId=deployment["DeploymentId"])["Description"] == "first"
    assert v2.get_stage(ApiId=api, StageName="$default")["DeploymentId"]
    with pytest.raises(ClientError) as missing:
        v2.get_deployment(ApiId=api, DeploymentId="nope00")
    assert missing.value.response["Error"]["Code"] == "NotFoundException"
    with pytest.raises(ClientError) as unknown:
        v2.get_api_mapping(DomainName="api.example", ApiMappingId="x")  # moto has no such domain
    assert "apigateway:" not in unknown.value.response["Error"]["Message"]
    health = json.loads(urllib.request.urlopen(f"{lambda_cloud.endpoint}/_localcloud/health").read())
    assert health["services"]["apigatewayv2"] == "running"


def test_not_implemented_names_the_service_and_the_operation(lambda_cloud):
    v2 = lambda_cloud.client("apigatewayv2")
    with pytest.raises(ClientError) as refused:
        v2.export_api(ApiId="abc", Specification="OAS30", OutputType="JSON")
    message = refused.value.response["Error"]["Message"]
    assert refused.value.response["Error"]["Code"] == "NotImplemented"
    assert "apigatewayv2:ExportApi" in message


def test_http_apis_and_deployments_survive_a_restart(fresh_cloud, tmp_path):
    cloud = fresh_cloud.start()
    v2 = cloud.client("apigatewayv2")
    api = v2.create_api(Name="kept", ProtocolType="HTTP")["ApiId"]
    integration = v2.create_integration(ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="GET",
                                        IntegrationUri="https://example.invalid/x", PayloadFormatVersion="1.0")
    v2.create_route(ApiId=api, RouteKey="GET /x", Target=f"integrations/{integration['IntegrationId']}")
    deployment = v2.create_deployment(ApiId=api)["DeploymentId"]
    cloud.stop()
    cloud.start()
    v2 = cloud.client("apigatewayv2")
    assert [a["Name"] for a in v2.get_apis()["Items"]] == ["kept"]
    assert v2.get_deployment(ApiId=api, DeploymentId=deployment)["DeploymentStatus"] == "DEPLOYED"


def test_quick_create_makes_a_route_and_an_auto_deployed_default_stage(lambda_cloud, lambda_functions):
    v2 = lambda_cloud.client("apigatewayv2")
    echo = lambda_functions.arn(lambda_functions.create(ECHO))
    api = v2.create_api(Name="v2-quick", ProtocolType="HTTP", Target=echo)["ApiId"]
    allow_invoke(lambda_cloud.client("lambda"), echo, "apigateway.amazonaws.com",
                 f"arn:aws:execute-api:us-east-1:123456789012:{api}/*")
    assert [r["RouteKey"] for r in v2.get_routes(ApiId=api)["Items"]] == ["$default"]
    stage = v2.get_stage(ApiId=api, StageName="$default")
    assert stage["AutoDeploy"] is True and stage["ApiGatewayManaged"] is True
    status, _, body = _http(f"{lambda_cloud.endpoint}/restapis/{api}/$default/_user_request_/any/path?q=1")
    assert status == 200 and json.loads(body)["rawPath"] == "/any/path"
