"""AWS's policy evaluation logic for a request within one account.

IAM User Guide, "Policy evaluation logic" (reference_policies_evaluation-logic.html) and "Cross-account
policy evaluation logic" / "Determining whether a request is allowed or denied within an account":
1. An explicit Deny in any applicable policy (identity-based, resource-based, permissions boundary, session
   policy) denies. (No Organizations here: no SCPs or RCPs.)
2. A resource-based policy that allows the caller itself (an IAM user ARN or a role session ARN) allows
   within the account, whatever the identity-based policies and boundary say; one that allows the role ARN
   is still limited by the role's permissions boundary and session policy.
3. Otherwise an identity-based policy must allow, and so must the permissions boundary (when there is one)
   and the session policy (when there is one).
KMS key policies and IAM role trust policies are the exceptions ("they must explicitly allow access for
principals"; KMS Developer Guide, "Key policies in AWS KMS"): the resource's policy must allow, either the
caller directly or the account (the default key policy's `arn:aws:iam::<account>:root` statement, which
lets IAM policies grant access); without that, no identity-based policy can - not even the root user's.
Across accounts ("Cross-account policy evaluation logic") both sides must allow: the resource's policy
(naming the caller or its account) and the caller's identity-based policies within its boundary.
Each rule is a row of tests/unit/test_iam_fidelity.py naming the page it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from localcloud.iam.conditions import Context
from localcloud.iam.policy import Caller, Policy, Statement


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # "allowed by identity-based policy", "explicit deny in a resource-based policy", ...: AWS's own phrases
    reason: str
    deciding_policy: str = ""  # the policy that decided, when one did
    sid: str = ""
    explicit: bool = False


@dataclass
class Subject:
    """The policies that bear on one caller."""

    caller: Caller
    identity: list[Policy] = field(default_factory=list)
    boundary: Policy | None = None
    session: Policy | None = None
    root: bool = False  # the account's root user: identity-based policies don't apply to it
    context: dict[str, list[str]] = field(default_factory=dict)  # the principal's condition keys
    holder: str = "the account"  # "role R", "user U": who a statement to add belongs to
    arn: str = ""  # the caller's ARN as an AccessDenied message names it
    # The key was an IAM user's and is deleted or made Inactive: AWS refuses it before any policy is read
    # (InvalidClientTokenId / UnrecognizedClientException / S3 InvalidAccessKeyId).
    invalid_key: bool = False


_KIND_PHRASE = {"identity": "an identity-based policy", "resource": "a resource-based policy",
                "boundary": "a permissions boundary", "session": "a session policy"}


def _matching(policy: Policy, effect: str, action: str, resource: str, caller: Caller | None,
              context: Context) -> Statement | None:
    for statement in policy.statements:
        if statement.effect == effect and statement.applies(action, resource, caller, context, policy.version):
            return statement
    return None


def _account_names(account: str) -> frozenset[str]:
    return frozenset({account, f"arn:aws:iam::{account}:root"})


def evaluate(subject: Subject, action: str, resource: str, context: Context,
             resource_policy: Policy | None = None, *, key_policy_required: bool = False,
             resource_account: str | None = None) -> Decision:
    """AWS's decision for one action on one resource. `key_policy_required`: the resource's own policy must
    allow (KMS key policies, IAM role trust policies). `resource_account`: the account that owns the
    resource, when it is known to differ from the caller's (cross-account evaluation)."""
    caller = subject.caller
    # Identity-style policies have no Principal element; resource policies are matched against the caller.
    scoped: list[tuple[Policy, Caller | None]] = [(p, caller) for p in subject.identity]
    if subject.boundary:
        scoped.append((subject.boundary, caller))
    if subject.session:
        scoped.append((subject.session, caller))
    # A resource policy's Deny naming the account applies to every principal in it.
    account_caller = Caller(caller.names | _account_names(caller.account), caller.account, caller.service)
    if resource_policy:
        scoped.append((resource_policy, account_caller))

    # 1. explicit deny anywhere
    for policy, who in scoped:
        if subject.root and policy.kind != "resource":
            continue
        hit = _matching(policy, "Deny", action, resource, who, context)
        if hit is not None:
            return Decision(False, f"with an explicit deny in {_KIND_PHRASE[policy.kind]}", policy.name, hit.sid,
                            explicit=True)

    cross_account = bool(resource_account) and resource_account != caller.account and caller.service is None
    if subject.root and not key_policy_required and not cross_account:
        return Decision(True, "the account's root user")

    # 2. resource-based policy
    no_resource_grant = Decision(False, f"because no resource-based policy allows the {action} action")
    if cross_account:
        # "Cross-account policy evaluation logic": the resource's account must allow the principal (or its
        # account) in a resource-based policy AND the principal's account must allow it in identity-based
        # policies (within the boundary and session policy); either alone is not enough.
        grant = _matching(resource_policy, "Allow", action, resource, account_caller, context) \
            if resource_policy else None
        if grant is None:
            return no_resource_grant
        if subject.root:
            return Decision(True, "allowed by a resource-based policy", resource_policy.name, grant.sid)
        return _identity_decision(subject, action, resource, context)
    direct = _matching(resource_policy, "Allow", action, resource, caller, context) if resource_policy else None
    if direct is not None and not _names_only_account(direct, caller):
        names_role_only = caller.service is None and _names_role_not_session(direct, caller)
        if not names_role_only:
            return Decision(True, "allowed by a resource-based policy", resource_policy.name, direct.sid)
        limits = _limits(subject, action, resource, context)
        return limits or Decision(True, "allowed by a resource-based policy", resource_policy.name, direct.sid)
    if caller.service is not None:
        return no_resource_grant
    if key_policy_required:
        # KMS key policies and role trust policies must allow: naming the account delegates to the
        # identity-based policies, naming nobody leaves them powerless ("IAM role trust policies and KMS key
        # policies are exceptions ... they must explicitly allow access for principals").
        account_grant = (_matching(resource_policy, "Allow", action, resource, Caller(_account_names(caller.account),
                                                                                       caller.account), context)
                         if resource_policy else None)
        if account_grant is None:
            return no_resource_grant
        if subject.root:  # the root user's identity permissions are everything
            return Decision(True, "allowed by a resource-based policy", resource_policy.name, account_grant.sid)

    # 3. identity-based policies, then the boundary and session policy
    return _identity_decision(subject, action, resource, context)


def _identity_decision(subject: Subject, action: str, resource: str, context: Context) -> Decision:
    allow = next(((p, s) for p in subject.identity
                  if (s := _matching(p, "Allow", action, resource, subject.caller, context)) is not None), None)
    if allow is None:
        return Decision(False, f"because no identity-based policy allows the {action} action")
    limits = _limits(subject, action, resource, context)
    return limits or Decision(True, "allowed by an identity-based policy", allow[0].name, allow[1].sid)


def _limits(subject: Subject, action: str, resource: str, context: Context) -> Decision | None:
    """The implicit deny of a permissions boundary or session policy that does not allow, else None."""
    if subject.boundary and _matching(subject.boundary, "Allow", action, resource, subject.caller, context) is None:
        return Decision(False, f"because no permissions boundary allows the {action} action", subject.boundary.name)
    if subject.session and _matching(subject.session, "Allow", action, resource, subject.caller, context) is None:
        return Decision(False, f"because no session policy allows the {action} action", subject.session.name)
    return None


def _names_only_account(statement: Statement, caller: Caller) -> bool:
    """A statement whose Principal names the account (not '*', not the caller): within the account it
    delegates to identity-based policies rather than granting by itself."""
    if statement.principal is None:
        return False
    everyone, aws, services = statement.principal
    if everyone or (caller.service and caller.service in services):
        return False
    return not (aws & (caller.names - _account_names(caller.account)))


def _names_role_not_session(statement: Statement, caller: Caller) -> bool:
    if statement.principal is None:
        return False
    everyone, aws, _ = statement.principal
    if everyone:
        return False
    session = {n for n in caller.names if ":assumed-role/" in n}
    return bool(session) and not (aws & session)
