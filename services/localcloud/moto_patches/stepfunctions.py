"""moto.stepfunctions: its ASL interpreter runs executions against this server, on the local clock.

Why moto's interpreter rather than our own: aws/stepfunctions/engine.py. The adaptations:
1. moto only runs executions when its user config says `stepfunctions.execute_state_machine`; the
   interpreter's backends then replace the plain ones. They are registered under moto's usual name too,
   so the state store persists state machines (Terraform relies on them surviving a restart).
2. Task integrations call AWS through boto3 at `localhost:$MOTO_PORT`; they reach this server (so Lambda
   tasks run on our runtime), signed with the state machine role's session keys (so IAM evaluates them as
   that role, as on AWS), with one cached client per service, region and role (boto3.client costs ms).
3. Wait states and Retry intervals sleep on the local clock (LOCALCLOUD_CLOCK_SPEED). Task TimeoutSeconds
   and HeartbeatSeconds stay real: they bound real work (a Lambda run does not speed up).
4. lambda:invoke results keep the SDK metadata AWS returns.
"""

from __future__ import annotations

import datetime
import importlib
import sys
import threading
from collections.abc import Callable
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("stepfunctions")
_PARSER = "moto.stepfunctions.parser."


@PATCHES.build("moto.stepfunctions.models:stepfunctions_backends", was="BackendDict")
def interpreter_backends(original: Any) -> Any:
    """Executions run (moto's user config), and get_backend("stepfunctions") (the state store, other
    subsystems) sees the interpreter's backends, which are the ones that run."""
    from moto.core.config import default_user_config
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    # moto finds a backend's routes in "<its models module>.urls"; the interpreter's live one level down.
    sys.modules.setdefault(_PARSER + "urls", importlib.import_module("moto.stepfunctions.urls"))
    return stepfunctions_parser_backends


PATCHES.build("moto.stepfunctions:stepfunctions_backends", was="BackendDict",
              why="the package re-exports the backends; it must name the interpreter's too")(interpreter_backends)


@lru_cache(maxsize=256)
def _cached_client(service: str, region: str, endpoint: str, keys: tuple[str, str, str | None]) -> Any:
    import boto3
    from botocore.config import Config

    # Retries off: the state machine's own Retry decides; long read timeout: a Lambda task may run 15 min.
    return boto3.client(service, region_name=region, endpoint_url=endpoint, aws_access_key_id=keys[0],
                        aws_secret_access_key=keys[1], aws_session_token=keys[2],
                        config=Config(parameter_validation=False, retries={"total_max_attempts": 1},
                                      connect_timeout=10, read_timeout=900, inject_host_prefix=False,
                                      max_pool_connections=32))


_ROOT_KEYS = ("test", "test", None)
_role_keys: dict[str, tuple[str, str, str | None]] = {}
_role_lock = threading.Lock()


def _keys_of(role_arn: str | None) -> tuple[str, str, str | None]:
    """The session keys of the state machine's execution role (the interpreter hands its roleArn to every
    task as state_credentials): Step Functions calls its tasks as that role, so IAM evaluates them against
    it (localcloud.iam). The local root keys when there is no usable role."""
    if not role_arn or ":role/" not in role_arn:
        return _ROOT_KEYS
    from localcloud.moto_adapter import sts_backends

    account = role_arn.split(":")[4]
    sts = sts_backends[account]["aws"]
    with _role_lock:
        keys = _role_keys.get(role_arn)
        if keys is not None and sts.get_assumed_role_from_access_key(keys[0]) is not None:
            return keys
        try:
            session = sts.assume_role(region_name="us-east-1", role_session_name="states-execution",
                                      role_arn=role_arn, policy="", duration=43200, external_id="")
        except Exception:  # noqa: BLE001  a malformed ARN: the task runs as before, with the root keys
            return _ROOT_KEYS
        keys = (session.access_key_id, session.secret_access_key, session.session_token)
        _role_keys[role_arn] = keys
        return keys


def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    """Task integrations reach this server (moto_patches.configure) signed as the state machine's role, one
    cached client per service, region and role."""
    from localcloud import moto_patches

    return _cached_client(service, region, moto_patches.endpoint(),
                          _keys_of(getattr(state_credentials, "role_arn", None)))


# Every module of the interpreter that imported boto_client_for by name (grep "import boto_client_for").
CLIENT_USERS = (
    "asl.utils.boto_client",
    "asl.component.state.exec.state_task.lambda_eval_utils",
    "asl.component.state.exec.state_task.service.state_task_service_unsupported",
    "asl.component.state.exec.state_task.service.state_task_service_glue",
    "asl.component.state.exec.state_task.service.state_task_service_events",
    "asl.component.state.exec.state_task.service.state_task_service_ecs",
    "asl.component.state.exec.state_task.service.state_task_service_sqs",
    "asl.component.state.exec.state_task.service.state_task_service_sfn",
    "asl.component.state.exec.state_task.service.state_task_service_dynamodb",
    "asl.component.state.exec.state_task.service.state_task_service_batch",
    "asl.component.state.exec.state_task.service.state_task_service_sns",
    "asl.component.state.exec.state_task.service.state_task_service_aws_sdk",
    "asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3",
    "asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
)
for _module in CLIENT_USERS:
    PATCHES.replace(f"{_PARSER}{_module}:boto_client_for", signature="(region, service, state_credentials=None)",
                    why="task integrations call this server, not localhost:5000")(boto_client_for)


PATCHES.value(f"{_PARSER}asl.component.common.retry.retrier_decl:time",
              SimpleNamespace(sleep=lambda seconds: _clock().sleep(seconds)), was="module",
              why="Retry back-off (IntervalSeconds x BackoffRate^n) sleeps local seconds")


def _clock() -> Any:
    from localcloud.clock import clock

    return clock()


@PATCHES.replace(f"{_PARSER}asl.component.state.wait.wait_function.wait_function:WaitFunction._wait_interval",
                 signature="(self, env, wait_seconds)")
def _wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
    """Wait states wait local seconds, and end early when the execution stops, as on AWS."""
    deadline = _clock().now() + wait_seconds
    while env.is_running():
        remaining = deadline - _clock().now()
        if remaining <= 0:
            return
        # program_state_event is set when the execution stops.
        env.program_state_event.wait(_clock().wall_seconds(remaining))


@PATCHES.replace(f"{_PARSER}asl.component.state.wait.wait_function.timestamp:Timestamp._get_wait_seconds",
                 signature="(self, env)")
def _get_wait_seconds(self: Any, env: Any) -> float:
    """A Wait state's Timestamp names a point on the local clock, which runs fast when
    LOCALCLOUD_CLOCK_SPEED > 1."""
    self.string.eval(env=env)
    timestamp_str: str = env.stack.pop()
    moment = self._from_timestamp_string(timestamp=timestamp_str)
    if moment is None:
        from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
            FailureEventException,
        )

        raise FailureEventException(self._create_failure_event(env, timestamp_str))
    local_now = datetime.datetime.fromtimestamp(_clock().now(), datetime.UTC).replace(tzinfo=None)
    return (moment - local_now).total_seconds()


_last_response = threading.local()
_LAMBDA = f"{_PARSER}asl.component.state.exec.state_task.lambda_eval_utils"


@PATCHES.wrap(f"{_LAMBDA}:_invoke_lambda_function", signature="(parameters, region, state_credentials)")
def _invoke_lambda_function(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Keeps the Invoke response's metadata for execute_lambda_function_integration below."""
    response = original(*args, **kwargs)
    _last_response.metadata = response.get("ResponseMetadata") or {}
    return response


@PATCHES.wrap(f"{_LAMBDA}:execute_lambda_function_integration", signature="(env, parameters, region, state_credentials)")
def execute_lambda_function_integration(original: Callable[..., None], env: Any, *args: Any, **kwargs: Any) -> None:
    """lambda:invoke results carry SdkHttpMetadata and SdkResponseMetadata on AWS; the interpreter drops them.

    https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html (the example output's keys:
    ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode).
    """
    _last_response.metadata = {}
    original(env, *args, **kwargs)
    metadata = _last_response.metadata
    result = env.stack[-1]
    if not metadata or not isinstance(result, dict):
        return
    headers = {k: v for k, v in (metadata.get("HTTPHeaders") or {}).items() if k.lower() != "server"}
    titled = {"-".join(p.capitalize() for p in k.split("-")) if not k.startswith("x-amzn") else k: v
              for k, v in headers.items()}
    env.stack[-1] = {
        "ExecutedVersion": result.get("ExecutedVersion", "$LATEST"), "Payload": result.get("Payload"),
        "SdkHttpMetadata": {"AllHttpHeaders": {k: [v] for k, v in titled.items()}, "HttpHeaders": titled,
                            "HttpStatusCode": metadata.get("HTTPStatusCode", 200)},
        "SdkResponseMetadata": {"RequestId": metadata.get("RequestId", "")},
        "StatusCode": result.get("StatusCode", 200)}


def definition_string(properties: dict[str, Any]) -> str:
    """The state machine's definition from a CloudFormation resource's DefinitionString or Definition (an
    object), with DefinitionSubstitutions' ${name} placeholders replaced."""
    import json

    definition = properties.get("DefinitionString")
    if definition is None and properties.get("Definition") is not None:
        definition = json.dumps(properties["Definition"])
    definition = definition or ""
    for name, value in (properties.get("DefinitionSubstitutions") or {}).items():
        definition = definition.replace("${" + name + "}", str(value))
    return definition


@PATCHES.wrap("moto.stepfunctions.models:StateMachine.create_from_cloudformation_json",
              signature="(resource_name, cloudformation_json, account_id, region_name, **kwargs)")
def create_from_cloudformation_json(original: Callable[..., Any], cls: Any, resource_name: str,
                                    cloudformation_json: dict[str, Any], account_id: str, region_name: str,
                                    **kwargs: Any) -> Any:
    """AWS::StepFunctions::StateMachine takes `Definition` (an object) and `DefinitionSubstitutions` too
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-stepfunctions-statemachine.html);
    moto reads DefinitionString only, so a template with Definition created a machine with an empty
    definition, which its interpreter refused with a JSON error inside a CloudFormation (XML) answer.
    (Issue 17's parity fix.)"""
    properties = dict(cloudformation_json.get("Properties") or {})
    properties["DefinitionString"] = definition_string(properties)
    return original(cls, resource_name, {**cloudformation_json, "Properties": properties}, account_id,
                    region_name, **kwargs)


# -- issue 17: state machines as AWS's API keeps them (aws/stepfunctions/resources.py).
def _resources(name: str) -> Callable[[Any], Any]:
    return lambda original: getattr(importlib.import_module("localcloud.aws.stepfunctions.resources"), name)(original)


PATCHES.build("moto.stepfunctions.models:StepFunctionBackend.create_state_machine",
              signature="(self, name, definition, roleArn, tags=None, publish=None, loggingConfiguration=None, "
                        "tracingConfiguration=None, encryptionConfiguration=None, version_description=None, "
                        "sm_type=None)",
              why="same name, other definition/type/configuration: StateMachineAlreadyExists")(
    _resources("_create_state_machine"))
PATCHES.build("moto.stepfunctions.models:StepFunctionBackend.tag_resource", signature="(self, arn, tags)",
              why="only state machines and activities take tags: ResourceNotFound otherwise")(_resources("_tagging"))
PATCHES.build("moto.stepfunctions.models:StepFunctionBackend.untag_resource", signature="(self, arn, tag_keys)",
              why="only state machines and activities take tags: ResourceNotFound otherwise")(_resources("_tagging"))
