"""Quick create: CreateApi with Target (and RouteKey) makes an HTTP API with its integration, route and an
auto-deployed $default stage, as API Gateway does; moto ignores Target.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop.html#http-api-examples.cli.quick-create
The integration is a Lambda proxy (payload 2.0) for a function ARN, else an HTTP proxy; the stage is
marked apiGatewayManaged.
"""

from __future__ import annotations

import json

from localcloud.aws.apigatewayv2.deployments import STAGE_DEPLOYMENT_ATTR, new_deployment
from localcloud.aws.registry import handles
from localcloud.server.requests import AwsRequest

MANAGED_ATTR = "localcloud_api_gateway_managed"  # on moto's Stage


@handles("apigatewayv2", "CreateApi")
def create_api(request: AwsRequest):
    spec = request.json()
    answer = request.to_moto()
    target = spec.get("target")
    if answer.status not in (200, 201) or not target or spec.get("protocolType") != "HTTP":
        return answer.status, answer.headers, answer.body
    from localcloud.moto_adapter import apigatewayv2_backends

    document = answer.json()
    api = apigatewayv2_backends[request.account_id][request.region].get_api(document["apiId"])
    is_function = ":lambda:" in target or target.startswith("arn:aws:lambda")
    integration = api.create_integration(
        connection_id=None, connection_type="INTERNET", content_handling_strategy=None,
        credentials_arn=spec.get("credentialsArn"), description=None,
        integration_method="POST" if is_function else "ANY", integration_subtype=None,
        integration_type="AWS_PROXY" if is_function else "HTTP_PROXY", integration_uri=target,
        passthrough_behavior=None, payload_format_version="2.0" if is_function else "1.0",
        request_parameters=None, request_templates=None, response_parameters=None,
        template_selection_expression=None, timeout_in_millis=None, tls_config=None)
    api.create_route(api_key_required=False, authorization_scopes=[], route_key=spec.get("routeKey") or "$default",
                     target=f"integrations/{integration.id}")
    stage = api.create_stage({"stageName": "$default", "autoDeploy": True})
    setattr(stage, MANAGED_ATTR, True)
    setattr(stage, STAGE_DEPLOYMENT_ATTR, new_deployment(api, None, auto=True)["deploymentId"])
    body = json.dumps(document).encode()
    headers = [(k, v) for k, v in answer.headers if k.lower() != "content-length"]
    return answer.status, headers, body
