"""SQS answers shaped as AWS shapes them (SQS API reference: SendMessage, SendMessageBatch,
DeleteMessageBatch, ChangeMessageVisibilityBatch).

- MD5OfMessageSystemAttributes: SendMessage(Batch) answers with the MD5 of the message system attributes
  it was given (AWSTraceHeader), computed as for message attributes ("Calculating the MD5 message digest
  for message attributes", SQS Developer Guide); moto left it out.
- The batch operations leave out an empty `Failed` list, as recorded from AWS.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.sqs import models as sqs_models

_MARK = "__localcloud_sqs_responses__"


def attributes_md5(attributes: dict[str, Any]) -> str:
    probe = sqs_models.Message("md5", "", None)
    probe.message_attributes = attributes
    return probe.attribute_md5


def _result(answer: Any) -> dict[str, Any] | None:
    result = getattr(answer, "result", None)
    return result if isinstance(result, dict) else None


def _send_message(original: Any) -> Any:
    @functools.wraps(original)
    def send_message(self: Any) -> Any:
        answer = original(self)
        result, system = _result(answer), self._get_param("MessageSystemAttributes")
        if result is not None and system:
            result["MD5OfMessageSystemAttributes"] = attributes_md5(system)
        return answer

    setattr(send_message, _MARK, original)
    return send_message


def _send_message_batch(original: Any) -> Any:
    @functools.wraps(original)
    def send_message_batch(self: Any) -> Any:
        answer = original(self)
        result = _result(answer)
        if result is not None:
            system = {e.get("Id"): e.get("MessageSystemAttributes") for e in self._get_param("Entries", []) or []}
            for entry in result.get("Successful") or []:
                if system.get(entry.get("Id")):
                    entry["MD5OfMessageSystemAttributes"] = attributes_md5(system[entry["Id"]])
            if not result.get("Failed"):
                result.pop("Failed", None)
        return answer

    setattr(send_message_batch, _MARK, original)
    return send_message_batch


def _without_empty_failed(original: Any) -> Any:
    @functools.wraps(original)
    def batch(self: Any) -> Any:
        answer = original(self)
        result = _result(answer)
        if result is not None and not result.get("Failed"):
            result.pop("Failed", None)
        return answer

    setattr(batch, _MARK, original)
    return batch
