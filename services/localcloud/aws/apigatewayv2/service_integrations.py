"""HTTP API AWS service integrations (AWS_PROXY with an IntegrationSubtype): SQS, Kinesis, Step Functions,
EventBridge, called on the local cloud's own endpoint with the integration's request parameters.

Parameter values map from the request as AWS documents them: $request.body, $request.body.<path>,
$request.header.<name>, $request.querystring.<name>, $request.path.<name>, $context.<name>,
$stageVariables.<name>, whole or inside ${...}; anything else is a literal.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html
The answer is the service's JSON response with status 200; a service error answers with its status.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from localcloud.aws.apigatewayv2 import events

Response = tuple[int, list[tuple[str, str]], bytes]
# subtype -> (boto3 service, boto3 method, parameters that are bytes)
SUBTYPES = {
    "SQS-SendMessage": ("sqs", "send_message", ()), "SQS-ReceiveMessage": ("sqs", "receive_message", ()),
    "SQS-DeleteMessage": ("sqs", "delete_message", ()), "SQS-PurgeQueue": ("sqs", "purge_queue", ()),
    "Kinesis-PutRecord": ("kinesis", "put_record", ("Data",)),
    "StepFunctions-StartExecution": ("stepfunctions", "start_execution", ()),
    "StepFunctions-StartSyncExecution": ("stepfunctions", "start_sync_execution", ()),
    "StepFunctions-StopExecution": ("stepfunctions", "stop_execution", ()),
    "EventBridge-PutEvents": ("events", "put_events", ()),
}
NUMBERS = {"DelaySeconds", "MaxNumberOfMessages", "VisibilityTimeout", "WaitTimeSeconds"}
REFERENCE = re.compile(r"\$\{([^}]+)\}")


def _body_path(document: Any, path: str) -> Any:
    for part in [p for p in path.split(".") if p]:
        document = document.get(part) if isinstance(document, dict) else None
    return document


def _resolve(reference: str, environ: dict[str, Any], matched: Any, body: bytes, context: dict[str, Any]) -> Any:
    reference = reference.removeprefix("$")
    if reference == "request.body":
        return body.decode("utf-8", "replace")
    if reference.startswith("request.body."):
        try:
            found = _body_path(json.loads(body or b"null"), reference[len("request.body."):])
        except ValueError:
            return None
        return found if isinstance(found, str) or found is None else json.dumps(found)
    if reference.startswith("request.header."):
        return events._joined(events.request_headers(environ)).get(reference[len("request.header."):].lower())
    if reference.startswith("request.querystring."):
        return dict(parse_qsl(environ.get("QUERY_STRING", ""))).get(reference[len("request.querystring."):])
    if reference.startswith("request.path."):
        return matched.path_parameters.get(reference[len("request.path."):])
    if reference.startswith("stageVariables."):
        return (matched.stage.stage_variables or {}).get(reference[len("stageVariables."):])
    if reference.startswith("context."):
        return str(_body_path(context, reference[len("context."):]) or "")
    return None


def _value(template: str, environ: dict[str, Any], matched: Any, body: bytes, context: dict[str, Any]) -> Any:
    if template.startswith("$") and not template.startswith("${"):
        return _resolve(template, environ, matched, body, context)
    return REFERENCE.sub(lambda m: str(_resolve(m.group(1), environ, matched, body, context) or ""), template)


def call(integration: Any, environ: dict[str, Any], matched: Any, body: bytes, authorizer: dict[str, Any] | None,
         settings: Any) -> Response:
    import boto3
    import botocore.exceptions

    subtype = integration.integration_subtype
    if subtype not in SUBTYPES:
        return 500, [("Content-Type", "application/json")], json.dumps(
            {"message": f"localcloud does not run the {subtype} integration subtype; it runs "
                        f"{', '.join(sorted(SUBTYPES))}"}).encode()
    service, method, binary = SUBTYPES[subtype]
    context = {"requestId": "", "authorizer": authorizer or {}, "stage": matched.stage.name}
    parameters: dict[str, Any] = {}
    for name, template in (integration.request_parameters or {}).items():
        value = _value(str(template), environ, matched, body, context)
        if value is None or value == "":
            continue
        if name in binary:
            value = value.encode() if isinstance(value, str) else value
        elif name in NUMBERS:
            value = int(value)
        elif subtype == "EventBridge-PutEvents":
            continue  # gathered into one entry below
        parameters[name] = value
    if subtype == "EventBridge-PutEvents":
        entry = {k: _value(str(v), environ, matched, body, context) for k, v in (integration.request_parameters or {}).items()}
        parameters = {"Entries": [{k: v for k, v in entry.items() if v}]}
    region = integration_region(matched.api)
    from localcloud.iam.sessions import role_keys

    # Signed as the integration's credentials role (AWS requires one for these subtypes), so IAM evaluates the
    # call as that role's session; the local root keys when it names none.
    keys = role_keys(integration.credentials_arn, "apigateway-integration") if getattr(
        integration, "credentials_arn", None) else None
    signing = {"aws_access_key_id": keys[0], "aws_secret_access_key": keys[1], "aws_session_token": keys[2]} \
        if keys else {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    client = boto3.client(service, endpoint_url=settings.endpoint.replace("0.0.0.0", "127.0.0.1"), region_name=region,
                          **signing)
    try:
        answer = getattr(client, method)(**parameters)
    except botocore.exceptions.ParamValidationError as exc:
        return 400, [("Content-Type", "application/json")], json.dumps({"message": str(exc)}).encode()
    except botocore.exceptions.ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)
        return status, [("Content-Type", "application/json")], json.dumps(
            {"message": exc.response.get("Error", {}).get("Message", str(exc))}).encode()
    answer.pop("ResponseMetadata", None)
    return 200, [("Content-Type", "application/json")], json.dumps(answer, default=str).encode()


def integration_region(api: Any) -> str:
    return api.arn.split(":")[3]
