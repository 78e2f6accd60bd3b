"""Step Functions executions: moto's ASL interpreter, wired to this server, its clock and its state store.

Why not our own engine: moto 5 ships LocalStack's interpreter (moto/stepfunctions/parser: the full ASL
grammar, intrinsic functions, Retry/Catch, Map/Parallel, service integrations and AWS's history event
types). Measured in-process: a Pass/Wait/Map(5)/Choice machine runs in ~25 ms. Writing and keeping an
engine of that coverage ourselves would cost far more than the four adaptations made here:

1. moto only runs executions when its user config says `stepfunctions.execute_state_machine`; the
   interpreter's backends then replace the plain ones. We also register them under moto's usual name so
   the state store persists state machines (Terraform relies on them surviving a restart).
2. Task integrations call AWS through boto3 at `localhost:$MOTO_PORT`; we point them at this server (so
   Lambda tasks run on our runtime) and cache one client per service and region (boto3.client costs ms).
3. Wait states and Retry intervals sleep on the local clock (LOCALCLOUD_CLOCK_SPEED). Task TimeoutSeconds
   and HeartbeatSeconds stay real: they bound real work (a Lambda run does not speed up).
4. StartSyncExecution (Express) waits for the run; see handlers.py.
"""

from __future__ import annotations

import datetime
import importlib
import logging
import sys
import threading
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from localcloud.host import Host

log = logging.getLogger("localcloud.stepfunctions")

# Every module of the interpreter that imported boto_client_for by name (grep "import boto_client_for").
_CLIENT_USERS = [
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
]
_PARSER = "moto.stepfunctions.parser."
_endpoint = "http://127.0.0.1:4566"


@lru_cache(maxsize=64)
def _cached_client(service: str, region: str, endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    # Retries off: the state machine's own Retry decides; long read timeout: a Lambda task may run 15 min.
    return boto3.client(service, region_name=region, endpoint_url=endpoint, aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=Config(parameter_validation=False, retries={"total_max_attempts": 1},
                                      connect_timeout=10, read_timeout=900, inject_host_prefix=False,
                                      max_pool_connections=32))


def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    return _cached_client(service, region, _endpoint)


def _patch_clients() -> None:
    for name in _CLIENT_USERS:
        module = importlib.import_module(_PARSER + name)
        module.boto_client_for = boto_client_for  # type: ignore[attr-defined]
    importlib.import_module(_PARSER + "asl.utils.boto_client").boto_client_for = boto_client_for


def _patch_clock() -> None:
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import timestamp, wait_function

    from localcloud.clock import clock

    # Retry back-off: IntervalSeconds x BackoffRate^n local seconds.
    retrier_decl.time = SimpleNamespace(sleep=lambda seconds: clock().sleep(seconds))  # type: ignore[attr-defined]

    def wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
        deadline = clock().now() + wait_seconds
        while env.is_running():
            remaining = deadline - clock().now()
            if remaining <= 0:
                return
            # program_state_event is set when the execution stops: the wait ends early then, as on AWS.
            env.program_state_event.wait(clock().wall_seconds(remaining))

    wait_function.WaitFunction._wait_interval = wait_interval  # type: ignore[method-assign]

    def timestamp_wait_seconds(self: Any, env: Any) -> float:
        self.string.eval(env=env)
        timestamp_str: str = env.stack.pop()
        moment = self._from_timestamp_string(timestamp=timestamp_str)
        if moment is None:
            from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
                FailureEventException,
            )

            raise FailureEventException(self._create_failure_event(env, timestamp_str))
        # A timestamp names a point on the local clock, which runs fast when LOCALCLOUD_CLOCK_SPEED > 1.
        local_now = datetime.datetime.fromtimestamp(clock().now(), datetime.UTC).replace(tzinfo=None)
        return (moment - local_now).total_seconds()

    timestamp.Timestamp._get_wait_seconds = timestamp_wait_seconds  # type: ignore[method-assign]


_last_response = threading.local()


def _patch_lambda_result() -> None:
    """lambda:invoke results carry SdkHttpMetadata and SdkResponseMetadata on AWS; the interpreter drops them.

    https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html (the example output's keys:
    ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode).
    """
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    invoke, integrate = lambda_eval_utils._invoke_lambda_function, lambda_eval_utils.execute_lambda_function_integration

    def invoke_keeping_metadata(*args: Any, **kwargs: Any) -> Any:
        response = invoke(*args, **kwargs)
        _last_response.metadata = response.get("ResponseMetadata") or {}
        return response

    def integrate_with_metadata(env: Any, *args: Any, **kwargs: Any) -> None:
        _last_response.metadata = {}
        integrate(env, *args, **kwargs)
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

    lambda_eval_utils._invoke_lambda_function = invoke_keeping_metadata
    lambda_eval_utils.execute_lambda_function_integration = integrate_with_metadata


def _enable_interpreter() -> None:
    from moto.core.config import default_user_config

    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    import moto.stepfunctions as package
    from moto.stepfunctions import models
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    # get_backend("stepfunctions") (the state store, other subsystems) must see the backends that run.
    # moto finds a backend's routes in "<its models module>.urls"; the interpreter's live one level down.
    sys.modules.setdefault(_PARSER + "urls", importlib.import_module("moto.stepfunctions.urls"))
    models.stepfunctions_backends = stepfunctions_parser_backends  # type: ignore[attr-defined]
    package.stepfunctions_backends = stepfunctions_parser_backends  # type: ignore[attr-defined]


_installed = threading.Lock()
_done = False


_ready = threading.Event()


def install(app: Host) -> None:
    """Make moto's interpreter run executions against this server. Called from components.install_all.

    The interpreter's import takes 1.5-3 s (it pulls in moto's Batch and EC2 models), so the patching
    runs after the server answers; Step Functions requests wait for it (app readiness), and so do
    in-process callers (`backend`)."""
    global _endpoint
    host = "127.0.0.1" if app.settings.host in ("0.0.0.0", "") else app.settings.host
    _endpoint = f"http://{host}:{app.settings.port}"
    # early: enabling the interpreter swaps moto's Step Functions backends, so it precedes restoring them.
    app.on_start(_prepare_interpreter, background=True, holds=("stepfunctions",), early=True)


def _prepare_interpreter() -> None:
    global _done
    try:
        with _installed:
            if _done:
                return
            _enable_interpreter()
            _patch_clients()
            _patch_clock()
            _patch_lambda_result()
            _done = True
        log.debug("Step Functions executions run in-process against %s", _endpoint)
    finally:
        _ready.set()


def backend(account_id: str, region: str) -> Any:
    from moto.backends import get_backend

    if not _ready.wait(60):
        log.error("the Step Functions interpreter was not ready after 60 s; executions may misbehave")
    return get_backend("stepfunctions")[account_id][region]
