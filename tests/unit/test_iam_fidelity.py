"""The evaluator against AWS's documented decisions, one table row per documented behaviour.

Each row names the IAM User Guide section it comes from:
  EVAL      "Policy evaluation logic" / "Policy evaluation for requests within a single account"
            (reference_policies_evaluation-logic_policy-eval-basics.html), incl. its "Resource-based
            policies" table for IAM users, IAM roles and role sessions
  DENYALLOW "How AWS enforcement code logic evaluates requests to allow or deny access"
  CROSS     "Cross-account policy evaluation logic"
  BOUNDARY  "Permissions boundaries for IAM entities"
  SESSION   "Session policies" (access_policies.html#policies_session) and STS AssumeRole's Policy/PolicyArns
  TRUST     "IAM role trust policies and KMS key policies are exceptions ... they must explicitly allow"
            (DENYALLOW) and "Permissions for AssumeRole, AssumeRoleWithSAML, and AssumeRoleWithWebIdentity"
  ELEMENTS  "IAM JSON policy elements": Action, NotAction, Resource, NotResource, NotPrincipal
  VARS      "IAM policy elements: Variables and tags"
  COND      "IAM JSON policy elements: Condition operators"
  MULTI     "Single-valued vs. multivalued context keys"
"""

from __future__ import annotations

import json

import pytest
from localcloud.iam.conditions import compile_block
from localcloud.iam.evaluator import Subject, evaluate
from localcloud.iam.messages import access_denied
from localcloud.iam.policy import Caller, compile_policy
from localcloud.iam.positions import statement_spans
from localcloud.iam.request_tags import s3_tag_context, tag_context
from localcloud.iam.resource_tags import TaggedContext
from localcloud.iam.simulation import simulate
from localcloud.iam.trust import web_identity_subject

ACCOUNT = "123456789012"
OTHER = "999988887777"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/worker"
USER = f"arn:aws:iam::{ACCOUNT}:user/ana"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"
FOREIGN_QUEUE = f"arn:aws:sqs:us-east-1:{OTHER}:jobs"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
SEND = {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}
ONLY_S3 = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}


def _policy(kind, *statements, version="2012-10-17"):
    return compile_policy({"Version": version, "Statement": list(statements)}, f"test {kind}", kind)


def _granting(principal, action="sqs:SendMessage", effect="Allow", **extra):
    return _policy("resource", {"Effect": effect, "Principal": principal, "Action": action, "Resource": "*", **extra})


def session(*identity, boundary=None, session_policy=None, context=None):
    return Subject(Caller(frozenset({SESSION, ROLE}), ACCOUNT), [_policy("identity", s) for s in identity],
                   _policy("boundary", boundary) if boundary else None,
                   _policy("session", session_policy) if session_policy else None, context=context or {},
                   arn=SESSION)


def user(*identity, boundary=None):
    return Subject(Caller(frozenset({USER}), ACCOUNT), [_policy("identity", s) for s in identity],
                   _policy("boundary", boundary) if boundary else None, arn=USER)


def root():
    return Subject(Caller(frozenset({ROOT, ACCOUNT}), ACCOUNT), root=True, arn=ROOT)


ROWS = [
    # (source, what AWS documents, subject, action, resource, resource policy, options, allowed)
    ("DENYALLOW", "an explicit deny in an identity policy beats a resource policy naming the session",
     session(ALL, {"Effect": "Deny", "Action": "sqs:*", "Resource": "*"}), "sqs:SendMessage", QUEUE,
     _granting({"AWS": SESSION}), {}, False),
    ("DENYALLOW", "an explicit deny in the permissions boundary beats an identity allow",
     session(ALL, boundary={"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "*"}), "sqs:SendMessage",
     QUEUE, None, {}, False),
    ("DENYALLOW", "an explicit deny in the session policy beats an identity allow",
     session(ALL, session_policy={"Effect": "Deny", "Action": "sqs:*", "Resource": "*"}), "sqs:SendMessage",
     QUEUE, None, {}, False),
    ("DENYALLOW", "an explicit deny in the resource policy for everyone beats an identity allow",
     session(ALL), "sqs:SendMessage", QUEUE, _granting("*", effect="Deny"), {}, False),
    ("EVAL", "no policy allows: implicit deny", session(), "sqs:SendMessage", QUEUE, None, {}, False),
    ("EVAL", "an identity policy alone allows within the account", session(SEND), "sqs:SendMessage", QUEUE, None,
     {}, True),
    ("EVAL", "a resource policy naming the role session alone allows within the account", session(),
     "sqs:SendMessage", QUEUE, _granting({"AWS": SESSION}), {}, True),
    ("EVAL", "a session ARN grant is not limited by an implicit deny in the permissions boundary",
     session(boundary=ONLY_S3), "sqs:SendMessage", QUEUE, _granting({"AWS": SESSION}), {}, True),
    ("SESSION", "a session ARN grant is added after the session is made: the session policy does not limit it",
     session(session_policy=ONLY_S3), "sqs:SendMessage", QUEUE, _granting({"AWS": SESSION}), {}, True),
    ("EVAL", "a resource policy naming the role ARN alone allows its sessions", session(), "sqs:SendMessage",
     QUEUE, _granting({"AWS": ROLE}), {}, True),
    ("EVAL", "a role ARN grant is limited by an implicit deny in the permissions boundary",
     session(boundary=ONLY_S3), "sqs:SendMessage", QUEUE, _granting({"AWS": ROLE}), {}, False),
    ("SESSION", "a role ARN grant is limited by the session policy", session(session_policy=ONLY_S3),
     "sqs:SendMessage", QUEUE, _granting({"AWS": ROLE}), {}, False),
    ("EVAL", "a resource policy naming the IAM user alone allows, whatever its boundary says",
     user(boundary=ONLY_S3), "sqs:SendMessage", QUEUE, _granting({"AWS": USER}), {}, True),
    ("EVAL", "a resource policy naming the account delegates to identity policies", session(),
     "sqs:SendMessage", QUEUE, _granting({"AWS": ROOT}), {}, False),
    ("EVAL", "a resource policy naming the account plus an identity allow allows", session(SEND),
     "sqs:SendMessage", QUEUE, _granting({"AWS": ACCOUNT}), {}, True),
    ("BOUNDARY", "the boundary caps identity policies", session(ALL, boundary=ONLY_S3), "sqs:SendMessage", QUEUE,
     None, {}, False),
    ("BOUNDARY", "a boundary alone grants nothing", session(boundary=ALL), "sqs:SendMessage", QUEUE, None, {},
     False),
    ("SESSION", "the session policy intersects the role's policies", session(SEND, session_policy=ONLY_S3),
     "sqs:SendMessage", QUEUE, None, {}, False),
    ("SESSION", "a session policy alone grants nothing", session(session_policy=ALL), "sqs:SendMessage", QUEUE,
     None, {}, False),
    ("CROSS", "cross-account: an identity allow without the resource account's allow is denied", session(SEND),
     "sqs:SendMessage", FOREIGN_QUEUE, None, {"resource_account": OTHER}, False),
    ("CROSS", "cross-account: a resource allow without the caller's identity allow is denied", session(),
     "sqs:SendMessage", FOREIGN_QUEUE, _granting({"AWS": SESSION}), {"resource_account": OTHER}, False),
    ("CROSS", "cross-account: both allow", session(SEND), "sqs:SendMessage", FOREIGN_QUEUE,
     _granting({"AWS": SESSION}), {"resource_account": OTHER}, True),
    ("CROSS", "cross-account: naming the caller's account trusts its identity policies", session(SEND),
     "sqs:SendMessage", FOREIGN_QUEUE, _granting({"AWS": ACCOUNT}), {"resource_account": OTHER}, True),
    ("CROSS", "cross-account: the caller's boundary still caps it", session(SEND, boundary=ONLY_S3),
     "sqs:SendMessage", FOREIGN_QUEUE, _granting({"AWS": SESSION}), {"resource_account": OTHER}, False),
    ("TRUST", "a trust policy naming only a service refuses a user with AdministratorAccess", user(ALL),
     "sts:AssumeRole", ROLE, _granting({"Service": "lambda.amazonaws.com"}, "sts:AssumeRole"),
     {"key_policy_required": True}, False),
    ("TRUST", "a trust policy naming only a service refuses the account's root user", root(), "sts:AssumeRole",
     ROLE, _granting({"Service": "lambda.amazonaws.com"}, "sts:AssumeRole"), {"key_policy_required": True}, False),
    ("TRUST", "a trust policy naming the account lets the root user assume the role", root(), "sts:AssumeRole",
     ROLE, _granting({"AWS": ROOT}, "sts:AssumeRole"), {"key_policy_required": True}, True),
    ("TRUST", "a trust policy naming the account needs the user's identity policy to allow sts:AssumeRole",
     user(ONLY_S3), "sts:AssumeRole", ROLE, _granting({"AWS": ROOT}, "sts:AssumeRole"),
     {"key_policy_required": True}, False),
    ("TRUST", "... and with it the user may", user({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE}),
     "sts:AssumeRole", ROLE, _granting({"AWS": ROOT}, "sts:AssumeRole"), {"key_policy_required": True}, True),
    ("TRUST", "a trust policy naming the user allows it without any identity policy", user(), "sts:AssumeRole",
     ROLE, _granting({"AWS": USER}, "sts:AssumeRole"), {"key_policy_required": True}, True),
    ("TRUST", "a role that does not exist (no trust policy) cannot be assumed, even by root", root(),
     "sts:AssumeRole", ROLE, None, {"key_policy_required": True}, False),
    ("TRUST", "a trust policy's explicit deny refuses even the root user", root(), "sts:AssumeRole", ROLE,
     compile_policy({"Version": "2012-10-17", "Statement": [
         {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"},
         {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}]}, "trust", "resource"),
     {"key_policy_required": True}, False),
    ("ELEMENTS", "actions match case-insensitively with wildcards", session({"Effect": "Allow", "Action": "SQS:send*",
                                                                             "Resource": "*"}),
     "sqs:SendMessage", QUEUE, None, {}, True),
    ("ELEMENTS", "resources match case-sensitively", session({"Effect": "Allow", "Action": "sqs:*",
                                                              "Resource": QUEUE.upper()}),
     "sqs:SendMessage", QUEUE, None, {}, False),
    ("ELEMENTS", "? in a resource is exactly one character", session({"Effect": "Allow", "Action": "sqs:*",
                                                                      "Resource": QUEUE[:-1] + "?"}),
     "sqs:SendMessage", QUEUE, None, {}, True),
    ("ELEMENTS", "? does not match two characters", session({"Effect": "Allow", "Action": "sqs:*",
                                                             "Resource": QUEUE[:-2] + "?"}),
     "sqs:SendMessage", QUEUE, None, {}, False),
    ("ELEMENTS", "Allow with NotResource allows every other resource",
     session({"Effect": "Allow", "Action": "sqs:*", "NotResource": FOREIGN_QUEUE}), "sqs:SendMessage", QUEUE, None,
     {}, True),
    ("ELEMENTS", "Deny with NotAction denies everything but the listed actions",
     session(ALL, {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}), "sqs:SendMessage", QUEUE, None, {},
     False),
    ("ELEMENTS", "a Deny with NotPrincipal naming the role but not the session still denies the session",
     session(ALL), "sqs:SendMessage", QUEUE,
     _policy("resource", {"Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "*", "Resource": "*"}),
     {}, False),
    ("ELEMENTS", "a Deny with NotPrincipal naming the session spares it", session(ALL), "sqs:SendMessage", QUEUE,
     _policy("resource", {"Effect": "Deny", "NotPrincipal": {"AWS": [ROLE, SESSION]}, "Action": "*",
                          "Resource": "*"}), {}, True),
]


@pytest.mark.parametrize(("source", "documented", "subject", "action", "resource", "resource_policy", "options",
                          "allowed"), ROWS, ids=[f"{r[0]}: {r[1]}" for r in ROWS])
def test_documented_decision(source, documented, subject, action, resource, resource_policy, options, allowed):
    decision = evaluate(subject, action, resource, {}, resource_policy, **options)
    assert decision.allowed is allowed, decision


# -- policy variables (VARS) ---------------------------------------------------------------------------------
VARIABLE_ROWS = [
    ("${aws:username} in a resource", "arn:aws:s3:::home/${aws:username}/*", {"aws:username": ["ana"]},
     "arn:aws:s3:::home/ana/notes", True),
    ("${aws:PrincipalTag/team} in a resource", "arn:aws:s3:::teams/${aws:PrincipalTag/team}/*",
     {"aws:principaltag/team": ["data"]}, "arn:aws:s3:::teams/data/x", True),
    ("${aws:userid} in a resource", "arn:aws:s3:::ids/${aws:userid}/*", {"aws:userid": ["AROA1:worker"]},
     "arn:aws:s3:::ids/AROA1:worker/x", True),
    ("${*} is a literal asterisk, not a wildcard", "arn:aws:s3:::b/${*}", {}, "arn:aws:s3:::b/anything", False),
    ("${*} matches a literal asterisk", "arn:aws:s3:::b/${*}", {}, "arn:aws:s3:::b/*", True),
    ("${?} is a literal question mark", "arn:aws:s3:::b/${?}", {}, "arn:aws:s3:::b/x", False),
    ("${$} is a literal dollar", "arn:aws:s3:::b/${$}x", {}, "arn:aws:s3:::b/$x", True),
    ("a default value stands in for an absent key", "arn:aws:s3:::b/${aws:username, 'shared'}/*", {},
     "arn:aws:s3:::b/shared/x", True),
    ("an absent key makes the resource match nothing", "arn:aws:s3:::home/${aws:username}/*", {},
     "arn:aws:s3:::home/ana/x", False),
]


@pytest.mark.parametrize(("documented", "pattern", "context", "resource", "allowed"), VARIABLE_ROWS,
                         ids=[r[0] for r in VARIABLE_ROWS])
def test_policy_variables(documented, pattern, context, resource, allowed):
    subject = session({"Effect": "Allow", "Action": "s3:GetObject", "Resource": pattern})
    assert evaluate(subject, "s3:GetObject", resource, context).allowed is allowed


def test_s3_prefix_variable_in_a_condition():
    """VARS: ${aws:username} in a condition value, compared with s3:prefix."""
    subject = session({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::home",
                       "Condition": {"StringLike": {"s3:prefix": "${aws:username}/*"}}})
    bucket = "arn:aws:s3:::home"
    assert evaluate(subject, "s3:ListBucket", bucket, {"aws:username": ["ana"], "s3:prefix": ["ana/docs"]}).allowed
    assert not evaluate(subject, "s3:ListBucket", bucket, {"aws:username": ["ana"], "s3:prefix": ["bob/"]}).allowed


# -- condition operators (COND, MULTI) -----------------------------------------------------------------------
CONDITION_ROWS = [
    ("COND", "a missing key fails a positive operator", {"StringEquals": {"aws:PrincipalTag/team": "data"}}, {},
     False),
    ("COND", "...IfExists passes a missing key", {"NumericLessThanIfExists": {"s3:max-keys": "10"}}, {}, True),
    ("COND", "...IfExists still tests a present key", {"NumericLessThanIfExists": {"s3:max-keys": "10"}},
     {"s3:max-keys": ["50"]}, False),
    ("COND", "Null true: the key is absent", {"Null": {"aws:TokenIssueTime": "true"}}, {}, True),
    ("COND", "Null false: the key is present", {"Null": {"aws:ResourceTag/owner": "false"}},
     {"aws:resourcetag/owner": ["x"]}, True),
    ("COND", "StringEqualsIgnoreCase", {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "DATA"}},
     {"aws:principaltag/team": ["data"]}, True),
    ("COND", "StringEquals is case-sensitive in values", {"StringEquals": {"aws:PrincipalTag/team": "DATA"}},
     {"aws:principaltag/team": ["data"]}, False),
    ("COND", "condition key names are case-insensitive", {"StringEquals": {"AWS:PRINCIPALTAG/TEAM": "data"}},
     {"aws:principaltag/team": ["data"]}, True),
    ("COND", "Bool aws:SecureTransport false over http", {"Bool": {"aws:SecureTransport": "false"}},
     {"aws:securetransport": ["false"]}, True),
    ("COND", "Bool with a JSON boolean", {"Bool": {"aws:SecureTransport": True}},
     {"aws:securetransport": ["false"]}, False),
    ("COND", "IpAddress matches 127.0.0.1 in 127.0.0.0/8", {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}},
     {"aws:sourceip": ["127.0.0.1"]}, True),
    ("COND", "NotIpAddress", {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
     {"aws:sourceip": ["127.0.0.1"]}, True),
    ("COND", "DateGreaterThan with an ISO date against aws:CurrentTime",
     {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {"aws:currenttime": ["2026-12-01T10:00:00Z"]},
     True),
    ("COND", "DateLessThan with an epoch against aws:EpochTime", {"DateLessThan": {"aws:EpochTime": "1600000000"}},
     {"aws:epochtime": ["1800000000"]}, False),
    ("COND", "NumericGreaterThanEquals", {"NumericGreaterThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": ["10"]},
     True),
    ("COND", "ArnLike with wildcards per part", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app*"}},
     {"aws:principalarn": [ROLE]}, True),
    ("COND", "ArnEquals compares the whole ARN", {"ArnEquals": {"aws:PrincipalArn": ROLE + "x"}},
     {"aws:principalarn": [ROLE]}, False),
    ("COND", "BinaryEquals compares the decoded bytes", {"BinaryEquals": {"k": "QmluYXJ5"}}, {"k": ["QmluYXJ5"]},
     True),
    ("COND", "StringNotEquals passes a missing key", {"StringNotEquals": {"aws:PrincipalTag/team": "x"}}, {}, True),
    ("MULTI", "ForAllValues: every request tag key is allowed", {"ForAllValues:StringEquals": {
        "aws:TagKeys": ["team", "env"]}}, {"aws:tagkeys": ["team"]}, True),
    ("MULTI", "ForAllValues: one key outside the set fails", {"ForAllValues:StringEquals": {
        "aws:TagKeys": ["team", "env"]}}, {"aws:tagkeys": ["team", "cost"]}, False),
    ("MULTI", "ForAllValues is true when the key is absent", {"ForAllValues:StringEquals": {
        "aws:TagKeys": ["team"]}}, {}, True),
    ("MULTI", "ForAnyValue: one matching value is enough", {"ForAnyValue:StringEquals": {
        "aws:TagKeys": ["team"]}}, {"aws:tagkeys": ["cost", "team"]}, True),
    ("MULTI", "ForAnyValue is false when the key is absent", {"ForAnyValue:StringEquals": {
        "aws:TagKeys": ["team"]}}, {}, False),
    ("MULTI", "ForAllValues:StringNotEquals: no request value may be listed", {"ForAllValues:StringNotEquals": {
        "aws:TagKeys": ["secret"]}}, {"aws:tagkeys": ["team", "secret"]}, False),
]


@pytest.mark.parametrize(("source", "documented", "block", "context", "holds"), CONDITION_ROWS,
                         ids=[f"{r[0]}: {r[1]}" for r in CONDITION_ROWS])
def test_condition(source, documented, block, context, holds):
    assert all(c.holds(context) for c in compile_block(block)) is holds


# -- tags as condition keys ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("shape", "params"), [
    ("[{Key, Value}] (DynamoDB, Secrets Manager)", {"Tags": [{"Key": "team", "Value": "data"}]}),
    ("{k: v} (Lambda, SQS, Kinesis)", {"Tags": {"team": "data"}}),
    ("{k: v} as tags (CloudWatch Logs)", {"tags": {"team": "data"}}),
    ("[{TagKey, TagValue}] (KMS)", {"Tags": [{"TagKey": "team", "TagValue": "data"}]}),
    ("[{key, value}] (Step Functions)", {"tags": [{"key": "team", "value": "data"}]}),
    ("Tags.member.N (SNS, IAM, STS query)", {"Tags.member.1.Key": "team", "Tags.member.1.Value": "data"}),
])
def test_request_tags_become_aws_request_tag_and_tag_keys(shape, params):
    assert tag_context(params) == {"aws:requesttag/team": ["data"], "aws:tagkeys": ["team"]}


def test_untag_calls_set_tag_keys_only():
    assert tag_context({"TagKeys": ["team", "env"]}) == {"aws:tagkeys": ["team", "env"]}
    assert tag_context({"TagKeys.member.1": "team"}) == {"aws:tagkeys": ["team"]}
    assert tag_context({"TableName": "t"}) == {}


def test_s3_object_tags_use_s3_keys():
    assert s3_tag_context("PutObject", {"HTTP_X_AMZ_TAGGING": "class=raw&team=data"}, b"") == {
        "s3:requestobjecttag/class": ["raw"], "s3:requestobjecttag/team": ["data"],
        "s3:requestobjecttagkeys": ["class", "team"]}
    body = b"<Tagging><TagSet><Tag><Key>team</Key><Value>data</Value></Tag></TagSet></Tagging>"
    assert s3_tag_context("PutBucketTagging", {}, body) == {"aws:requesttag/team": ["data"], "aws:tagkeys": ["team"]}


def test_resource_tags_are_read_only_when_a_condition_asks():
    reads = []
    context = TaggedContext({"aws:sourceip": ["127.0.0.1"]},
                            lambda: reads.append(1) or {"aws:resourcetag/team": ["data"]})
    subject = session({"Effect": "Allow", "Action": "sqs:*", "Resource": "*",
                       "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}})
    assert evaluate(subject, "sqs:SendMessage", QUEUE, context).allowed and reads == []
    tagged = session({"Effect": "Allow", "Action": "sqs:*", "Resource": "*",
                      "Condition": {"StringEquals": {"aws:ResourceTag/team": "data"}}})
    assert evaluate(tagged, "sqs:SendMessage", QUEUE, context).allowed and reads == [1]
    assert not evaluate(tagged, "sqs:SendMessage", QUEUE,
                        TaggedContext({}, lambda: {"aws:resourcetag/team": ["ops"]})).allowed


# -- web identity (TRUST) ------------------------------------------------------------------------------------
def _token(claims):
    import base64

    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"e30.{encoded}.signature"


def test_web_identity_caller_is_its_provider_with_token_claims_as_keys():
    claims = {"iss": "https://token.actions.githubusercontent.com", "aud": "sts.amazonaws.com",
              "sub": "repo:org/app:ref:refs/heads/main"}
    subject = web_identity_subject({"WebIdentityToken": _token(claims)}, ACCOUNT)
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    trust = _policy("resource", {"Effect": "Allow", "Principal": {"Federated": provider},
                                 "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {
                                     "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                                     "StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/app:*"}}})
    decide = lambda s: evaluate(s, "sts:AssumeRoleWithWebIdentity", ROLE, s.context, trust,
                                key_policy_required=True)
    assert decide(subject).allowed
    other_repo = web_identity_subject({"WebIdentityToken": _token({**claims, "sub": "repo:evil/app:ref:x"})}, ACCOUNT)
    assert not decide(other_repo).allowed
    assert not decide(web_identity_subject({"WebIdentityToken": "not-a-jwt"}, ACCOUNT)).allowed


# -- the simulator's view of a decision ----------------------------------------------------------------------
def test_statement_spans_are_line_and_column_of_each_statement():
    text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": "s3:*", ' \
           '"Resource": "*"},\n    {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}\n  ]\n}'
    assert statement_spans(text) == [((4, 6), (4, 59)), ((5, 6), (5, 69))]  # just past "{" and just past "}"
    recorded = json.dumps({"Version": "2012-10-17", "Statement": {"Sid": "", "Effect": "Allow",
                                                                  "Action": "s3:PutObject", "Resource": "*"}})
    assert statement_spans(recorded) == [((1, 41), (1, 113))]  # what AWS answered for this very text


def test_simulation_reports_matched_statements_and_missing_context():
    text = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "data"}}},
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]}, indent=2)
    policy = compile_policy(text, "p", "identity", "PolicyInputList.1", "none")
    subject = Subject(Caller(frozenset(), ACCOUNT), [policy])
    get, delete = simulate(subject, ["s3:GetObject", "s3:DeleteObject"], ["arn:aws:s3:::b/k"], {}, None, None)
    assert (get.decision, get.matched, get.missing) == ("implicitDeny", [], ["aws:PrincipalTag/team"])
    assert delete.decision == "explicitDeny"
    assert [m["SourcePolicyId"] for m in delete.matched] == ["PolicyInputList.1"]
    deny_line = next(n for n, line in enumerate(text.splitlines()) if "NoDeletes" in line)  # the line after "{"
    assert delete.matched[0]["StartPosition"] == {"Line": deny_line, "Column": 6}
    allowed, = simulate(subject, ["s3:GetObject"], None, {"aws:principaltag/team": ["data"]}, None, None)
    assert allowed.decision == "allowed" and allowed.missing == [] and allowed.resource == "*"


# -- the AccessDenied text per service (messages.py cites the services' real answers) --------------------------
@pytest.mark.parametrize(("prefix", "action", "resource", "named", "shown_action", "shown_resource"), [
    ("dynamodb", "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/t", None, "dynamodb:PutItem",
     "arn:aws:dynamodb:us-east-1:1:table/t"),
    ("s3", "s3:GetObject", "arn:aws:s3:::b/k", None, "s3:GetObject", '"arn:aws:s3:::b/k"'),
    ("sqs", "sqs:SendMessage", QUEUE, None, "sqs:sendmessage", QUEUE),
    ("sns", "sns:Publish", "arn:aws:sns:us-east-1:1:t", None, "SNS:Publish", "arn:aws:sns:us-east-1:1:t"),
    ("secretsmanager", "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf", "db",
     "secretsmanager:GetSecretValue", "db"),
    ("secretsmanager", "secretsmanager:ListSecrets", "*", None, "secretsmanager:ListSecrets", None),
])
def test_access_denied_message_per_service(prefix, action, resource, named, shown_action, shown_resource):
    reason = f"because no identity-based policy allows the {action} action"
    on = f" on resource: {shown_resource}" if shown_resource else ""
    assert access_denied(prefix, SESSION, action, resource, reason, named) == (
        f"User: {SESSION} is not authorized to perform: {shown_action}{on} because no identity-based policy allows "
        f"the {shown_action} action")
