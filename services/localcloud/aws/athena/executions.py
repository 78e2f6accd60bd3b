"""Query executions: the QUEUED -> RUNNING -> SUCCEEDED/FAILED/CANCELLED life of each StartQueryExecution,
run on a small thread pool, results kept in memory for GetQueryResults and written to S3 as Athena does.

AWS: results land at `<OutputLocation>/<QueryExecutionId>.csv` with a `.csv.metadata` beside it; SHOW and
DESCRIBE (UTILITY statements) write `.txt` instead
(https://docs.aws.amazon.com/athena/latest/ug/querying-finding-output-files.html).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localcloud.engines.athena import statements
from localcloud.engines.athena.engine import AthenaEngine, AthenaQueryError, QueryResult, RunContext
from localcloud.engines.athena.mirror import split_s3
from localcloud.engines.athena.s3_store import bucket_exists

log = logging.getLogger("localcloud.athena")


@dataclass
class Execution:
    id: str
    query: str
    database: str
    catalog: str
    workgroup: str
    output_location: str
    account_id: str
    region: str
    statement_type: str
    substatement_type: str = "SELECT"
    output_prefix: str = ""
    run_sql: str = ""  # what runs: the query with parameters filled, or an EXECUTE's prepared statement
    state: str = "QUEUED"
    reason: str | None = None
    error: AthenaQueryError | None = None
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    completed: float | None = None
    result: QueryResult | None = None
    connection: Any = None
    caller: Any = None  # on_behalf.Caller: whose permissions Athena reads Glue and S3 with (None: the root)


def csv_text(result: QueryResult) -> bytes:
    """Athena's result CSV: every value quoted, NULL as an empty unquoted field, header first."""
    def line(values: list[str | None]) -> str:
        return ",".join("" if v is None else '"' + v.replace('"', '""') + '"' for v in values)

    lines = [line([c["Name"] for c in result.columns]), *(line(row) for row in result.rows)]
    return ("\n".join(lines) + "\n").encode()


def result_name(statement: statements.Statement, execution_id: str) -> str:
    """Where the execution's output is, relative to the result location (ResultConfiguration.OutputLocation):
    `<id>.csv` for queries, `<id>.txt` for DDL and SHOW/DESCRIBE, `tables/<id>` for CTAS, `<id>` for
    INSERT INTO and UNLOAD, whose output is the data manifest `<id>-manifest.csv` beside it."""
    if statement.kind == "ctas":
        return f"tables/{execution_id}"
    if statement.kind in ("insert", "unload"):
        return execution_id
    return f"{execution_id}.txt" if statement.statement_type in ("UTILITY", "DDL") else f"{execution_id}.csv"


class QueryRunner:
    def __init__(self, cache_root: Path, workers: int = 2) -> None:
        self.cache_root = cache_root
        self.executions: dict[str, Execution] = {}
        self.by_token: dict[str, str] = {}
        self._engines: dict[tuple[str, str], AthenaEngine] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="athena")

    def engine(self, account_id: str, region: str) -> AthenaEngine:
        with self._lock:
            key = (account_id, region)
            if key not in self._engines:
                self._engines[key] = AthenaEngine(self.cache_root / account_id / region, account_id, region)
            return self._engines[key]

    def submit(self, query: str, database: str, catalog: str, workgroup: str, output_location: str,
               account_id: str, region: str, caller: Any = None) -> Execution:
        execution_id = str(uuid.uuid4())
        statement = statements.classify(query)
        prefix = output_location.rstrip("/") + "/"
        execution = Execution(execution_id, query, database, catalog, workgroup,
                              prefix + result_name(statement, execution_id), account_id, region,
                              statement.statement_type, statement.substatement_type, prefix, query)
        execution.caller = caller
        self.executions[execution_id] = execution
        self._pool.submit(self._run, execution)
        return execution

    def stop(self, execution_id: str) -> None:
        execution = self.executions[execution_id]
        if execution.state in ("QUEUED", "RUNNING"):
            execution.state, execution.completed = "CANCELLED", time.time()
            execution.reason = "Query was cancelled by the user"
            if execution.connection is not None:
                execution.connection.interrupt()

    def _run(self, execution: Execution) -> None:
        if execution.state != "QUEUED":
            return  # cancelled while queued
        execution.state, execution.started = "RUNNING", time.time()
        try:
            if not bucket_exists(execution.account_id, split_s3(execution.output_prefix)[0]):
                raise AthenaQueryError("INVALID_OUTPUT_LOCATION", "Unable to verify/create output bucket "
                                       f"{split_s3(execution.output_prefix)[0]}")
            if execution.caller is not None:  # Athena reads and writes with its caller's permissions
                from localcloud.aws.athena import on_behalf

                if execution.statement_type == "DML":
                    on_behalf.check_tables(execution.caller, execution.run_sql, execution.database, execution.id)
                on_behalf.check_output(execution.caller, execution.output_location, execution.id)
            result = self.engine(execution.account_id, execution.region).run(
                execution.run_sql, execution.database, on_connection=lambda c: setattr(execution, "connection", c),
                context=RunContext(execution.id, execution.output_prefix, catalog=execution.catalog))
            self._write_results(execution, result)
            execution.result = result
            if execution.state == "RUNNING":
                execution.state = "SUCCEEDED"
        except AthenaQueryError as exc:
            if execution.state == "RUNNING":
                execution.state, execution.reason, execution.error = "FAILED", str(exc), exc
        except Exception as exc:  # a bug of ours: the query fails, the service keeps running
            log.exception("Athena query %s failed inside localcloud", execution.id)
            error = AthenaQueryError("GENERIC_INTERNAL_ERROR", f"{type(exc).__name__}: {exc}", category=1)
            execution.state, execution.reason, execution.error = "FAILED", str(error), error
        finally:
            execution.connection = None
            execution.completed = time.time()

    @staticmethod
    def _write_results(execution: Execution, result: QueryResult) -> None:
        from localcloud.moto_adapter import s3_backends

        bucket, key = split_s3(execution.output_location)
        key = key.rstrip("/")
        s3 = s3_backends[execution.account_id]["global"]
        try:
            s3.get_bucket(bucket)
        except Exception:  # noqa: BLE001  moto's MissingBucket, whatever its class in this version
            raise AthenaQueryError("INVALID_OUTPUT_LOCATION", f"Unable to verify/create output bucket {bucket}") from None
        # Athena's .metadata is an internal binary format; ours carries the same facts as JSON.
        metadata = json.dumps({"ColumnInfo": result.columns, "RowCount": len(result.rows),
                               "UpdateCount": result.update_count}).encode()
        if result.manifest_location is not None:
            # A statement that wrote files: the data manifest (one s3:// URI a line) and its .metadata,
            # no result CSV (awswrangler reads the manifest, then the files it lists).
            manifest_bucket, manifest_key = split_s3(result.manifest_location)
            manifest_key = manifest_key.rstrip("/")
            s3.put_object(manifest_bucket, manifest_key, "".join(f + "\n" for f in result.manifest).encode())
            s3.put_object(manifest_bucket, manifest_key.replace("-manifest.csv", ".metadata"), metadata)
            return
        if execution.statement_type in ("UTILITY", "DDL"):
            body = ("\n".join("\t".join(v or "" for v in row) for row in result.rows) + "\n").encode() \
                if result.rows else b""
        else:
            body = csv_text(result)
        s3.put_object(bucket, key, body)
        s3.put_object(bucket, key + ".metadata", metadata)
