"""What Athena does with its caller's permissions: it reads the Glue catalog and the tables' S3 data and
writes the results as the principal that called StartQueryExecution (Athena User Guide, "Identity and
access management in Athena" / "Access to Amazon S3" / "Fine-grained access to databases and tables in the
AWS Glue Data Catalog": glue:GetDatabase and glue:GetTable on the catalog, database and table ARNs,
glue:GetPartitions on a partitioned table; s3:GetBucketLocation, s3:ListBucket and s3:GetObject on the data;
s3:GetBucketLocation and s3:PutObject on the query result location). Those requests carry aws:CalledVia =
athena.amazonaws.com and aws:ViaAWSService = true (forward access sessions).

The execution FAILS, as on AWS, with its StateChangeReason:
  "Insufficient permissions to execute the query. Error: <AccessDenied text>"         (Glue)
  "Permission denied on S3 path: s3://bucket/key. ..."                                 (the data)
  "Access denied when writing output to url: s3://... . Please ensure you are allowed to access the S3
   bucket. ..."                                                                          (the results)
Each is also in `localcloud iam report` and the delivery trace (report.line).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from localcloud.engines.athena.results import AthenaQueryError


class PermissionFailure(AthenaQueryError):
    """Athena's reason for a permission failure is the sentence alone, without an ERROR_NAME: prefix."""

    def __init__(self, error_name: str, message: str) -> None:
        super().__init__(error_name, message)
        self.args = (message,)


ON_BEHALF = {"aws:calledvia": ["athena.amazonaws.com"], "aws:calledviafirst": ["athena.amazonaws.com"],
             "aws:calledvialast": ["athena.amazonaws.com"], "aws:viaawsservice": ["true"]}
MAX_OBJECTS_CHECKED = 1000  # a table's objects evaluated one by one (each ~0.1 ms), beyond that the first ones


@dataclass(frozen=True)
class Caller:
    """Who called StartQueryExecution: the access key of its signature and the account it was routed to."""
    access_key: str
    account: str
    region: str


def caller_of(environ: dict[str, Any], account: str, region: str) -> Caller | None:
    from localcloud.server.requests import credential_scope

    scope = credential_scope(environ)
    return Caller(scope[0], account, region) if scope else None


def _may(caller: Caller, action: str, resource: str, operation: str, **context: list[str]) -> str | None:
    from localcloud.iam.enforcement import authorize_caller

    return authorize_caller(caller.access_key, caller.account, action, resource, caller.region, operation,
                            {**ON_BEHALF, **context})


def check_output(caller: Caller, output_location: str, execution_id: str) -> None:
    """s3:PutObject on the result object (and s3:GetBucketLocation on its bucket)."""
    from localcloud.engines.athena.mirror import split_s3

    bucket, key = split_s3(output_location)
    operation = f"Athena query {execution_id}: writing its results"
    denied = (_may(caller, "s3:GetBucketLocation", f"arn:aws:s3:::{bucket}", operation)
              or _may(caller, "s3:PutObject", f"arn:aws:s3:::{bucket}/{key}", operation))
    if denied:
        raise PermissionFailure("PERMISSION_DENIED", f"Access denied when writing output to url: {output_location} . "
                               "Please ensure you are allowed to access the S3 bucket. If you are encrypting query "
                               f"results with KMS key, please ensure you are allowed to access your KMS key. {denied}")


def check_tables(caller: Caller, sql: str, database: str, execution_id: str) -> None:
    """glue:GetDatabase / GetTable (/ GetPartitions) and the S3 reads of each table the query names."""
    from localcloud.engines.athena import catalog

    operation = f"Athena query {execution_id}: reading the Glue catalog"
    for table_database, table in referenced_tables(sql, database):
        try:
            source = catalog.table_source(caller.account, caller.region, table_database, table)
        except catalog.CatalogError:
            continue  # the engine answers SCHEMA/TABLE_NOT_FOUND itself, as Athena does
        glue = f"arn:aws:glue:{caller.region}:{caller.account}"
        needed = [("glue:GetDatabase", f"{glue}:catalog"), ("glue:GetDatabase", f"{glue}:database/{table_database}"),
                  ("glue:GetTable", f"{glue}:catalog"), ("glue:GetTable", f"{glue}:database/{table_database}"),
                  ("glue:GetTable", f"{glue}:table/{table_database}/{table}")]
        if source.partition_keys:
            needed += [("glue:GetPartitions", f"{glue}:catalog"),
                       ("glue:GetPartitions", f"{glue}:database/{table_database}"),
                       ("glue:GetPartitions", f"{glue}:table/{table_database}/{table}")]
        for action, resource in needed:
            denied = _may(caller, action, resource, operation)
            if denied:
                raise PermissionFailure("ACCESS_DENIED", f"Insufficient permissions to execute the query. Error: {denied}")
        if source.view_sql is None:
            _check_data(caller, source, execution_id)


def _check_data(caller: Caller, source: Any, execution_id: str) -> None:
    from localcloud.engines.athena.mirror import split_s3
    from localcloud.engines.athena.s3_store import keys_under

    operation = f"Athena query {execution_id}: reading table {source.database}.{source.name}"
    locations = [p.location for p in source.partitions] if source.partition_keys else [source.location]
    checked = 0
    for location in locations:
        if not location:
            continue
        bucket, prefix = split_s3(location)
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        denied = (_may(caller, "s3:GetBucketLocation", f"arn:aws:s3:::{bucket}", operation)
                  or _may(caller, "s3:ListBucket", f"arn:aws:s3:::{bucket}", operation, **{"s3:prefix": [prefix]}))
        if denied:
            raise PermissionFailure("PERMISSION_DENIED", f"Permission denied on S3 path: s3://{bucket}/{prefix}. "
                                   f"{denied}")
        for name in keys_under(caller.account, location if location.endswith("/") else location + "/"):
            if checked >= MAX_OBJECTS_CHECKED:
                return
            checked += 1
            key = f"{prefix}{name}"
            denied = _may(caller, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}", operation)
            if denied:
                raise PermissionFailure("PERMISSION_DENIED", f"Permission denied on S3 path: s3://{bucket}/{key}. "
                                       f"{denied}")


def referenced_tables(sql: str, database: str) -> list[tuple[str, str]]:
    """(database, table) of each table a SELECT-like query names, by DuckDB's own parser (what the engine
    resolves against the catalog); [] when it cannot tell (DDL, utility statements: the engine decides)."""
    import re

    import duckdb

    from localcloud.engines.athena import translate

    try:
        with duckdb.connect(":memory:") as connection:
            names = connection.get_table_names(translate.to_duckdb(sql), qualified=True)
    except Exception:  # noqa: BLE001  not a statement DuckDB parses (DDL, SHOW): nothing read on the data
        return []
    found = []
    for reference in sorted(names):
        reference = re.sub(r"\s+AS\s+.*$", "", reference, flags=re.IGNORECASE)
        parts = [(quoted.replace('""', '"') or bare).strip().lower()
                 for quoted, bare in re.findall(r'"((?:[^"]|"")*)"|([^.]+)', reference)]
        if len(parts) == 3 and parts[0] == "awsdatacatalog":
            parts = parts[1:]
        if len(parts) == 2:
            found.append((parts[0], parts[1]))
        elif len(parts) == 1:
            found.append((database, parts[0]))
    return found
