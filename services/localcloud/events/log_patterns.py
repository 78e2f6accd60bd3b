"""CloudWatch Logs filter patterns: terms, JSON and space-delimited, and the metric value they select.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
- terms: `ERROR`, `"exact phrase"`, all must occur (case-sensitive); `?ERROR ?WARN` any of; `-DEBUG` none of
- JSON: `{ $.level = "ERROR" }`, `{ ($.latency > 100) && ($.path = "/x*") || $.ok IS FALSE }`, `!=`, `<`,
  `<=`, `>`, `>=`, `*` wildcards in strings, `IS TRUE|FALSE|NULL`, `NOT EXISTS`
- space-delimited: `[ip, user, ..., status = 4*, bytes > 1000]`; a metric value `$bytes` names a field
`compile(pattern)` returns a Matcher: `.match(message)` -> the fields it bound (a dict) or None.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from collections.abc import Callable
from typing import Any

_TOKEN = re.compile(r'\s*(&&|\|\||!=|<=|>=|=|<|>|\(|\)|"(?:[^"\\]|\\.)*"|\$[\w.\[\]*]*|[^\s()&|=<>!]+)')
_MISSING = object()


class Matcher:
    def __init__(self, test: Callable[[str], dict[str, Any] | None]) -> None:
        self.match = test


def compile(pattern: str | None) -> Matcher:
    text = (pattern or "").strip()
    if not text:
        return Matcher(lambda message: {})
    if text.startswith("{"):
        return _json_pattern(text)
    if text.startswith("["):
        return _space_delimited(text)
    return _terms(text)


# -- terms --------------------------------------------------------------------------------------------
def _terms(text: str) -> Matcher:
    words = shlex.split(text)
    required = [w for w in words if not w.startswith(("?", "-"))]
    optional = [w[1:] for w in words if w.startswith("?")]
    excluded = [w[1:] for w in words if w.startswith("-") and len(w) > 1]

    def test(message: str) -> dict[str, Any] | None:
        if any(term not in message for term in required):
            return None
        if optional and not any(term in message for term in optional):
            return None
        if any(term in message for term in excluded):
            return None
        return {}

    return Matcher(test)


# -- comparisons shared by JSON and space-delimited patterns ------------------------------------------
def _compare(actual: Any, operator: str, expected: str) -> bool:
    if actual is _MISSING:
        return False
    if expected.startswith('"'):
        expected = json.loads(expected)
        if operator in ("=", "!="):
            matched = isinstance(actual, str) and fnmatch.fnmatchcase(actual, expected)
            return matched if operator == "=" else not matched
        return False
    try:
        number, value = float(expected), float(actual)
    except (TypeError, ValueError):
        if operator in ("=", "!=") and isinstance(actual, str):  # unquoted word, e.g. status = 4*
            matched = fnmatch.fnmatchcase(actual, expected)
            return matched if operator == "=" else not matched
        return False
    return {"=": value == number, "!=": value != number, "<": value < number, "<=": value <= number,
            ">": value > number, ">=": value >= number}[operator]


def _select(document: Any, path: str) -> Any:
    """$.a.b[0].c from a parsed JSON document; _MISSING when absent."""
    current = document
    for part in re.findall(r"\.([^.\[\]]+)|\[(\d+)\]", path[1:]):
        key, index = part
        if key and isinstance(current, dict) and key in current:
            current = current[key]
        elif index and isinstance(current, list) and int(index) < len(current):
            current = current[int(index)]
        else:
            return _MISSING
    return current


class _Parser:
    """Boolean expression over comparisons: a || b, a && b, (a), left to right as AWS evaluates."""

    def __init__(self, text: str, lookup: Callable[[Any, str], Any]) -> None:
        self.tokens = [t for t in _TOKEN.findall(text) if t]
        self.lookup = lookup
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise ValueError("the filter pattern ends early")
        self.position += 1
        return token

    def parse(self) -> Callable[[Any], bool]:
        test = self.expression()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()!r} in the filter pattern")
        return test

    def expression(self) -> Callable[[Any], bool]:
        left = self.term()
        while self.peek() in ("&&", "||"):
            operator, right = self.take(), self.term()
            left = (lambda a, b: lambda d: a(d) and b(d))(left, right) if operator == "&&" else \
                (lambda a, b: lambda d: a(d) or b(d))(left, right)
        return left

    def term(self) -> Callable[[Any], bool]:
        if self.peek() == "(":
            self.take()
            inner = self.expression()
            if self.take() != ")":
                raise ValueError("a parenthesis is not closed in the filter pattern")
            return inner
        selector = self.take()
        operator = self.take()
        lookup = self.lookup
        if operator.upper() == "IS":
            expected = self.take().upper()
            wanted = {"TRUE": True, "FALSE": False, "NULL": None}[expected]
            return lambda d: (v := lookup(d, selector)) is not _MISSING and v is wanted
        if operator.upper() == "NOT" and self.take().upper() == "EXISTS":
            return lambda d: lookup(d, selector) is _MISSING
        expected = self.take()
        return lambda d: _compare(lookup(d, selector), operator, expected)


# -- JSON ---------------------------------------------------------------------------------------------
def _json_pattern(text: str) -> Matcher:
    test = _Parser(text.strip()[1:-1], _select).parse()

    def match(message: str) -> dict[str, Any] | None:
        try:
            document = json.loads(message)
        except ValueError:
            return None
        return {"$": document} if test(document) else None

    return Matcher(match)


# -- space-delimited ----------------------------------------------------------------------------------
def _split_fields(message: str) -> list[str]:
    """Split on spaces; "quoted" and [bracketed] runs are one field each (as AWS does for access logs)."""
    return [a or b or c for a, b, c in re.findall(r'"([^"]*)"|\[([^\]]*)\]|(\S+)', message)]


def _space_delimited(text: str) -> Matcher:
    inner = text.strip()[1:-1]
    names: list[str] = []
    conditions: list[str] = []
    for raw in [p.strip() for p in inner.split(",")]:
        name = re.match(r"[\w.]+|\.\.\.", raw)
        label = name.group(0) if name else raw
        names.append(label)
        if name and raw[len(label):].strip():
            conditions.append(raw)
    tests = [_Parser(c, lambda fields, sel: fields.get(sel, _MISSING)).parse() for c in conditions]

    def match(message: str) -> dict[str, Any] | None:
        values = _split_fields(message)
        fields: dict[str, Any] = {}
        if "..." in names:  # an ellipsis soaks up what the named fields around it do not
            split = names.index("...")
            head, tail = names[:split], names[split + 1:]
            if len(values) < len(head) + len(tail):
                return None
            fields.update(zip(head, values))
            fields.update(zip(tail, values[len(values) - len(tail):] if tail else []))
        else:
            if len(values) != len(names):
                return None
            fields.update(zip(names, values))
        return fields if all(test(fields) for test in tests) else None

    return Matcher(match)


def metric_value(expression: str, fields: dict[str, Any]) -> float | None:
    """metricValue: a number, `$.path` (JSON patterns) or `$name` (space-delimited); None if unusable."""
    expression = str(expression).strip()
    if expression.startswith("$."):
        value = _select(fields.get("$"), expression)
    elif expression.startswith("$"):
        value = fields.get(expression[1:], _MISSING)
    else:
        value = expression
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
