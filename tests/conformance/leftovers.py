"""What of a conformance stack still exists, asked through each service's own list calls (boto3).

Every resource of the stack carries the name prefix, so each check looks for that prefix; a key only
counts as left behind while it is not scheduled for deletion (AWS keeps KMS keys for the waiting period).
"""

from __future__ import annotations

from collections.abc import Callable

from local_cloud import client


def _named(names: list[str], prefix: str) -> list[str]:
    return [name for name in names if prefix in name]


def leftovers(endpoint: str, prefix: str, key_ids: list[str] = ()) -> dict[str, list[str]]:
    """{what: [names still there]} for every kind of resource the stack creates; empty lists mean clean."""
    c: Callable[[str], object] = lambda service: client(endpoint, service)
    s3, iam, lam, ec2 = c("s3"), c("iam"), c("lambda"), c("ec2")
    logs, rds, kms = c("logs"), c("rds"), c("kms")
    found: dict[str, list[str]] = {
        "s3 buckets": _named([b["Name"] for b in s3.list_buckets().get("Buckets", [])], prefix),
        "iam roles": _named([r["RoleName"] for r in iam.list_roles()["Roles"]], prefix),
        "iam policies": _named([p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]], prefix),
        "lambda functions": _named([f["FunctionName"] for f in lam.list_functions()["Functions"]], prefix),
        "lambda layers": _named([layer["LayerName"] for layer in lam.list_layers()["Layers"]], prefix),
        "event source mappings": _named([m["FunctionArn"] for m in
                                         lam.list_event_source_mappings()["EventSourceMappings"]], prefix),
        "kinesis streams": _named(c("kinesis").list_streams()["StreamNames"], prefix),
        "dynamodb tables": _named(c("dynamodb").list_tables()["TableNames"], prefix),
        "sqs queues": c("sqs").list_queues(QueueNamePrefix=prefix).get("QueueUrls", []),
        "sns topics": _named([t["TopicArn"] for t in c("sns").list_topics()["Topics"]], prefix),
        "sns subscriptions": _named([s["TopicArn"] for s in c("sns").list_subscriptions()["Subscriptions"]],
                                    prefix),
        "secrets": _named([s["Name"] for s in c("secretsmanager").list_secrets()["SecretList"]], prefix),
        "ssm parameters": _named([p["Name"] for p in c("ssm").describe_parameters()["Parameters"]], prefix),
        "state machines": _named([m["name"] for m in c("stepfunctions").list_state_machines()["stateMachines"]],
                                 prefix),
        "eventbridge rules": _named([r["Name"] for r in c("events").list_rules()["Rules"]], prefix),
        "schedules": _named([s["Name"] for s in c("scheduler").list_schedules()["Schedules"]], prefix),
        "log groups": _named([g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]], prefix),
        "metric filters": _named([f["filterName"] for f in logs.describe_metric_filters()["metricFilters"]],
                                 prefix),
        "alarms": _named([a["AlarmName"] for a in c("cloudwatch").describe_alarms()["MetricAlarms"]], prefix),
        "rest apis": _named([a["name"] for a in c("apigateway").get_rest_apis()["items"]], prefix),
        "glue databases": _named([d["Name"] for d in c("glue").get_databases()["DatabaseList"]], prefix),
        "athena workgroups": _named([w["Name"] for w in c("athena").list_work_groups()["WorkGroups"]], prefix),
        "vpcs": _named([next((t["Value"] for t in v.get("Tags", []) if t["Key"] == "Name"), v["VpcId"])
                        for v in ec2.describe_vpcs()["Vpcs"]], prefix),
        "security groups": _named([g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]],
                                  prefix),
        "db instances": _named([d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]],
                               prefix),
        "db subnet groups": _named([g["DBSubnetGroupName"] for g in
                                    rds.describe_db_subnet_groups()["DBSubnetGroups"]], prefix),
        "ecr repositories": _named([r["repositoryName"] for r in c("ecr").describe_repositories()["repositories"]],
                                   prefix),
        "kms aliases": _named([a["AliasName"] for a in kms.list_aliases()["Aliases"]], prefix),
        "kms keys not pending deletion": [k for k in key_ids
                                          if kms.describe_key(KeyId=k)["KeyMetadata"]["KeyState"]
                                          not in ("PendingDeletion", "Disabled")],
    }
    return found
