"""Who signed a request, from the access key in its SigV4 credential scope.

- An assumed-role session's key (what the Lambda runtime hands each environment, from STS AssumeRole of
  the function's execution role): the session `arn:aws:sts::<account>:assumed-role/<role>/<session>`,
  evaluated with the role's inline and attached managed policies, its permissions boundary and the
  session policy given to AssumeRole.
- An IAM user's access key (iam create-access-key): that user, with its own and its groups' policies.
- Any other key — the local default `test`/`test`, Terraform's, the CLI's — is the account's root user, as
  it always was here, so `make up`, Terraform and the developer's own scripts keep full access.

The IAM state is moto's and is read on every request, so a policy put, attached or detached counts from
the next request on; what is cached is what cannot change: which session or user an access key is, and
each policy text's compiled form (policy.py).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from localcloud.iam.evaluator import Subject
from localcloud.iam.policy import Caller, Policy, compile_policy

_holders: dict[tuple[str, str], Any] = {}  # (access key, account) -> an STS session, an IAM user, or None
_roles: dict[str, Any] = {}  # role ARN -> moto's Role, checked against the backend on each use


def root(account: str) -> Subject:
    arn = f"arn:aws:iam::{account}:root"
    return Subject(Caller(frozenset({arn, account}), account), root=True, arn=arn,
                   context={"aws:principalarn": [arn], "aws:principalaccount": [account],
                            "aws:principaltype": ["Account"], "aws:userid": [account]})


def _partition_backend(backends: Any, account: str) -> Any:
    per_account = backends[account]
    for key in ("aws", "global"):
        try:
            return per_account[key]
        except KeyError:
            continue
    return None


def _managed_policy(policy: Any, kind: str = "identity") -> Policy:
    version = next((v for v in policy.versions if v.version_id == policy.default_version_id), policy.versions[0])
    # The simulator names a managed policy by its name and says whose it is (IAM API Reference, Statement).
    owner = "aws-managed" if policy.arn.startswith("arn:aws:iam::aws:") else "user-managed"
    return compile_policy(version.document, policy.arn, kind, policy.name, owner)


def _identity_policies(holder: Any, kind: str) -> list[Policy]:
    policies = [compile_policy(document, f"inline policy {name} of {kind} {holder.name}", "identity", name, kind)
                for name, document in holder.policies.items()]
    policies += [_managed_policy(p) for p in holder.managed_policies.values()]
    return policies


def _session_policies(iam: Any, session: Any) -> Policy | None:
    """The inline session policy and the managed session policies (PolicyArns) together: a call is within
    the session when one of them allows it; each one's Deny denies (STS AssumeRole, "Session policies")."""
    policies = []
    if session.policy:
        policies.append(compile_policy(session.policy, f"session policy of {session.arn}", "session"))
    for arn in getattr(session, "policy_arns", None) or []:
        try:
            policies.append(_managed_policy(iam.get_policy(arn), "session"))
        except Exception:  # noqa: BLE001  AssumeRole names a policy that is gone: it allows nothing
            policies.append(Policy(arn, "session", "2012-10-17", []))
    if not policies:
        return None
    if len(policies) == 1:
        return policies[0]
    statements = [statement for policy in policies for statement in policy.statements]
    version = "2012-10-17" if any(p.version == "2012-10-17" for p in policies) else policies[0].version
    return Policy(f"session policies of {session.arn}", "session", version, statements,
                  reads_resource_tags=any(p.reads_resource_tags for p in policies),
                  reads_dynamodb_keys=any(p.reads_dynamodb_keys for p in policies))


def _boundary(iam: Any, arn: str | None) -> Policy | None:
    if not arn:
        return None
    try:
        policy = iam.get_policy(arn)
    except Exception:  # noqa: BLE001  a boundary naming a policy that is gone allows nothing
        return Policy(arn, "boundary", "2012-10-17", [])
    return _managed_policy(policy, "boundary")  # compiled once as a boundary, not rebuilt per request


def _tags(raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):
        return {k: (v.get("Value", "") if isinstance(v, dict) else str(v)) for k, v in raw.items()}
    return {t.get("Key", ""): t.get("Value", "") for t in raw or [] if isinstance(t, dict)}


def _session_subject(account: str, session: Any) -> Subject:
    from localcloud.moto_adapter import iam_backends

    iam = _partition_backend(iam_backends, account)
    role_arn = session.role_arn
    role_name = role_arn.split("/")[-1]
    names = {session.arn, role_arn}
    identity: list[Policy] = []
    boundary = None
    tags: dict[str, str] = {}
    role_id = "AROA"
    role = _role(iam, role_arn)
    if role is not None:
        identity = _identity_policies(role, "role")
        boundary = _boundary(iam, role.permissions_boundary_arn)
        tags = _tags(role.tags)
        role_id = role.id
    session_policy = _session_policies(iam, session)
    tags.update(getattr(session, "session_tags", None) or {})  # a session tag wins over the role's own tag
    # Temporary credentials carry aws:TokenIssueTime and aws:MultiFactorAuthPresent (false: no MFA here);
    # long-term user keys carry neither ("AWS global condition context keys").
    context = {
        "aws:principalarn": [role_arn], "aws:principalaccount": [account], "aws:principaltype": ["AssumedRole"],
        "aws:userid": [f"{role_id}:{session.session_name}"], "aws:rolesessionname": [session.session_name],
        "aws:tokenissuetime": [_issue_time(session)],
        "aws:multifactorauthpresent": ["false"], "aws:principalisawsservice": ["false"],
        **{f"aws:principaltag/{k.lower()}": [v] for k, v in tags.items()},
    }
    return Subject(Caller(frozenset(names), account), identity, boundary, session_policy, context=context,
                   holder=f"role {role_name}", arn=session.arn)


def _issue_time(session: Any) -> str:
    """aws:TokenIssueTime, formatted once per session."""
    text = getattr(session, "issued_at_text", None)
    if text is None:
        issued = getattr(session, "issued_at", None) or time.time()
        text = datetime.fromtimestamp(issued, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            session.issued_at_text = text
        except AttributeError:
            pass
    return text


def _user_subject(account: str, iam: Any, user: Any) -> Subject:
    identity = _identity_policies(user, "user")
    for group in getattr(iam, "groups", {}).values():
        if user in getattr(group, "users", []):
            identity += _identity_policies(group, "group")
    boundary = _boundary(iam, getattr(user, "permissions_boundary_arn", None))  # moto_patches/iam.py sets it
    context = {
        "aws:principalarn": [user.arn], "aws:principalaccount": [account], "aws:principaltype": ["User"],
        "aws:userid": [user.id], "aws:username": [user.name], "aws:principalisawsservice": ["false"],
        **{f"aws:principaltag/{k.lower()}": [v] for k, v in _tags(user.tags).items()},
    }
    return Subject(Caller(frozenset({user.arn}), account), identity, boundary, context=context,
                   holder=f"user {user.name}", arn=user.arn)


def role_by_arn(arn: str) -> Any:
    """moto's Role for `arn`, or None."""
    from localcloud.moto_adapter import iam_backends

    parts = arn.split(":")
    if len(parts) < 6:
        return None
    try:
        iam = _partition_backend(iam_backends, parts[4])
    except Exception:  # noqa: BLE001  an account with no IAM state has no roles
        return None
    return _role(iam, arn) if iam is not None else None


def _role(iam: Any, arn: str) -> Any:
    role = _roles.get(arn)
    if role is not None and iam.roles.get(role.id) is role:
        return role
    try:
        role = iam.get_role_by_arn(arn=arn)
    except Exception:  # noqa: BLE001  the role was deleted: the session keeps no permissions
        return None
    _roles[arn] = role
    return role


def _holder(access_key: str, account: str) -> Any:
    from localcloud.moto_adapter import iam_backends, sts_backends

    sts = _partition_backend(sts_backends, account)
    session = sts.get_assumed_role_from_access_key(access_key) if sts is not None else None
    if session is not None:
        return session
    iam = _partition_backend(iam_backends, account)
    if iam is not None:
        return iam.get_user_from_access_key_id(access_key)
    return None


def subject_for(access_key: str, account: str) -> Subject:
    """The subject for a request signed with `access_key`; moto routes it to `account`."""
    from localcloud.moto_adapter import iam_backends

    key = (access_key, account)
    if key in _revoked:
        return _invalid(account)
    holder = _holders.get(key)
    if holder is None:
        holder = _holder(access_key, account)
        if holder is None:
            return root(account)  # not cached: the key may become a user's or a session's later
        _holders[key] = holder
    if hasattr(holder, "role_arn") and hasattr(holder, "session_name"):
        return _session_subject(holder.account_id, holder)
    iam = _partition_backend(iam_backends, account)
    if iam.get_user_from_access_key_id(access_key) is not holder:
        _holders.pop(key, None)  # the key or its user was deleted: AWS no longer knows the key
        if iam.get_user_from_access_key_id(access_key) is None:
            _revoked.add(key)
            return _invalid(account)
        return subject_for(access_key, account)
    if any(k.access_key_id == access_key and k.status != "Active" for k in holder.access_keys):
        return _invalid(account)  # UpdateAccessKey Status=Inactive
    return _user_subject(account, iam, holder)


_revoked: set[tuple[str, str]] = set()  # keys that were an IAM user's until deleted (this run)


def _invalid(account: str) -> Subject:
    return Subject(Caller(frozenset(), account), invalid_key=True)


def role_session(role_arn: str, session_name: str) -> Subject:
    """The subject a service acting as `role_arn` is (EventBridge or Scheduler delivering to a target with
    its RoleArn), without minting keys: the role's policies, as a session of that role."""
    from types import SimpleNamespace

    account = role_arn.split(":")[4]
    session = SimpleNamespace(role_arn=role_arn, session_name=session_name, policy="", account_id=account,
                              arn=f"arn:aws:sts::{account}:assumed-role/{role_arn.split('/')[-1]}/{session_name}")
    return _session_subject(account, session)


def user_by_arn(arn: str) -> Any:
    """moto's User for a user ARN, or None."""
    from localcloud.moto_adapter import iam_backends

    parts = arn.split(":")
    if len(parts) < 6 or ":user/" not in arn:
        return None
    iam = _partition_backend(iam_backends, parts[4])
    user = iam.users.get(arn.rsplit("/", 1)[-1]) if iam is not None else None
    return user if user is not None and user.arn == arn else None


def entity_subject(arn: str) -> Subject | None:
    """The subject an IAM user, group or role ARN stands for in the policy simulator (SimulatePrincipalPolicy's
    PolicySourceArn): its identity-based policies and permissions boundary; None when there is no such entity."""
    from localcloud.moto_adapter import iam_backends

    parts = arn.split(":")
    if len(parts) < 6:
        return None
    account = parts[4]
    iam = _partition_backend(iam_backends, account)
    if iam is None:
        return None
    if ":user/" in arn:
        user = user_by_arn(arn)
        return _user_subject(account, iam, user) if user is not None else None
    if ":group/" in arn:
        group = getattr(iam, "groups", {}).get(arn.rsplit("/", 1)[-1])
        if group is None or group.arn != arn:
            return None
        return Subject(Caller(frozenset({arn}), account), _identity_policies(group, "group"), holder=f"group {group.name}",
                       arn=arn)
    if ":role/" in arn:
        role = role_by_arn(arn)
        if role is None:
            return None
        context = {"aws:principalarn": [arn], "aws:principalaccount": [account], "aws:principaltype": ["AssumedRole"],
                   **{f"aws:principaltag/{k.lower()}": [v] for k, v in _tags(role.tags).items()}}
        return Subject(Caller(frozenset({arn}), account), _identity_policies(role, "role"),
                       _boundary(iam, role.permissions_boundary_arn), context=context, holder=f"role {role.name}",
                       arn=arn)
    return None


def entity_path(kind: str, name: str, account: str) -> str | None:
    """The path of IAM user, group, role or instance profile `name` ("/" for most), None when there is none."""
    from localcloud.moto_adapter import iam_backends

    iam = _partition_backend(iam_backends, account)
    if iam is None:
        return None
    try:
        entity = {"role": iam.get_role, "user": iam.get_user, "group": iam.get_group,
                  "instance-profile": iam.get_instance_profile}[kind](name)
    except Exception:  # noqa: BLE001  no such entity: IAM answers NoSuchEntity itself
        return None
    return getattr(entity, "path", None) or "/"


def user_of_key(access_key: str, account: str) -> Any:
    """The IAM user an access key belongs to, or None."""
    from localcloud.moto_adapter import iam_backends

    iam = _partition_backend(iam_backends, account)
    return iam.get_user_from_access_key_id(access_key) if iam is not None else None
