"""GET /query?sql=... : run a read-only query through Athena and answer {"columns": [...], "rows": [...]}."""

import os

import boto3
import core
from pipeline_common.jsonlog import get_logger

log = get_logger("records_query")
athena = boto3.client("athena")


def handler(event, context):
    params = (event or {}).get("queryStringParameters") or {}
    return core.answer(athena, params.get("sql", ""), workgroup=os.environ["ATHENA_WORKGROUP"],
                       database=os.environ["GLUE_DATABASE"],
                       timeout=float(os.environ.get("QUERY_TIMEOUT_SECONDS", "25")),
                       max_rows=int(os.environ.get("MAX_ROWS", "1000")))
