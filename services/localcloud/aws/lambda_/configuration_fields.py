"""FunctionConfiguration members AWS returns and moto leaves out or gets wrong.

botocore lambda service-2.json, shape FunctionConfiguration, and
https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html:
- LoggingConfig: always present; LogFormat Text and LogGroup /aws/lambda/<name> by default; with
  LogFormat JSON the ApplicationLogLevel and SystemLogLevel default to INFO
  (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html).
- RevisionId: changes whenever the function's code or configuration changes; here a UUID derived from the
  configuration itself, so it is stable between reads and new after every change.
- RuntimeVersionConfig.RuntimeVersionArn for zip functions (the managed runtime version in use).
- Environment as sent: {"Variables": {}} stays, moto drops it.
- Layers only when the function has layers.
- CreateFunction answers State Pending ("The function is being created.", Creating) and updates answer
  LastUpdateStatus InProgress: AWS applies both asynchronously; the next read says Active / Successful
  (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from localcloud.server.requests import AwsRequest

LOGGING_ATTR = "_localcloud_logging_config"
ENVIRONMENT_SENT_ATTR = "_localcloud_environment_sent"
REVISION_NAMESPACE = uuid.UUID("2f3c7e52-61a4-4b8e-9d0c-5a1f0e6b7c11")
UPDATES = ("UpdateFunctionConfiguration", "UpdateFunctionCode")
BEING_CREATED = "The function is being created."


def remember(fn: Any, spec: dict[str, Any]) -> None:
    """Keep what CreateFunction / UpdateFunctionConfiguration sent that moto does not keep."""
    if isinstance(spec.get("LoggingConfig"), dict):
        merged = dict(getattr(fn, LOGGING_ATTR, None) or {})
        merged.update(spec["LoggingConfig"])
        setattr(fn, LOGGING_ATTR, merged)
    if "Environment" in spec:
        setattr(fn, ENVIRONMENT_SENT_ATTR, True)


def logging_config(function_name: str, sent: dict[str, Any] | None) -> dict[str, Any]:
    config = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{function_name}"}
    config.update({k: v for k, v in (sent or {}).items() if v is not None})
    if config["LogFormat"] == "JSON":
        config.setdefault("ApplicationLogLevel", "INFO")
        config.setdefault("SystemLogLevel", "INFO")
    else:  # log levels apply to JSON logs only
        config.pop("ApplicationLogLevel", None)
        config.pop("SystemLogLevel", None)
    return config


def revision_id(configuration: dict[str, Any], in_progress: bool = False) -> str:
    stable = {k: v for k, v in configuration.items()
              if k not in ("RevisionId", "State", "StateReason", "StateReasonCode", "LastUpdateStatus",
                           "LastUpdateStatusReason", "LastUpdateStatusReasonCode")}
    stable["in_progress"] = in_progress
    return str(uuid.uuid5(REVISION_NAMESPACE, json.dumps(stable, sort_keys=True, default=str)))


def runtime_version_arn(region: str, runtime: str) -> str:
    digest = hashlib.sha256(f"localcloud:{runtime}".encode()).hexdigest()
    return f"arn:aws:lambda:{region}::runtime:{digest}"


def _function(request: AwsRequest, configuration: dict[str, Any]) -> Any:
    from moto.awslambda.models import lambda_backends

    try:
        return lambda_backends[request.account_id][request.region].get_function(configuration.get("FunctionName"))
    except Exception:  # noqa: BLE001  (deleted meanwhile)
        return None


def complete(request: AwsRequest, configuration: dict[str, Any]) -> None:
    fn = _function(request, configuration)
    name = configuration.get("FunctionName", "")
    configuration["LoggingConfig"] = logging_config(name, getattr(fn, LOGGING_ATTR, None))
    if not configuration.get("Layers"):
        configuration.pop("Layers", None)
    if "Environment" not in configuration and getattr(fn, ENVIRONMENT_SENT_ATTR, False):
        configuration["Environment"] = {"Variables": {}}
    if configuration.get("PackageType", "Zip") == "Zip" and configuration.get("Runtime"):
        configuration.setdefault("RuntimeVersionConfig", {
            "RuntimeVersionArn": runtime_version_arn(request.region, configuration["Runtime"])})
    in_progress = False
    if request.operation == "CreateFunction" and configuration.get("State") == "Active":
        configuration.update({"State": "Pending", "StateReason": BEING_CREATED, "StateReasonCode": "Creating"})
        in_progress = True
    elif request.operation in UPDATES and configuration.get("LastUpdateStatus") == "Successful":
        configuration.update({"LastUpdateStatus": "InProgress", "LastUpdateStatusReason": BEING_CREATED,
                              "LastUpdateStatusReasonCode": "Creating"})
        in_progress = True
    # Finishing the change is a change too: AWS's next read has another RevisionId than the answer.
    configuration["RevisionId"] = revision_id(configuration, in_progress)
