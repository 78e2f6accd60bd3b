"""Request validation as AWS's front end does it, from the constraints in botocore's service models.

AWS checks every request against its model before the service sees it (length, pattern, value range, enum,
required members) and answers one ValidationException that lists every violation:

    1 validation error detected: Value 'my-fn!' at 'functionName' failed to satisfy constraint:
    Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?...

moto checks a few of these per operation, by hand; the rest (a function name with '!', an empty PartiQL
`Parameters` list, an unknown enum value) reached moto and came back as a 404 HTML page, a 500 or a
success. Here the model is the rule book, so the check is the same for every operation of a service.
The constraints are botocore's (`min`, `max`, `pattern`, `enum`, `required`), which botocore itself does
not enforce client-side except `required` and `min` (and both can be turned off: parameter_validation).

Message shape: https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html (ValidationException) and
the wording AWS's validator uses ("Member must have length less than or equal to 64").
"""

from __future__ import annotations

import base64
import json
import re
from functools import lru_cache
from typing import Any, Iterator
from urllib.parse import parse_qs, unquote

import botocore.session
from botocore.model import OperationModel, Shape

from localcloud.server.rest_routes import BOTOCORE_NAMES

# The services whose requests are checked here (moto backend names). JSON and REST-JSON protocols only:
# their request members map one to one onto the model. Every JSON-protocol service a pipeline uses is here:
# the rule is AWS's front end, not a service's, so it holds for operations no test of ours names.
VALIDATED_SERVICES = frozenset({"awslambda", "dynamodb", "stepfunctions", "kinesis", "dynamodbstreams",
                                "events", "kms", "ssm", "secretsmanager", "logs", "scheduler"})

# The error code a service gives a request that breaks its model (ValidationException unless listed).
# CloudWatch Logs answers InvalidParameterException with the same "N validation errors detected" message
# (e.g. DescribeLogGroups with limit 51, or a log group name with a space).
ERROR_CODES = {"logs": "InvalidParameterException"}

# Members AWS does not check against their modelled pattern (the model is stricter than the service).
# (service, shape name) -> why
UNCHECKED_PATTERNS: dict[tuple[str, str], str] = {
    ("logs", "MetricNamespace"): "the model says [^:*$]*, CloudWatch Logs accepts ':' (PutMetricFilter with "
                                 "namespace 'A.B-c_d/1#2:x' succeeds on AWS)",
}
# Enums the service checks itself, with its own error (so not the front end's ValidationException).
# (service, shape name) -> why
UNCHECKED_ENUMS: dict[tuple[str, str], str] = {
    ("awslambda", "Runtime"): "Lambda answers InvalidParameterValueException itself (aws/lambda_/runtimes.py)",
}


@lru_cache(maxsize=None)
def _model(service: str):
    return botocore.session.get_session().get_service_model(BOTOCORE_NAMES.get(service, service))


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:  # a Java-only construct: not checked rather than wrongly refused
        return None


@lru_cache(maxsize=None)
def _uri_matcher(operation: OperationModel) -> tuple[re.Pattern[str], tuple[str, ...]] | None:
    uri = operation.http.get("requestUri", "/").partition("?")[0]
    names: list[str] = []

    def label(match: re.Match[str]) -> str:
        name = match.group(1)
        greedy = name.endswith("+")
        names.append(name.rstrip("+"))
        return "(.+)" if greedy else "([^/]+)"

    pattern = re.sub(r"\\\{([^}]+?)\\\}", lambda m: label(m), re.escape(uri))
    pattern = pattern.replace("\\+", "+")
    try:
        return re.compile(f"^{pattern}/?$"), tuple(names)
    except re.error:
        return None


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def request_parameters(operation: OperationModel, environ: dict[str, Any], body: bytes) -> dict[str, Any] | None:
    """The operation's input members as the SDK sent them (JSON body, URI labels, query string, headers)."""
    protocol = operation.metadata.get("protocol", "json")
    params: dict[str, Any] = {}
    if body:
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            document = None
        if isinstance(document, dict):
            params.update(document)
        elif protocol == "json":
            return None  # not JSON: the service answers SerializationException itself
    if protocol != "rest-json":
        return params
    shape = operation.input_shape
    if shape is None:
        return params
    payload = shape.serialization.get("payload")
    if payload and payload in shape.members:
        params = {} if shape.members[payload].type_name in ("blob", "string") else {payload: params}
    matcher = _uri_matcher(operation)
    labels: dict[str, str] = {}
    if matcher is not None:
        path = environ.get("PATH_INFO", "")
        found = matcher[0].match(path)
        if found:
            labels = dict(zip(matcher[1], (unquote(v) for v in found.groups())))
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri" and wire in labels:
            params[name] = labels[wire]
        elif location == "querystring" and wire in query:
            values = query[wire]
            params[name] = values if member.type_name == "list" else values[0]
        elif location == "header":
            value = environ.get("HTTP_" + wire.upper().replace("-", "_"))
            if value is not None:
                params[name] = value
    return params


def _java(value: Any, shape: Shape | None) -> str:
    """A value as AWS's (Java) validator prints it: strings bare, null, lists [a, b], maps {k=v}, and a
    structure as its model class's toString: PutEventsRequestEntry(time=null, source=orders, ...), every
    member in model order."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    kind = shape.type_name if shape is not None else None
    if kind == "structure" and isinstance(value, dict):
        members = ", ".join(f"{_lower_first(name)}={_java(value.get(name), member)}"
                            for name, member in shape.members.items())
        return f"{shape.name}({members})"
    if isinstance(value, list):
        member = shape.member if kind == "list" else None
        return "[" + ", ".join(_java(item, member) for item in value) + "]"
    if isinstance(value, dict):
        inner = shape.value if kind == "map" else None
        return "{" + ", ".join(f"{k}={_java(v, inner)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and kind in ("double", "float"):
        return repr(value)
    return str(value)


def _render(value: Any, shape: Shape | None = None) -> str:
    return "null" if value is None else f"'{_java(value, shape)}'"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _violations(service: str, shape: Shape, value: Any, where: str, depth: int = 0) -> Iterator[str]:
    """Every constraint of `shape` that `value` breaks, in AWS's words."""
    if depth > 20:  # recursive shapes (a document inside itself): deep enough for any real request
        return
    meta = shape.metadata
    kind = shape.type_name
    prefix = f"Value {_render(value, shape) if kind != 'blob' else _render('java.nio.HeapByteBuffer')} at '{where}' " \
             "failed to satisfy constraint: "
    if kind in ("string", "blob") or kind in ("list", "map"):
        size: int | None = None
        if kind == "string" and isinstance(value, str):
            size = len(value)
        elif kind == "blob" and isinstance(value, str):
            try:
                size = len(base64.b64decode(value))
            except ValueError:
                size = None
        elif kind in ("list", "map") and isinstance(value, (list, dict)):
            size = len(value)
        if size is not None:
            if "min" in meta and size < meta["min"]:
                yield prefix + f"Member must have length greater than or equal to {meta['min']}"
            if "max" in meta and size > meta["max"]:
                yield prefix + f"Member must have length less than or equal to {meta['max']}"
    if kind == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum and (service, shape.name) not in UNCHECKED_ENUMS:
            yield prefix + f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
        pattern = meta.get("pattern")
        if pattern and (service, shape.name) not in UNCHECKED_PATTERNS:
            compiled = _compiled(pattern)
            if compiled is not None and compiled.fullmatch(value) is None:
                yield prefix + f"Member must satisfy regular expression pattern: {pattern}"
    elif kind in ("integer", "long", "float", "double"):
        number = _number(value)
        if number is not None:
            if "min" in meta and number < meta["min"]:
                yield prefix + f"Member must have value greater than or equal to {meta['min']}"
            if "max" in meta and number > meta["max"]:
                yield prefix + f"Member must have value less than or equal to {meta['max']}"
    elif kind == "structure" and isinstance(value, dict):
        for name in shape.required_members:
            if value.get(name) is None:
                yield f"Value null at '{_join(where, name)}' failed to satisfy constraint: Member must not be null"
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                yield from _violations(service, member, value[name], _join(where, name), depth + 1)
    elif kind == "list" and isinstance(value, list) and shape.member.type_name not in ("structure", "list", "map"):
        # A list of plain values is judged as one: every constraint of its members, in one message.
        if any(next(_violations(service, shape.member, item, where, depth + 1), None) for item in value):
            yield prefix + f"Member must satisfy constraint: [{', '.join(_constraints(shape.member))}]"
    elif kind == "list" and isinstance(value, list):
        for index, item in enumerate(value, 1):
            if item is not None:
                yield from _violations(service, shape.member, item, f"{where}.{index}.member", depth + 1)
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            yield from _violations(service, shape.key, key, f"{where}.{key}.member.key", depth + 1)
            if item is not None:
                yield from _violations(service, shape.value, item, f"{where}.{key}.member.value", depth + 1)


def _constraints(shape: Shape) -> list[str]:
    meta = shape.metadata
    found = []
    unit = "length" if shape.type_name in ("string", "blob") else "value"
    if "max" in meta:
        found.append(f"Member must have {unit} less than or equal to {meta['max']}")
    if "min" in meta:
        found.append(f"Member must have {unit} greater than or equal to {meta['min']}")
    if meta.get("pattern"):
        found.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
    if shape.enum:
        found.extend([f"Member must satisfy enum value set: [{', '.join(shape.enum)}]", "Member must not be null"])
    return found


def _join(where: str, name: str) -> str:
    return f"{where}.{_lower_first(name)}" if where else _lower_first(name)


def violations(service: str, operation_name: str, environ: dict[str, Any], body: bytes) -> list[str]:
    if service not in VALIDATED_SERVICES:
        return []
    try:
        operation = _model(service).operation_model(operation_name)
    except Exception:  # noqa: BLE001  (an operation botocore does not know: nothing to check against)
        return []
    shape = operation.input_shape
    if shape is None:
        return []
    params = request_parameters(operation, environ, body)
    if params is None:
        return []
    return list(_violations(service, shape, params, ""))


def error_code(service: str) -> str:
    return ERROR_CODES.get(service, "ValidationException")


def message(found: list[str]) -> str:
    count = len(found)
    return f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(found)
