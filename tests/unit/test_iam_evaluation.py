"""The IAM evaluator against what AWS documents, without a server.

Sources (IAM User Guide): "Policy evaluation logic" (reference_policies_evaluation-logic.html),
"IAM JSON policy elements: Condition operators" (reference_policies_elements_condition_operators.html),
"Single-valued vs. multivalued context keys" (reference_policies_condition-single-vs-multi-valued-context-keys.html),
"IAM policy elements: Variables and tags" (reference_policies_variables.html), "NotAction", "NotResource",
"NotPrincipal"; the KMS Developer Guide, "Key policies in AWS KMS".
"""

from __future__ import annotations

import pytest
from localcloud.iam import actions
from localcloud.iam.conditions import Condition, compile_block
from localcloud.iam.evaluator import Subject, evaluate
from localcloud.iam.policy import Caller, compile_policy

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/fn-role"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/fn-role/fn"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"


def _policy(*statements, kind="identity", version="2012-10-17"):
    return compile_policy({"Version": version, "Statement": list(statements)}, f"test {kind}", kind)


def _subject(*statements, boundary=None, session=None, context=None):
    caller = Caller(frozenset({SESSION, ROLE}), ACCOUNT)
    identity = [_policy(*statements)] if statements else []
    return Subject(caller, identity, boundary, session, context=context or {}, holder="role fn-role", arn=SESSION)


def _allow(action="*", resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _deny(action="*", resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


# -- evaluation logic ----------------------------------------------------------------------------------------
def test_no_policy_is_an_implicit_deny_naming_the_identity_policies():
    decision = evaluate(_subject(), "dynamodb:PutItem", TABLE, {})
    assert not decision.allowed and not decision.explicit
    assert decision.reason == "because no identity-based policy allows the dynamodb:PutItem action"


def test_explicit_deny_overrides_any_allow():
    decision = evaluate(_subject(_allow(), _deny("dynamodb:PutItem", Sid="NoPut")), "dynamodb:PutItem", TABLE, {})
    assert not decision.allowed and decision.explicit and decision.sid == "NoPut"


def test_actions_are_case_insensitive_and_take_wildcards():
    subject = _subject(_allow("DynamoDB:Put*", TABLE))
    assert evaluate(subject, "dynamodb:PutItem", TABLE, {}).allowed
    assert not evaluate(subject, "dynamodb:GetItem", TABLE, {}).allowed


def test_resources_are_case_sensitive_and_star_spans_slashes():
    subject = _subject(_allow("s3:GetObject", "arn:aws:s3:::bucket/raw/*"))
    assert evaluate(subject, "s3:GetObject", "arn:aws:s3:::bucket/raw/2024/01/a.csv", {}).allowed
    assert not evaluate(subject, "s3:GetObject", "arn:aws:s3:::bucket/RAW/a.csv", {}).allowed


def test_not_action_allows_everything_but_the_listed_actions():
    subject = _subject({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert evaluate(subject, "s3:GetObject", "arn:aws:s3:::b/k", {}).allowed
    assert not evaluate(subject, "iam:CreateUser", "*", {}).allowed


def test_not_resource_with_deny_protects_all_but_one_resource():
    subject = _subject(_allow(), {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::mine/*"})
    assert evaluate(subject, "s3:GetObject", "arn:aws:s3:::mine/k", {}).allowed
    assert not evaluate(subject, "s3:GetObject", "arn:aws:s3:::theirs/k", {}).allowed


def test_permissions_boundary_must_also_allow():
    boundary = _policy(_allow("s3:*"), kind="boundary")
    subject = _subject(_allow(), boundary=boundary)
    assert evaluate(subject, "s3:GetObject", "arn:aws:s3:::b/k", {}).allowed
    decision = evaluate(subject, "dynamodb:PutItem", TABLE, {})
    assert decision.reason == "because no permissions boundary allows the dynamodb:PutItem action"


def test_boundary_alone_grants_nothing():
    subject = _subject(boundary=_policy(_allow(), kind="boundary"))
    assert not evaluate(subject, "s3:GetObject", "arn:aws:s3:::b/k", {}).allowed


def test_session_policy_limits_the_role():
    subject = _subject(_allow(), session=_policy(_allow("s3:GetObject"), kind="session"))
    assert evaluate(subject, "s3:GetObject", "arn:aws:s3:::b/k", {}).allowed
    assert "no session policy allows" in evaluate(subject, "s3:PutObject", "arn:aws:s3:::b/k", {}).reason


def test_resource_policy_naming_the_session_allows_without_identity_policy():
    bucket_policy = _policy({"Effect": "Allow", "Principal": {"AWS": SESSION}, "Action": "s3:GetObject",
                             "Resource": "arn:aws:s3:::b/*"}, kind="resource")
    assert evaluate(_subject(), "s3:GetObject", "arn:aws:s3:::b/k", {}, bucket_policy).allowed


def test_resource_policy_naming_the_role_is_limited_by_its_boundary():
    """'Resource-based policies that grant permissions to an IAM role ARN are limited by an implicit deny in a
    permissions boundary or session policy.'"""
    queue_policy = _policy({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sqs:SendMessage",
                            "Resource": "*"}, kind="resource")
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
    assert evaluate(_subject(), "sqs:SendMessage", queue, {}, queue_policy).allowed
    bounded = _subject(boundary=_policy(_allow("s3:*"), kind="boundary"))
    assert not evaluate(bounded, "sqs:SendMessage", queue, {}, queue_policy).allowed


def test_resource_policy_naming_the_account_delegates_to_identity_policies():
    policy = _policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                      "Action": "sqs:*", "Resource": "*"}, kind="resource")
    assert not evaluate(_subject(), "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q", {}, policy).allowed


def test_resource_policy_deny_naming_the_account_applies_to_its_principals():
    policy = _policy({"Effect": "Deny", "Principal": {"AWS": ACCOUNT}, "Action": "s3:*", "Resource": "*"},
                     kind="resource")
    decision = evaluate(_subject(_allow()), "s3:GetObject", "arn:aws:s3:::b/k", {}, policy)
    assert decision.explicit and "resource-based policy" in decision.reason


def test_not_principal_deny_spares_only_the_named_principal():
    policy = _policy({"Effect": "Deny", "NotPrincipal": {"AWS": [SESSION, ROLE]}, "Action": "s3:*",
                      "Resource": "*"}, kind="resource")
    assert evaluate(_subject(_allow()), "s3:GetObject", "arn:aws:s3:::b/k", {}, policy).allowed
    other = Subject(Caller(frozenset({f"arn:aws:iam::{ACCOUNT}:user/u"}), ACCOUNT), [_policy(_allow())])
    assert not evaluate(other, "s3:GetObject", "arn:aws:s3:::b/k", {}, policy).allowed
    role_only = _policy({"Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "s3:*", "Resource": "*"},
                        kind="resource")
    assert not evaluate(_subject(_allow()), "s3:GetObject", "arn:aws:s3:::b/k", {}, role_only).allowed


def test_kms_key_policy_must_allow_the_caller_or_the_account():
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k"
    no_account = _policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/admin"},
                          "Action": "kms:*", "Resource": "*"}, kind="resource")
    default = _policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                       "Action": "kms:*", "Resource": "*"}, kind="resource")
    subject = _subject(_allow("kms:Decrypt"))
    refused = evaluate(subject, "kms:Decrypt", key, {}, no_account, key_policy_required=True)
    assert refused.reason == "because no resource-based policy allows the kms:Decrypt action"
    assert evaluate(subject, "kms:Decrypt", key, {}, default, key_policy_required=True).allowed
    assert not evaluate(_subject(), "kms:Decrypt", key, {}, default, key_policy_required=True).allowed


def test_service_principal_is_checked_against_the_resource_policy_and_source_arn():
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"
    policy = _policy({"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                      "Action": "lambda:InvokeFunction", "Resource": function,
                      "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::uploads"}}}, kind="resource")
    s3 = Subject(Caller(frozenset(), ACCOUNT, service="s3.amazonaws.com"))
    assert evaluate(s3, "lambda:InvokeFunction", function, {"aws:sourcearn": ["arn:aws:s3:::uploads"]},
                    policy).allowed
    assert not evaluate(s3, "lambda:InvokeFunction", function, {"aws:sourcearn": ["arn:aws:s3:::other"]},
                        policy).allowed
    sns = Subject(Caller(frozenset(), ACCOUNT, service="sns.amazonaws.com"))
    assert not evaluate(sns, "lambda:InvokeFunction", function, {"aws:sourcearn": ["arn:aws:s3:::uploads"]},
                        policy).allowed


def test_policy_variables_in_resources():
    subject = _subject(_allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"))
    context = {"aws:username": ["ana"]}
    assert evaluate(subject, "s3:GetObject", "arn:aws:s3:::home/ana/x", context).allowed
    assert not evaluate(subject, "s3:GetObject", "arn:aws:s3:::home/bob/x", context).allowed
    assert not evaluate(subject, "s3:GetObject", "arn:aws:s3:::home/ana/x", {}).allowed  # key absent


def test_policy_variables_are_literal_in_version_2008():
    old = Subject(Caller(frozenset({SESSION}), ACCOUNT),
                  [_policy(_allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"), version="2008-10-17")])
    assert evaluate(old, "s3:GetObject", "arn:aws:s3:::home/${aws:username}/x", {"aws:username": ["a"]}).allowed


# -- condition operators -------------------------------------------------------------------------------------
def _holds(block, context):
    return all(c.holds(context) for c in compile_block(block))


def test_string_operators():
    assert _holds({"StringEquals": {"aws:PrincipalTag/team": ["data", "ops"]}}, {"aws:principaltag/team": ["ops"]})
    assert not _holds({"StringEquals": {"aws:PrincipalTag/team": "data"}}, {"aws:principaltag/team": ["Data"]})
    assert _holds({"StringEqualsIgnoreCase": {"k": "data"}}, {"k": ["DATA"]})
    assert _holds({"StringLike": {"s3:prefix": ["raw/*", "home/?/x"]}}, {"s3:prefix": ["home/a/x"]})
    assert not _holds({"StringLike": {"s3:prefix": "raw/*"}}, {"s3:prefix": ["curated/a"]})


def test_an_absent_key_fails_positive_operators_and_passes_negated_ones():
    assert not _holds({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, {})
    assert _holds({"StringNotEquals": {"aws:SourceAccount": ACCOUNT}}, {})
    assert _holds({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}, {})
    assert not _holds({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}, {"aws:sourceaccount": ["1"]})


def test_keys_in_a_block_and_and_values_or():
    block = {"StringEquals": {"a": ["1", "2"], "b": "x"}}
    assert _holds(block, {"a": ["2"], "b": ["x"]})
    assert not _holds(block, {"a": ["2"], "b": ["y"]})


def test_arn_operators_compare_each_part():
    assert _holds({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads-*"}}, {"aws:sourcearn": ["arn:aws:s3:::uploads-1"]})
    assert _holds({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:123456789012:t"}},
                  {"aws:sourcearn": ["arn:aws:sns:eu-west-1:123456789012:t"]})
    assert not _holds({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:t"}}, {"aws:sourcearn": ["not-an-arn"]})
    assert _holds({"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::a"}}, {"aws:sourcearn": ["arn:aws:s3:::b"]})


def test_numeric_date_bool_ip_binary():
    assert _holds({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": ["10"]})
    assert not _holds({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": ["ten"]})
    assert _holds({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
                  {"aws:currenttime": ["2026-12-01T10:00:00Z"]})
    assert _holds({"DateGreaterThan": {"aws:EpochTime": "1700000000"}}, {"aws:epochtime": ["1800000000"]})
    assert _holds({"Bool": {"aws:SecureTransport": False}}, {"aws:securetransport": ["false"]})
    assert _holds({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, {"aws:sourceip": ["127.0.0.1"]})
    assert _holds({"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}, {"aws:sourceip": ["127.0.0.1"]})
    assert _holds({"BinaryEquals": {"k": "QmluYXJ5"}}, {"k": ["QmluYXJ5"]})


def test_null_tests_presence():
    assert _holds({"Null": {"aws:TokenIssueTime": "true"}}, {})
    assert not _holds({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:tokenissuetime": ["x"]})
    assert _holds({"Null": {"aws:TokenIssueTime": "false"}}, {"aws:tokenissuetime": ["x"]})


def test_set_operators():
    """ForAllValues: every request value is in the policy's set (true for an absent key); ForAnyValue: at least
    one is (false for an absent key)."""
    all_values = {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}}
    assert _holds(all_values, {"aws:tagkeys": ["env"]})
    assert not _holds(all_values, {"aws:tagkeys": ["env", "cost"]})
    assert _holds(all_values, {})
    any_value = {"ForAnyValue:StringLike": {"kms:EncryptionContextKeys": "app*"}}
    assert _holds(any_value, {"kms:encryptioncontextkeys": ["other", "appname"]})
    assert not _holds(any_value, {})


def test_condition_variables_and_literal_wildcards():
    assert _holds({"StringEquals": {"s3:prefix": "home/${aws:username}/"}},
                  {"s3:prefix": ["home/ana/"], "aws:username": ["ana"]})
    assert _holds({"StringLike": {"k": "a${*}b"}}, {"k": ["a*b"]})
    assert not _holds({"StringLike": {"k": "a${*}b"}}, {"k": ["axxb"]})
    assert _holds({"StringEquals": {"k": "${aws:username, 'nobody'}"}}, {"k": ["nobody"]})


def test_unknown_operator_is_refused():
    with pytest.raises(ValueError):
        Condition("StringSortOf", "k", "v")


# -- request mapping -----------------------------------------------------------------------------------------
def test_every_renamed_operation_names_an_action_of_the_service_authorization_reference():
    for prefix, renamed in actions.RENAMED.items():
        for operation, action in renamed.items():
            assert actions.action_name(prefix, operation) == f"{prefix}:{action}", (prefix, operation)


def test_resource_arns_come_from_the_reference_formats():
    assert actions.resources_for("dynamodb:PutItem", {"TableName": "t"}, "eu-west-1", ACCOUNT) == [
        f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/t"]
    assert actions.resources_for("s3:GetObject", {"BucketName": "b", "ObjectName": "k/1"}, "us-east-1", ACCOUNT) == [
        "arn:aws:s3:::b/k/1"]
    assert actions.resources_for("s3:ListAllMyBuckets", {}, "us-east-1", ACCOUNT) == ["*"]
    assert actions.resources_for("dynamodb:PutItem", {}, "us-east-1", ACCOUNT) is None  # names no table


def _environ(method="POST", path="/", body=b"", target=None, query="", host="127.0.0.1:4566", **headers):
    import io

    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "HTTP_HOST": host,
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
               "CONTENT_TYPE": "application/x-amz-json-1.0" if target else "application/x-www-form-urlencoded"}
    if target:
        environ["HTTP_X_AMZ_TARGET"] = target
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    return environ


def _mapped(service, operation, environ):
    body = environ["wsgi.input"].getvalue()
    found = actions.map_request(service, operation, environ, body, "us-east-1", ACCOUNT)
    return [(a.action, a.resources, a.context) for a in found.accesses] if found.accesses is not None else None


def test_s3_requests_map_path_and_virtual_host_style():
    assert _mapped("s3", "GetObject", _environ("GET", "/b/raw/a b.csv")) == [
        ("s3:GetObject", ["arn:aws:s3:::b/raw/a b.csv"], {})]
    assert _mapped("s3", "GetObject", _environ("GET", "/raw/a.csv", host="b.s3.localhost.localstack.cloud:4566")) == [
        ("s3:GetObject", ["arn:aws:s3:::b/raw/a.csv"], {})]
    listed = _mapped("s3", "ListObjectsV2", _environ("GET", "/b", query="list-type=2&prefix=raw/"))
    assert listed == [("s3:ListBucket", ["arn:aws:s3:::b"], {"s3:prefix": ["raw/"]})]


def test_s3_copy_is_a_read_of_the_source_and_a_write_of_the_target():
    copied = _mapped("s3", "CopyObject", _environ("PUT", "/dst/k2", x_amz_copy_source="/src/k1"))
    assert [(a, r) for a, r, _ in copied] == [("s3:GetObject", ["arn:aws:s3:::src/k1"]),
                                              ("s3:PutObject", ["arn:aws:s3:::dst/k2"])]
    # botocore tells PutObject from CopyObject by the header only
    assert _mapped("s3", "CopyObject", _environ("PUT", "/dst/k2"))[0][0] == "s3:PutObject"


def test_dynamodb_batches_and_indexes():
    import json

    batch = json.dumps({"RequestItems": {"a": [], "b": []}}).encode()
    assert [(a, r) for a, r, _ in _mapped("dynamodb", "BatchWriteItem",
                                          _environ(body=batch, target="DynamoDB_20120810.BatchWriteItem"))] == [
        ("dynamodb:BatchWriteItem", [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/a"]),
        ("dynamodb:BatchWriteItem", [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/b"])]
    query = json.dumps({"TableName": "t", "IndexName": "by-date"}).encode()
    assert _mapped("dynamodb", "Query", _environ(body=query, target="DynamoDB_20120810.Query"))[0][1] == [
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t/index/by-date"]


def test_queue_topic_and_function_names_become_arns():
    import json

    url = f"http://127.0.0.1:4566/{ACCOUNT}/jobs"
    sqs = _mapped("sqs", "SendMessageBatch", _environ(body=json.dumps({"QueueUrl": url}).encode(),
                                                        target="AmazonSQS.SendMessageBatch"))
    assert sqs[0][:2] == ("sqs:SendMessage", [f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"])
    topic = f"arn:aws:sns:eu-west-1:{ACCOUNT}:alerts"
    sns = _mapped("sns", "Publish", _environ(body=f"Action=Publish&TopicArn={topic}&Message=m".encode()))
    assert sns[0][:2] == ("sns:Publish", [topic])
    invoked = _mapped("awslambda", "Invoke", _environ("POST", "/2015-03-31/functions/f/invocations"))
    assert invoked[0][:2] == ("lambda:InvokeFunction", [f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"])


def test_calls_that_need_no_permission_and_unmapped_ones():
    assert actions.map_request("sts", "GetCallerIdentity", _environ(), b"", "us-east-1", ACCOUNT).accesses == []
    assert actions.map_request("ec2", "DescribeVpcs", _environ(), b"", "us-east-1", ACCOUNT).accesses is None


def test_mode_comes_from_localcloud_iam(monkeypatch):
    from localcloud.iam.enforcement import Mode, current_mode

    monkeypatch.delenv("LOCALCLOUD_IAM", raising=False)
    assert current_mode() is Mode.ENFORCE  # the default
    monkeypatch.setenv("LOCALCLOUD_IAM", "Report")
    assert current_mode() is Mode.REPORT
    monkeypatch.setenv("LOCALCLOUD_IAM", "strict")
    with pytest.raises(ValueError, match="enforce, report or off"):
        current_mode()
