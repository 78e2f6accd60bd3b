"""Per service: which request parameters name which placeholder of the resource ARN formats.

Each reader gets (operation, params, environ, region, account) and returns one (action operation, names,
condition keys) per access the request makes: usually one; a DynamoDB batch one per table, S3 CopyObject a
GetObject of the source and a PutObject of the target, S3 DeleteObjects one DeleteObject per key.
Placeholder names are the service authorization reference's (`${TableName}`, `${BucketName}`, ...).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlparse
from xml.etree import ElementTree

Names = dict[str, str]
Access = tuple[str, Names, dict[str, list[str]]]


def _arn_names(arn: str) -> Names:
    parts = str(arn).split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        return {"Region": parts[3], "Account": parts[4]}
    return {}


def _s3(operation: str, params: dict[str, Any], environ: dict[str, Any], region: str, account: str,
        body: bytes) -> list[Access]:
    bucket, key = params.get("Bucket", ""), params.get("Key", "")
    names = {"BucketName": bucket}
    context: dict[str, list[str]] = {}
    if key:
        names["ObjectName"] = key
    for header, condition in (("HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION", "s3:x-amz-server-side-encryption"),
                              ("HTTP_X_AMZ_ACL", "s3:x-amz-acl")):
        if environ.get(header):
            context[condition] = [environ[header]]
    if operation in ("ListObjects", "ListObjectsV2", "ListObjectVersions"):
        for param, condition in (("prefix", "s3:prefix"), ("delimiter", "s3:delimiter"),
                                 ("max-keys", "s3:max-keys")):
            if param in params:
                context[condition] = [params[param]]
    if operation == "DeleteObjects":
        try:
            tree = ElementTree.fromstring(body)
            keys = [e.text or "" for e in tree.iter() if e.tag.rsplit("}", 1)[-1] == "Key"]
        except ElementTree.ParseError:
            keys = []
        return [("DeleteObject", {"BucketName": bucket, "ObjectName": k}, context) for k in keys] or \
            [("DeleteObject", {"BucketName": bucket, "ObjectName": "*"}, context)]
    if operation in ("CopyObject", "UploadPartCopy"):
        source = unquote(environ.get("HTTP_X_AMZ_COPY_SOURCE", "")).lstrip("/").split("?", 1)[0]
        source_bucket, _, source_key = source.partition("/")
        return [("GetObject", {"BucketName": source_bucket, "ObjectName": source_key}, {}),
                ("PutObject", names, context)]
    return [(operation, names, context)]


def _dynamodb(operation: str, params: dict[str, Any], environ: dict[str, Any], region: str, account: str,
              body: bytes) -> list[Access]:
    from localcloud.iam.dynamodb_keys import condition_keys

    def lazily(operation_name: str, table_name: str, table_region: str, table_account: str) -> Any:
        # computed only when a condition asks for a dynamodb: key (enforcement.py): it reads the key schema
        return lambda: condition_keys(operation_name, params, table_name, table_region, table_account)

    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(operation, {"TableName": t, "_lazy": lazily(operation, t, region, account)}, {})
                for t in params.get("RequestItems", {})]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck":
                 "ConditionCheckItem", "Get": "GetItem"}
        accesses = []
        for item in params.get("TransactItems", []):
            for kind, operation_name in kinds.items():
                if kind in item:
                    accesses.append((operation_name, {"TableName": item[kind].get("TableName", "")}, {}))
        return accesses
    table = str(params.get("TableName") or params.get("TableArn") or params.get("ResourceArn") or "")
    names = {"TableName": table.split(":table/", 1)[1].split("/", 1)[0] if ":table/" in table else table}
    names.update(_arn_names(table))
    stream = str(params.get("StreamArn", ""))
    if "/stream/" in stream:
        table_part, label = stream.split(":table/", 1)[1].split("/stream/", 1)
        names.update({"TableName": table_part, "StreamLabel": label, **_arn_names(stream)})
    if operation in _ITEM_OPERATIONS:
        names["_lazy"] = lazily(operation, names["TableName"], names.get("Region", region), names.get("Account", account))
    if operation in ("Query", "Scan") and params.get("IndexName"):
        return [(operation, {**names, "IndexName": params["IndexName"], "_only": "index"}, {})]
    return [(operation, names, {})]


_ITEM_OPERATIONS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan"}


def _kinesis(operation, params, environ, region, account, body) -> list[Access]:
    arn = str(params.get("StreamARN") or params.get("ResourceARN") or "")
    name = params.get("StreamName") or (arn.split(":stream/", 1)[1].split("/", 1)[0] if ":stream/" in arn else "")
    consumer = str(params.get("ConsumerARN", ""))
    if consumer and not name:
        name = consumer.split(":stream/", 1)[1].split("/", 1)[0]
    return [(operation, {"StreamName": name, **_arn_names(arn or consumer)}, {})]


def _sqs(operation, params, environ, region, account, body) -> list[Access]:
    url = params.get("QueueUrl", "")
    name = params.get("QueueName") or (urlparse(url).path.rstrip("/").rsplit("/", 1)[-1] if url else "")
    names = {"QueueName": name}
    path = urlparse(url).path.strip("/").split("/") if url else []
    if len(path) == 2 and path[0].isdigit():
        names["Account"] = path[0]
    return [(operation, names, {})]


def _sns(operation, params, environ, region, account, body) -> list[Access]:
    arn = params.get("TopicArn") or params.get("TargetArn") or params.get("ResourceArn") or ""
    if not arn and params.get("SubscriptionArn"):
        arn = params["SubscriptionArn"].rsplit(":", 1)[0]
    name = params.get("Name", "") if operation == "CreateTopic" else str(arn).rsplit(":", 1)[-1]
    return [(operation, {"TopicName": name, **_arn_names(arn)}, {})]


def _secretsmanager(operation, params, environ, region, account, body) -> list[Access]:
    from localcloud.iam.resource_policies import secret_arn

    secret = params.get("SecretId") or params.get("Name") or ""
    arn = secret_arn(secret, region, account) if secret else ""
    names = {"SecretId": arn.split(":secret:", 1)[1], **_arn_names(arn)} if ":secret:" in arn else {}
    if names and secret:
        names["_named"] = str(secret)  # AccessDenied names the secret as the request did
    return [(operation, names, {})]


def _kms(operation, params, environ, region, account, body) -> list[Access]:
    from localcloud.iam.resource_policies import kms_key_arn

    key = params.get("KeyId") or params.get("TargetKeyId") or ""
    if not key and params.get("CiphertextBlob"):
        from localcloud.iam.resource_policies import kms_key_of_ciphertext

        key = kms_key_of_ciphertext(params["CiphertextBlob"], region, account)
    arn = kms_key_arn(key, region, account) if key else ""
    context: dict[str, list[str]] = {"kms:calleraccount": [account]}
    for name, value in (params.get("EncryptionContext") or {}).items():
        context[f"kms:encryptioncontext:{name.lower()}"] = [str(value)]
    if params.get("EncryptionContext"):
        context["kms:encryptioncontextkeys"] = list(params["EncryptionContext"])
    if str(key).startswith("alias/") or ":alias/" in str(key):
        context["kms:requestalias"] = [str(key).split(":", 5)[-1]]
    names = {"KeyId": arn.rsplit("/", 1)[-1], **_arn_names(arn)} if ":key/" in arn else {}
    if operation == "CreateAlias" and params.get("AliasName"):
        alias = params["AliasName"].split("alias/", 1)[-1]
        return [(operation, {"Alias": alias}, context), (operation, names, context)]
    return [(operation, names, context)]


def _logs(operation, params, environ, region, account, body) -> list[Access]:
    group = params.get("logGroupName") or params.get("logGroupIdentifier") or ""
    if str(group).startswith("arn:"):
        group = group.split(":log-group:", 1)[1].removesuffix(":*")
    return [(operation, {"LogGroupName": group, "LogStreamName": params.get("logStreamName", "")}, {})]


def _passing(role_arn: Any, service: str) -> list[Access]:
    """Handing a role to a service is also iam:PassRole on it (IAM User Guide, "Grant a user permissions to
    pass a role to an AWS service"), with iam:PassedToService naming the service."""
    arn = str(role_arn or "")
    if ":role/" not in arn:
        return []
    return [("iam:PassRole", {"RoleNameWithPath": arn.split(":role/", 1)[1], **_arn_names(arn)},
             {"iam:passedtoservice": [service]})]


def _lambda(operation, params, environ, region, account, body) -> list[Access]:
    function = str(params.get("FunctionName", ""))
    names = {}
    if function.startswith("arn:"):
        names = {"FunctionName": function.split(":")[6], **_arn_names(function)}
    elif function:
        names = {"FunctionName": function.split(":", 1)[0]}
    passed = _passing(params.get("Role"), "lambda.amazonaws.com") \
        if operation in ("CreateFunction", "UpdateFunctionConfiguration") else []
    return [(operation, names, {}), *passed]


def _states(operation, params, environ, region, account, body) -> list[Access]:
    arn = str(params.get("stateMachineArn") or params.get("executionArn") or params.get("resourceArn") or "")
    names: Names = _arn_names(arn)
    parts = arn.split(":")
    if ":stateMachine:" in arn:
        names["StateMachineName"] = parts[6]
    elif ":execution:" in arn and len(parts) >= 8:
        names.update({"StateMachineName": parts[6], "ExecutionId": parts[7]})
    elif operation == "CreateStateMachine" and params.get("name"):
        names["StateMachineName"] = params["name"]
    passed = _passing(params.get("roleArn"), "states.amazonaws.com") \
        if operation in ("CreateStateMachine", "UpdateStateMachine") else []
    return [(operation, names, {}), *passed]


def _events(operation, params, environ, region, account, body) -> list[Access]:
    if operation == "PutEvents":
        buses = {str(e.get("EventBusName") or "default") for e in params.get("Entries", [])} or {"default"}
        return [(operation, {"EventBusName": b.rsplit("/", 1)[-1], **_arn_names(b)}, {}) for b in sorted(buses)]
    bus = str(params.get("EventBusName") or "default")
    names = {"EventBusName": bus.rsplit("/", 1)[-1], **_arn_names(bus)}
    if params.get("Name") or params.get("Rule"):
        names["RuleName"] = params.get("Name") or params.get("Rule")
    passed = [a for t in params.get("Targets") or [] if isinstance(t, dict)
              for a in _passing(t.get("RoleArn"), "events.amazonaws.com")] if operation == "PutTargets" else []
    return [(operation, names, {}), *passed]


def _glue(operation, params, environ, region, account, body) -> list[Access]:
    database = params.get("DatabaseName") or (params.get("DatabaseInput") or {}).get("Name", "")
    table = params.get("TableName") or (params.get("TableInput") or {}).get("Name", "")
    if operation in ("GetDatabase", "DeleteDatabase", "UpdateDatabase") and not database:
        database = params.get("Name", "")
    if operation in ("GetTable", "DeleteTable") and not table:
        table = params.get("Name", "")
    names = {"CatalogName": "", "DatabaseName": database, "TableName": table}
    return [(operation, names, {})]


def _athena(operation, params, environ, region, account, body) -> list[Access]:
    workgroup = params.get("WorkGroup") or params.get("Name")
    if not workgroup and params.get("QueryExecutionId"):
        workgroup = _query_workgroup(params["QueryExecutionId"], region, account)
    return [(operation, {"WorkGroupName": workgroup or "primary"}, {})]


def _query_workgroup(execution_id: str, region: str, account: str) -> str:
    """A query's calls (GetQueryExecution, GetQueryResults, StopQueryExecution) act on its workgroup."""
    from localcloud.aws.athena import handlers

    runner = handlers._runner()
    execution = runner.executions.get(execution_id) if runner is not None else None
    if execution is not None:
        return execution.workgroup
    from localcloud.moto_adapter import athena_backends

    found = getattr(athena_backends[account][region].executions.get(execution_id), "workgroup", None)
    return found if isinstance(found, str) else getattr(found, "name", "") or ""


def _ssm(operation, params, environ, region, account, body) -> list[Access]:
    names = params.get("Names") or [params.get("Name") or params.get("Path") or ""]
    return [(operation, {"ParameterNameWithoutLeadingSlash": str(n).lstrip("/")}, {}) for n in names]


def _sts(operation, params, environ, region, account, body) -> list[Access]:
    """AssumeRole* on the role, with the STS condition keys trust policies test (STS "Actions, resources,
    and condition keys": sts:ExternalId, sts:RoleSessionName, sts:SourceIdentity, sts:TransitiveTagKeys);
    passing session tags is also sts:TagSession on the role ("Passing session tags in AWS STS": the trust
    policy must allow sts:TagSession)."""
    from localcloud.iam.request_tags import tag_context

    arn = params.get("RoleArn", "")
    path = arn.split(":role/", 1)[1] if ":role/" in arn else ""
    names = {"RoleNameWithPath": path, **_arn_names(arn)}
    context: dict[str, list[str]] = {}
    for param, key in (("ExternalId", "sts:externalid"), ("RoleSessionName", "sts:rolesessionname"),
                       ("SourceIdentity", "sts:sourceidentity")):
        if params.get(param):
            context[key] = [str(params[param])]
    transitive = [str(v) for k, v in params.items() if k.startswith("TransitiveTagKeys.member.")]
    if transitive:
        context["sts:transitivetagkeys"] = transitive
    accesses = [(operation, names, context)]
    if operation == "AssumeRole" and tag_context(params):
        accesses.append(("TagSession", dict(names), context))
    if operation == "AssumeRole" and params.get("SourceIdentity"):
        accesses.append(("SetSourceIdentity", dict(names), context))
    return accesses


def _rds(operation, params, environ, region, account, body) -> list[Access]:
    return [(operation, {"DbInstanceName": params.get("DBInstanceIdentifier", "")}, {})]


def _scheduler(operation, params, environ, region, account, body) -> list[Access]:
    target = params.get("Target") if isinstance(params.get("Target"), dict) else {}
    passed = _passing(target.get("RoleArn"), "scheduler.amazonaws.com") \
        if operation in ("CreateSchedule", "UpdateSchedule") else []
    return [(operation, {"GroupName": params.get("GroupName") or "default", "ScheduleName": params.get("Name", "")},
             {}), *passed]


def _iam_path(kind: str, name: str, params: dict[str, Any], account: str) -> str:
    """<path without its leading slash><name>: the ...NameWithPath placeholder. The path is the request's
    (Create*) or the entity's own."""
    path = str(params.get("Path") or "")
    if not path:
        from localcloud.iam.principals import entity_path

        path = entity_path(kind, name, account) or "/"
    return path.lstrip("/") + name


def _iam(operation, params, environ, region, account, body) -> list[Access]:
    """IAM's own API on its users, groups, roles, policies and instance profiles; iam:PolicyARN and
    iam:PermissionsBoundary as the service authorization reference lists them."""
    names: Names = {}
    context: dict[str, list[str]] = {}
    for param, kind, placeholder in (("RoleName", "role", "RoleNameWithPath"), ("UserName", "user", "UserNameWithPath"),
                                     ("GroupName", "group", "GroupNameWithPath"),
                                     ("InstanceProfileName", "instance-profile", "InstanceProfileNameWithPath")):
        if params.get(param):
            names[placeholder] = _iam_path(kind, str(params[param]), params, account)
    if not params.get("UserName") and operation in ("GetUser", "CreateAccessKey", "ListAccessKeys",
                                                    "UpdateAccessKey", "DeleteAccessKey", "ListUserPolicies",
                                                    "ListAttachedUserPolicies", "ListGroupsForUser"):
        from localcloud.iam.principals import user_of_key
        from localcloud.server.requests import credential_scope

        scope = credential_scope(environ)
        user = user_of_key(scope[0], account) if scope else None
        if user is not None:  # the caller's own user
            names["UserNameWithPath"] = user.path.lstrip("/") + user.name
    policy_arn = str(params.get("PolicyArn") or "")
    if ":policy/" in policy_arn:
        names.setdefault("PolicyNameWithPath", policy_arn.split(":policy/", 1)[1])
        names.setdefault("Account", policy_arn.split(":")[4])
        context["iam:policyarn"] = [policy_arn]
    elif operation == "CreatePolicy" and params.get("PolicyName"):
        names["PolicyNameWithPath"] = str(params.get("Path") or "/").lstrip("/") + str(params["PolicyName"])
    if params.get("PermissionsBoundary"):
        context["iam:permissionsboundary"] = [str(params["PermissionsBoundary"])]
    source = str(params.get("PolicySourceArn") or "")
    for kind, placeholder in (("role", "RoleNameWithPath"), ("user", "UserNameWithPath"), ("group", "GroupNameWithPath")):
        if f":{kind}/" in source:
            names.update({placeholder: source.split(f":{kind}/", 1)[1], "_only": kind, **_arn_names(source)})
    return [(operation, names, context)]


READERS = {"s3": _s3, "dynamodb": _dynamodb, "kinesis": _kinesis, "sqs": _sqs, "sns": _sns,
           "secretsmanager": _secretsmanager, "kms": _kms, "logs": _logs, "lambda": _lambda, "states": _states,
           "events": _events, "glue": _glue, "athena": _athena, "ssm": _ssm, "sts": _sts, "rds": _rds,
           "scheduler": _scheduler, "iam": _iam}
