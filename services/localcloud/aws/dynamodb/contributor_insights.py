"""CloudWatch Contributor Insights settings of a table or index (moto has none: the operations answered 501).

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeContributorInsights.html:
DISABLED until UpdateContributorInsights enables it (ENABLING, then ENABLED by the next read). No
contributor data is computed here; the setting is kept on moto's table object (saved with it).
"""

from __future__ import annotations

from localcloud.aws.dynamodb.table_settings import on_table, settings_on
from localcloud.aws.registry import handles, json_response
from localcloud.server.requests import AwsRequest

INSIGHTS_ATTR = "_localcloud_contributor_insights"
SETTLED = {"ENABLING": "ENABLED", "DISABLING": "DISABLED"}


def _settings(table) -> dict[str, str]:
    return settings_on(table, INSIGHTS_ATTR)


def _answer(table, index: str | None, status: str) -> dict[str, str]:
    answer = {"TableName": table.name, "ContributorInsightsStatus": status}
    if index:
        answer["IndexName"] = index
    return answer


@handles("dynamodb", "DescribeContributorInsights")
@on_table
def describe(request: AwsRequest, spec: dict, table):
    settings = _settings(table)
    key = spec.get("IndexName") or ""
    status = SETTLED.get(settings.get(key, "DISABLED"), settings.get(key, "DISABLED"))
    settings[key] = status
    answer = _answer(table, spec.get("IndexName"), status)
    if status == "ENABLED":
        answer["ContributorInsightsRuleList"] = [f"DynamoDBContributorInsights-PKC-{table.name}",
                                                 f"DynamoDBContributorInsights-SKC-{table.name}"]
    return json_response(answer)


@handles("dynamodb", "UpdateContributorInsights")
@on_table
def update(request: AwsRequest, spec: dict, table):
    status = "ENABLING" if spec.get("ContributorInsightsAction") == "ENABLE" else "DISABLING"
    _settings(table)[spec.get("IndexName") or ""] = status
    return json_response(_answer(table, spec.get("IndexName"), status))


@handles("dynamodb", "ListContributorInsights")
def list_insights(request: AwsRequest):
    from localcloud.moto_adapter import dynamodb_backends

    spec = request.json()
    backend = dynamodb_backends[request.account_id][request.region]
    summaries = []
    for table in list(backend.tables.values()):
        if spec.get("TableName") and table.name != spec["TableName"]:
            continue
        for index, status in _settings(table).items():
            summary = {"TableName": table.name, "ContributorInsightsStatus": SETTLED.get(status, status)}
            if index:
                summary["IndexName"] = index
            summaries.append(summary)
    return json_response({"ContributorInsightsSummaries": summaries})
