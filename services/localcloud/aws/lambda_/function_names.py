"""A function named any way AWS accepts, resolved once for every operation that names one in its path.

https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html (FunctionName): "Function name –
my-function (name-only), my-function:v1 (with alias). Function ARN – arn:aws:lambda:us-west-2:123456789012:
function:my-function. Partial ARN – 123456789012:function:my-function." The model's pattern is the grammar:
  (arn:(aws[a-zA-Z-]*)?:lambda:)?(region:)?(\\d{12}:)?(function:)?(name)(:(\\$LATEST|qualifier))?
so `arn:aws:lambda:us-east-1:123456789012:function` names the function "function", as AWS reads it.

- A qualifier in the name and a different Qualifier parameter: InvalidParameterValueException "The derived
  qualifier from the function name does not match the specified qualifier." (AWS, every such operation).
- Otherwise the request reaches moto with the plain name in its path and the derived qualifier as its
  Qualifier: moto parses only some spellings (a partial ARN, a qualified ARN or a bare `...:function` ended
  in an internal failure or an HTML 404).
A name of another region is answered by responses.other_region first; one of another account is left as
it is (no function of that account lives here: moto answers not found).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode

from localcloud.aws.lambda_.responses import _model
from localcloud.aws.registry import screens
from localcloud.server.errors import aws_error
from localcloud.server.input_validation import request_parameters
from localcloud.server.requests import AwsRequest

NAME = re.compile(r"^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:(?P<region>(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?"
                  r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9-_.]+)"
                  r"(?::(?P<qualifier>\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9-_]+))?$")
MISMATCH = "The derived qualifier from the function name does not match the specified qualifier."
FUNCTIONS_SEGMENT = "functions"


def _takes_function_in_path(operation) -> tuple[bool, bool]:
    """(FunctionName is a path label, the operation has a Qualifier member)."""
    shape = operation.input_shape
    if shape is None or "FunctionName" not in shape.members:
        return False, False
    in_path = shape.members["FunctionName"].serialization.get("location") == "uri"
    return in_path, "Qualifier" in shape.members


def _with_plain_name(path: str, name: str) -> str | None:
    parts = path.split("/")
    for index, part in enumerate(parts[:-1]):
        if part == FUNCTIONS_SEGMENT:
            parts[index + 1] = quote(name, safe="")
            return "/".join(parts)
    return None


@screens("awslambda")
def resolve_function_name(request: AwsRequest):
    if request.operation is None:
        return None
    operation = _model().operation_model(request.operation)
    in_path, has_qualifier = _takes_function_in_path(operation)
    if not in_path:
        return None
    params = request_parameters(operation, request.environ, request.body) or {}
    given = params.get("FunctionName")
    parsed = NAME.match(given) if isinstance(given, str) else None
    if parsed is None:
        return None
    derived, qualifier = parsed.group("qualifier"), params.get("Qualifier") if has_qualifier else None
    if derived is not None and qualifier is not None and derived != qualifier:
        return aws_error("lambda", 400, "InvalidParameterValueException", MISMATCH)
    if given == parsed.group("name") or parsed.group("account") not in (None, request.account_id):
        return None
    if derived is not None and not has_qualifier:
        return None  # the qualifier can go nowhere else: moto sees the name as it was given
    path = _with_plain_name(request.path, parsed.group("name"))
    if path is None:
        return None
    query = request.environ.get("QUERY_STRING", "")
    if derived is not None and qualifier is None:
        query = urlencode([*parse_qsl(query, keep_blank_values=True), ("Qualifier", derived)])
    raw_path = _with_plain_name(request.environ.get("RAW_URI", request.path).partition("?")[0], parsed.group("name"))
    # moto reads the raw URI (RAW_URI, as the server received it), our routing PATH_INFO: both say the same.
    request.environ.update({"PATH_INFO": path, "QUERY_STRING": query})
    for key in ("RAW_URI", "REQUEST_URI"):
        if key in request.environ:
            request.environ[key] = (raw_path or path) + (f"?{query}" if query else "")
    return None
