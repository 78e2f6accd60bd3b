"""PartiQL statements moto's parser cannot take, made into ones it can; its failures answered as AWS does.

- Number literals compared or assigned (`SET Age=20`, `WHERE Price > 10`) are PartiQL numbers
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.data-types.html); moto's
  parser (py-partiql-parser) takes only quoted strings or `?` there and failed with an AssertionError,
  answered as an internal failure. Each such literal becomes a positional parameter {"N": "20"}, in place.
- A statement the parser still cannot read is the caller's error: ValidationException ("Statement wasn't
  well formed, can't be processed: ..."), as AWS answers a malformed statement, not a 500.
"""

from __future__ import annotations

import json
import re
from typing import Any

from localcloud.aws.registry import handles
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

NUMBER_AFTER_OPERATOR = re.compile(r"(?P<op>=|<>|!=|<=|>=|<|>)(?P<space>\s*)(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
                                   r"(?![\w.])")


def _unquoted_spans(statement: str) -> list[tuple[int, int]]:
    """The parts of a statement outside quotes and outside {...} / [...] literals (those parse already)."""
    spans, start, quote, depth = [], 0, None, 0
    for i, ch in enumerate(statement):
        if quote:
            if ch == quote:
                quote = None
                start = i + 1
            continue
        if ch in ("'", '"'):
            if depth == 0:
                spans.append((start, i))
            quote = ch
        elif ch in "{[":
            if depth == 0:
                spans.append((start, i))
            depth += 1
        elif ch in "}]" and depth:
            depth -= 1
            if depth == 0:
                start = i + 1
    if not quote and depth == 0:
        spans.append((start, len(statement)))
    return spans


def parameterise(statement: str, parameters: list[dict[str, Any]] | None) -> tuple[str, list[dict[str, Any]]]:
    """Number literals after a comparison or assignment become `?` with {"N": literal} at their position."""
    out, params, given = [], [], list(parameters or [])
    cursor = 0
    spans = _unquoted_spans(statement)

    def take_given(text: str) -> None:
        for _ in range(text.count("?")):
            if given:
                params.append(given.pop(0))

    for begin, end in spans:
        segment = statement[begin:end]
        last = 0
        for match in NUMBER_AFTER_OPERATOR.finditer(segment):
            before = statement[cursor:begin + match.start("number")]
            take_given(before)
            out.append(before)
            out.append("?")
            params.append({"N": match.group("number")})
            cursor = begin + match.end("number")
            last = match.end()
        del last
    rest = statement[cursor:]
    take_given(rest)
    out.append(rest)
    params.extend(given)
    return "".join(out), params


def _malformed(exc: Exception):
    detail = str(exc) or type(exc).__name__
    return aws_error("dynamodb", 400, "ValidationException",
                     f"Statement wasn't well formed, can't be processed: {detail}")


def _forward(request: AwsRequest, document: dict[str, Any]):
    try:
        answer = request.to_moto(json.dumps(document).encode())
    except (AssertionError, AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
        return _malformed(exc)
    return answer.status, answer.headers, answer.body


def _rewrite(entry: dict[str, Any]) -> None:
    if isinstance(entry.get("Statement"), str):
        statement, params = parameterise(entry["Statement"], entry.get("Parameters"))
        entry["Statement"] = statement
        if params:
            entry["Parameters"] = params


@handles("dynamodb", "ExecuteStatement")
def execute_statement(request: AwsRequest):
    document = request.json()
    _rewrite(document)
    return _forward(request, document)


@handles("dynamodb", "BatchExecuteStatement")
def batch_execute_statement(request: AwsRequest):
    document = request.json()
    for entry in document.get("Statements") or []:
        if isinstance(entry, dict):
            _rewrite(entry)
    return _forward(request, document)


@handles("dynamodb", "ExecuteTransaction")
def execute_transaction(request: AwsRequest):
    document = request.json()
    for entry in document.get("TransactStatements") or []:
        if isinstance(entry, dict):
            _rewrite(entry)
    return _forward(request, document)
