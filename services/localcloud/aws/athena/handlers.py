"""Athena's query API over the DuckDB engine; moto keeps work groups, named queries and data catalogs.

moto's own StartQueryExecution records the query and reports SUCCEEDED without running it; every
operation about query executions is ours.
"""

from __future__ import annotations

from localcloud.aws.athena import on_behalf, prepared
from localcloud.aws.athena.executions import Execution, QueryRunner
from localcloud.aws.registry import handles, json_response
from localcloud.host import find
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

MAX_RESULTS = 1000  # GetQueryResults' MaxResults upper bound


def _runner() -> QueryRunner | None:
    """The app's query runner (aws/athena/__init__.py installs it), None outside the server."""
    return find("athena")


def _invalid(message: str):
    return aws_error("athena", 400, "InvalidRequestException", message)


def _workgroup(request: AwsRequest, name: str):
    from localcloud.moto_adapter import athena_backends

    return athena_backends[request.account_id][request.region].work_groups.get(name)


def _shape(execution: Execution) -> dict:
    status: dict = {"State": execution.state, "SubmissionDateTime": execution.submitted}
    if execution.completed is not None:
        status["CompletionDateTime"] = execution.completed
    if execution.reason:
        status["StateChangeReason"] = execution.reason
    if execution.error is not None:
        status["AthenaError"] = {"ErrorCategory": execution.error.category, "ErrorType": 1000 if
                                 execution.error.category == 2 else 401, "Retryable": False,
                                 "ErrorMessage": execution.reason}
    finished = execution.completed or execution.started or execution.submitted
    engine_ms = int(((execution.completed or finished) - (execution.started or finished)) * 1000)
    scanned = execution.result.data_scanned_bytes if execution.result else 0
    statistics = {"EngineExecutionTimeInMillis": engine_ms, "DataScannedInBytes": scanned,
                  "TotalExecutionTimeInMillis": int((finished - execution.submitted) * 1000),
                  "QueryQueueTimeInMillis": int(((execution.started or finished) - execution.submitted) * 1000),
                  "ServicePreProcessingTimeInMillis": 0, "QueryPlanningTimeInMillis": 0,
                  "ServiceProcessingTimeInMillis": 0, "ResultReuseInformation": {"ReusedPreviousResult": False}}
    if execution.result is not None and execution.result.manifest_location:
        # CTAS, INSERT INTO and UNLOAD: where the list of files they wrote is (awswrangler reads it).
        statistics["DataManifestLocation"] = execution.result.manifest_location
    return {
        "QueryExecutionId": execution.id, "Query": execution.query, "StatementType": execution.statement_type,
        "ResultConfiguration": {"OutputLocation": execution.output_location},
        "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
        "QueryExecutionContext": {"Database": execution.database, "Catalog": execution.catalog},
        "Status": status,
        "Statistics": statistics,
        "WorkGroup": execution.workgroup,
        "EngineVersion": {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
        "SubstatementType": execution.substatement_type,
    }


@handles("athena", "StartQueryExecution")
def start_query_execution(request: AwsRequest):
    if _runner() is None:
        return None
    body = request.json()
    token = body.get("ClientRequestToken")
    if token and token in _runner().by_token:  # idempotent retries return the same execution
        return json_response({"QueryExecutionId": _runner().by_token[token]})
    name = body.get("WorkGroup") or "primary"
    workgroup = _workgroup(request, name)
    if workgroup is None:
        return _invalid(f"WorkGroup {name} is not found.")
    configured = (workgroup.configuration.get("ResultConfiguration") or {}).get("OutputLocation")
    requested = (body.get("ResultConfiguration") or {}).get("OutputLocation")
    # With EnforceWorkGroupConfiguration the work group's location wins over the client's.
    enforce = workgroup.configuration.get("EnforceWorkGroupConfiguration", False)
    location = configured if (enforce and configured) else (requested or configured)
    if not location:
        return _invalid("No output location provided. An output location is required either through the "
                        "Workgroup result configuration setting or as an API input.")
    query = body.get("QueryString", "")
    try:
        query = prepared.resolve(query, name, request.account_id, request.region, body.get("ExecutionParameters") or [])
    except prepared.PreparedError as exc:
        return _invalid(str(exc))
    context = body.get("QueryExecutionContext") or {}
    # A quoted name (awswrangler's repair_table sends "`db`") names the same database.
    execution = _runner().submit(query, (context.get("Database") or "default").strip('`"').lower(),
                               context.get("Catalog") or "AwsDataCatalog", name, location,
                               request.account_id, request.region,
                               on_behalf.caller_of(request.environ, request.account_id, request.region))
    execution.query = body.get("QueryString", "")
    if token:
        _runner().by_token[token] = execution.id
    return json_response({"QueryExecutionId": execution.id})


def _find(request: AwsRequest) -> Execution | None:
    return _runner().executions.get(request.json().get("QueryExecutionId", "")) if _runner() else None


def _not_found(request: AwsRequest):
    return _invalid(f"QueryExecution {request.json().get('QueryExecutionId')} was not found")


@handles("athena", "GetQueryExecution")
def get_query_execution(request: AwsRequest):
    execution = _find(request)
    if execution is None:
        return None if _runner() is None else _not_found(request)
    return json_response({"QueryExecution": _shape(execution)})


@handles("athena", "BatchGetQueryExecution")
def batch_get_query_execution(request: AwsRequest):
    if _runner() is None:
        return None
    ids = request.json().get("QueryExecutionIds", [])
    found = [_shape(_runner().executions[i]) for i in ids if i in _runner().executions]
    missing = [{"QueryExecutionId": i, "ErrorCode": "INVALID_INPUT", "ErrorMessage": "QueryExecution not found"}
               for i in ids if i not in _runner().executions]
    return json_response({"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing})


@handles("athena", "ListQueryExecutions")
def list_query_executions(request: AwsRequest):
    if _runner() is None:
        return None
    name = request.json().get("WorkGroup") or "primary"
    newest_first = sorted((e for e in _runner().executions.values() if e.workgroup == name),
                          key=lambda e: -e.submitted)
    return json_response({"QueryExecutionIds": [e.id for e in newest_first]})


@handles("athena", "StopQueryExecution")
def stop_query_execution(request: AwsRequest):
    execution = _find(request)
    if execution is None:
        return None if _runner() is None else _not_found(request)
    _runner().stop(execution.id)  # type: ignore[union-attr]
    return json_response({})


@handles("athena", "GetQueryResults")
def get_query_results(request: AwsRequest):
    execution = _find(request)
    if execution is None:
        return None if _runner() is None else _not_found(request)
    if execution.state in ("QUEUED", "RUNNING"):
        return _invalid(f"Query has not yet finished. Current state: {execution.state}")
    if execution.state != "SUCCEEDED" or execution.result is None:
        return _invalid(f"Query did not finish successfully. Final query state: {execution.state}"
                        + (f"\n{execution.reason}" if execution.reason else ""))
    body = request.json()
    limit = int(body.get("MaxResults") or MAX_RESULTS)
    if not 1 <= limit <= MAX_RESULTS:
        return _invalid(f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy "
                        f"constraint: Member must have value less than or equal to {MAX_RESULTS}")
    result = execution.result
    # The header row leads a query's rows; a statement that wrote rows answers with UpdateCount only.
    header = [[c["Name"] for c in result.columns]] if execution.statement_type == "DML" \
        and result.update_count is None else []
    rows = header + result.rows  # the header row is the first row of the first page (DML only)
    try:
        start = int(body.get("NextToken") or 0)
    except ValueError:
        return _invalid("The NextToken is not valid for this query.")
    page = rows[start:start + limit]
    answer: dict = {"UpdateCount": result.update_count or 0, "ResultSet": {
        "Rows": [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in page],
        "ResultSetMetadata": {"ColumnInfo": result.columns}}}
    if start + limit < len(rows):
        answer["NextToken"] = str(start + limit)
    return json_response(answer)


@handles("athena", "GetQueryRuntimeStatistics")
def get_query_runtime_statistics(request: AwsRequest):
    execution = _find(request)
    if execution is None:
        return None if _runner() is None else _not_found(request)
    shape = _shape(execution)["Statistics"]
    result = execution.result
    rows: dict = {}
    if result is not None:
        written = result.update_count
        rows = {"InputRows": 0, "InputBytes": result.data_scanned_bytes,
                "OutputRows": written if written is not None else len(result.rows),
                "OutputBytes": 0}
    timeline = {key: shape[key] for key in ("QueryQueueTimeInMillis", "ServicePreProcessingTimeInMillis",
                                            "QueryPlanningTimeInMillis", "EngineExecutionTimeInMillis",
                                            "ServiceProcessingTimeInMillis", "TotalExecutionTimeInMillis")}
    return json_response({"QueryRuntimeStatistics": {"Timeline": timeline, "Rows": rows}})


@handles("athena", "ListTagsForResource")
def list_tags_for_resource(request: AwsRequest):
    # moto answers "Does Not Exist" for any resource without tags, so an untagged work group made the
    # Terraform provider fail right after creating it. AWS lists no tags for an existing, untagged one.
    from localcloud.moto_adapter import athena_backends

    arn = request.json().get("ResourceARN", "")
    backend = athena_backends[request.account_id][request.region]
    kind, _, name = arn.rpartition(":")[2].partition("/")
    known = {"workgroup": backend.work_groups, "datacatalog": backend.data_catalogs}.get(kind, {})
    if name not in known:
        return _invalid(f"Athena Resource, {arn} Does Not Exist")
    # The resource's own ARN: a caller that skipped the account lookup sends one with an empty account.
    return json_response({"Tags": backend.tagger.list_tags_for_resource(known[name].arn).get("Tags", [])})
