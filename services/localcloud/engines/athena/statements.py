"""Which statement a query is, as Athena reports it (StatementType, SubstatementType), parsed by sqlglot.

Athena's API reports DML for SELECT / INSERT INTO / UNLOAD, DDL for CREATE / DROP / ALTER / MSCK and for
CTAS (CREATE TABLE AS is "technically both DDL and DML", grouped with DDL:
https://docs.aws.amazon.com/athena/latest/ug/create-table-as.html), UTILITY for SHOW / DESCRIBE / EXPLAIN.
awswrangler relies on exactly that: a CTAS is recognised by StatementType DDL and a query starting with
"CREATE TABLE", an UNLOAD by DML.

sqlglot's `athena` dialect reads Hive DDL (CREATE EXTERNAL TABLE ... ROW FORMAT ... STORED AS ...) and Trino
DML (CTAS WITH (...), SELECT); the forms it leaves as raw commands (UNLOAD, MSCK, ALTER TABLE ADD PARTITION,
SHOW) are recognised by their leading keywords here.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from localcloud.engines.athena import dialect

# sqlglot logs "unsupported syntax, falling back to Command" for Hive forms we read ourselves.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


@dataclass
class Statement:
    kind: str  # select, utility, ctas, insert, unload, create_table, create_view, drop_table, ...
    statement_type: str  # DML, DDL, UTILITY
    substatement_type: str
    sql: str
    tree: Any = None  # the sqlglot expression, when sqlglot parsed it as more than a command

    @property
    def writes_data(self) -> bool:
        return self.kind in ("ctas", "insert", "unload")


_PREFIXES = [  # (regex on the normalised text, kind, StatementType, SubstatementType)
    (r"SHOW CREATE (TABLE|VIEW)\b", "utility", "UTILITY", "SHOW_CREATE_TABLE"),
    (r"SHOW PARTITIONS\b", "utility", "UTILITY", "SHOW_PARTITIONS"),
    (r"SHOW (DATABASES|SCHEMAS)\b", "utility", "UTILITY", "SHOW_DATABASES"),
    (r"SHOW TABLES\b", "utility", "UTILITY", "SHOW_TABLES"),
    (r"SHOW VIEWS\b", "utility", "UTILITY", "SHOW_VIEWS"),
    (r"SHOW (COLUMNS|TBLPROPERTIES)\b", "utility", "UTILITY", "SHOW_COLUMNS"),
    (r"(DESCRIBE|DESC)\b", "utility", "UTILITY", "DESCRIBE_TABLE"),
    (r"EXPLAIN\b", "select", "UTILITY", "EXPLAIN"),
    (r"UNLOAD\b", "unload", "DML", "UNLOAD"),
    (r"INSERT INTO\b", "insert", "DML", "INSERT"),
    (r"INSERT OVERWRITE\b", "refused", "DML", "INSERT"),
    (r"(DELETE|UPDATE|MERGE)\b", "refused", "DML", "MERGE"),
    (r"MSCK REPAIR TABLE\b", "msck", "DDL", "MSCK_REPAIR_TABLE"),
    (r"ALTER TABLE \S+ ADD( IF NOT EXISTS)? PARTITION\b", "add_partitions", "DDL", "ALTER_TABLE_ADD_PARTITION"),
    (r"ALTER TABLE \S+ DROP( IF EXISTS)? PARTITION\b", "drop_partitions", "DDL", "ALTER_TABLE_DROP_PARTITION"),
    (r"ALTER TABLE \S+ SET TBLPROPERTIES\b", "set_properties", "DDL", "ALTER_TABLE_SET_TBLPROPERTIES"),
    (r"ALTER\b", "refused", "DDL", "ALTER_TABLE"),
    (r"CREATE (DATABASE|SCHEMA)\b", "create_database", "DDL", "CREATE_DATABASE"),
    (r"DROP (DATABASE|SCHEMA)\b", "drop_database", "DDL", "DROP_DATABASE"),
    (r"CREATE (OR REPLACE )?VIEW\b", "create_view", "DDL", "CREATE_VIEW"),
    (r"DROP VIEW\b", "drop_view", "DDL", "DROP_VIEW"),
    (r"DROP TABLE\b", "drop_table", "DDL", "DROP_TABLE"),
    (r"CREATE (EXTERNAL )?TABLE\b", "create_table", "DDL", "CREATE_TABLE"),
    (r"PREPARE\b", "prepare", "DDL", "PREPARE"),
    (r"EXECUTE\b", "execute", "DML", "EXECUTE"),
    (r"DEALLOCATE PREPARE\b", "deallocate", "DDL", "DEALLOCATE"),
    (r"(SELECT|WITH|VALUES|TABLE)\b", "select", "DML", "SELECT"),
]


def normalised(sql: str) -> str:
    """Comments gone, whitespace single, upper case: for matching the leading keywords only."""
    return " ".join(dialect.strip_comments(sql).strip().lstrip("(").split()).upper()


def _parse(sql: str):
    import sqlglot

    try:
        return sqlglot.parse_one(sql, read="athena")
    except Exception:  # noqa: BLE001  sqlglot's ParseError/TokenError: DuckDB reports the syntax error later
        return None


_LEADING_COMMENTS = re.compile(r"^(?:\s*(?:--[^\n]*(?:\n|$)|/\*.*?\*/))*\s*", re.DOTALL)


def classify(sql: str) -> Statement:
    # dbt and other tools lead every statement with a comment (/* {"app": "dbt", ...} */).
    sql = _LEADING_COMMENTS.sub("", sql, count=1)
    text = normalised(sql)
    for pattern, kind, statement_type, substatement in _PREFIXES:
        if re.match(pattern, text):
            break
    else:
        kind, statement_type, substatement = "unknown", "DDL", "UNKNOWN"
    tree = None
    if kind == "create_table":
        tree = _parse(sql)
        if tree is not None and tree.args.get("expression") is not None or re.match(r"CREATE (EXTERNAL )?TABLE \S+ AS\b", text) or " AS SELECT " in text or " AS WITH " in text:  # CREATE TABLE ... AS SELECT
            kind, substatement = "ctas", "CREATE_TABLE_AS_SELECT"
    elif kind in ("create_view", "drop_view", "drop_table", "create_database", "drop_database", "insert"):
        tree = _parse(sql)
    return Statement(kind, statement_type, substatement, sql, tree)
