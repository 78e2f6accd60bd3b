"""SQS errors in AWS's shape, for both protocols.

SQS speaks JSON with the awsQueryCompatible trait: an error's JSON `__type` is its modelled name and the
`x-amzn-query-error` header carries the legacy query code, which SDKs show as the error code (botocore:
Code = the query code, QueryErrorCode = the JSON name). moto's model lacks the common error
InvalidParameterValue (SQS API reference, Common Errors: "InvalidParameterValue: An invalid or out-of-range
value was supplied for the input parameter", its JSON name InvalidParameterValueException), so moto named
it by its query code in both places.

In the query protocol, AWS's <Error> holds Type, Code, Message and an empty <Detail/>; moto also wrote the
JSON member `message` there (a second, lower-case message element).
"""

from __future__ import annotations

import functools
from typing import Any

from moto.core import errors as moto_errors

# JSON name -> (query code, HTTP status), the common errors absent from the model.
COMMON_ERRORS = {
    "InvalidParameterValueException": ("InvalidParameterValue", 400),
}
_MARK = "__localcloud_sqs_errors__"


def _with_common_errors(original: Any) -> Any:
    @functools.wraps(original)
    def create_error_lut(service_model: Any) -> Any:
        lookup = original(service_model)
        if service_model.metadata.get("serviceId") != "SQS":
            return lookup
        resolver = service_model._shape_resolver
        for name, (code, status) in COMMON_ERRORS.items():
            shape = moto_errors.ErrorShape(name, {
                "type": "structure", "members": {}, "exception": True,
                "error": {"code": code, "httpStatusCode": status, "senderFault": True},
            }, resolver)
            lookup._code_to_error.setdefault(code, shape)
            lookup._code_to_error.setdefault(name, shape)
        return lookup

    setattr(create_error_lut, _MARK, original)
    return staticmethod(create_error_lut)


def _query_error_metadata(original: Any) -> Any:
    @functools.wraps(original)
    def serialize_error_metadata(self: Any, serialized: Any, error: Exception, shape: Any) -> None:
        original(self, serialized, error, shape)
        serialized.pop("message", None)  # the JSON member; Message is already there
        serialized.setdefault("Detail", None)

    setattr(serialize_error_metadata, _MARK, original)
    return serialize_error_metadata
