"""Athena speaks Trino SQL; DuckDB is close. What ordinary pipeline queries hit, made to behave the same.

Handled here (translate.py rewrites the syntax tree with sqlglot first; what it leaves with Trino's
name lands on these):
- integer division: Trino's 7 / 2 is 3, DuckDB's is 3.5 -> `SET integer_division = true`.
- Trino functions with other names or shapes in DuckDB, as DuckDB macros (from_iso8601_*, to_unixtime,
  from_unixtime, approx_distinct, arbitrary, cardinality, regexp_like, json_extract_scalar, json_format,
  is_nan, sequence), and date_parse/date_format text rewrites for queries sqlglot cannot parse.
- which statement a query is: statements.py; SQL comments stripped for that here.
"""

from __future__ import annotations

import re

# Trino/MySQL date format specifiers -> strftime. %i is minutes, %s seconds, %f microseconds in Trino.
_FORMAT_MAP = [("%i", "%M"), ("%s", "%S"), ("%T", "%H:%M:%S"), ("%r", "%I:%M:%S %p"), ("%h", "%I"),
               ("%k", "%-H"), ("%l", "%-I"), ("%c", "%-m"), ("%e", "%-d")]


def _strftime_format(trino_format: str) -> str:
    for trino, strf in _FORMAT_MAP:
        trino_format = trino_format.replace(trino, strf)
    return trino_format


_FORMAT_CALL = re.compile(r"\b(date_parse|date_format)\s*\(", re.IGNORECASE)


def _matching_paren(sql: str, open_index: int) -> int:
    depth, index, in_string = 0, open_index, False
    while index < len(sql):
        char = sql[index]
        if char == "'":
            in_string = not in_string
        elif not in_string and char == "(":
            depth += 1
        elif not in_string and char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def rewrite_format_calls(sql: str) -> str:
    """date_parse(x, '%Y-%m-%d %H:%i') -> strptime(x, '%Y-%m-%d %H:%M'); date_format -> strftime.

    DuckDB needs the format as a constant at bind time (a macro parameter is not), and Athena's formats are
    almost always literals; a non-literal format is left alone and fails with FUNCTION_NOT_FOUND.
    """
    output, position = [], 0
    for match in _FORMAT_CALL.finditer(sql):
        if match.start() < position:
            continue
        close = _matching_paren(sql, match.end() - 1)
        literal = re.search(r",\s*'((?:[^']|'')*)'\s*$", sql[match.end():close]) if close > 0 else None
        if literal is None:
            continue
        argument = sql[match.end():match.end() + literal.start()]
        function = "strptime" if match.group(1).lower() == "date_parse" else "strftime"
        cast = "" if function == "strptime" else "CAST"
        value = f"{cast}({rewrite_format_calls(argument)} AS TIMESTAMP)" if cast else rewrite_format_calls(argument)
        output.append(sql[position:match.start()])
        output.append(f"{function}({value}, '{_strftime_format(literal.group(1))}')")
        position = close + 1
    output.append(sql[position:])
    return "".join(output)


MACROS = [
    "CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)",
    "CREATE MACRO from_iso8601_date(s) AS CAST(s AS DATE)",
    "CREATE MACRO to_unixtime(t) AS epoch(t)",
    "CREATE MACRO from_unixtime(n) AS make_timestamp(CAST(n * 1000000 AS BIGINT))",
    "CREATE MACRO approx_distinct(x) AS approx_count_distinct(x)",
    "CREATE MACRO arbitrary(x) AS any_value(x)",
    "CREATE MACRO cardinality(a) AS len(a)",
    "CREATE MACRO regexp_like(s, p) AS regexp_matches(s, p)",
    "CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)",
    "CREATE MACRO json_format(j) AS CAST(j AS VARCHAR)",
    "CREATE MACRO is_nan(x) AS isnan(x)",
    "CREATE MACRO sequence(a, b) AS CAST(generate_series(a, b) AS BIGINT[])",  # a list, also in FROM
]

SETTINGS = [
    "SET integer_division = true",
    "SET default_null_order = 'nulls_last'",  # Trino sorts NULLs last in both directions
]

READ_ONLY_STATEMENTS = {"SELECT", "WITH", "VALUES", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "TABLE"}
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def strip_comments(sql: str) -> str:
    return _COMMENTS.sub(" ", sql)


def first_keyword(sql: str) -> str:
    text = strip_comments(sql).lstrip(" \t\r\n(")
    match = re.match(r"[A-Za-z]+", text)
    return match.group(0).upper() if match else ""


def position_of(sql: str, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the first occurrence of `needle` (identifier parts, quotes optional)."""
    parts = [re.escape(part) for part in needle.split(".")]
    pattern = r'\s*\.\s*'.join(rf'"?{part}"?' for part in parts)
    match = re.search(rf"(?<![\w\"]){pattern}(?![\w\"])", sql, re.IGNORECASE)
    offset = match.start() if match else 0
    line = sql.count("\n", 0, offset) + 1
    column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
    return line, column
