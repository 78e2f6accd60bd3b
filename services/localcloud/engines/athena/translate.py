"""Trino (Athena engine 3) SQL -> DuckDB SQL, by sqlglot's parser and generator (`athena` in, `duckdb` out).

Why a parser instead of the earlier text rewrites: sqlglot knows Trino's functions and their DuckDB
spellings (date_add with 3 arguments, date_diff, approx_percentile -> approx_quantile, date_format /
date_parse formats, json_extract_scalar, element_at, transform/filter lambdas, try_cast, ...) and
rewrites them in the syntax tree, so quoting and nesting cannot confuse it. What sqlglot leaves as it is
still finds the DuckDB macros of dialect.py (Trino names). A query sqlglot cannot parse is handed to
DuckDB unchanged, which reports the syntax error with its position.
"""

from __future__ import annotations

import logging

from localcloud.engines.athena import dialect

logging.getLogger("sqlglot").setLevel(logging.ERROR)


def to_duckdb(sql: str, qualify_database: str | None = None) -> str:
    """The DuckDB form of a Trino query. `qualify_database`: name unqualified tables in that database
    (a view's body is resolved in the view's own database, not the caller's)."""
    import sqlglot
    from sqlglot.errors import SqlglotError

    try:
        tree = sqlglot.parse_one(sql, read="athena")
        tree = name_unnamed_columns(tree.transform(_duckdb_forms))
        if qualify_database is not None:
            from sqlglot.optimizer.qualify_tables import qualify_tables

            tree = qualify_tables(tree, db=qualify_database)
        return tree.sql(dialect="duckdb")
    except SqlglotError:
        return dialect.rewrite_format_calls(sql)


def tree_to_duckdb(tree) -> str:
    return name_unnamed_columns(tree.transform(_duckdb_forms)).sql(dialect="duckdb")


def name_unnamed_columns(tree):
    """Trino names a result column that is neither a column nor aliased `_col<position>` (`SELECT count(*)`
    gives `_col0`); DuckDB would name it after the expression (`count_star()`). The outermost SELECT's
    (or a set operation's first SELECT's) columns get Trino's names."""
    from sqlglot import exp

    select = tree
    while isinstance(select, (exp.Union, exp.Except, exp.Intersect)):
        select = select.this
    if isinstance(select, exp.Subquery):
        select = select.unnest()
    if not isinstance(select, exp.Select):
        return tree
    for position, expression in enumerate(list(select.expressions)):
        if not isinstance(expression, (exp.Alias, exp.Column, exp.Star, exp.Dot)):
            expression.replace(exp.alias_(expression.copy(), f"_col{position}", quoted=False))
    return tree


def _is_date(node) -> bool:
    from sqlglot import exp

    return isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.DATE


def _duckdb_forms(node):
    """Where sqlglot's DuckDB output does not run in DuckDB, the form that does."""
    from sqlglot import exp

    if isinstance(node, exp.GenerateSeries) and node.args.get("step") is None:
        # sequence(a, b): DuckDB's generate_series in UNNEST(...) of FROM is refused; our macro casts it.
        return exp.Anonymous(this="sequence", expressions=[node.args["start"], node.args["end"]])
    if isinstance(node, exp.DateAdd) and _is_date(node.this) and not _is_date(node.parent) \
            and str(node.args.get("unit", "")).upper().strip("'") in ("DAY", "WEEK", "MONTH", "QUARTER", "YEAR"):
        # Trino's date_add on a DATE is a DATE; DuckDB's DATE + INTERVAL is a TIMESTAMP.
        return exp.cast(node.copy(), "DATE")
    offset = node.args.get("offset") if isinstance(node, exp.Unnest) else None
    if (offset is True or isinstance(offset, exp.Expression)) and len(node.expressions) == 1:
        # UNNEST(a) WITH ORDINALITY AS t(x, n) -> LATERAL (SELECT unnest(a) AS x, generate_subscripts(a, 1) AS n)
        alias = node.args.get("alias")
        value = alias.columns[0].name if alias is not None and alias.columns else "col"
        ordinal = node.args["offset"]
        ordinal_name = ordinal.name if isinstance(ordinal, exp.Expression) else "ordinality"
        array = node.expressions[0].transform(_duckdb_forms)
        select = exp.select(
            exp.alias_(exp.Anonymous(this="unnest", expressions=[array.copy()]), value),
            exp.alias_(exp.Anonymous(this="generate_subscripts", expressions=[array.copy(), exp.Literal.number(1)]),
                       ordinal_name))
        table_alias = alias.this.name if alias is not None and alias.this else "_unnest"
        return exp.Lateral(this=exp.Subquery(this=select), alias=exp.TableAlias(this=exp.to_identifier(table_alias)))
    return node
