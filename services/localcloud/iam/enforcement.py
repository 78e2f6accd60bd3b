"""The one hook into the request path: decide a signed API request before it is journaled or answered.

LOCALCLOUD_IAM=enforce (default) answers a denied call with the service's own AccessDenied error;
`report` lets it through and records it; `off` evaluates nothing. Requests signed with the local default
keys (`test`) are the account's root user and are not evaluated (principals.py), so Terraform, the CLI and
the developer's scripts keep full access; only calls signed by an assumed role or an IAM user are.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from localcloud.hermetic import LOCAL_ACCESS_KEY_ID
from localcloud.iam import missing_objects, principals, report, trust
from localcloud.iam.actions import map_request, prefix_of
from localcloud.iam.context import request_context
from localcloud.iam.evaluator import Decision, Subject, evaluate
from localcloud.iam.messages import access_denied
from localcloud.iam.resource_policies import (
    TRUST_POLICY_ACTIONS,
    policy_for,
    resource_account,
    resource_policy_required,
)
from localcloud.iam.resource_tags import TAG_MARKERS, LazyContext, TaggedContext, tags_of
from localcloud.server.errors import aws_error
from localcloud.server.readiness import NotReady
from localcloud.server.requests import credential_scope, read_body

log = logging.getLogger("localcloud.iam")

Response = tuple[int, list[tuple[str, str]], bytes]


class Mode(enum.Enum):
    ENFORCE = "enforce"
    REPORT = "report"
    OFF = "off"


def current_mode() -> Mode:
    raw = os.environ.get("LOCALCLOUD_IAM", "").strip().lower() or "enforce"
    try:
        return Mode(raw)
    except ValueError:
        raise ValueError(f"LOCALCLOUD_IAM={raw!r} is not a mode; set it to enforce, report or off") from None


_mode = current_mode()  # read once: a typo fails the server's start, not its first request
_timing = {"evaluated": 0, "seconds": 0.0}


def mode() -> Mode:
    """The mode this server runs in (read once at start)."""
    return _mode

# (HTTP status, error code) AWS answers an unauthorized call with, per service (each service's API
# reference, "Common Errors" / the operation's errors); default: 403 AccessDeniedException.
_ERRORS = {"s3": (403, "AccessDenied"), "sqs": (403, "AccessDenied"), "sns": (403, "AuthorizationError"),
           "sts": (403, "AccessDenied"), "rds": (403, "AccessDenied"), "iam": (403, "AccessDenied"),
           "dynamodb": (400, "AccessDeniedException"), "kinesis": (400, "AccessDeniedException"),
           "kms": (400, "AccessDeniedException"), "secretsmanager": (400, "AccessDeniedException"),
           "logs": (400, "AccessDeniedException"), "states": (400, "AccessDeniedException"),
           "events": (400, "AccessDeniedException"), "glue": (400, "AccessDeniedException"),
           "athena": (400, "AccessDeniedException"), "ssm": (400, "AccessDeniedException")}


def health() -> dict[str, object]:
    evaluated = _timing["evaluated"]
    mean_ms = round(_timing["seconds"] / evaluated * 1000, 4) if evaluated else 0.0
    return {"iam": {"mode": _mode.value, "evaluated": evaluated, "mean_ms": mean_ms}}


def _fix(subject: Subject, action: str, resource: str, decision: Decision, prefix: str) -> tuple[str, dict, str]:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    if decision.explicit:
        where = f"statement {decision.sid!r} of " if decision.sid else ""
        fix = (f"an explicit Deny ({where}{decision.deciding_policy}) decides; no Allow overrides it: remove or "
               "narrow that Deny")
        return fix, {}, ""
    if "permissions boundary" in decision.reason:
        place = f"the permissions boundary {decision.deciding_policy}"
    elif "session policy" in decision.reason:
        place = f"the session policy passed to AssumeRole ({decision.deciding_policy})"
    elif "resource-based policy" in decision.reason and action in TRUST_POLICY_ACTIONS:
        principal = subject.context.get("aws:principalarn", [subject.arn])[0]
        kind = "Federated" if action == "sts:AssumeRoleWithWebIdentity" else "AWS"
        statement = {"Effect": "Allow", "Principal": {kind: principal}, "Action": action}  # no Resource in trust
        place = f"the trust policy (AssumeRolePolicyDocument) of {resource}"
    elif "resource-based policy" in decision.reason:
        principal = subject.context.get("aws:principalarn", [subject.arn])[0]
        statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": action, "Resource": "*"}
        place = f"the {'key' if prefix == 'kms' else 'resource'} policy of {resource}"
    else:
        place = f"an identity-based policy of {subject.holder}"
    return f"add this statement to {place}", statement, place


def _tell_function(access_key: str, line: str) -> None:
    """The function whose environment made the call gets the line in its own log (the runtime knows which
    environment holds which session keys)."""
    try:
        from localcloud.runtime.service import note_for_caller

        note_for_caller(access_key, line)
    except Exception:
        log.debug("could not write the IAM line to a function log", exc_info=True)


def _denied(service: str, subject: Subject, action: str, resource: str, decision: Decision, prefix: str,
            operation: str, access_key: str, named: str | None = None) -> Response | None:
    fix, statement, place = _fix(subject, action, resource, decision, prefix)
    deciding = f": {decision.deciding_policy}" if decision.explicit and decision.deciding_policy.startswith("arn:") \
        else ""
    message = trust.denial_message(action, subject.arn, resource) or \
        access_denied(prefix, subject.arn, action, resource, decision.reason, named) + deciding
    if action in TRUST_POLICY_ACTIONS:
        fix = f"{decision.reason.removeprefix('because ')}: {fix}"
    hint = f"{fix}: {json.dumps(statement)}" if statement else fix
    enforced = _mode is Mode.ENFORCE
    denial = report.Denial(subject.arn, action, resource, decision.reason, decision.deciding_policy, fix,
                           statement, place, enforced, operation, message=message)
    report.denied(denial)
    log.warning("IAM %s: %s (%s)", "denied" if enforced else "would deny", message, hint)
    _tell_function(access_key, denial.line)  # the same line as the report's and the delivery trace's
    if not enforced:
        return None
    status, code = _ERRORS.get(prefix, (403, "AccessDeniedException"))
    return aws_error(service, status, code, f"{message} (localcloud: {hint})")


Described = tuple[str, "str | None", bytes, str]  # (moto service, operation, body, region)


def check(environ: dict[str, Any], describe: Callable[[dict[str, Any]], Described],
          wait_ready: Callable[[str], None], account: str) -> Response | None:
    """None to go on with the request; an AWS error response when IAM denies it (enforce mode).

    `describe` names the request's service and operation; it is called only for requests that are
    evaluated, so the root's requests pay for one header read."""
    if _mode is Mode.OFF:
        return None
    scope = credential_scope(environ)
    if scope is None:
        # Unsigned (browser pages, health), except STS AssumeRoleWithWebIdentity: its trust policy decides.
        if environ.get("REQUEST_METHOD") not in ("POST", "GET") or "wsgi.input" not in environ:
            return None
        body = read_body(environ) if environ.get("REQUEST_METHOD") == "POST" else b""
        if not trust.is_web_identity_request(environ, body):
            return None
        params = trust.web_identity_params(environ, body)
        role_account = str(params.get("RoleArn", "")).split(":")[4:5] or [account]
        subject = trust.web_identity_subject(params, role_account[0] or account)
        access_key = ""
    elif scope[0] == LOCAL_ACCESS_KEY_ID and scope[2] != "sts":
        return None  # the local root keys: not evaluated (their AssumeRole calls are: the trust policy decides)
    else:
        subject, access_key = None, scope[0]
    try:
        return _check(environ, access_key, describe, wait_ready, account, subject)
    except NotReady as exc:
        return aws_error("unknown", 503, "ServiceUnavailable", str(exc))
    except Exception as exc:  # a policy AWS would have refused at Put*Policy, or a bug: fail closed, say so
        log.exception("IAM evaluation failed for %s", environ.get("PATH_INFO"))
        return aws_error("unknown", 400, "InternalFailure",
                         f"localcloud could not evaluate IAM for this request ({type(exc).__name__}: {exc}). Nothing "
                         "was changed. A malformed policy on the caller or the resource is the usual cause (AWS "
                         "refuses those when they are put); see the local cloud log.")


def _check(environ: dict[str, Any], access_key: str, describe: Callable[[dict[str, Any]], Described],
           wait_ready: Callable[[str], None], account: str, subject: Subject | None = None) -> Response | None:
    started = time.perf_counter()
    wait_ready("sts")
    wait_ready("iam")
    subject = subject or principals.subject_for(access_key, account)
    if subject.invalid_key:
        return _invalid_key(environ, describe)
    if subject.root and credential_scope(environ)[2] != "sts":  # type: ignore[index]
        return None
    service, operation, body, region = describe(environ)
    wait_ready(service)
    mapped = map_request(service, operation, environ, body, region, subject.caller.account)
    prefix = prefix_of(service)
    if subject.root and (mapped.accesses is None or not any(a.action in TRUST_POLICY_ACTIONS
                                                                for a in mapped.accesses)):
        return None  # the root user's other STS calls (GetCallerIdentity, GetSessionToken) need no policy
    if mapped.accesses is None:
        if report.unmapped(prefix, mapped.operation):
            log.warning("IAM: %s:%s has no action mapping in localcloud yet; allowed without evaluation "
                        "(see `localcloud iam report`)", prefix, mapped.operation)
        return None
    context = request_context(environ, region, subject.context, subject.caller.account)
    subject_reads_tags = _reads_resource_tags(subject)
    subject_reads_dynamodb = _reads_dynamodb_keys(subject)
    try:
        for access in mapped.accesses:
            access_context = {**context, **access.context} if access.context else context
            for resource in access.resources:
                policy = policy_for(prefix, resource, region, subject.caller.account)
                resource_context, owner = access_context, resource_account(resource)
                if owner and owner != subject.caller.account:
                    resource_context = {**access_context, "aws:resourceaccount": [owner]}
                # keys that cost a state lookup are computed only when a policy in play tests them
                loaders: list = []
                if subject_reads_tags or (policy is not None and policy.reads_resource_tags):
                    loaders.append((TAG_MARKERS, lambda r=resource: tags_of(prefix, r, region, subject.caller.account)))
                if access.lazy_context is not None and subject_reads_dynamodb:
                    loaders.append((("dynamodb:",), access.lazy_context))
                if loaders:
                    resource_context = LazyContext(resource_context, loaders)
                decision = evaluate(subject, access.action, resource, resource_context, policy,
                                    key_policy_required=resource_policy_required(prefix, access.action, policy),
                                    resource_account=owner)
                if not decision.allowed:
                    return _denied(service, subject, access.action, resource, decision, prefix, mapped.operation,
                                   access_key, access.named)
        if prefix == "s3" and mapped.operation in missing_objects.READS:
            refused = _missing_key_refusal(subject, mapped, context, region)
            if refused is not None:
                return refused
        report.count("allowed")
        return None
    finally:
        _timing["evaluated"] += 1
        _timing["seconds"] += time.perf_counter() - started


def _reads_resource_tags(subject: Subject) -> bool:
    """Whether any of the caller's policies tests a resource tag (then the resource's tags are read)."""
    return any(p.reads_resource_tags for p in subject.identity) or any(
        p is not None and p.reads_resource_tags for p in (subject.boundary, subject.session))


def _reads_dynamodb_keys(subject: Subject) -> bool:
    return any(p.reads_dynamodb_keys for p in subject.identity) or any(
        p is not None and p.reads_dynamodb_keys for p in (subject.boundary, subject.session))


def _missing_key_refusal(subject: Subject, mapped: Any, context: dict[str, list[str]], region: str) -> Response | None:
    """S3 answers a read of a missing key 403 AccessDenied to a caller without s3:ListBucket (missing_objects.py)."""
    account = subject.caller.account
    resource = mapped.accesses[0].resources[0]

    def decide(action: str, bucket_arn: str) -> Decision:
        policy = policy_for("s3", bucket_arn, region, account)
        return evaluate(subject, action, bucket_arn, TaggedContext(context, lambda: tags_of("s3", bucket_arn, region,
                                                                                           account)), policy)

    bucket_arn = missing_objects.refused_listing(mapped.operation, resource, account, decide)
    if bucket_arn is None:
        return None
    hint = (f"the key does not exist and {subject.arn} may not s3:ListBucket on {bucket_arn}, so S3 says Access "
            "Denied rather than NoSuchKey; allow s3:ListBucket on the bucket to get NoSuchKey")
    log.info("IAM: %s", hint)
    return aws_error("s3", 403, "AccessDenied", f"Access Denied (localcloud: {hint})")


def _invalid_key(environ: dict[str, Any], describe: Callable[[dict[str, Any]], Described]) -> Response:
    """A deleted or inactive IAM user key, refused before any policy as each protocol refuses it (S3
    InvalidAccessKeyId; query protocols InvalidClientTokenId; JSON protocols UnrecognizedClientException)."""
    service = describe(environ)[0]
    if service == "s3":
        return aws_error(service, 403, "InvalidAccessKeyId",
                         "The AWS Access Key Id you provided does not exist in our records.")
    if prefix_of(service) in ("sts", "iam", "sns", "rds"):
        return aws_error(service, 403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    status = 403 if prefix_of(service) == "lambda" else 400
    return aws_error(service, status, "UnrecognizedClientException",
                     "The security token included in the request is invalid.")


def authorize_role(role_arn: str, session_name: str, action: str, resource: str, region: str,
                   operation: str = "target delivery") -> str | None:
    """For calls a service makes in-process as a role the user gave it (EventBridge and Scheduler targets'
    RoleArn, API Gateway integration credentials): None when allowed (or not enforced); else the IAM line
    (report.line: AWS's AccessDenied text and the statement to add), after recording it. `operation` says
    what was being done, for the report ("EventBridge rule r -> target")."""
    if _mode is Mode.OFF:
        return None
    return _decide(principals.role_session(role_arn, session_name), action, resource, region, operation)


def authorize_caller(access_key: str, account: str, action: str, resource: str, region: str, operation: str,
                     extra_context: dict[str, list[str]] | None = None) -> str | None:
    """For what a service does in-process on its caller's behalf (Athena reading Glue and S3, writing the
    results): the principal that signed the original request, evaluated for `action` on `resource`. None
    when allowed, the caller is the root or IAM is not enforced; else the IAM line, after recording it."""
    if _mode is Mode.OFF or not access_key or access_key == LOCAL_ACCESS_KEY_ID:
        return None
    subject = principals.subject_for(access_key, account)
    if subject.root:
        return None
    return _decide(subject, action, resource, region, operation, extra_context)


def _decide(subject: Subject, action: str, resource: str, region: str, operation: str,
            extra_context: dict[str, list[str]] | None = None) -> str | None:
    prefix = action.split(":", 1)[0]
    context = {**request_context({}, region, subject.context, subject.caller.account), **(extra_context or {})}
    policy = policy_for(prefix, resource, region, subject.caller.account)
    decision = evaluate(subject, action, resource, context, policy,
                        key_policy_required=resource_policy_required(prefix, action, policy),
                        resource_account=resource_account(resource))
    if decision.allowed:
        report.count("allowed")
        return None
    fix, statement, place = _fix(subject, action, resource, decision, prefix)
    on = f" on resource: {resource}" if resource != "*" else ""
    message = f"User: {subject.arn} is not authorized to perform: {action}{on} {decision.reason}"
    enforced = _mode is Mode.ENFORCE
    denial = report.Denial(subject.arn, action, resource, decision.reason, decision.deciding_policy, fix,
                           statement, place, enforced, operation, message=message)
    report.denied(denial)
    log.warning("IAM %s: %s", "denied" if enforced else "would deny", denial.line)
    return denial.line if enforced else None


def missing_actions(role_arn: str, session_name: str, actions: list[str], resource: str, region: str) -> list[str]:
    """Which of `actions` the role may not perform on `resource` (recorded like any denial); [] when all are
    allowed or IAM is not enforced (report mode records them and answers [])."""
    denied = [a for a in actions if authorize_role(role_arn, session_name, a, resource, region) is not None]
    return denied if _mode is Mode.ENFORCE else []
