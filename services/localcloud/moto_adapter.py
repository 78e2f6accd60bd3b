"""moto's models as the rest of localcloud reads them: backends, the few model classes and exceptions we use.

moto is our state; code outside moto_patches/ reaches it through here, so everything we rely on in moto
is listed in this one module, and a moto upgrade that moves a name fails in
tests/unit/test_moto_patch_contract.py rather than somewhere in forty files. Accessors only, no
behaviour: what we change in moto is moto_patches/.

    from localcloud.moto_adapter import sqs_backends   # moto's BackendDict: account -> region -> backend
    from localcloud import moto_adapter
    moto_adapter.backend("s3", account_id, region)     # one backend
    moto_adapter.Queue, moto_adapter.QueueDoesNotExist # a model class, an exception

Every name is looked up in moto when it is asked for (PEP 562 module __getattr__), never at import:
importing a service's models costs up to seconds (EC2, IAM, the Step Functions interpreter), and a
patch may swap a backend (moto_patches/stepfunctions.py), so a name is always moto's current one.
A name moto does not have yet: add it to BACKENDS or NAMES below, and nowhere else.

The one other place that imports moto: deploy/stand_in_server.py, the deploy rehearsal's separate moto
process, which by design imports nothing of localcloud (so the rehearsal never grades itself).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# "<name>_backends" -> moto's service name as get_backend() knows it (the state store's names too).
BACKENDS = {
    "apigateway_backends": "apigateway", "apigatewayv2_backends": "apigatewayv2", "athena_backends": "athena",
    "cloudwatch_backends": "cloudwatch",
    "dynamodb_backends": "dynamodb", "events_backends": "events", "glue_backends": "glue",
    "iam_backends": "iam", "kinesis_backends": "kinesis", "kms_backends": "kms", "lambda_backends": "awslambda", "s3_backends": "s3",
    "logs_backends": "logs", "rds_backends": "rds", "scheduler_backends": "scheduler",
    "secretsmanager_backends": "secretsmanager", "sns_backends": "sns", "sqs_backends": "sqs",
    "stepfunctions_backends": "stepfunctions", "sts_backends": "sts",
}

# Our name -> (moto module, moto's name). Private moto names carry a public name here and say why.
NAMES: dict[str, tuple[str, str]] = {
    # model classes and values
    "BaseModel": ("moto.core.common_models", "BaseModel"),  # inventory: what counts as a resource
    "DEFAULT_ACCOUNT_ID": ("moto.core", "DEFAULT_ACCOUNT_ID"),
    "DynamoType": ("moto.dynamodb.models.dynamo_type", "DynamoType"),
    "LimitedSizeDict": ("moto.dynamodb.models.dynamo_type", "LimitedSizeDict"),  # restore loads items unchecked
    "EventPattern": ("moto.events.models", "EventPattern"),  # ESM filter criteria use EventBridge's grammar
    "IAMBackend": ("moto.iam.models", "IAMBackend"),
    "iam_policy_validator": ("moto.iam.policy_validation", "IAMPolicyDocumentValidator"),  # simulator inputs
    "MasterUserSecret": ("moto.rds.models", "MasterUserSecret"),
    "MetricDatum": ("moto.cloudwatch.models", "MetricDatum"),
    "MotoRandom": ("moto.moto_api._internal.moto_random", "MotoRandom"),  # journal replay draws moto's ids
    "Queue": ("moto.sqs.models", "Queue"),
    "StateMachineType": ("moto.stepfunctions.parser.api", "StateMachineType"),
    "SyncExecution": ("moto.stepfunctions.parser.backend.execution", "SyncExecution"),
    "unix_time_millis": ("moto.core.utils", "unix_time_millis"),
    "unix_time": ("moto.core.utils", "unix_time"),  # DynamoDB's CreationDateTime on the wire (TableId seed)
    # exceptions
    "QueueDoesNotExist": ("moto.sqs.exceptions", "QueueDoesNotExist"),
    "MalformedPolicyDocument": ("moto.iam.exceptions", "MalformedPolicyDocument"),
    # moto's HTTP layer (server/moto_backend.py routes requests through it)
    "DEFAULT_SERVICE_REGION": ("moto.moto_server.werkzeug_app", "DEFAULT_SERVICE_REGION"),
    "DomainDispatcherApplication": ("moto.moto_server.werkzeug_app", "DomainDispatcherApplication"),
    "create_backend_app": ("moto.moto_server.werkzeug_app", "create_backend_app"),
    # moto's response classes and request, as its Flask apps call them (server/fast_path/moto_entry.py)
    "MotoRequest": ("moto.core.request", "Request"),
    "S3Response": ("moto.s3.responses", "S3Response"),
    "DynamoHandler": ("moto.dynamodb.responses", "DynamoHandler"),
    "SQSResponse": ("moto.sqs.responses", "SQSResponse"),
    "KinesisResponse": ("moto.kinesis.responses", "KinesisResponse"),
    "SNSResponse": ("moto.sns.responses", "SNSResponse"),
    "SecretsManagerResponse": ("moto.secretsmanager.responses", "SecretsManagerResponse"),
    "request_recorder": ("moto.moto_api", "recorder"),  # moto's server records each request when asked to
    # private to moto, used as moto uses them
    "backend_lock": ("moto.core.base_backend", "backend_lock"),  # snapshots fork while holding it
    "send_s3_event_to_eventbridge": ("moto.s3.notifications", "_send_event_bridge_message"),  # S3 -> EventBridge
    "kms_ciphertext": ("moto.kms.utils", "_deserialize_ciphertext_blob"),  # IAM: which key a Decrypt names
}

if TYPE_CHECKING:  # what type checkers see; at run time each is looked up on use
    from moto.core import DEFAULT_ACCOUNT_ID  # noqa: F401
    from moto.core.common_models import BaseModel  # noqa: F401
    from moto.sqs.exceptions import QueueDoesNotExist  # noqa: F401
    from moto.sqs.models import Queue  # noqa: F401


def backends(service: str) -> Any:
    """moto's BackendDict for `service` (account -> region -> backend), by moto's service name
    ("awslambda", "s3", "stepfunctions", ...)."""
    from moto.backends import get_backend as moto_get_backend

    return moto_get_backend(service)  # type: ignore[arg-type]


get_backend = backends  # moto's name for it, for the state store


def backend(service: str, account_id: str, region: str) -> Any:
    """One account's backend of `service` in `region` (created on first use, as moto does)."""
    return backends(service)[account_id][region]


def __getattr__(name: str) -> Any:
    if name in BACKENDS:
        return backends(BACKENDS[name])
    if name in NAMES:
        module, attribute = NAMES[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"localcloud.moto_adapter has no {name!r}; if moto has it, add it to BACKENDS or NAMES")
