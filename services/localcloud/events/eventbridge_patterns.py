"""EventBridge event patterns: does an event match a rule's pattern?

https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
.../eb-create-pattern-operators.html. Semantics we follow:
- every field named in the pattern must match (AND); a field's array of values matches if any matches (OR);
- an array in the event matches if any of its elements matches;
- exact values compare by JSON type (the string "1" does not match the number 1);
- operators: prefix, suffix, anything-but (value, list, {prefix}, {suffix}, {wildcard}), numeric,
  exists, equals-ignore-case, wildcard, cidr, and `$or` lists of sub-patterns.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

_MISSING = object()


class InvalidPattern(ValueError):
    """The pattern is not valid EventBridge syntax (PutRule answers InvalidEventPatternException)."""


def matches(pattern: dict[str, Any], event: Any) -> bool:
    if not isinstance(pattern, dict):
        raise InvalidPattern("Event pattern is not a JSON object")
    for key, rule in pattern.items():
        if key == "$or":
            if not isinstance(rule, list) or not any(matches(sub, event) for sub in rule):
                return False
            continue
        value = event.get(key, _MISSING) if isinstance(event, dict) else _MISSING
        if isinstance(rule, dict):
            if not matches(rule, value if isinstance(value, dict) else {}):
                return False
        elif isinstance(rule, list):
            if not _field_matches(rule, value):
                return False
        else:
            raise InvalidPattern(f"Match value for {key!r} must be an array or an object")
    return True


def _field_matches(rules: list[Any], value: Any) -> bool:
    # {"exists": false} matches only when the field is absent, whatever else is in the list.
    values = value if isinstance(value, list) else [value]
    if value is _MISSING:
        return any(isinstance(r, dict) and r.get("exists") is False for r in rules)
    return any(_one(rule, v) for rule in rules for v in values) or (
        isinstance(value, list) and any(isinstance(r, dict) and r.get("exists") is True for r in rules))


def _one(rule: Any, value: Any) -> bool:
    if not isinstance(rule, dict):
        return _same(rule, value)
    if len(rule) != 1:
        raise InvalidPattern(f"Only one operator per matcher is allowed: {rule}")
    (operator, operand), = rule.items()
    if operator == "exists":
        return operand is True
    if operator == "prefix":
        return _affix(operand, value, str.startswith)
    if operator == "suffix":
        return _affix(operand, value, str.endswith)
    if operator == "equals-ignore-case":
        return isinstance(value, str) and isinstance(operand, str) and value.lower() == operand.lower()
    if operator == "wildcard":
        return isinstance(value, str) and _wildcard(operand, value)
    if operator == "numeric":
        return _numeric(operand, value)
    if operator == "anything-but":
        return _anything_but(operand, value)
    if operator == "cidr":
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(operand, strict=False)
        except (ValueError, TypeError):
            return False
    raise InvalidPattern(f"Unrecognized match type {operator}")


def _same(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return expected is value
    if isinstance(expected, (int, float)) and isinstance(value, (int, float)):
        return float(expected) == float(value)
    return expected == value


def _affix(operand: Any, value: Any, test: Any) -> bool:
    if not isinstance(value, str):
        return False
    if isinstance(operand, dict):  # {"prefix": {"equals-ignore-case": "ab"}}
        text = operand.get("equals-ignore-case")
        return isinstance(text, str) and test(value.lower(), text.lower())
    return isinstance(operand, str) and test(value, operand)


def _wildcard(operand: str, value: str) -> bool:
    # Only `*` is special (any run of characters); `\*` is a literal star.
    parts = re.split(r"(?<!\\)\*", operand)
    regex = ".*".join(re.escape(p.replace("\\*", "*")) for p in parts)
    return re.fullmatch(regex, value, re.DOTALL) is not None


_COMPARE = {"<": float.__lt__, "<=": float.__le__, "=": float.__eq__, ">": float.__gt__, ">=": float.__ge__}


def _numeric(operand: list[Any], value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if not isinstance(operand, list) or len(operand) % 2:
        raise InvalidPattern(f"Bad numeric range operator: {operand}")
    for index in range(0, len(operand), 2):
        compare = _COMPARE.get(operand[index])
        if compare is None:
            raise InvalidPattern(f"Unrecognized numeric range operator: {operand[index]}")
        if not compare(float(value), float(operand[index + 1])):
            return False
    return True


def _anything_but(operand: Any, value: Any) -> bool:
    if isinstance(operand, dict):
        (operator, inner), = operand.items()
        if not isinstance(value, str):
            return operator not in ("prefix", "suffix", "wildcard", "equals-ignore-case")
        options = inner if isinstance(inner, list) else [inner]
        if operator == "prefix":
            return not any(value.startswith(o) for o in options)
        if operator == "suffix":
            return not any(value.endswith(o) for o in options)
        if operator == "wildcard":
            return not any(_wildcard(o, value) for o in options)
        if operator == "equals-ignore-case":
            return value.lower() not in {o.lower() for o in options}
        raise InvalidPattern(f"Unsupported anything-but operator {operator}")
    options = operand if isinstance(operand, list) else [operand]
    return not any(_same(o, value) for o in options)


def validate(pattern: Any) -> None:
    """Raise InvalidPattern, in EventBridge's words, for a pattern PutRule / TestEventPattern refuse. The whole
    pattern is checked, not only the fields an event happens to reach (matching an empty event visits none)."""
    if not isinstance(pattern, dict):
        raise InvalidPattern("Filter is not an object")
    for key, rule in pattern.items():
        if key == "$or":
            if not isinstance(rule, list):
                raise InvalidPattern("Or condition must be an array")
            for sub in rule:
                validate(sub)
        elif isinstance(rule, dict):
            validate(rule)
        elif isinstance(rule, list):
            for matcher in rule:
                if isinstance(matcher, dict):
                    _validate_matcher(matcher)
        else:
            raise InvalidPattern(f"Match value for {key!r} must be an array or an object")


def _string_operand(name: str, operand: Any, allow_ignore_case: bool = False) -> None:
    if operand is None and name in ("prefix", "suffix"):
        raise InvalidPattern("Null prefix/suffix not allowed")
    if allow_ignore_case and isinstance(operand, dict) and set(operand) == {"equals-ignore-case"}:
        operand = operand["equals-ignore-case"]
    if not isinstance(operand, str):
        raise InvalidPattern(f"{name} match pattern must be a string")


def _validate_matcher(matcher: dict[str, Any]) -> None:
    if len(matcher) != 1:
        raise InvalidPattern(f"Only one operator per matcher is allowed: {matcher}")
    (operator, operand), = matcher.items()
    if operator in ("prefix", "suffix"):
        _string_operand(operator, operand, allow_ignore_case=True)
    elif operator in ("equals-ignore-case", "wildcard"):
        _string_operand(operator, operand)
    elif operator == "exists":
        if not isinstance(operand, bool):
            raise InvalidPattern("exists match pattern must be either true or false.")
    elif operator == "numeric":
        _numeric(operand, 0)
    elif operator == "cidr":
        try:
            ipaddress.ip_network(operand, strict=False)
        except (ValueError, TypeError):
            raise InvalidPattern(f"Malformed CIDR, one '/' required: {operand}") from None
    elif operator == "anything-but":
        _validate_anything_but(operand)
    else:
        raise InvalidPattern(f"Unrecognized match type {operator}")


def _validate_anything_but(operand: Any) -> None:
    if isinstance(operand, dict):
        if len(operand) != 1:
            raise InvalidPattern("Value of anything-but must be an array or single string/number value.")
        (operator, inner), = operand.items()
        if operator not in ("prefix", "suffix", "wildcard", "equals-ignore-case"):
            raise InvalidPattern(f"Unsupported anything-but operator {operator}")
        if isinstance(inner, list) and operator in ("wildcard", "equals-ignore-case"):
            if any(not isinstance(item, str) for item in inner):
                if operator == "equals-ignore-case":
                    raise InvalidPattern("Inside anything-but/equals-ignore-case list, "
                                         "number|start|null|boolean is not supported.")
                raise InvalidPattern("wildcard match pattern must be a string")
            return
        _string_operand(operator, inner)
    elif isinstance(operand, list):
        if any(isinstance(item, (dict, list, bool)) or item is None for item in operand):
            raise InvalidPattern("Inside anything but list, start|null|boolean is not supported.")
    elif isinstance(operand, bool) or operand is None or not isinstance(operand, (str, int, float)):
        raise InvalidPattern("Value of anything-but must be an array or single string/number value.")
