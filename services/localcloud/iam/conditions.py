"""Condition operators as the IAM User Guide defines them.

Sources (IAM User Guide): "IAM JSON policy elements: Condition operators"
(reference_policies_elements_condition_operators.html), "Multivalued context keys" / "Single-valued vs.
multivalued context keys" (reference_policies_condition-single-vs-multi-valued-context-keys.html) and
"IAM policy elements: Variables and tags" (reference_policies_variables.html).

The rules this module follows, each from those pages:
- Several operators in one Condition block, and several keys under one operator, must all be true (AND);
  several values for one key match if any one does (OR).
- Keys are case-insensitive; values are case-sensitive unless the operator says IgnoreCase.
- A key absent from the request context makes a positive operator false and a negated one
  (StringNotEquals, ArnNotLike, NotIpAddress, ...) true; `...IfExists` makes an absent key true.
- `Null: true` is true when the key is absent; `Null: false` when it is present.
- ForAllValues is true when every request value matches some policy value, and true when the key is absent
  or empty; ForAnyValue is true when at least one request value matches, false when the key is absent.
- ArnEquals and ArnLike both compare each of the six colon-separated parts, with * and ? wildcards.
- Policy variables `${key}` in condition values (policy Version 2012-10-17 only) are replaced by the request's
  value; `${*}`, `${?}`, `${$}` stand for the literal characters; `${key, 'default'}` gives a default. A
  variable whose key is absent (and has no default) makes that value match nothing.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

Context = dict[str, list[str]]  # lower-cased key -> values (a single-valued key has one)

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERALS = {"*": "*", "?": "?", "$": "$"}


class Unresolved(Exception):
    """A policy variable names a key the request context lacks."""


def substitute(text: str, context: Context, *, wildcard_literals: bool = False) -> str:
    """Replace ${...} policy variables. With `wildcard_literals`, ${*} and ${?} come back escaped as
    \\* and \\? so a glob compiler can tell them from wildcards."""

    def value(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if inner in _LITERALS:
            return "\\" + inner if wildcard_literals and inner in "*?" else _LITERALS[inner]
        key, _, default = inner.partition(",")
        found = context.get(key.strip().lower())
        if found:
            return found[0]
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            return default[1:-1]
        raise Unresolved(key.strip())

    return _VARIABLE.sub(value, text) if "${" in text else text


@lru_cache(maxsize=4096)
def glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """IAM's wildcards: * any run of characters (including / and :), ? one character; \\* and \\? (from
    ${*} and ${?}) literal."""
    parts, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*?":
            parts.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        parts.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
        i += 1
    return re.compile("".join(parts) + r"\Z", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _string_equals(policy: str, actual: str) -> bool:
    return policy == actual


def _string_equals_ignore_case(policy: str, actual: str) -> bool:
    return policy.lower() == actual.lower()


def _string_like(policy: str, actual: str) -> bool:
    return glob(policy).match(actual) is not None


def _number(text: str) -> float:
    return float(text)


def _date(text: str) -> datetime:
    text = str(text).strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):  # epoch seconds are accepted as well as ISO 8601
        return datetime.fromtimestamp(float(text), tz=UTC)
    parsed = datetime.fromisoformat(text)  # Python 3.11 reads the Z suffix itself
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _compare(convert: Callable[[str], Any], test: Callable[[Any, Any], bool]) -> Callable[[str, str], bool]:
    def matches(policy: str, actual: str) -> bool:
        try:
            return test(convert(actual), convert(policy))
        except (ValueError, TypeError, OverflowError):
            return False  # a value that is not a number or date matches nothing

    return matches


def _bool(policy: str, actual: str) -> bool:
    return str(policy).lower() == str(actual).lower()


def _binary(policy: str, actual: str) -> bool:
    try:
        return base64.b64decode(policy) == base64.b64decode(actual)
    except ValueError:
        return False


def _ip(policy: str, actual: str) -> bool:
    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(policy, strict=False)
    except ValueError:
        return False


def _arn_like(policy: str, actual: str) -> bool:
    policy_parts, actual_parts = policy.split(":", 5), actual.split(":", 5)
    if len(policy_parts) != 6 or len(actual_parts) != 6:
        return False
    return all(glob(p).match(a) is not None for p, a in zip(policy_parts, actual_parts))


# operator (lower-case, without IfExists) -> (value test, negated)
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "stringequals": (_string_equals, False),
    "stringnotequals": (_string_equals, True),
    "stringequalsignorecase": (_string_equals_ignore_case, False),
    "stringnotequalsignorecase": (_string_equals_ignore_case, True),
    "stringlike": (_string_like, False),
    "stringnotlike": (_string_like, True),
    "numericequals": (_compare(_number, lambda a, p: a == p), False),
    "numericnotequals": (_compare(_number, lambda a, p: a == p), True),
    "numericlessthan": (_compare(_number, lambda a, p: a < p), False),
    "numericlessthanequals": (_compare(_number, lambda a, p: a <= p), False),
    "numericgreaterthan": (_compare(_number, lambda a, p: a > p), False),
    "numericgreaterthanequals": (_compare(_number, lambda a, p: a >= p), False),
    "dateequals": (_compare(_date, lambda a, p: a == p), False),
    "datenotequals": (_compare(_date, lambda a, p: a == p), True),
    "datelessthan": (_compare(_date, lambda a, p: a < p), False),
    "datelessthanequals": (_compare(_date, lambda a, p: a <= p), False),
    "dategreaterthan": (_compare(_date, lambda a, p: a > p), False),
    "dategreaterthanequals": (_compare(_date, lambda a, p: a >= p), False),
    "bool": (_bool, False),
    "binaryequals": (_binary, False),
    "ipaddress": (_ip, False),
    "notipaddress": (_ip, True),
    "arnequals": (_arn_like, False),
    "arnlike": (_arn_like, False),
    "arnnotequals": (_arn_like, True),
    "arnnotlike": (_arn_like, True),
}
_NO_VARIABLES = {"numericequals", "numericnotequals", "numericlessthan", "numericlessthanequals",
                 "numericgreaterthan", "numericgreaterthanequals", "bool", "binaryequals", "ipaddress",
                 "notipaddress"}


class UnknownOperator(ValueError):
    pass


def _as_list(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in values]


class Condition:
    """One operator applied to one key, compiled from a policy's Condition block."""

    __slots__ = (
        "if_exists",
        "is_null",
        "key",
        "name",
        "negated",
        "operator",
        "qualifier",
        "test",
        "values",
        "variables",
    )

    def __init__(self, operator: str, key: str, values: Any) -> None:
        self.operator = operator
        self.name = key  # as the policy spells it (the simulator's MissingContextValues)
        self.key = key.lower()
        self.values = _as_list(values)
        name = operator.lower()
        self.qualifier = ""
        for qualifier in ("forallvalues:", "foranyvalue:"):
            if name.startswith(qualifier):
                self.qualifier, name = qualifier[:-1], name[len(qualifier):]
        self.if_exists = name.endswith("ifexists") and name != "null"
        if self.if_exists:
            name = name[: -len("ifexists")]
        self.is_null = name == "null"
        if not self.is_null and name not in _OPERATORS:
            raise UnknownOperator(f"unknown condition operator {operator!r}")
        self.test, self.negated = _OPERATORS.get(name, (_string_equals, False))
        self.variables = name not in _NO_VARIABLES and any("${" in v for v in self.values)

    def _policy_values(self, context: Context, version: str) -> list[str]:
        if not self.variables or version != "2012-10-17":
            return self.values
        resolved = []
        for value in self.values:
            try:
                resolved.append(substitute(value, context, wildcard_literals=self.test is _string_like))
            except Unresolved:
                continue  # this value matches nothing
        return resolved

    def _matches_any(self, actual: str, policy_values: list[str]) -> bool:
        return any(self.test(p, actual) for p in policy_values)

    def holds(self, context: Context, version: str = "2012-10-17") -> bool:
        actual = context.get(self.key)
        present = actual is not None and len(actual) > 0
        if self.is_null:
            absent_wanted = any(v.lower() == "true" for v in self.values)
            return (not present) if absent_wanted else present
        if self.qualifier == "forallvalues":
            if not present:
                return True
            values = self._policy_values(context, version)
            each = (self._matches_any(a, values) for a in actual)  # type: ignore[union-attr]
            return all((not m) if self.negated else m for m in each)
        if self.qualifier == "foranyvalue":
            if not present:
                return self.if_exists
            values = self._policy_values(context, version)
            each = (self._matches_any(a, values) for a in actual)  # type: ignore[union-attr]
            return any((not m) if self.negated else m for m in each)
        if not present:
            return self.if_exists or self.negated
        values = self._policy_values(context, version)
        matched = any(self._matches_any(a, values) for a in actual)  # type: ignore[union-attr]
        return not matched if self.negated else matched


def compile_block(block: dict[str, Any] | None) -> list[Condition]:
    conditions = []
    for operator, pairs in (block or {}).items():
        if not isinstance(pairs, dict):
            raise TypeError(f"condition operator {operator!r} must map keys to values")
        conditions.extend(Condition(operator, key, values) for key, values in pairs.items())
    return conditions


def all_hold(conditions: list[Condition], context: Context, version: str = "2012-10-17") -> bool:
    return all(c.holds(context, version) for c in conditions)
