"""IAM decisions as an outside check meets them: roles it creates, assumed with STS, users with access keys,
and IAM's policy simulator, all through boto3 against a real server.

AWS sources: STS API Reference (AssumeRole, AssumeRoleWithWebIdentity: trust policy, Policy, PolicyArns,
Tags); IAM User Guide "Policy evaluation logic", "Passing session tags in AWS STS", "Access denied error
messages"; IAM API Reference (SimulatePrincipalPolicy, SimulateCustomPolicy, EvaluationResult).
"""

from __future__ import annotations

import base64
import json
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from support import start_cloud

ACCOUNT = "123456789012"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def _document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(principal: dict, *actions: str, **extra) -> str:
    return _document({"Effect": "Allow", "Principal": principal, "Action": list(actions) or "sts:AssumeRole",
                      **extra})


def _client(cloud, service: str, keys: dict):
    return boto3.client(service, endpoint_url=cloud.endpoint, region_name="us-east-1",
                        aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                        aws_session_token=keys.get("SessionToken"), config=Config(retries={"max_attempts": 1}))


def _error(call) -> dict:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]


def _role(cloud, trust: str, *policies: str, **extra) -> tuple[str, str]:
    name = f"r-{uuid.uuid4().hex[:8]}"
    arn = cloud.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=trust, **extra)["Role"]["Arn"]
    for number, policy in enumerate(policies):
        cloud.client("iam").put_role_policy(RoleName=name, PolicyName=f"p{number}", PolicyDocument=policy)
    return name, arn


def _user(cloud, *policies: str, group_policy: str | None = None) -> tuple[str, dict]:
    iam = cloud.client("iam")
    name = f"u-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    for number, policy in enumerate(policies):
        iam.put_user_policy(UserName=name, PolicyName=f"p{number}", PolicyDocument=policy)
    if group_policy:
        iam.create_group(GroupName=f"g-{name}")
        iam.put_group_policy(GroupName=f"g-{name}", PolicyName="g", PolicyDocument=group_policy)
        iam.add_user_to_group(GroupName=f"g-{name}", UserName=name)
    return name, iam.create_access_key(UserName=name)["AccessKey"]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    started = start_cloud(tmp_path_factory.mktemp("iam-assume"), LOCALCLOUD_IAM="enforce")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def table(cloud):
    name = f"t-{uuid.uuid4().hex[:8]}"
    cloud.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        Tags=[{"Key": "team", "Value": "data"}])
    return name


# -- AssumeRole: the trust policy decides ---------------------------------------------------------------------
def test_a_trust_policy_naming_only_a_service_refuses_the_caller(cloud):
    _, arn = _role(cloud, _trust({"Service": "lambda.amazonaws.com"}))
    error = _error(lambda: cloud.client("sts").assume_role(RoleArn=arn, RoleSessionName="check"))
    assert error["Code"] == "AccessDenied"
    assert error["Message"].startswith(
        f"User: {ROOT} is not authorized to perform: sts:AssumeRole on resource: {arn} (localcloud: "), error
    assert '"Principal": {"AWS": "arn:aws:iam::123456789012:root"}' in error["Message"]


def test_a_user_needs_the_trust_policy_and_for_an_account_trust_its_own_allow(cloud):
    _, account_trusting = _role(cloud, _trust({"AWS": ROOT}))
    _, keys = _user(cloud)
    sts = _client(cloud, "sts", keys)
    user_arn = sts.get_caller_identity()["Arn"]
    error = _error(lambda: sts.assume_role(RoleArn=account_trusting, RoleSessionName="check"))
    assert error["Message"].startswith(f"User: {user_arn} is not authorized to perform: sts:AssumeRole on resource: "
                                       f"{account_trusting}"), error
    _, user_trusting = _role(cloud, _trust({"AWS": user_arn}))
    assert sts.assume_role(RoleArn=user_trusting, RoleSessionName="check")["AssumedRoleUser"]["Arn"].endswith("/check")
    cloud.client("iam").put_user_policy(UserName=user_arn.rsplit("/", 1)[1], PolicyName="assume",
                                        PolicyDocument=_document({"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                  "Resource": account_trusting}))
    assert sts.assume_role(RoleArn=account_trusting, RoleSessionName="check")


def test_trust_conditions_on_external_id(cloud):
    _, arn = _role(cloud, _trust({"AWS": ROOT}, Condition={"StringEquals": {"sts:ExternalId": "s3cr3t"}}))
    sts = cloud.client("sts")
    assert _error(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="check"))["Code"] == "AccessDenied"
    assert _error(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="check", ExternalId="guess"))["Code"] \
        == "AccessDenied"
    assert sts.assume_role(RoleArn=arn, RoleSessionName="check", ExternalId="s3cr3t")


def test_session_is_evaluated_as_the_assumed_role(cloud, table):
    name, arn = _role(cloud, _trust({"AWS": ROOT}), _document(
        {"Effect": "Allow", "Action": "dynamodb:Get*", "Resource": f"arn:aws:dynamodb:*:*:table/{table}"}))
    keys = cloud.client("sts").assume_role(RoleArn=arn, RoleSessionName="worker")["Credentials"]
    dynamodb = _client(cloud, "dynamodb", keys)
    dynamodb.get_item(TableName=table, Key={"pk": {"S": "a"}})  # wildcard action, wildcard region and account
    error = _error(lambda: dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}}))
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"].startswith(
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{name}/worker is not authorized to perform: dynamodb:PutItem on "
        f"resource: arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table} because no identity-based policy allows the "
        "dynamodb:PutItem action"), error


def test_session_policy_and_policy_arns_intersect_with_the_role(cloud, table):
    _, arn = _role(cloud, _trust({"AWS": ROOT}), _document({"Effect": "Allow", "Action": "*", "Resource": "*"}))
    sts = cloud.client("sts")
    inline = sts.assume_role(RoleArn=arn, RoleSessionName="inline", Policy=_document(
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}))["Credentials"]
    dynamodb = _client(cloud, "dynamodb", inline)
    dynamodb.get_item(TableName=table, Key={"pk": {"S": "a"}})
    assert "because no session policy allows the dynamodb:PutItem action" in _error(
        lambda: dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}}))["Message"]
    managed = sts.assume_role(RoleArn=arn, RoleSessionName="managed", PolicyArns=[
        {"arn": "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"}])["Credentials"]
    dynamodb = _client(cloud, "dynamodb", managed)
    dynamodb.get_item(TableName=table, Key={"pk": {"S": "a"}})
    assert _error(lambda: dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}}))["Code"] == \
        "AccessDeniedException"


def test_session_tags_need_tag_session_and_become_principal_tags(cloud, table):
    policy = _document({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
                        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}}})
    _, no_tagging = _role(cloud, _trust({"AWS": ROOT}), policy)
    sts = cloud.client("sts")
    error = _error(lambda: sts.assume_role(RoleArn=no_tagging, RoleSessionName="tags",
                                           Tags=[{"Key": "team", "Value": "data"}]))
    assert error["Message"].startswith(f"User: {ROOT} is not authorized to perform: sts:TagSession"), error
    _, arn = _role(cloud, _trust({"AWS": ROOT}, "sts:AssumeRole", "sts:TagSession"), policy)
    matching = sts.assume_role(RoleArn=arn, RoleSessionName="tags", Tags=[{"Key": "team", "Value": "data"}])
    _client(cloud, "dynamodb", matching["Credentials"]).get_item(TableName=table, Key={"pk": {"S": "a"}})
    other = sts.assume_role(RoleArn=arn, RoleSessionName="tags", Tags=[{"Key": "team", "Value": "ops"}])
    assert _error(lambda: _client(cloud, "dynamodb", other["Credentials"]).get_item(
        TableName=table, Key={"pk": {"S": "a"}}))["Code"] == "AccessDeniedException"


def test_web_identity_is_decided_by_the_federated_trust(cloud):
    provider = "token.actions.githubusercontent.com"
    _, arn = _role(cloud, _trust({"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{provider}"},
                                 "sts:AssumeRoleWithWebIdentity",
                                 Condition={"StringEquals": {f"{provider}:aud": "sts.amazonaws.com"}}))

    def token(audience: str) -> str:
        claims = json.dumps({"iss": f"https://{provider}", "aud": audience, "sub": "repo:o/r:ref:refs/heads/main"})
        return "e30." + base64.urlsafe_b64encode(claims.encode()).decode().rstrip("=") + ".sig"

    sts = boto3.client("sts", endpoint_url=cloud.endpoint, region_name="us-east-1", aws_access_key_id="x",
                       aws_secret_access_key="x")  # the call is unsigned; the client needs some keys
    answer = sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="ci", WebIdentityToken=token(
        "sts.amazonaws.com"))
    assert answer["Credentials"]["AccessKeyId"]
    error = _error(lambda: sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="ci",
                                                             WebIdentityToken=token("someone-else")))
    assert (error["Code"], error["Message"].split(" (localcloud")[0]) == (
        "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")


def test_access_denied_text_per_service(cloud):
    """Each service's own spelling of the message (services' real answers; messages.py): S3 quotes the
    resource, SQS lower-cases the action, SNS upper-cases its prefix, Secrets Manager names the secret as the
    request did."""
    s3, sqs, sns, secrets = (cloud.client(s) for s in ("s3", "sqs", "sns", "secretsmanager"))
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    queue = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    secret_name = f"app/db-{uuid.uuid4().hex[:6]}"
    secrets.create_secret(Name=secret_name, SecretString="pw")
    name, arn = _role(cloud, _trust({"AWS": ROOT}))
    keys = cloud.client("sts").assume_role(RoleArn=arn, RoleSessionName="texts")["Credentials"]
    caller = f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{name}/texts is not authorized to perform: "
    s3_text = (f's3:GetObject on resource: "arn:aws:s3:::{bucket}/k" because no identity-based policy allows the '
               's3:GetObject action')
    sqs_text = f"sqs:sendmessage on resource: {queue_arn} because no identity-based policy allows the sqs:sendmessage action"
    sns_text = f"SNS:Publish on resource: {topic} because no identity-based policy allows the SNS:Publish action"
    secret_text = (f"secretsmanager:GetSecretValue on resource: {secret_name} because no identity-based policy allows "
                   "the secretsmanager:GetSecretValue action")
    cases = {
        "s3": (lambda: _client(cloud, "s3", keys).get_object(Bucket=bucket, Key="k"), "AccessDenied", s3_text),
        "sqs": (lambda: _client(cloud, "sqs", keys).send_message(QueueUrl=queue, MessageBody="m"), "AccessDenied",
                sqs_text),
        "sns": (lambda: _client(cloud, "sns", keys).publish(TopicArn=topic, Message="m"), "AuthorizationError",
                sns_text),
        "secretsmanager": (lambda: _client(cloud, "secretsmanager", keys).get_secret_value(SecretId=secret_name),
                           "AccessDeniedException", secret_text),
    }
    for service, (call, code, text) in cases.items():
        error = _error(call)
        assert (error["Code"], error["Message"].split(" (localcloud: ")[0]) == (code, caller + text), service


# -- IAM users' own keys -------------------------------------------------------------------------------------
def test_a_users_keys_are_evaluated_with_its_own_and_its_groups_policies(cloud, table):
    name, keys = _user(cloud, _document({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}),
                       group_policy=_document({"Effect": "Allow", "Action": "sqs:CreateQueue", "Resource": "*"}))
    dynamodb, sqs = _client(cloud, "dynamodb", keys), _client(cloud, "sqs", keys)
    dynamodb.get_item(TableName=table, Key={"pk": {"S": "a"}})
    sqs.create_queue(QueueName=f"q-{name}")
    error = _error(lambda: dynamodb.delete_item(TableName=table, Key={"pk": {"S": "a"}}))
    assert error["Message"].startswith(f"User: arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: "
                                       "dynamodb:DeleteItem"), error


def test_deleted_and_inactive_user_keys_are_refused_before_any_policy(cloud, table):
    """IAM UpdateAccessKey / DeleteAccessKey: the key stops working; AWS answers as each protocol does
    (UnrecognizedClientException for JSON services, InvalidClientTokenId for query ones)."""
    name, keys = _user(cloud, _document(ALLOW_ALL))
    dynamodb, sts = _client(cloud, "dynamodb", keys), _client(cloud, "sts", keys)
    dynamodb.get_item(TableName=table, Key={"pk": {"S": "a"}})
    iam = cloud.client("iam")
    iam.update_access_key(UserName=name, AccessKeyId=keys["AccessKeyId"], Status="Inactive")
    assert _error(lambda: dynamodb.get_item(TableName=table, Key={"pk": {"S": "a"}}))["Code"] == \
        "UnrecognizedClientException"
    iam.update_access_key(UserName=name, AccessKeyId=keys["AccessKeyId"], Status="Active")
    dynamodb.get_item(TableName=table, Key={"pk": {"S": "a"}})
    iam.delete_access_key(UserName=name, AccessKeyId=keys["AccessKeyId"])
    error = _error(lambda: sts.get_caller_identity())
    assert (error["Code"], error["Message"]) == ("InvalidClientTokenId",
                                                 "The security token included in the request is invalid.")


def test_temporary_credentials_carry_token_keys_and_no_mfa(cloud, table):
    """AWS global condition keys, aws:MultiFactorAuthPresent: a session's requests carry it as false (and
    aws:TokenIssueTime); a user's long-term keys carry neither. So a Deny on `Bool` false catches only the
    session, and `BoolIfExists` false (AWS's "deny without MFA" pattern) catches both."""
    def deny(operator: str) -> str:
        return _document(ALLOW_ALL, {"Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": "*",
                                     "Condition": {operator: {"aws:MultiFactorAuthPresent": "false"}}})

    def get(client):
        return lambda: client.get_item(TableName=table, Key={"pk": {"S": "a"}})

    for operator, user_allowed in (("Bool", True), ("BoolIfExists", False)):
        _, arn = _role(cloud, _trust({"AWS": ROOT}), deny(operator))
        session = _client(cloud, "dynamodb", cloud.client("sts").assume_role(RoleArn=arn, RoleSessionName="mfa")[
            "Credentials"])
        assert "explicit deny" in _error(get(session))["Message"], operator
        _, keys = _user(cloud, deny(operator))
        user = _client(cloud, "dynamodb", keys)
        if user_allowed:
            get(user)()
        else:
            assert "explicit deny" in _error(get(user))["Message"], operator
    _, token_arn = _role(cloud, _trust({"AWS": ROOT}), _document({
        "Effect": "Allow", "Action": "dynamodb:Query", "Resource": "*",
        "Condition": {"Null": {"aws:TokenIssueTime": "false"}}}))
    tokened = _client(cloud, "dynamodb", cloud.client("sts").assume_role(RoleArn=token_arn, RoleSessionName="tok")[
        "Credentials"])
    tokened.query(TableName=table, KeyConditionExpression="pk = :k", ExpressionAttributeValues={":k": {"S": "a"}})


def test_a_users_permissions_boundary_caps_its_policies(cloud, table):
    """Permissions boundaries for IAM entities: a user's boundary (CreateUser PermissionsBoundary,
    PutUserPermissionsBoundary; moto lacks both) caps its identity policies; deleting it lifts the cap."""
    iam = cloud.client("iam")
    boundary = iam.create_policy(PolicyName=f"b-{uuid.uuid4().hex[:8]}", PolicyDocument=_document(
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}))["Policy"]["Arn"]
    name = f"u-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name, PermissionsBoundary=boundary)
    assert iam.get_user(UserName=name)["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=_document(ALLOW_ALL))
    dynamodb = _client(cloud, "dynamodb", iam.create_access_key(UserName=name)["AccessKey"])
    dynamodb.get_item(TableName=table, Key={"pk": {"S": "a"}})
    assert "because no permissions boundary allows the dynamodb:PutItem action" in _error(
        lambda: dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}}))["Message"]
    iam.delete_user_permissions_boundary(UserName=name)
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}})
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
    assert _error(lambda: dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}}))["Code"] == \
        "AccessDeniedException"


def test_a_missing_key_is_access_denied_without_list_bucket(cloud):
    """S3 API Reference, GetObject / HeadObject, Permissions: without s3:ListBucket a missing key is 403
    AccessDenied, with it 404 NoSuchKey; an existing key needs only s3:GetObject."""
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    cloud.client("s3").create_bucket(Bucket=bucket)
    cloud.client("s3").put_object(Bucket=bucket, Key="there", Body=b"x")
    get_only = _document({"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"})
    _, arn = _role(cloud, _trust({"AWS": ROOT}), get_only)
    s3 = _client(cloud, "s3", cloud.client("sts").assume_role(RoleArn=arn, RoleSessionName="get")["Credentials"])
    assert s3.get_object(Bucket=bucket, Key="there")["Body"].read() == b"x"
    error = _error(lambda: s3.get_object(Bucket=bucket, Key="absent"))
    assert (error["Code"], error["Message"].split(" (localcloud")[0]) == ("AccessDenied", "Access Denied")
    assert _error(lambda: s3.head_object(Bucket=bucket, Key="absent"))["Code"] == "403"
    listing = _document({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"})
    _, lister = _role(cloud, _trust({"AWS": ROOT}), get_only, listing)
    s3 = _client(cloud, "s3", cloud.client("sts").assume_role(RoleArn=lister, RoleSessionName="list")["Credentials"])
    assert _error(lambda: s3.get_object(Bucket=bucket, Key="absent"))["Code"] == "NoSuchKey"
    assert _error(lambda: s3.head_object(Bucket=bucket, Key="absent"))["Code"] == "404"


def test_iam_calls_and_pass_role_are_evaluated(cloud):
    """IAM's own API is evaluated like any other (role ARNs with their path), and handing a role to a service
    is iam:PassRole on it with iam:PassedToService (IAM User Guide, "Grant a user permissions to pass a role
    to an AWS service"): CreateFunction without it fails with AccessDeniedException naming iam:PassRole."""
    from localcloud.testing import zip_of

    name, keys = _user(cloud, _document(
        {"Effect": "Allow", "Action": ["iam:CreateRole", "iam:GetRole"], "Resource": f"arn:aws:iam::{ACCOUNT}:role/app/*"},
        {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"}))
    iam, lam = _client(cloud, "iam", keys), _client(cloud, "lambda", keys)
    role = iam.create_role(RoleName=f"fn-{name}", Path="/app/", AssumeRolePolicyDocument=_trust(
        {"Service": "lambda.amazonaws.com"}))["Role"]["Arn"]
    assert iam.get_role(RoleName=f"fn-{name}")["Role"]["Arn"] == role  # the path comes from the role itself
    error = _error(lambda: iam.create_role(RoleName=f"other-{name}", AssumeRolePolicyDocument=_trust(
        {"Service": "lambda.amazonaws.com"})))
    assert error["Code"] == "AccessDenied" and f"iam:CreateRole on resource: arn:aws:iam::{ACCOUNT}:role/other-" \
        in error["Message"], error

    def create():
        return lam.create_function(FunctionName=f"f-{name}", Runtime="python3.12", Role=role, Handler="h.handler",
                                   Code={"ZipFile": zip_of("def handler(e, c):\n    return 1\n")})

    error = _error(create)
    assert error["Message"].startswith(
        f"User: arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: iam:PassRole on resource: {role} "
        "because no identity-based policy allows the iam:PassRole action"), error
    cloud.client("iam").put_user_policy(UserName=name, PolicyName="pass", PolicyDocument=_document(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role,
         "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}))
    assert create()["Role"] == role


def test_dynamodb_leading_keys_scope_a_tenant(cloud, table):
    """DynamoDB Developer Guide, fine-grained access control: ForAllValues:StringEquals on dynamodb:LeadingKeys
    (the partition key values a request touches) with a policy variable keeps a session to its own items."""
    _, arn = _role(cloud, _trust({"AWS": ROOT}, "sts:AssumeRole", "sts:TagSession"), _document({
        "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
                                      "dynamodb:BatchWriteItem"],
        "Resource": "*", "Condition": {"ForAllValues:StringEquals": {
            "dynamodb:LeadingKeys": ["${aws:PrincipalTag/tenant}"]}}}))
    keys = cloud.client("sts").assume_role(RoleArn=arn, RoleSessionName="tenant", Tags=[
        {"Key": "tenant", "Value": "t1"}])["Credentials"]
    dynamodb = _client(cloud, "dynamodb", keys)
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "t1"}, "v": {"S": "mine"}})
    dynamodb.get_item(TableName=table, Key={"pk": {"S": "t1"}})
    dynamodb.query(TableName=table, KeyConditionExpression="#p = :k", ExpressionAttributeNames={"#p": "pk"},
                   ExpressionAttributeValues={":k": {"S": "t1"}})
    for call in (lambda: dynamodb.get_item(TableName=table, Key={"pk": {"S": "t2"}}),
                 lambda: dynamodb.put_item(TableName=table, Item={"pk": {"S": "t2"}}),
                 lambda: dynamodb.query(TableName=table, KeyConditionExpression="pk = :k",
                                        ExpressionAttributeValues={":k": {"S": "t2"}}),
                 lambda: dynamodb.batch_write_item(RequestItems={table: [
                     {"PutRequest": {"Item": {"pk": {"S": "t1"}}}}, {"PutRequest": {"Item": {"pk": {"S": "t2"}}}}]})):
        assert _error(call)["Code"] == "AccessDeniedException"


def test_user_name_variable_scopes_a_prefix(cloud):
    s3 = cloud.client("s3")
    bucket = f"home-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    name, keys = _user(cloud, _document({"Effect": "Allow", "Action": "s3:PutObject",
                                         "Resource": f"arn:aws:s3:::{bucket}/${{aws:username}}/*"}))
    client = _client(cloud, "s3", keys)
    client.put_object(Bucket=bucket, Key=f"{name}/notes.txt", Body=b"x")
    assert _error(lambda: client.put_object(Bucket=bucket, Key="someone/notes.txt", Body=b"x"))["Code"] == \
        "AccessDenied"


# -- conditions on the request and on the resource ----------------------------------------------------------
def test_source_ip_and_secure_transport_are_what_a_local_http_call_has(cloud, table):
    _, arn = _role(cloud, _trust({"AWS": ROOT}), _document(
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}},
        {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        {"Effect": "Deny", "Action": "dynamodb:Scan", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Effect": "Allow", "Action": "dynamodb:Scan", "Resource": "*"}))
    dynamodb = _client(cloud, "dynamodb", cloud.client("sts").assume_role(RoleArn=arn, RoleSessionName="ip")[
        "Credentials"])
    dynamodb.get_item(TableName=table, Key={"pk": {"S": "a"}})
    assert _error(lambda: dynamodb.query(TableName=table, KeyConditionExpression="pk = :k",
                                         ExpressionAttributeValues={":k": {"S": "a"}}))["Code"] == "AccessDeniedException"
    assert "with an explicit deny in an identity-based policy" in _error(lambda: dynamodb.scan(TableName=table))[
        "Message"]


def test_resource_and_request_tags(cloud, table):
    _, arn = _role(cloud, _trust({"AWS": ROOT}), _document(
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "data"}}},
        {"Effect": "Allow", "Action": "sqs:CreateQueue", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestTag/team": "data"},
                       "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}}))
    keys = cloud.client("sts").assume_role(RoleArn=arn, RoleSessionName="tags")["Credentials"]
    _client(cloud, "dynamodb", keys).get_item(TableName=table, Key={"pk": {"S": "a"}})
    untagged = f"t-{uuid.uuid4().hex[:8]}"
    cloud.client("dynamodb").create_table(
        TableName=untagged, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    assert _error(lambda: _client(cloud, "dynamodb", keys).get_item(TableName=untagged, Key={"pk": {"S": "a"}}))[
        "Code"] == "AccessDeniedException"
    sqs = _client(cloud, "sqs", keys)
    sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}", tags={"team": "data"})
    _error(lambda: sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}"))
    _error(lambda: sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}", tags={"team": "data", "cost": "x"}))


# -- the policy simulator --------------------------------------------------------------------------------
def test_simulate_principal_policy_on_a_role(cloud):
    iam = cloud.client("iam")
    boundary = iam.create_policy(PolicyName=f"b-{uuid.uuid4().hex[:8]}", PolicyDocument=_document(
        {"Effect": "Allow", "Action": ["s3:*", "dynamodb:*"], "Resource": "*"}))["Policy"]["Arn"]
    _, arn = _role(cloud, _trust({"AWS": ROOT}), _document(
        {"Effect": "Allow", "Action": ["s3:Get*", "sqs:*"], "Resource": "*"},
        {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::vault/*"},
        {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}), PermissionsBoundary=boundary)
    results = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["s3:GetObject", "sqs:SendMessage", "dynamodb:PutItem", "kms:Decrypt"],
        ResourceArns=["arn:aws:s3:::open/k", "arn:aws:s3:::vault/k"])["EvaluationResults"]
    decisions = {(r["EvalActionName"], r["EvalResourceName"]): r["EvalDecision"] for r in results}
    assert decisions == {
        ("s3:GetObject", "arn:aws:s3:::open/k"): "allowed", ("s3:GetObject", "arn:aws:s3:::vault/k"): "explicitDeny",
        ("sqs:SendMessage", "arn:aws:s3:::open/k"): "implicitDeny",  # allowed by the role, not by its boundary
        ("sqs:SendMessage", "arn:aws:s3:::vault/k"): "implicitDeny",
        ("dynamodb:PutItem", "arn:aws:s3:::open/k"): "implicitDeny", ("dynamodb:PutItem", "arn:aws:s3:::vault/k"):
            "implicitDeny",
        ("kms:Decrypt", "arn:aws:s3:::open/k"): "implicitDeny", ("kms:Decrypt", "arn:aws:s3:::vault/k"): "implicitDeny"}
    by_key = {(r["EvalActionName"], r["EvalResourceName"]): r for r in results}
    allowed = by_key[("s3:GetObject", "arn:aws:s3:::open/k")]
    assert [(m["SourcePolicyId"], m["SourcePolicyType"]) for m in allowed["MatchedStatements"]] == [
        ("p0", "IAM Policy")]
    assert allowed["MatchedStatements"][0]["StartPosition"]["Line"] == 1
    assert by_key[("sqs:SendMessage", "arn:aws:s3:::open/k")]["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": False}
    assert by_key[("dynamodb:PutItem", "arn:aws:s3:::open/k")]["MissingContextValues"] == ["aws:RequestedRegion"]
    with_region = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["dynamodb:PutItem"], ContextEntries=[
            {"ContextKeyName": "aws:RequestedRegion", "ContextKeyValues": ["eu-west-1"], "ContextKeyType": "string"}])
    assert with_region["EvaluationResults"][0]["EvalDecision"] == "allowed"


@pytest.mark.parametrize("source", ["role", "group", "user"])
def test_simulate_principal_policy_answers_what_aws_recorded(cloud, source):
    """The case LocalStack recorded against AWS (test_iam.py::test_simulate_principle_policy, its snapshot):
    a managed policy allowing s3:PutObject attached to a role, a group or a user; AWS answered PutObject
    allowed with the statement at columns 41-113 of line 1, typed "IAM Policy", GetObjectVersion implicitDeny,
    with empty EvalDecisionDetails and AllowedByOrganizations true."""
    iam = cloud.client("iam")
    suffix = uuid.uuid4().hex[:8]
    policy = iam.create_policy(PolicyName=f"put-{suffix}", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": {"Sid": "", "Effect": "Allow", "Action": "s3:PutObject",
                                               "Resource": "*"}}))["Policy"]["Arn"]
    if source == "role":
        arn = iam.create_role(RoleName=f"sim-{suffix}", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": {"Sid": "", "Effect": "Allow",
                                                   "Principal": {"Service": "apigateway.amazonaws.com"},
                                                   "Action": "sts:AssumeRole"}}))["Role"]["Arn"]
        iam.attach_role_policy(RoleName=f"sim-{suffix}", PolicyArn=policy)
    elif source == "group":
        arn = iam.create_group(GroupName=f"sim-{suffix}")["Group"]["Arn"]
        iam.attach_group_policy(GroupName=f"sim-{suffix}", PolicyArn=policy)
    else:
        arn = iam.create_user(UserName=f"sim-{suffix}")["User"]["Arn"]
        iam.attach_user_policy(UserName=f"sim-{suffix}", PolicyArn=policy)
    answer = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["s3:PutObject", "s3:GetObjectVersion"],
                                           ResourceArns=["arn:aws:s3:::bucket"])
    statement = {"EndPosition": {"Column": 113, "Line": 1}, "SourcePolicyId": f"put-{suffix}",
                 "SourcePolicyType": "IAM Policy", "StartPosition": {"Column": 41, "Line": 1}}

    def result(action: str, decision: str, matched: list) -> dict:
        return {"EvalActionName": action, "EvalDecision": decision, "EvalDecisionDetails": {},
                "EvalResourceName": "arn:aws:s3:::bucket", "MatchedStatements": matched, "MissingContextValues": [],
                "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
                "ResourceSpecificResults": [{"EvalResourceDecision": decision, "EvalResourceName": "arn:aws:s3:::bucket",
                                             "MatchedStatements": matched, "MissingContextValues": []}]}

    assert answer["EvaluationResults"] == [result("s3:PutObject", "allowed", [statement]),
                                           result("s3:GetObjectVersion", "implicitDeny", [])]
    assert answer["IsTruncated"] is False


def test_simulate_custom_policy_and_resource_policy(cloud):
    iam = cloud.client("iam")
    user_arn = iam.create_user(UserName=f"sim-{uuid.uuid4().hex[:8]}")["User"]["Arn"]
    bucket_policy = _document({"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "s3:PutObject",
                               "Resource": "arn:aws:s3:::shared/*"})
    results = iam.simulate_custom_policy(
        PolicyInputList=[_document({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})],
        ActionNames=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], ResourceArns=["arn:aws:s3:::shared/k"],
        ResourcePolicy=bucket_policy, CallerArn=user_arn)["EvaluationResults"]
    assert [(r["EvalActionName"], r["EvalDecision"]) for r in results] == [
        ("s3:GetObject", "allowed"), ("s3:PutObject", "allowed"), ("s3:DeleteObject", "implicitDeny")]
    assert results[1]["MatchedStatements"][0]["SourcePolicyType"] == "resource"
    assert results[0]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    error = _error(lambda: iam.simulate_custom_policy(PolicyInputList=['{"Statement": "nope"'],
                                                      ActionNames=["s3:GetObject"]))
    assert error["Code"] == "InvalidInput"
    missing = _error(lambda: iam.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/none",
                                                           ActionNames=["s3:GetObject"]))
    assert missing["Code"] == "NoSuchEntity"


def test_malformed_policies_are_refused_when_put(cloud):
    """IAM API Reference, PutRolePolicy / CreatePolicy: MalformedPolicyDocument (moto's validator)."""
    name, _ = _role(cloud, _trust({"AWS": ROOT}))
    iam = cloud.client("iam")
    for document, message in (
            ("{not json", "Syntax errors in policy."),
            (json.dumps({"Version": "2012-10-17", "Statement": [{"Action": "s3:*", "Resource": "*"}]}),
             "Syntax errors in policy."),  # no Effect
            (json.dumps({"Version": "2013-01-01", "Statement": [ALLOW_ALL]}), "Syntax errors in policy."),
            (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}),
             "Policy statement must contain actions.")):
        error = _error(lambda d=document: iam.put_role_policy(RoleName=name, PolicyName="bad", PolicyDocument=d))
        assert (error["Code"], error["Message"]) == ("MalformedPolicyDocument", message)
        error = _error(lambda d=document: iam.create_policy(PolicyName=f"bad-{uuid.uuid4().hex[:6]}",
                                                            PolicyDocument=d))
        assert error["Code"] == "MalformedPolicyDocument"


ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def test_create_role_checks_its_trust_policy(cloud):
    """CreateRole: MalformedPolicyDocument; invalid JSON is "This policy contains invalid Json" (AWS's answer,
    recorded in LocalStack's parity snapshots); a Resource in a trust policy is refused."""
    iam = cloud.client("iam")
    trailing_comma = '{"Version": "2012-10-17", "Statement": [{"Action": "sts:AssumeRole", "Principal": "*", ' \
                     '"Effect": "Allow",}]}'
    error = _error(lambda: iam.create_role(RoleName=f"r-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument=trailing_comma))
    assert (error["Code"], error["Message"]) == ("MalformedPolicyDocument", "This policy contains invalid Json")
    with_resource = _trust({"AWS": ROOT}, Resource="*")
    error = _error(lambda: iam.create_role(RoleName=f"r-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument=with_resource))
    assert (error["Code"], error["Message"]) == ("MalformedPolicyDocument", "Has prohibited field Resource.")


# -- the same decisions whichever way moto answers -----------------------------------------------------------
@pytest.mark.parametrize("fast_path", ["1", "0"])
def test_decisions_are_the_same_through_the_fast_path_and_moto_stack(tmp_path, fast_path):
    """LOCALCLOUD_FAST_PATH=0 sends hot S3/DynamoDB/SQS/Secrets Manager calls through moto's Flask stack: IAM
    decides before either, so a session is allowed and denied alike."""
    other = start_cloud(tmp_path / "state", LOCALCLOUD_IAM="enforce", LOCALCLOUD_FAST_PATH=fast_path)
    try:
        other.client("s3").create_bucket(Bucket="data")
        other.client("s3").put_object(Bucket="data", Key="raw/a", Body=b"a")
        queue = other.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
        secret = other.client("secretsmanager").create_secret(Name="db", SecretString="pw")["ARN"]
        other.client("dynamodb").create_table(
            TableName="items", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        _, arn = _role(other, _trust({"AWS": ROOT}), _document(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/raw/*"},
            {"Effect": "Allow", "Action": "sqs:Send*", "Resource": "*"},
            {"Effect": "Allow", "Action": "dynamodb:*Item", "Resource": "*",
             "Condition": {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk"]}}},
            {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"},
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret,
             "Condition": {"StringEquals": {"aws:PrincipalTag/env": "prod"}}}))
        keys = other.client("sts").assume_role(RoleArn=arn, RoleSessionName="fast")["Credentials"]
        s3, sqs, secrets = (_client(other, s, keys) for s in ("s3", "sqs", "secretsmanager"))
        assert s3.get_object(Bucket="data", Key="raw/a")["Body"].read() == b"a"
        assert _error(lambda: s3.put_object(Bucket="data", Key="raw/b", Body=b"b"))["Code"] == "AccessDenied"
        dynamodb = _client(other, "dynamodb", keys)
        dynamodb.put_item(TableName="items", Item={"pk": {"S": "a"}})
        assert "with an explicit deny" in _error(lambda: dynamodb.delete_item(TableName="items", Key={
            "pk": {"S": "a"}}))["Message"]
        sqs.send_message(QueueUrl=queue, MessageBody="m")
        assert _error(lambda: sqs.receive_message(QueueUrl=queue))["Code"] in ("AccessDenied", "AccessDeniedException")
        error = _error(lambda: secrets.get_secret_value(SecretId="db"))
        expected = (f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{arn.rsplit('/', 1)[1]}/fast is not authorized to "
                    "perform: secretsmanager:GetSecretValue on resource: db")  # as the request named it
        assert (error["Code"], error["Message"].split(" because")[0]) == ("AccessDeniedException", expected)
    finally:
        other.stop()


def test_resource_tags_of_each_service(cloud):
    """aws:ResourceTag/<key> read from each service's own tags (resource_tags.py): a tagged resource is allowed,
    its untagged twin denied - SQS, SNS, Lambda, Secrets Manager, KMS, Kinesis, S3 buckets and objects."""
    from localcloud.testing import Functions

    suffix = uuid.uuid4().hex[:8]
    sqs, sns, secrets, kms, kinesis, s3 = (cloud.client(s) for s in ("sqs", "sns", "secretsmanager", "kms", "kinesis",
                                                                      "s3"))
    made = {}
    for tagged in (True, False):
        tag = "data" if tagged else "ops"
        queue = sqs.create_queue(QueueName=f"q-{tag}-{suffix}", tags={"team": tag})["QueueUrl"]
        topic = sns.create_topic(Name=f"t-{tag}-{suffix}", Tags=[{"Key": "team", "Value": tag}])["TopicArn"]
        secret = secrets.create_secret(Name=f"s-{tag}-{suffix}", SecretString="x",
                                       Tags=[{"Key": "team", "Value": tag}])["ARN"]
        key = kms.create_key(Tags=[{"TagKey": "team", "TagValue": tag}])["KeyMetadata"]["KeyId"]
        stream = f"k-{tag}-{suffix}"
        kinesis.create_stream(StreamName=stream, ShardCount=1, Tags={"team": tag})
        bucket = f"b-{tag}-{suffix}"
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": tag}]})
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging=f"team={tag}")
        functions = Functions(cloud)
        function = functions.create("def handler(e, c):\n    return 1\n", Tags={"team": tag})
        made[tagged] = (queue, topic, secret, key, stream, bucket, function)
    _, arn = _role(cloud, _trust({"AWS": ROOT}), _document(
        {"Effect": "Allow", "Action": ["sqs:GetQueueAttributes", "sns:GetTopicAttributes", "lambda:GetFunction",
                                       "secretsmanager:DescribeSecret", "kms:DescribeKey", "kinesis:DescribeStreamSummary",
                                       "s3:GetBucketTagging"],
         "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "data"}}},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringEquals": {"s3:ExistingObjectTag/team": "data"}}}))
    keys = cloud.client("sts").assume_role(RoleArn=arn, RoleSessionName="tagged")["Credentials"]
    c = {s: _client(cloud, s, keys) for s in ("sqs", "sns", "lambda", "secretsmanager", "kms", "kinesis", "s3")}

    def calls(queue, topic, secret, key, stream, bucket, function):
        return {"sqs": lambda: c["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["All"]),
                "sns": lambda: c["sns"].get_topic_attributes(TopicArn=topic),
                "lambda": lambda: c["lambda"].get_function(FunctionName=function),
                "secretsmanager": lambda: c["secretsmanager"].describe_secret(SecretId=secret),
                "kms": lambda: c["kms"].describe_key(KeyId=key),
                "kinesis": lambda: c["kinesis"].describe_stream_summary(StreamName=stream),
                "s3 bucket": lambda: c["s3"].get_bucket_tagging(Bucket=bucket),
                "s3 object": lambda: c["s3"].get_object(Bucket=bucket, Key="k")}

    for service, call in calls(*made[True]).items():
        call()  # tagged team=data: allowed
    for service, call in calls(*made[False]).items():
        assert _error(call)["Code"] in ("AccessDenied", "AccessDeniedException", "AuthorizationError"), service


def test_simulate_with_a_boundary_input_and_context_entries(cloud):
    """SimulateCustomPolicy: PermissionsBoundaryPolicyInputList caps PolicyInputList; ContextEntries feed the
    conditions (a date against aws:CurrentTime, an IP against aws:SourceIp)."""
    iam = cloud.client("iam")
    policy = _document({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                        "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                                      "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}})
    boundary = _document({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})

    def decide(action: str, now: str, ip: str) -> dict:
        return iam.simulate_custom_policy(
            PolicyInputList=[policy], PermissionsBoundaryPolicyInputList=[boundary], ActionNames=[action],
            ContextEntries=[{"ContextKeyName": "aws:CurrentTime", "ContextKeyValues": [now], "ContextKeyType": "date"},
                            {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": [ip], "ContextKeyType": "ip"}],
        )["EvaluationResults"][0]

    allowed = decide("s3:GetObject", "2026-12-01T10:00:00Z", "10.1.2.3")
    assert (allowed["EvalDecision"], allowed["PermissionsBoundaryDecisionDetail"]) == (
        "allowed", {"AllowedByPermissionsBoundary": True})
    capped = decide("s3:PutObject", "2026-12-01T10:00:00Z", "10.1.2.3")
    assert (capped["EvalDecision"], capped["PermissionsBoundaryDecisionDetail"]) == (
        "implicitDeny", {"AllowedByPermissionsBoundary": False})
    assert decide("s3:GetObject", "2031-01-01T00:00:00Z", "10.1.2.3")["EvalDecision"] == "implicitDeny"
    assert decide("s3:GetObject", "2026-12-01T10:00:00Z", "192.168.1.1")["EvalDecision"] == "implicitDeny"
