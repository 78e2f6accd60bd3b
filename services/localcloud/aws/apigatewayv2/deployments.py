"""HTTP API deployments and what stages say of them; moto's apigatewayv2 has neither.

- CreateDeployment / GetDeployment(s) / UpdateDeployment / DeleteDeployment: a deployment is DEPLOYED at
  once (the provider waits for that status); one named with StageName becomes that stage's deploymentId.
- CreateStage with AutoDeploy gets a deployment of its own (autoDeployed: true), as API Gateway makes one;
  GetStage(s) report deploymentId and lastDeploymentStatusMessage. UpdateStage, which moto lacks.
Deployments live on moto's Api object, so they are saved and restored with it.
https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-deployments.html
"""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from localcloud.aws.registry import handles, json_response
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

DEPLOYMENTS_ATTR = "localcloud_deployments"  # {deployment id: document} on moto's Api
STAGE_DEPLOYMENT_ATTR = "localcloud_deployment_id"  # on moto's Stage


def _api(request: AwsRequest) -> Any:
    from localcloud.moto_adapter import apigatewayv2_backends

    api_id = request.path.split("/")[3]
    try:
        return apigatewayv2_backends[request.account_id][request.region].get_api(api_id)
    except Exception:  # noqa: BLE001  moto's ApiNotFound
        return None


def _not_found(what: str) -> Any:
    return aws_error("apigatewayv2", 404, "NotFoundException", f"Invalid {what} identifier specified")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def deployments_of(api: Any) -> dict[str, dict[str, Any]]:
    if getattr(api, DEPLOYMENTS_ATTR, None) is None:
        setattr(api, DEPLOYMENTS_ATTR, {})
    return getattr(api, DEPLOYMENTS_ATTR)


def new_deployment(api: Any, description: str | None, auto: bool) -> dict[str, Any]:
    deployment_id = "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(6))
    document = {"deploymentId": deployment_id, "deploymentStatus": "DEPLOYED", "createdDate": _now(),
                "autoDeployed": auto}
    if description:
        document["description"] = description
    deployments_of(api)[deployment_id] = document
    return document


def _ok(document: Any, status: int = 200) -> Any:
    status, headers, body = json_response(document, status)
    return status, [("Content-Type", "application/json"), *headers[1:]], body


@handles("apigatewayv2", "CreateDeployment")
def create_deployment(request: AwsRequest):
    api = _api(request)
    if api is None:
        return _not_found("API")
    spec = request.json()
    stage_name = spec.get("stageName")
    if stage_name and stage_name not in api.stages:
        return _not_found("stage")
    if not api.routes:
        return aws_error("apigatewayv2", 400, "BadRequestException",
                         "Unable to deploy API because no routes exist in this API")
    document = new_deployment(api, spec.get("description"), auto=False)
    if stage_name:
        setattr(api.stages[stage_name], STAGE_DEPLOYMENT_ATTR, document["deploymentId"])
    return _ok(document, 201)


@handles("apigatewayv2", "GetDeployments")
def get_deployments(request: AwsRequest):
    api = _api(request)
    if api is None:
        return _not_found("API")
    return _ok({"items": list(deployments_of(api).values())})


def _deployment(request: AwsRequest) -> tuple[Any, dict[str, Any] | None]:
    api = _api(request)
    if api is None:
        return None, None
    return api, deployments_of(api).get(unquote(request.path.split("/")[5]))


@handles("apigatewayv2", "GetDeployment")
def get_deployment(request: AwsRequest):
    api, document = _deployment(request)
    return _ok(document) if document else _not_found("API" if api is None else "deployment")


@handles("apigatewayv2", "UpdateDeployment")
def update_deployment(request: AwsRequest):
    api, document = _deployment(request)
    if document is None:
        return _not_found("API" if api is None else "deployment")
    description = request.json().get("description")
    if description is not None:
        document["description"] = description
    return _ok(document)


@handles("apigatewayv2", "DeleteDeployment")
def delete_deployment(request: AwsRequest):
    api, document = _deployment(request)
    if document is None:
        return _not_found("API" if api is None else "deployment")
    for stage in api.stages.values():
        if getattr(stage, STAGE_DEPLOYMENT_ATTR, None) == document["deploymentId"]:
            return aws_error("apigatewayv2", 400, "BadRequestException",
                             f"Active stages pointing to this deployment must be moved or deleted: {stage.name}")
    del deployments_of(api)[document["deploymentId"]]
    return 204, [], b""


# -- stages ---------------------------------------------------------------------------------------------
def stage_document(api: Any, stage: Any, document: dict[str, Any]) -> dict[str, Any]:
    deployment_id = getattr(stage, STAGE_DEPLOYMENT_ATTR, None)
    if deployment_id:
        document["deploymentId"] = deployment_id
        if stage.auto_deploy:
            document["lastDeploymentStatusMessage"] = f"Successfully deployed stage with deployment ID '{deployment_id}'"
    document.setdefault("autoDeploy", bool(stage.auto_deploy))
    document["apiGatewayManaged"] = bool(getattr(stage, "localcloud_api_gateway_managed", False))  # quick create
    return document


def _rewritten(request: AwsRequest, api: Any, pick_stages) -> Any:
    answer = request.to_moto()
    if answer.status not in (200, 201):
        return answer.status, answer.headers, answer.body
    document = answer.json()
    for stage_json in pick_stages(document):
        stage = api.stages.get(stage_json.get("stageName"))
        if stage is not None:
            stage_document(api, stage, stage_json)
    return _ok(document, 201 if request.operation == "CreateStage" else 200)


@handles("apigatewayv2", "CreateStage")
def create_stage(request: AwsRequest):
    api = _api(request)
    if api is None:
        return _not_found("API")
    spec = request.json()
    answer = request.to_moto()
    if answer.status not in (200, 201):
        return answer.status, answer.headers, answer.body
    stage = api.stages[spec["stageName"]]
    if spec.get("deploymentId"):
        setattr(stage, STAGE_DEPLOYMENT_ATTR, spec["deploymentId"])
    elif spec.get("autoDeploy") and api.routes:
        setattr(stage, STAGE_DEPLOYMENT_ATTR, new_deployment(api, None, auto=True)["deploymentId"])
    return _ok(stage_document(api, stage, stage.to_json()), 201)


@handles("apigatewayv2", "GetStage")
def get_stage(request: AwsRequest):
    api = _api(request)
    return _rewritten(request, api, lambda document: [document]) if api else _not_found("API")


@handles("apigatewayv2", "GetStages")
def get_stages(request: AwsRequest):
    api = _api(request)
    return _rewritten(request, api, lambda document: document.get("items", [])) if api else _not_found("API")


UPDATABLE = {"accessLogSettings": "access_log_settings", "autoDeploy": "auto_deploy",
             "clientCertificateId": "client_certificate_id", "defaultRouteSettings": "default_route_settings",
             "description": "description", "routeSettings": "route_settings"}


@handles("apigatewayv2", "UpdateStage")
def update_stage(request: AwsRequest):
    api = _api(request)
    if api is None:
        return _not_found("API")
    stage = api.stages.get(unquote(request.path.split("/")[5]))
    if stage is None:
        return _not_found("stage")
    spec = request.json()
    for key, attribute in UPDATABLE.items():
        if key in spec:
            setattr(stage, attribute, spec[key])
    if "stageVariables" in spec:  # a variable set to "" is removed
        merged = {**(stage.stage_variables or {}), **(spec["stageVariables"] or {})}
        stage.stage_variables = {k: v for k, v in merged.items() if v != ""}
    if spec.get("deploymentId"):
        setattr(stage, STAGE_DEPLOYMENT_ATTR, spec["deploymentId"])
    elif spec.get("autoDeploy") and api.routes:
        setattr(stage, STAGE_DEPLOYMENT_ATTR, new_deployment(api, None, auto=True)["deploymentId"])
    stage.updated = datetime.now()
    return _ok(stage_document(api, stage, stage.to_json()))
