"""State machines as AWS's API keeps them: idempotent creation, tags only on what exists.

- CreateStateMachine is idempotent on the name, definition, type, LoggingConfiguration,
  TracingConfiguration and EncryptionConfiguration; a second request with the same name and any of those
  different is refused with StateMachineAlreadyExists ("State Machine Already Exists: '<arn>'"), while a
  different roleArn or tags are ignored (API_CreateStateMachine, "Idempotency"). The definition is compared
  as the string sent: the same JSON indented differently is a different definition. moto answered the
  existing machine whatever was sent, so a changed definition silently did nothing.
- TagResource / UntagResource take the ARN of a state machine or an activity (API_TagResource:
  "resourceArn: The Amazon Resource Name (ARN) for the Step Functions state machine or activity"); any other
  ARN, a version's or alias's included, is ResourceNotFound "Resource not found: '<arn>'". moto tagged any ARN.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.core.exceptions import AWSError
from moto.stepfunctions.exceptions import ResourceNotFound


class StateMachineAlreadyExists(AWSError):
    TYPE = "StateMachineAlreadyExists"
    STATUS = 400


_DEFAULTS = {"loggingConfiguration": {"level": "OFF"}, "tracingConfiguration": {"enabled": False}}


def _differs(machine: Any, definition: str, sm_type: str | None, settings: dict[str, Any]) -> bool:
    if machine.definition != definition or machine.type != (sm_type or "STANDARD"):
        return True
    for name, value in settings.items():
        if value is None:
            continue
        kept = getattr(machine, name, None) or _DEFAULTS.get(name)
        if value != kept and not (name == "encryptionConfiguration" and _same_encryption(value, kept)):
            return True
    return False


def _same_encryption(sent: dict[str, Any], kept: dict[str, Any] | None) -> bool:
    return (kept or {}).get("type", "AWS_OWNED_KEY") == sent.get("type", "AWS_OWNED_KEY") and \
        (kept or {}).get("kmsKeyId") == sent.get("kmsKeyId")


def _create_state_machine(original: Any) -> Any:
    @functools.wraps(original)
    def create_state_machine(self: Any, name: str, definition: str, roleArn: str, *args: Any, **kwargs: Any) -> Any:
        existing = next((m for m in self.state_machines if m.name == name), None)
        settings = {key: kwargs.get(key) for key in
                    ("loggingConfiguration", "tracingConfiguration", "encryptionConfiguration")}
        if existing is not None and _differs(existing, definition, kwargs.get("sm_type"), settings):
            raise StateMachineAlreadyExists(f"State Machine Already Exists: '{existing.arn}'")
        return original(self, name, definition, roleArn, *args, **kwargs)

    return create_state_machine


def _taggable(backend: Any, arn: str) -> bool:
    return any(m.arn == arn for m in backend.state_machines) or \
        any(a.arn == arn for a in getattr(backend, "activities", {}).values())


def _tagging(original: Any) -> Any:
    @functools.wraps(original)
    def tagging(self: Any, arn: str, *args: Any, **kwargs: Any) -> Any:
        if not _taggable(self, arn):
            raise ResourceNotFound(arn)
        return original(self, arn, *args, **kwargs)

    return tagging
