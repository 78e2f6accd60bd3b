"""The statements that write data or define what a query reads: CTAS, INSERT INTO, UNLOAD, CREATE VIEW.

Athena's semantics (https://docs.aws.amazon.com/athena/latest/ug/create-table-as.html,
.../considerations-ctas.html, .../insert-into.html, .../unload.html):
- CTAS: format PARQUET unless told; write_compression GZIP for Parquet and text; external_location, when
  not given, is `<query result location>/tables/<query id>/`; a given location must be empty ("never
  overwrites the data"); partition columns come last in the SELECT; `WITH NO DATA` registers the table
  only. The table is an EXTERNAL_TABLE in Glue, with its partitions registered. The data manifest (every
  file written, one a line) is `<result location>/tables/<query id>-manifest.csv`.
- INSERT INTO: new files beside the existing ones, in the table's format; partitions the catalog lacks
  are added. Manifest: `<result location>/<query id>-manifest.csv`.
- UNLOAD: the files at TO (beside whatever is there), format required; manifest as INSERT INTO.
- CREATE [OR REPLACE] VIEW: a Glue VIRTUAL_VIEW table as Athena stores it (views.py).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from typing import Any

from localcloud.engines.athena import catalog_writes as glue
from localcloud.engines.athena import s3_store, translate, writer
from localcloud.engines.athena.catalog import CatalogError, table_source
from localcloud.engines.athena.hive_tables import storage_descriptor
from localcloud.engines.athena.statements import Statement
from localcloud.engines.athena.types import athena_column, duckdb_to_glue, glue_to_duckdb
from localcloud.engines.athena.views import table_input as view_table_input

CATALOG = "awsdatacatalog"


def _error(name: str, message: str):
    from localcloud.engines.athena.results import AthenaQueryError

    return AthenaQueryError(name, message)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _value(node: Any) -> Any:
    from sqlglot import exp

    if isinstance(node, exp.Array):
        return [_value(item) for item in node.expressions]
    if isinstance(node, exp.Literal):
        return str(node.this)
    if isinstance(node, exp.Boolean):
        return "true" if node.this else "false"
    return node.sql(dialect="athena").strip("'") if node is not None else None


def table_properties(tree: Any) -> dict[str, Any]:
    """CTAS/UNLOAD `WITH (key = value, ...)` as {key (lower): str or list of str}."""
    from sqlglot import exp

    found: dict[str, Any] = {}
    properties = tree.args.get("properties")
    for prop in properties.expressions if properties else []:
        if isinstance(prop, exp.FileFormatProperty):
            found["format"] = _value(prop.this)
        elif isinstance(prop, exp.PartitionedByProperty):
            found["partitioned_by"] = _value(prop.this)
        elif isinstance(prop, exp.WithDataProperty):
            found["with_no_data"] = bool(prop.args.get("no"))
        elif isinstance(prop, exp.LocationProperty):
            found["location"] = _value(prop.this)
        elif isinstance(prop, exp.Property):
            found[str(_value(prop.this)).lower()] = _value(prop.args.get("value"))
    return found


def _spec(properties: dict[str, Any], location: str, default_format: str) -> writer.WriteSpec:
    file_format = str(properties.get("format") or default_format).upper()
    compression = str(properties.get("write_compression") or properties.get("parquet_compression")
                      or properties.get("orc_compression") or properties.get("compression")
                      or ("ZLIB" if file_format == "ORC" else "GZIP")).upper()
    if properties.get("table_type", "HIVE").upper() == "ICEBERG":
        raise _error("NOT_SUPPORTED", "localcloud's Athena does not write Iceberg tables (table_type = "
                     "'ICEBERG'); leave table_type out for a Hive table.")
    try:
        writer.check_format(file_format, compression)
    except writer.WriteError as exc:
        raise _error(exc.error_name, str(exc)) from None
    partitioned = properties.get("partitioned_by") or []
    bucketed = properties.get("bucketed_by") or []
    count = int(properties.get("bucket_count") or 0)
    if bucketed and count <= 0:
        raise _error("INVALID_TABLE_PROPERTY", "bucket_count must be set, and above 0, with bucketed_by")
    delimiter = properties.get("field_delimiter") or "\x01"
    return writer.WriteSpec(location, file_format, compression, delimiter, list(partitioned), list(bucketed),
                            count if bucketed else 0)


def _target(table: Any, database: str) -> tuple[str, str]:
    db = table.args.get("db")
    return (db.name.lower() if db is not None else database), table.name.lower()


def _write(engine: Any, connection: Any, select_sql: str, spec: writer.WriteSpec, context: Any,
           database: str) -> writer.Written:
    bucket = spec.location.split("://", 1)[1].split("/", 1)[0]
    if not s3_store.bucket_exists(engine.account_id, bucket):
        raise _error("INVALID_TABLE_PROPERTY",
                     f"Bucket {bucket} in location {spec.location} does not exist")
    try:
        return writer.write(connection, select_sql, spec, context.staging, engine.account_id, context.query_id)
    except writer.WriteError as exc:
        raise _error(exc.error_name, str(exc)) from None


def run(engine: Any, statement: Statement, database: str, context: Any,
        on_connection: Callable[[Any], None]):
    handler = {"ctas": _ctas, "insert": _insert, "unload": _unload, "create_view": _create_view}[statement.kind]
    # This statement's own staging directory: the one place its DuckDB connection may write (and read
    # besides the mirror); not another statement's files.
    context.staging = writer.staging_dir(engine.staging_root)
    try:
        return handler(engine, statement, database, context, on_connection)
    finally:
        shutil.rmtree(context.staging, ignore_errors=True)


def _result(rows: int, scanned: int, names: list[str], manifest_location: str | None, files: list[str]):
    from localcloud.engines.athena.results import QueryResult

    return QueryResult([athena_column("rows", "BIGINT")], [], scanned, names, update_count=rows,
                       manifest_location=manifest_location, manifest=files)


def _ctas(engine: Any, statement: Statement, database: str, context: Any, on_connection):
    tree = statement.tree
    if tree is None:
        raise _error("SYNTAX_ERROR", "line 1:1: CREATE TABLE AS could not be parsed")
    target_db, name = _target(tree.this, database)
    properties = table_properties(tree)
    if not glue.database_exists(engine.account_id, engine.region, target_db):
        raise _error("SCHEMA_NOT_FOUND", f"line 1:14: Schema '{target_db}' does not exist")
    if glue.table_shape(engine.account_id, engine.region, target_db, name) is not None:
        if tree.args.get("exists"):
            return _result(0, 0, [], None, [])
        raise _error("TABLE_ALREADY_EXISTS", f"line 1:1: Table '{CATALOG}.{target_db}.{name}' already exists")
    location = properties.get("external_location") or properties.get("location") \
        or f"{context.output_prefix}tables/{context.query_id}/"
    if not str(location).startswith("s3://"):
        raise _error("INVALID_TABLE_PROPERTY", f"external_location must be an s3:// URI: {location}")
    location = location.rstrip("/") + "/"
    if not s3_store.is_empty(engine.account_id, location):
        raise _error("HIVE_PATH_ALREADY_EXISTS", f"Target directory for table '{target_db}.{name}' already "
                     f"exists: {location.rstrip('/')}")
    spec = _spec(properties, location, "PARQUET")
    select_sql = translate.tree_to_duckdb(tree.expression)
    with engine.connection(database, on_connection, writable=context.staging) as connection:
        scanned, names = engine.define_views(connection, select_sql, database)
        if properties.get("with_no_data"):
            select_sql = f"SELECT * FROM ({select_sql}) AS q LIMIT 0"
        written = _write(engine, connection, select_sql, spec, context, database)
    columns = [{"Name": n.lower(), "Type": duckdb_to_glue(t)} for n, t in written.columns]
    serde_parameters = {"field.delim": spec.field_delimiter, "serialization.format": spec.field_delimiter} \
        if spec.file_format == "TEXTFILE" else {}
    descriptor = storage_descriptor(spec.file_format, location, columns, serde_parameters)
    if spec.bucketed_by:
        descriptor["BucketColumns"], descriptor["NumberOfBuckets"] = spec.bucketed_by, spec.bucket_count
    parameters = {"EXTERNAL": "TRUE", "has_encrypted_data": "false"}
    parameters[{"PARQUET": "parquet.compression", "ORC": "orc.compress"}.get(spec.file_format, "write.compression")] \
        = spec.compression
    glue.create_table(engine.account_id, engine.region, target_db, {
        "Name": name, "TableType": "EXTERNAL_TABLE", "Parameters": parameters, "StorageDescriptor": descriptor,
        "PartitionKeys": [{"Name": n.lower(), "Type": duckdb_to_glue(t)} for n, t in written.partition_columns]})
    for values, partition_location in written.partitions:
        glue.add_partition(engine.account_id, engine.region, target_db, name, values, partition_location)
    manifest = f"{context.output_prefix}tables/{context.query_id}-manifest.csv"
    return _result(written.rows, scanned, names, manifest, written.files)


def _insert(engine: Any, statement: Statement, database: str, context: Any, on_connection):
    from sqlglot import exp

    tree = statement.tree
    if tree is None or tree.args.get("expression") is None:
        raise _error("SYNTAX_ERROR", "line 1:1: INSERT INTO needs a query: INSERT INTO t SELECT ... or VALUES")
    target = tree.this
    listed = None
    if isinstance(target, exp.Schema):
        listed = [c.name.lower() for c in target.expressions]
        target = target.this
    target_db, name = _target(target, database)
    try:
        source = table_source(engine.account_id, engine.region, target_db, name)
    except CatalogError as missing:
        if missing.kind == "schema":
            raise _error("SCHEMA_NOT_FOUND", f"line 1:13: Schema '{target_db}' does not exist") from None
        raise _error("TABLE_NOT_FOUND", f"line 1:13: Table '{CATALOG}.{target_db}.{name}' does not exist") from None
    if source.view_sql is not None:
        raise _error("NOT_SUPPORTED", f"line 1:1: Inserting into views is not supported: {target_db}.{name}")
    every = [*source.columns, *source.partition_keys]
    formats = {"parquet": "PARQUET", "csv": "TEXTFILE", "json": "JSON", "orc": "ORC"}
    if source.data_format not in formats:
        raise _error("NOT_SUPPORTED", f"localcloud's Athena writes PARQUET, TEXTFILE and JSON; table "
                     f"{target_db}.{name} is stored as {source.data_format}.")
    compression = (source.parameters.get("parquet.compression") or source.parameters.get("orc.compress")
                   or source.parameters.get("write.compression")
                   or source.parameters.get("write_compression") or "GZIP").upper()
    delimiter = source.serde_parameters.get("field.delim") or source.serde_parameters.get("separatorChar") \
        or ("," if source.parameters.get("classification") == "csv" else "\x01")
    spec = writer.WriteSpec(source.location.rstrip("/") + "/", formats[source.data_format],
                            "NONE" if compression in ("UNCOMPRESSED", "NONE") else compression, delimiter,
                            [k for k, _ in source.partition_keys])
    try:
        writer.check_format(spec.file_format, spec.compression)
    except writer.WriteError:
        spec.compression = "ZLIB" if spec.file_format == "ORC" else "GZIP"
    query = translate.tree_to_duckdb(tree.expression)
    with engine.connection(database, on_connection, writable=context.staging) as connection:
        scanned, names = engine.define_views(connection, query, database)
        produced = writer.describe(connection, query)
        wanted = listed or [c for c, _ in every]
        if len(produced) != len(wanted):
            table_types = ", ".join(glue_to_duckdb(t).lower() for _, t in every)
            query_types = ", ".join(str(t).lower() for _, t in produced)
            raise _error("TYPE_MISMATCH", f"Insert query has mismatched column types: Table: [{table_types}], "
                         f"Query: [{query_types}]")
        by_name = dict(zip(wanted, (n for n, _ in produced)))
        projection = ", ".join(
            (f"CAST(q.{_ident(by_name[c])} AS {glue_to_duckdb(t)})" if c in by_name else f"CAST(NULL AS "
             f"{glue_to_duckdb(t)})") + f" AS {_ident(c)}" for c, t in every)
        written = _write(engine, connection, f"SELECT {projection} FROM ({query}) AS q", spec, context, database)
    existing = glue.partition_values(engine.account_id, engine.region, target_db, name) if spec.partitioned_by \
        else set()
    for values, partition_location in written.partitions:
        if tuple(values) not in existing:
            glue.add_partition(engine.account_id, engine.region, target_db, name, values, partition_location)
    manifest = f"{context.output_prefix}{context.query_id}-manifest.csv"
    return _result(written.rows, scanned, names, manifest, written.files)


_UNLOAD = re.compile(r"(?is)^\s*UNLOAD\s*\((?P<query>.*)\)\s*TO\s*'(?P<to>(?:[^']|'')*)'\s*"
                     r"(?:WITH\s*\((?P<props>.*)\))?\s*;?\s*$")


def _unload(engine: Any, statement: Statement, database: str, context: Any, on_connection):
    import sqlglot

    match = _UNLOAD.match(statement.sql)
    if not match:
        raise _error("SYNTAX_ERROR", "line 1:1: UNLOAD (SELECT ...) TO 's3://bucket/prefix/' WITH (format = ...) "
                     "expected")
    properties = {}
    if match.group("props"):
        try:
            holder = sqlglot.parse_one(f"CREATE TABLE x WITH ({match.group('props')}) AS SELECT 1", read="athena")
        except sqlglot.errors.SqlglotError as exc:
            raise _error("SYNTAX_ERROR", f"line 1:1: UNLOAD's WITH properties: {exc}") from None
        properties = table_properties(holder)
    if not properties.get("format"):
        raise _error("MISSING_TABLE_PROPERTY", "UNLOAD requires the format property (format = 'PARQUET' ...)")
    location = match.group("to").replace("''", "'").rstrip("/") + "/"
    if not location.startswith("s3://"):
        raise _error("INVALID_TABLE_PROPERTY", f"UNLOAD location must be an s3:// URI: {location}")
    # No emptiness check for UNLOAD: awswrangler unloads into its result location, beside earlier results.
    spec = _spec(properties, location, "PARQUET")
    query = translate.to_duckdb(match.group("query"))
    with engine.connection(database, on_connection, writable=context.staging) as connection:
        scanned, names = engine.define_views(connection, query, database)
        written = _write(engine, connection, query, spec, context, database)
    manifest = f"{context.output_prefix}{context.query_id}-manifest.csv"
    return _result(written.rows, scanned, names, manifest, written.files)


_VIEW = re.compile(r"(?is)^\s*CREATE\s+(?P<replace>OR\s+REPLACE\s+)?VIEW\s+(?P<name>\S+)\s+AS\s+(?P<body>.*?)\s*;?\s*$")


def _create_view(engine: Any, statement: Statement, database: str, context: Any, on_connection):
    from localcloud.engines.athena.ddl import split_name
    from localcloud.engines.athena.results import QueryResult, translate_error

    match = _VIEW.match(statement.sql)
    if not match:
        raise _error("SYNTAX_ERROR", "line 1:1: CREATE [OR REPLACE] VIEW name AS query expected")
    target_db, name = split_name(match.group("name"), database)
    body = match.group("body")
    if not glue.database_exists(engine.account_id, engine.region, target_db):
        raise _error("SCHEMA_NOT_FOUND", f"line 1:13: Schema '{target_db}' does not exist")
    existing = glue.table_shape(engine.account_id, engine.region, target_db, name)
    if existing is not None and existing.get("TableType") != "VIRTUAL_VIEW":
        raise _error("TABLE_ALREADY_EXISTS", f"line 1:1: Table '{CATALOG}.{target_db}.{name}' already exists")
    if existing is not None and not match.group("replace"):
        raise _error("ALREADY_EXISTS", f"line 1:1: View '{CATALOG}.{target_db}.{name}' already exists")
    query = translate.to_duckdb(body, qualify_database=target_db)
    import duckdb

    with engine.connection(target_db, on_connection) as connection:
        scanned, names = engine.define_views(connection, query, target_db)
        try:
            produced = writer.describe(connection, query)
        except duckdb.Error as exc:
            raise translate_error(exc, body, target_db) from exc
    columns = [athena_column(n, t) for n, t in produced]
    table_input = view_table_input(name, target_db, body, columns, [(n.lower(), duckdb_to_glue(t))
                                                                    for n, t in produced])
    if existing is None:
        glue.create_table(engine.account_id, engine.region, target_db, table_input)
    else:
        glue.update_table(engine.account_id, engine.region, target_db, table_input)
    return QueryResult([], [], scanned, names)
