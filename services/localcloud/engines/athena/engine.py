"""Run one Athena query in DuckDB: resolve the Glue tables it names, mirror their files, define views,
execute, and answer with Athena's column types and Athena-shaped errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localcloud.engines.athena import catalog, dialect, translate
from localcloud.engines.athena.catalog import CatalogError, TableSource
from localcloud.engines.athena.mirror import MirrorError, TableMirror
from localcloud.engines.athena.results import CATALOG, AthenaQueryError, QueryResult, at_position, translate_error  # noqa: F401
from localcloud.engines.athena.types import athena_column, athena_text, glue_to_duckdb

# DuckDB installs and loads extensions on first use (httpfs: any URL), from the network; Athena has none.
LOCKED_DOWN = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


@dataclass
class RunContext:
    """What a writing statement needs from its execution: its id (file names, the default CTAS location
    `<results>/tables/<id>/`) and the result location prefix."""

    query_id: str = "local"
    output_prefix: str = ""  # s3://bucket/prefix/ (ends with "/")
    staging: Path | None = None  # a writing statement's private staging directory (writes.py)
    catalog: str = "AwsDataCatalog"  # QueryExecutionContext.Catalog


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def view_sql(source: TableSource, directory: Path, has_files: bool) -> str:
    """A SELECT over the mirrored files that yields the Glue schema, partition columns last (as Athena)."""
    partitioned = bool(source.partition_keys)
    every = [*source.columns, *source.partition_keys]
    if not has_files:
        nulls = ", ".join(f"CAST(NULL AS {glue_to_duckdb(t)}) AS {_ident(c)}" for c, t in every)
        return f"SELECT {nulls} WHERE false"
    files = _quote(str(directory / ("**/*" if partitioned else "*")))
    hive = f"hive_partitioning = {str(partitioned).lower()}"
    if partitioned:
        types = ", ".join(f"{_quote(k)}: {_quote(glue_to_duckdb(t))}" for k, t in source.partition_keys)
        hive += f", hive_types = {{{types}}}"
    if source.data_format in ("parquet", "orc"):  # ORC objects are mirrored as Parquet (mirror.py)
        reader = f"read_parquet({files}, {hive}, union_by_name = true)"
        cast = "CAST"
    elif source.data_format == "json":
        columns = ", ".join(f"{_quote(c)}: {_quote(glue_to_duckdb(t))}" for c, t in source.columns)
        reader = f"read_json({files}, format = 'newline_delimited', columns = {{{columns}}}, {hive})"
        cast = "TRY_CAST"
    elif source.data_format == "csv":
        reader = _csv_reader(source, files, hive)
        cast = "TRY_CAST"  # LazySimpleSerDe reads a value it cannot parse as NULL rather than failing
    else:
        raise AthenaQueryError("NOT_SUPPORTED", f"Table {source.database}.{source.name} is stored as "
                               f"{source.data_format}; localcloud's Athena reads Parquet, CSV and JSON.")
    selected = ", ".join(f"{cast}({_ident(c)} AS {glue_to_duckdb(t)}) AS {_ident(c)}" for c, t in every)
    return f"SELECT {selected} FROM {reader}"


def _csv_reader(source: TableSource, files: str, hive: str) -> str:
    serde = source.serde_parameters
    open_csv = "separatorChar" in serde or "quoteChar" in serde
    delimiter = serde.get("separatorChar") or serde.get("field.delim") or serde.get("serialization.format") or ","
    header = int(source.parameters.get("skip.header.line.count", "0") or 0) > 0
    columns = ", ".join(f"{_quote(c)}: 'VARCHAR'" for c, _ in source.columns)
    # OpenCSVSerde honours quotes; LazySimpleSerDe splits on every delimiter and reads \N as NULL.
    quote = serde.get("quoteChar", '"') if open_csv else ""
    escape = serde.get("escapeChar", "\\") if open_csv else ""
    null = "" if open_csv else r"\N"
    return (f"read_csv({files}, columns = {{{columns}}}, header = {str(header).lower()}, "
            f"delim = {_quote(delimiter)}, quote = {_quote(quote)}, escape = {_quote(escape)}, "
            f"nullstr = {_quote(null)}, {hive})")


class AthenaEngine:
    def __init__(self, cache_root: Path, account_id: str, region: str) -> None:
        self.account_id, self.region = account_id, region
        self.mirror = TableMirror(cache_root, account_id)
        # Where a writing statement's files wait for their upload to S3: beside the mirror, never in it.
        self.staging_root = cache_root.with_name(cache_root.name + "-staging")

    def run(self, sql: str, database: str, on_connection: Callable[[Any], None] = lambda c: None,
            context: RunContext | None = None) -> QueryResult:
        from localcloud.engines.athena import ddl, statements

        context = context or RunContext()
        if context.catalog.lower() != CATALOG:
            # Only the account's own Glue catalog is behind this Athena; federated and cross-account
            # catalogs are not.
            raise AthenaQueryError("CATALOG_NOT_FOUND", f"line 1:1: Catalog '{context.catalog.lower()}' does not "
                                   "exist (localcloud's Athena queries AwsDataCatalog, the account's Glue catalog)")
        statement = statements.classify(sql)
        if statement.kind == "utility":
            from localcloud.engines.athena.utility import run_utility

            return run_utility(sql, database, self.account_id, self.region)
        if statement.kind in ddl.KINDS:
            try:
                lines = ddl.run(statement, database, self.account_id, self.region)
            except ddl.DdlError as exc:
                name, _, message = str(exc).partition(": ")
                raise AthenaQueryError(name, message) from None
            return QueryResult([athena_column("result", "VARCHAR")] if lines else [], [[line] for line in lines])
        if statement.kind == "refused":
            raise AthenaQueryError("NOT_SUPPORTED", refusal(statement))
        if statement.kind in ("prepare", "deallocate"):
            return QueryResult([], [])  # the Athena API layer (aws/athena/prepared.py) changed the store
        if statement.kind == "execute":
            raise AthenaQueryError("NOT_SUPPORTED", "line 1:1: EXECUTE is resolved by the Athena API "
                                   "(StartQueryExecution); the engine was called without it.")
        if statement.writes_data or statement.kind == "create_view":
            from localcloud.engines.athena import writes

            return writes.run(self, statement, database, context, on_connection)
        return self._select(sql, database, on_connection)

    def _select(self, sql: str, database: str, on_connection: Callable[[Any], None]) -> QueryResult:
        import duckdb

        keyword = dialect.first_keyword(sql)
        try:
            statements = duckdb.extract_statements(dialect.rewrite_format_calls(sql))
        except duckdb.Error as exc:
            raise translate_error(exc, sql, database) from exc
        if len(statements) != 1:
            raise AthenaQueryError("SYNTAX_ERROR", "line 1:1: Only one sql statement is allowed. Got: "
                                   f"{len(statements)}")
        if keyword not in dialect.READ_ONLY_STATEMENTS:
            raise AthenaQueryError("SYNTAX_ERROR", f"line 1:1: mismatched input '{sql.split()[0]}'. Expecting: "
                                   "'ALTER', 'CREATE', 'DESCRIBE', 'DROP', 'EXPLAIN', 'INSERT', 'MSCK', 'SELECT', "
                                   "'SHOW', 'UNLOAD', 'VALUES', 'WITH'")
        translated = translate.to_duckdb(sql)
        with self.connection(database, on_connection) as connection:
            scanned, names = self.define_views(connection, translated, database)
            try:
                cursor = connection.execute(translated)
                rows = cursor.fetchall()
                description = cursor.description or []
            except duckdb.Error as exc:
                raise translate_error(exc, sql, database) from exc
            columns = [athena_column(name, kind) for name, kind, *_ in description]
            return QueryResult(columns, [[athena_text(v) for v in row] for row in rows], scanned, names)

    @contextmanager
    def connection(self, database: str, on_connection: Callable[[Any], None] = lambda c: None,
                   writable: Path | None = None) -> Iterator[Any]:
        """A locked-down DuckDB connection with Athena's settings and macros; `writable`: the one private
        staging directory a writing statement's COPY may write (writer.py), besides the mirror it reads."""
        import duckdb

        connection = duckdb.connect(":memory:", config=LOCKED_DOWN)
        on_connection(connection)
        try:
            for statement in dialect.SETTINGS:
                connection.execute(statement)
            for macro in dialect.MACROS:
                connection.execute(macro.replace("CREATE MACRO", "CREATE TEMP MACRO", 1))
            connection.execute(f"ATTACH ':memory:' AS {CATALOG}")
            self._confine(connection, writable)
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{_ident(database)}")
            connection.execute(f"USE {CATALOG}.{_ident(database)}")
            yield connection
        finally:
            connection.close()

    def _confine(self, connection: Any, writable: Path | None = None) -> None:
        """From here on the query reads the mirrored table data and nothing else of the host: no
        read_text('/etc/passwd'), no glob of $HOME, no ATTACH, no extensions; and it cannot undo that."""
        self.mirror.root.mkdir(parents=True, exist_ok=True)
        allowed = [_quote(str(self.mirror.root) + "/")]
        if writable is not None:
            writable.mkdir(parents=True, exist_ok=True)
            allowed.append(_quote(str(writable) + "/"))
        connection.execute(f"SET allowed_directories = [{', '.join(allowed)}]")
        connection.execute("SET enable_external_access = false")
        connection.execute("SET lock_configuration = true")

    def define_views(self, connection: Any, sql: str, default_database: str,
                     depth: int = 0) -> tuple[int, list[str]]:
        """A DuckDB view per Glue table the (DuckDB) SQL names: files mirrored, or an Athena view's SQL."""
        import duckdb

        try:
            referenced = connection.get_table_names(sql, qualified=True)
        except duckdb.Error as exc:
            raise translate_error(exc, sql, default_database) from exc
        scanned, names = 0, []
        for reference in sorted(referenced):
            reference = re.sub(r"\s+AS\s+.*$", "", reference, flags=re.IGNORECASE)  # "orders AS o"
            parts = [(quoted.replace('""', '"') or bare).strip().lower()
                     for quoted, bare in re.findall(r'"((?:[^"]|"")*)"|([^.]+)', reference)]
            reference = ".".join(parts)  # for positions: DuckDB quotes some names ("nothing")
            if len(parts) == 3 and parts[0] == CATALOG:
                parts = parts[1:]
            if len(parts) == 3:
                raise AthenaQueryError("CATALOG_NOT_FOUND", f"line {at_position(sql, reference)}: Catalog '{parts[0]}' "
                                       "does not exist")
            database, table = (parts if len(parts) == 2 else [default_database, parts[0]])
            try:
                source = catalog.table_source(self.account_id, self.region, database, table)
            except CatalogError as missing:
                if len(parts) == 1 and missing.kind == "table":
                    continue  # maybe a WITH name; DuckDB reports it if it is truly missing
                if missing.kind == "schema":
                    raise AthenaQueryError("SCHEMA_NOT_FOUND", f"line {at_position(sql, reference)}: Schema "
                                           f"'{database}' does not exist") from None
                raise AthenaQueryError("TABLE_NOT_FOUND", f"line {at_position(sql, reference)}: Table "
                                       f"'{CATALOG}.{database}.{table}' does not exist") from None
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{_ident(database)}")
            if source.view_sql is not None:
                if depth > 16:
                    raise AthenaQueryError("VIEW_IS_RECURSIVE", f"View '{CATALOG}.{database}.{table}' is recursive")
                body = translate.to_duckdb(source.view_sql, qualify_database=database)
                size, inner = self.define_views(connection, body, database, depth + 1)
                try:
                    connection.execute(f"CREATE OR REPLACE VIEW {CATALOG}.{_ident(database)}.{_ident(table)} AS "
                                       f"{body}")
                except duckdb.Error as exc:
                    raise AthenaQueryError("VIEW_IS_STALE", f"line {at_position(sql, reference)}: View "
                                           f"'{CATALOG}.{database}.{table}' is stale or in invalid state: "
                                           f"{str(exc).splitlines()[0]}") from None
                scanned += size
                names += inner
                continue
            try:
                directory, size = self.mirror.sync(source)
            except MirrorError as exc:
                raise AthenaQueryError("HIVE_CANNOT_OPEN_SPLIT",
                                       f"Table {database}.{table}: {exc}") from None
            has_files = directory.exists() and any(p.is_file() for p in directory.rglob("*"))
            connection.execute(f"CREATE OR REPLACE VIEW {CATALOG}.{_ident(database)}.{_ident(table)} AS "
                               f"{view_sql(source, directory, has_files)}")
            scanned += size
            names.append(f"{database}.{table}")
        return scanned, names


def refusal(statement) -> str:
    """Athena's answer to row-level changes of a Hive table: only Iceberg tables take DELETE/UPDATE/MERGE."""
    if statement.substatement_type == "INSERT":
        return ("line 1:1: INSERT OVERWRITE is not supported by Athena; use INSERT INTO, or write a new table "
                "with CTAS.")
    if statement.substatement_type == "ALTER_TABLE":
        return ("line 1:1: localcloud's Athena runs ALTER TABLE ADD PARTITION and DROP PARTITION; change other "
                "table properties through Glue UpdateTable.")
    return ("line 1:1: Modifying Hive table rows is only supported for transactional tables (Athena: DELETE, "
            "UPDATE and MERGE INTO need an Iceberg table; localcloud's Athena does not run Iceberg tables).")
