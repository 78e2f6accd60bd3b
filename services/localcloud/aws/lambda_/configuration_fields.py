"""FunctionConfiguration members AWS returns and moto leaves out or gets wrong.

botocore lambda service-2.json, shape FunctionConfiguration, and
https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html:
- LoggingConfig: always present; LogFormat Text and LogGroup /aws/lambda/<name> by default; with
  LogFormat JSON the ApplicationLogLevel and SystemLogLevel default to INFO
  (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html).
- RevisionId: changes whenever the function changes (code, configuration, tags, policy, concurrency), and
  once more when AWS finishes applying the change: the answer to an update and the next read differ.
- RuntimeVersionConfig.RuntimeVersionArn for zip functions (the managed runtime version in use).
- Environment as sent: {"Variables": {}} stays, moto drops it.
- ImageConfig sent by UpdateFunctionConfiguration (moto ignores it there).
- Layers only when the function has layers.
- CreateFunction answers State Pending ("The function is being created.", Creating) and updates answer
  LastUpdateStatus InProgress: AWS applies both asynchronously; the next read says Active / Successful
  (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from localcloud.server.requests import AwsRequest

LOGGING_ATTR = "_localcloud_logging_config"
ENVIRONMENT_SENT_ATTR = "_localcloud_environment_sent"
REVISION_ATTR = "_localcloud_revision_id"
SETTLING_ATTR = "_localcloud_revision_settling"
REVISION_OWNER_ATTR = "_localcloud_revision_owner"  # the version whose RevisionId REVISION_ATTR is
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
    if isinstance(spec.get("ImageConfig"), dict) and hasattr(fn, "image_config"):
        # moto keeps ImageConfig from CreateFunction only; an update replaces all of it, as on AWS
        fn.image_config = type(fn.image_config)(spec["ImageConfig"])


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


def revision_id(fn: Any, settle: bool) -> str:
    """The function's current RevisionId: new after each change (changed()), and once more at the first read
    after it, as AWS's own finishing of the change (Pending -> Active) is a change too. A published version
    has a RevisionId of its own (moto copies $LATEST's object, attributes and all, into the version)."""
    if fn is None:
        return str(uuid.uuid4())
    owner = getattr(fn, "version", None)
    if getattr(fn, REVISION_ATTR, None) is None or getattr(fn, REVISION_OWNER_ATTR, owner) != owner \
            or (settle and getattr(fn, SETTLING_ATTR, False)):
        setattr(fn, REVISION_ATTR, str(uuid.uuid4()))
        setattr(fn, SETTLING_ATTR, False)
    setattr(fn, REVISION_OWNER_ATTR, owner)
    return getattr(fn, REVISION_ATTR)


def changed(fn: Any) -> None:
    """A request changed the function (configuration, code, tags, policy, concurrency)."""
    setattr(fn, REVISION_ATTR, str(uuid.uuid4()))
    setattr(fn, SETTLING_ATTR, True)


def runtime_version_arn(region: str, runtime: str) -> str:
    digest = hashlib.sha256(f"localcloud:{runtime}".encode()).hexdigest()
    return f"arn:aws:lambda:{region}::runtime:{digest}"


def function_object(request: AwsRequest, name: str | None, qualifier: str | None = None) -> Any:
    from localcloud.moto_adapter import lambda_backends

    try:
        return lambda_backends[request.account_id][request.region].get_function(name, qualifier)
    except Exception:  # noqa: BLE001  (deleted meanwhile, or not a function)
        return None


# List operations show the configuration without its state (botocore: FunctionConfiguration members
# State/LastUpdateStatus are absent from ListFunctions and ListVersionsByFunction answers on AWS).
LISTS = ("ListFunctions", "ListVersionsByFunction")
STATE_MEMBERS = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason",
                 "LastUpdateStatusReasonCode", "RuntimeVersionConfig")


def complete(request: AwsRequest, configuration: dict[str, Any]) -> None:
    name = configuration.get("FunctionName", "")
    version = configuration.get("Version")
    # CreateFunction with Publish answers version 1's configuration, but its RevisionId is $LATEST's (the version
    # gets one of its own, which its first read shows).
    qualified = version not in (None, "$LATEST") and request.operation != "CreateFunction"
    fn = function_object(request, name, version if qualified else None)
    configuration["LoggingConfig"] = logging_config(name, getattr(fn, LOGGING_ATTR, None))
    if not configuration.get("Layers"):
        configuration.pop("Layers", None)
    if "Environment" not in configuration and getattr(fn, ENVIRONMENT_SENT_ATTR, False):
        configuration["Environment"] = {"Variables": {}}
    if configuration.get("PackageType", "Zip") == "Zip" and configuration.get("Runtime"):
        configuration.setdefault("RuntimeVersionConfig", {
            "RuntimeVersionArn": runtime_version_arn(request.region, configuration["Runtime"])})
    if request.operation == "CreateFunction" and configuration.get("State") == "Active":
        configuration.update({"State": "Pending", "StateReason": BEING_CREATED, "StateReasonCode": "Creating"})
    elif request.operation in UPDATES and configuration.get("LastUpdateStatus") == "Successful":
        configuration.update({"LastUpdateStatus": "InProgress", "LastUpdateStatusReason": BEING_CREATED,
                              "LastUpdateStatusReasonCode": "Creating"})
    configuration["RevisionId"] = revision_id(fn, settle=request.method == "GET")
    if request.operation in LISTS:
        for member in STATE_MEMBERS:
            configuration.pop(member, None)
