"""Policy documents, compiled once and matched many times.

IAM User Guide, "IAM JSON policy element reference": Action/NotAction (case-insensitive, wildcards),
Resource/NotResource (case-sensitive ARNs, wildcards, policy variables in Version 2012-10-17),
Principal/NotPrincipal (resource-based policies), Condition (conditions.py). A statement applies when its
action, resource, principal and conditions all match.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from localcloud.iam.conditions import (
    Condition,
    Context,
    Unresolved,
    all_hold,
    compile_block,
    glob,
    substitute,
)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Caller:
    """What Principal/NotPrincipal is compared with: every name the caller goes by."""

    names: frozenset[str]  # session ARN, role ARN, user ARN, account id / root ARN, or a service principal
    account: str
    service: str | None = None  # "s3.amazonaws.com" when a service principal delivers an event


def _principal_values(principal: Any) -> tuple[bool, frozenset[str], frozenset[str]]:
    """(everyone, AWS principals, service principals) of a Principal element."""
    if principal == "*":
        return True, frozenset(), frozenset()
    aws: set[str] = set()
    services: set[str] = set()
    if isinstance(principal, dict):
        for kind, values in principal.items():
            for value in _as_list(values):
                if kind in ("AWS", "Federated"):  # a web identity caller goes by its provider's name
                    aws.add(str(value))
                elif kind == "Service":
                    services.add(str(value))
                elif kind == "CanonicalUser":
                    aws.add(str(value))
    return "*" in aws, frozenset(aws), frozenset(services)


@dataclass
class Statement:
    effect: str  # "Allow" | "Deny"
    sid: str
    actions: list[Any] | None  # compiled patterns; None when the statement uses NotAction
    not_actions: list[Any] | None
    resources: list[str] | None  # raw patterns (variables are substituted per request)
    not_resources: list[str] | None
    principal: tuple[bool, frozenset[str], frozenset[str]] | None
    not_principal: tuple[bool, frozenset[str], frozenset[str]] | None
    conditions: list[Condition]
    raw: dict[str, Any] = field(repr=False)
    # ((line, column), (line, column)) of the statement in the policy text, 1-based: what
    # iam:SimulatePrincipalPolicy reports as a matched statement's StartPosition / EndPosition
    span: tuple[tuple[int, int], tuple[int, int]] | None = None

    def matches_action(self, action: str) -> bool:
        if self.actions is not None:
            return any(p.match(action) for p in self.actions)
        return not any(p.match(action) for p in self.not_actions or [])

    def matches_resource(self, resource: str, context: Context, version: str) -> bool:
        if self.resources is None and self.not_resources is None:
            return True  # resource-based policies may leave Resource out: the resource they are attached to
        patterns = self.resources if self.resources is not None else self.not_resources
        hit = any(_resource_match(p, resource, context, version) for p in patterns or [])
        return hit if self.resources is not None else not hit

    def matches_principal(self, caller: Caller | None) -> bool:
        if self.principal is None and self.not_principal is None:
            return True  # identity-based policies have no Principal: they apply to whoever holds them
        if caller is None:
            return False
        if self.principal is not None:
            return _principal_hit(self.principal, caller)
        # NotPrincipal spares a role session only when it names the session ARN itself; the role ARN alone
        # does not ("NotPrincipal", IAM User Guide: specify the assumed-role session ARN as well).
        exact = Caller(frozenset(n for n in caller.names if ":assumed-role/" in n) or caller.names,
                       caller.account, caller.service)
        return not _principal_hit(self.not_principal, exact)  # type: ignore[arg-type]

    def applies(self, action: str, resource: str, caller: Caller | None, context: Context, version: str) -> bool:
        return (self.matches_action(action) and self.matches_resource(resource, context, version)
                and self.matches_principal(caller) and all_hold(self.conditions, context, version))


def _principal_hit(principal: tuple[bool, frozenset[str], frozenset[str]], caller: Caller) -> bool:
    everyone, aws, services = principal
    if caller.service is not None:
        return caller.service in services or everyone
    return everyone or bool(aws & caller.names)


def _resource_match(pattern: str, resource: str, context: Context, version: str) -> bool:
    if pattern == "*":
        return True
    if version == "2012-10-17" and "${" in pattern:
        try:
            pattern = substitute(pattern, context, wildcard_literals=True)
        except Unresolved:
            return False  # AWS: a variable whose key is missing makes the element match nothing
    return glob(pattern).match(resource) is not None


@dataclass
class Policy:
    name: str  # what a person reads: "inline policy write-raw-pages of role R", a managed policy's ARN
    kind: str  # "identity" | "resource" | "boundary" | "session"
    version: str
    statements: list[Statement]
    # What the IAM policy simulator calls it (SourcePolicyId / SourcePolicyType: user, group, role,
    # aws-managed, user-managed, resource, none); set by whoever gathers the policies (principals.py).
    source_id: str = ""
    source_type: str = ""
    # Whether a condition or variable reads the resource's tags (resource_tags.py reads them only then), and
    # whether a condition reads DynamoDB's fine-grained keys (dynamodb_keys.py computes them only then).
    reads_resource_tags: bool = False
    reads_dynamodb_keys: bool = False


def _statement(raw: dict[str, Any]) -> Statement:
    def actions(key: str) -> list[Any] | None:
        if key not in raw:
            return None
        return [glob(str(a), ignore_case=True) for a in _as_list(raw[key])]

    def strings(key: str) -> list[str] | None:
        return [str(r) for r in _as_list(raw[key])] if key in raw else None

    allowed = actions("Action")
    excepted = actions("NotAction") if allowed is None else None
    if allowed is None and excepted is None:
        allowed = []  # a statement with neither matches no action
    return Statement(
        effect=str(raw.get("Effect", "")), sid=str(raw.get("Sid", "")),
        actions=allowed, not_actions=excepted,
        resources=strings("Resource"), not_resources=strings("NotResource") if "Resource" not in raw else None,
        principal=_principal_values(raw["Principal"]) if "Principal" in raw else None,
        not_principal=_principal_values(raw["NotPrincipal"]) if "NotPrincipal" in raw else None,
        conditions=compile_block(raw.get("Condition")), raw=raw)


def parse_document(document: Any) -> dict[str, Any]:
    if isinstance(document, (bytes, bytearray)):
        document = document.decode("utf-8")
    if isinstance(document, str):
        text = document.strip()
        if text.startswith(("%7B", "%7b")):
            text = unquote(text)  # IAM returns documents URL-encoded; moto keeps some that way
        document = json.loads(text)
    return document


@lru_cache(maxsize=2048)
def _compiled(text: str, name: str, kind: str, source_id: str, source_type: str) -> Policy:
    from localcloud.iam.positions import statement_spans

    document = parse_document(text)
    statements = [_statement(s) for s in _as_list(document.get("Statement")) if isinstance(s, dict)]
    spans = statement_spans(text) if text.lstrip().startswith(("{", "%7B", "%7b")) else []
    if len(spans) == len(statements):
        for statement, span in zip(statements, spans):
            statement.span = span
    lowered = text.lower()
    reads_tags = "resourcetag/" in lowered or "existingobjecttag/" in lowered
    reads_dynamodb = any(c.key.startswith("dynamodb:") for s in statements for c in s.conditions)
    return Policy(name, kind, str(document.get("Version", "2008-10-17")), statements, source_id, source_type,
                  reads_tags, reads_dynamodb)


def compile_policy(document: Any, name: str, kind: str, source_id: str = "", source_type: str = "") -> Policy:
    """A compiled policy; the same text compiles once (a role's policies are read on every request).
    `source_id` / `source_type`: what the policy simulator calls it (SourcePolicyId, SourcePolicyType)."""
    text = document if isinstance(document, str) else json.dumps(document, sort_keys=True)
    return _compiled(text, name, kind, source_id, source_type)
