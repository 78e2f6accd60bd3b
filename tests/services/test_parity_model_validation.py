"""Every JSON-protocol service refuses a request that breaks its API model before the service sees it, as
AWS's front end does: one error listing each violation, "1 validation error detected: Value '51' at
'limit' failed to satisfy constraint: Member must have value less than or equal to 50".

The constraints are botocore's service models (min/max/pattern/enum/required); the error code is the one
each service documents for it: ValidationException (EventBridge, KMS, SSM, Secrets Manager, Scheduler
"Common Errors"), InvalidParameterException for CloudWatch Logs. The client's own parameter validation is
off, as in an SDK that does not check (or checks only `required`).
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

CASES = [
    # (service, operation, kwargs, error code, message)
    ("events", "put_rule", {"Name": "has spaces!", "ScheduleExpression": "rate(1 hour)"}, "ValidationException",
     "1 validation error detected: Value 'has spaces!' at 'name' failed to satisfy constraint: "
     "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"),
    ("kms", "list_keys", {"Limit": 0}, "ValidationException",
     "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
     "Member must have value greater than or equal to 1"),
    ("ssm", "describe_parameters", {"MaxResults": 51}, "ValidationException",
     "1 validation error detected: Value '51' at 'maxResults' failed to satisfy constraint: "
     "Member must have value less than or equal to 50"),
    ("secretsmanager", "list_secrets", {"MaxResults": 101}, "ValidationException",
     "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: "
     "Member must have value less than or equal to 100"),
    ("logs", "describe_log_groups", {"limit": 51}, "InvalidParameterException",
     "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: "
     "Member must have value less than or equal to 50"),
    ("scheduler", "list_schedules", {"MaxResults": 101}, "ValidationException",
     "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: "
     "Member must have value less than or equal to 100"),
]


@pytest.mark.parametrize("service, operation, kwargs, code, message", CASES, ids=[c[0] for c in CASES])
def test_a_request_outside_the_model_is_refused_with_the_services_validation_error(
        cloud, service, operation, kwargs, code, message):
    client = cloud.client(service, parameter_validation=False)
    with pytest.raises(ClientError) as error:
        getattr(client, operation)(**kwargs)
    assert error.value.response["Error"]["Code"] == code
    assert error.value.response["Error"]["Message"] == message
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_every_violation_is_listed_in_one_error(cloud):
    events = cloud.client("events", parameter_validation=False)
    with pytest.raises(ClientError) as error:
        events.put_rule(Name="x" * 65 + " !", State="SOMETIMES")
    text = error.value.response["Error"]["Message"]
    assert text.startswith("3 validation errors detected: ")
    assert "Member must have length less than or equal to 64" in text
    assert "Member must satisfy enum value set: [" in text and "at 'state'" in text


def test_a_request_inside_the_model_is_served(cloud):
    logs = cloud.client("logs")
    assert "logGroups" in logs.describe_log_groups(limit=50)
    assert cloud.client("kms").list_keys(Limit=1000)["Keys"] is not None


def test_a_list_of_structures_is_printed_as_aws_prints_it(cloud):
    """AWS's validator prints a structure as its model class does: ClassName(member=value, ...), null if
    absent (CloudWatch Logs PutMetricFilter: 'metricTransformations' has at most 1 member). The members come
    in botocore's order; AWS's own class can order a few differently (here unit before dimensions)."""
    logs = cloud.client("logs", parameter_validation=False)
    group = "parity-" + __import__("uuid").uuid4().hex[:8]
    logs.create_log_group(logGroupName=group)
    transformations = [{"metricName": f"m{i}", "metricNamespace": f"n{i}", "metricValue": "1"} for i in (1, 2)]
    with pytest.raises(ClientError) as error:
        logs.put_metric_filter(logGroupName=group, filterName="f", filterPattern="", metricTransformations=transformations)
    assert error.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '[MetricTransformation(metricName=m1, metricNamespace=n1, metricValue=1, "
        "defaultValue=null, dimensions=null, unit=null), MetricTransformation(metricName=m2, metricNamespace=n2, "
        "metricValue=1, defaultValue=null, dimensions=null, unit=null)]' at 'metricTransformations' failed to "
        "satisfy constraint: Member must have length less than or equal to 1")


def test_a_pattern_the_service_does_not_enforce_is_not_checked(cloud):
    logs = cloud.client("logs")
    group = "parity-" + __import__("uuid").uuid4().hex[:8]
    logs.create_log_group(logGroupName=group)
    logs.put_metric_filter(logGroupName=group, filterName="f", filterPattern="", metricTransformations=[
        {"metricName": "m", "metricNamespace": "A.B-c_d/1#2:ns", "metricValue": "1"}])
    assert logs.describe_metric_filters(logGroupName=group)["metricFilters"][0]["filterName"] == "f"
