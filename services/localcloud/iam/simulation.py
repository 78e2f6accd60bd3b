"""iam:SimulatePrincipalPolicy and iam:SimulateCustomPolicy, decided by the same evaluator as real calls.

IAM API Reference, SimulatePrincipalPolicy / SimulateCustomPolicy / EvaluationResult:
- one EvaluationResult per action and resource (ResourceArns defaults to "*"), with EvalDecision
  `allowed`, `explicitDeny` or `implicitDeny`; MatchedStatements: the statements that decided (the Deny
  statements of an explicit deny, the Allow statements of an allow, none for an implicit deny), each with
  its policy's id and type and its position in the policy text; MissingContextValues: condition keys the
  relevant statements test that ContextEntries did not give (such a condition is then false, unless it is
  ...IfExists or Null, as on a real request).
- "The simulation does not automatically retrieve policies for the specified resources": only
  ResourcePolicy, when given, is the resource-based policy; ResourceOwner names its account (another account
  makes it a cross-account evaluation); CallerArn (an IAM user) is the principal a resource policy is
  matched against, required with ResourcePolicy unless PolicySourceArn is a user.
- PermissionsBoundaryPolicyInputList replaces the entity's own boundary; PolicyInputList adds identity
  policies (SimulatePrincipalPolicy) or is all of them (SimulateCustomPolicy).
- Context keys come only from ContextEntries, plus the simulated caller's own keys (aws:username,
  aws:userid, aws:PrincipalArn, ... of a user or role source), which policy variables use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from localcloud.iam.conditions import Context
from localcloud.iam.evaluator import Subject, evaluate
from localcloud.iam.policy import Caller, Policy, Statement, compile_policy


class SimulationInputError(ValueError):
    """An input IAM refuses (InvalidInput)."""


def _validated(document: str, *, resource_based: bool = False) -> None:
    from localcloud.iam.validation import InvalidPolicy, validate_policy

    try:
        validate_policy(document, resource_based=resource_based)
    except InvalidPolicy as exc:
        raise SimulationInputError(f"The policy document is malformed: {exc}") from None


class NoSuchEntity(LookupError):
    """PolicySourceArn names no user, group or role."""


@dataclass
class Result:
    action: str
    resource: str
    decision: str  # allowed | explicitDeny | implicitDeny
    matched: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    boundary_allowed: bool | None = None  # None: no permissions boundary in the simulation


def context_from_entries(entries: list[dict[str, Any]] | None) -> Context:
    context: Context = {}
    for entry in entries or []:
        name = str(entry.get("ContextKeyName", "")).lower()
        if name:
            values = entry.get("ContextKeyValues") or []
            context[name] = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
    return context


def _input_policies(documents: list[str] | None, label: str, kind: str) -> list[Policy]:
    policies = []
    for number, document in enumerate(documents or [], start=1):
        _validated(document)
        policies.append(compile_policy(document, f"{label}.{number}", kind, f"{label}.{number}", "none"))
    return policies


def _boundary_of(policies: list[Policy]) -> Policy | None:
    if not policies:
        return None
    statements = [s for p in policies for s in p.statements]
    return Policy(policies[0].name, "boundary", policies[0].version, statements, policies[0].source_id, "none",
                  any(p.reads_resource_tags for p in policies), any(p.reads_dynamodb_keys for p in policies))


def _relevant(policy: Policy, statement: Statement, action: str, resource: str, caller: Caller | None,
              context: Context) -> bool:
    return statement.matches_action(action) and statement.matches_resource(resource, context, policy.version) \
        and statement.matches_principal(caller)


def _applies(policy: Policy, statement: Statement, action: str, resource: str, caller: Caller | None,
             context: Context) -> bool:
    return statement.applies(action, resource, caller, context, policy.version)


def _reference(policy: Policy, statement: Statement) -> dict[str, Any]:
    # IAM answers "IAM Policy" as the type of an identity-based policy (inline or managed, of a user, group or
    # role), outside the documented enum, as recorded against AWS (LocalStack's test_iam.snapshot.json).
    source_type = "resource" if policy.kind == "resource" else "IAM Policy"
    reference: dict[str, Any] = {"SourcePolicyId": policy.source_id or policy.name, "SourcePolicyType": source_type}
    if statement.span:
        (line, column), (end_line, end_column) = statement.span
        reference["StartPosition"] = {"Line": line, "Column": column}
        reference["EndPosition"] = {"Line": end_line, "Column": end_column}
    return reference


def simulate_one(subject: Subject, action: str, resource: str, context: Context,
                 resource_policy: Policy | None, resource_owner: str | None) -> Result:
    caller = subject.caller
    account_caller = Caller(caller.names | {caller.account, f"arn:aws:iam::{caller.account}:root"}, caller.account)
    decision = evaluate(subject, action, resource, context, resource_policy, resource_account=resource_owner)
    scoped: list[tuple[Policy, Caller | None]] = [(p, caller) for p in subject.identity]
    scoped += [(p, caller) for p in (subject.boundary, subject.session) if p is not None]
    if resource_policy is not None:
        scoped.append((resource_policy, account_caller))
    if decision.explicit:
        verdict, effect = "explicitDeny", "Deny"
    elif decision.allowed:
        verdict, effect = "allowed", "Allow"
    else:
        verdict, effect = "implicitDeny", ""
    matched = [_reference(p, s) for p, who in scoped if p.kind in ("identity", "resource") or effect == "Deny"
               for s in p.statements if effect and s.effect == effect and _applies(p, s, action, resource, who, context)]
    missing: list[str] = []
    for policy, who in scoped:
        for statement in policy.statements:
            if not _relevant(policy, statement, action, resource, who, context):
                continue
            for condition in statement.conditions:
                if condition.key not in context and condition.name not in missing:
                    missing.append(condition.name)
    boundary_allowed = None
    if subject.boundary is not None:
        boundary_allowed = any(_applies(subject.boundary, s, action, resource, caller, context)
                               for s in subject.boundary.statements if s.effect == "Allow") and not any(
            _applies(subject.boundary, s, action, resource, caller, context)
            for s in subject.boundary.statements if s.effect == "Deny")
    return Result(action, resource, verdict, matched, missing, boundary_allowed)


def _owner(resource_owner: str | None) -> str | None:
    if not resource_owner:
        return None
    parts = str(resource_owner).split(":")
    return parts[4] if len(parts) >= 5 else str(resource_owner)


def simulate(subject: Subject, actions: list[str], resources: list[str] | None, context: Context,
             resource_policy: str | None, resource_owner: str | None) -> list[Result]:
    if not actions:
        raise SimulationInputError("ActionNames must name at least one action.")
    compiled = None
    if resource_policy:
        _validated(resource_policy, resource_based=True)
        compiled = compile_policy(resource_policy, "ResourcePolicy", "resource", "ResourcePolicy", "resource")
    owner = _owner(resource_owner)
    return [simulate_one(subject, action, resource, {**subject.context, **context}, compiled, owner)
            for action in actions for resource in (resources or ["*"])]


def _caller(caller_arn: str | None, fallback: Subject | None, account: str, needs_caller: bool) -> Subject:
    """The principal a ResourcePolicy is matched against: CallerArn (an IAM user), else the source user."""
    from localcloud.iam import principals

    if caller_arn:
        if ":user/" not in caller_arn:
            raise SimulationInputError("CallerArn must be the ARN of an IAM user; an assumed role, federated user or "
                                       "service principal cannot be simulated as the caller.")
        user = principals.user_by_arn(caller_arn)
        names = {caller_arn}
        context = {"aws:principalarn": [caller_arn], "aws:principalaccount": [account],
                   "aws:username": [caller_arn.rsplit("/", 1)[-1]], "aws:principaltype": ["User"]}
        if user is not None:
            context["aws:userid"] = [user.id]
        return Subject(Caller(frozenset(names), caller_arn.split(":")[4] or account), context=context, arn=caller_arn)
    if fallback is not None and ":user/" in fallback.arn:
        return fallback
    if needs_caller:
        raise SimulationInputError("CallerArn is required when ResourcePolicy is given and PolicySourceArn is not "
                                   "an IAM user: the resource policy's Principal needs a caller to match.")
    return fallback or Subject(Caller(frozenset(), account))


def principal_policy(params: dict[str, Any], account: str) -> list[Result]:
    """SimulatePrincipalPolicy: the policies of PolicySourceArn (a user with its groups' policies, a group, a
    role with its boundary), plus PolicyInputList."""
    from localcloud.iam import principals

    source = str(params.get("PolicySourceArn") or "")
    entity = principals.entity_subject(source)
    if entity is None:
        raise NoSuchEntity(f"The entity {source} does not exist or is not a user, group or role.")
    identity = list(entity.identity) + _input_policies(params.get("PolicyInputList"), "PolicyInputList", "identity")
    boundaries = _input_policies(params.get("PermissionsBoundaryPolicyInputList"),
                                 "PermissionsBoundaryPolicyInputList", "boundary")
    boundary = _boundary_of(boundaries) if boundaries else entity.boundary
    caller = _caller(params.get("CallerArn"), entity if ":group/" not in source else None, account,
                     bool(params.get("ResourcePolicy")))
    subject = Subject(caller.caller if caller.caller.names else entity.caller, identity, boundary,
                      context={**entity.context, **caller.context}, holder=entity.holder,
                      arn=caller.arn or entity.arn)
    return simulate(subject, params.get("ActionNames") or [], params.get("ResourceArns"),
                    context_from_entries(params.get("ContextEntries")), params.get("ResourcePolicy"),
                    params.get("ResourceOwner"))


def custom_policy(params: dict[str, Any], account: str) -> list[Result]:
    """SimulateCustomPolicy: only the given policies; the caller only when CallerArn is given."""
    identity = _input_policies(params.get("PolicyInputList"), "PolicyInputList", "identity")
    if not identity:
        raise SimulationInputError("PolicyInputList must hold at least one policy document.")
    boundaries = _input_policies(params.get("PermissionsBoundaryPolicyInputList"),
                                 "PermissionsBoundaryPolicyInputList", "boundary")
    caller = _caller(params.get("CallerArn"), None, account, bool(params.get("ResourcePolicy")))
    subject = Subject(caller.caller, identity, _boundary_of(boundaries), context=caller.context, arn=caller.arn)
    return simulate(subject, params.get("ActionNames") or [], params.get("ResourceArns"),
                    context_from_entries(params.get("ContextEntries")), params.get("ResourcePolicy"),
                    params.get("ResourceOwner"))


def as_response(results: list[Result]) -> dict[str, Any]:
    """The SimulatePolicyResponse shape (IAM API Reference, EvaluationResult)."""
    evaluation = []
    for r in results:
        # EvalDecisionDetails {} and AllowedByOrganizations true (no SCPs here) are in every answer AWS gives.
        entry: dict[str, Any] = {"EvalActionName": r.action, "EvalResourceName": r.resource,
                                 "EvalDecision": r.decision, "EvalDecisionDetails": {}, "MatchedStatements": r.matched,
                                 "MissingContextValues": r.missing,
                                 "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
                                 "ResourceSpecificResults": [{"EvalResourceName": r.resource,
                                                              "EvalResourceDecision": r.decision,
                                                              "MatchedStatements": r.matched,
                                                              "MissingContextValues": r.missing}]}
        if r.boundary_allowed is not None:
            detail = {"AllowedByPermissionsBoundary": r.boundary_allowed}
            entry["PermissionsBoundaryDecisionDetail"] = detail
            entry["ResourceSpecificResults"][0]["PermissionsBoundaryDecisionDetail"] = detail
        evaluation.append(entry)
    return {"EvaluationResults": evaluation, "IsTruncated": False}
