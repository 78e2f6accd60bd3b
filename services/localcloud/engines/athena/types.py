"""Type names across the three vocabularies: Glue (Hive DDL), DuckDB, and Athena's result metadata."""

from __future__ import annotations

import re

_SIMPLE = {
    "string": "VARCHAR", "varchar": "VARCHAR", "char": "VARCHAR", "int": "INTEGER", "integer": "INTEGER",
    "bigint": "BIGINT", "smallint": "SMALLINT", "tinyint": "TINYINT", "double": "DOUBLE", "float": "FLOAT",
    "real": "FLOAT", "boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP", "binary": "BLOB",
}


def _split_top(text: str) -> list[str]:
    """Split "a:int,b:map<string,int>" on the commas that are not inside <...>."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "<":
            depth += 1
        elif char == ">":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def glue_to_duckdb(glue_type: str) -> str:
    """`array<struct<a:int>>` -> `STRUCT("a" INTEGER)[]`. Unknown names read as VARCHAR, never fail a view."""
    text = glue_type.strip()
    lowered = text.lower()
    if lowered.startswith("array<") and lowered.endswith(">"):
        return f"{glue_to_duckdb(text[6:-1])}[]"
    if lowered.startswith("map<") and lowered.endswith(">"):
        key, value = _split_top(text[4:-1])
        return f"MAP({glue_to_duckdb(key)}, {glue_to_duckdb(value)})"
    if lowered.startswith("struct<") and lowered.endswith(">"):
        fields = []
        for field in _split_top(text[7:-1]):
            name, _, kind = field.partition(":")
            fields.append(f'"{name.strip()}" {glue_to_duckdb(kind)}')
        return f"STRUCT({', '.join(fields)})"
    decimal = re.fullmatch(r"decimal\s*\((\d+)\s*,\s*(\d+)\)", lowered)
    if decimal:
        return f"DECIMAL({decimal.group(1)}, {decimal.group(2)})"
    if lowered == "decimal":
        return "DECIMAL(10, 0)"  # Hive's default precision and scale
    base = re.sub(r"\(.*\)$", "", lowered)  # varchar(20), char(3)
    return _SIMPLE.get(base, "VARCHAR")


_ATHENA_NAMES = {
    "VARCHAR": "varchar", "BIGINT": "bigint", "INTEGER": "integer", "SMALLINT": "smallint", "TINYINT": "tinyint",
    # sum() of integers is HUGEINT (int128) in DuckDB and bigint in Athena.
    "HUGEINT": "bigint", "UBIGINT": "bigint", "UINTEGER": "bigint", "USMALLINT": "integer", "UTINYINT": "smallint",
    "DOUBLE": "double", "FLOAT": "real", "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp",
    "TIMESTAMP_NS": "timestamp", "TIMESTAMP_MS": "timestamp", "TIMESTAMP_S": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone", "TIME": "time", "BLOB": "varbinary", "UUID": "uuid",
    "INTERVAL": "interval day to second", "JSON": "json", "NULL": "unknown",
}


def athena_column(name: str, duckdb_type: object) -> dict[str, object]:
    """One ColumnInfo entry, as GetQueryResults returns it."""
    text = str(duckdb_type)
    precision, scale = 0, 0
    if text.startswith("DECIMAL"):
        kind = "decimal"
        numbers = re.findall(r"\d+", text)
        precision, scale = (int(numbers[0]), int(numbers[1])) if len(numbers) == 2 else (38, 0)
    elif text.endswith("[]"):
        kind = "array"
    elif text.startswith("STRUCT"):
        kind = "row"
    elif text.startswith("MAP"):
        kind = "map"
    else:
        kind = _ATHENA_NAMES.get(text, "varchar")
    if kind == "varchar":
        precision = 2147483647
    return {"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name, "Label": name,
            "Type": kind, "Precision": precision, "Scale": scale, "Nullable": "UNKNOWN",
            "CaseSensitive": kind == "varchar"}


def athena_text(value: object) -> str | None:
    """A value as Athena prints it in result CSVs and VarCharValue: true/false, 2024-01-02 03:04:05.000."""
    import datetime

    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, list):
        return "[" + ", ".join("null" if v is None else str(athena_text(v)) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={'null' if v is None else athena_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return " ".join(f"{b:02x}" for b in value)
    return str(value)


_GLUE_NAMES = {
    "VARCHAR": "string", "BIGINT": "bigint", "INTEGER": "int", "SMALLINT": "smallint", "TINYINT": "tinyint",
    "HUGEINT": "bigint", "UBIGINT": "bigint", "UINTEGER": "bigint", "USMALLINT": "int", "UTINYINT": "smallint",
    "DOUBLE": "double", "FLOAT": "float", "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp",
    "TIMESTAMP_NS": "timestamp", "TIMESTAMP_MS": "timestamp", "TIMESTAMP_S": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp", "BLOB": "binary", "UUID": "string", "JSON": "string",
    "NULL": "string", "TIME": "string", "INTERVAL": "string",
}


def duckdb_to_glue(duckdb_type: object) -> str:
    """A result column's DuckDB type as the Hive type Athena registers for a CTAS table (varchar -> string,
    integer -> int, lists -> array<...>)."""
    text = str(duckdb_type).strip()
    if text.endswith("[]"):
        return f"array<{duckdb_to_glue(text[:-2])}>"
    if text.startswith("DECIMAL"):
        return text.lower().replace(" ", "")
    if text.startswith("STRUCT(") and text.endswith(")"):
        fields = []
        for field in _split_top(text[7:-1].replace("(", "<").replace(")", ">")):
            name, _, kind = field.strip().partition(" ")
            fields.append(f"{name.strip(chr(34))}:{duckdb_to_glue(kind.replace('<', '(').replace('>', ')'))}")
        return f"struct<{','.join(fields)}>"
    if text.startswith("MAP(") and text.endswith(")"):
        key, value = _split_top(text[4:-1].replace("(", "<").replace(")", ">"))
        return (f"map<{duckdb_to_glue(key.replace('<', '(').replace('>', ')'))},"
                f"{duckdb_to_glue(value.replace('<', '(').replace('>', ')'))}>")
    return _GLUE_NAMES.get(text, "string")


def writable_cast(duckdb_type: object) -> str | None:
    """The type a column is cast to before it is written, where Athena's file type differs (int128 sums,
    unsigned integers, time zones); None when it is written as it is."""
    text = str(duckdb_type)
    return {"HUGEINT": "BIGINT", "UBIGINT": "BIGINT", "UINTEGER": "BIGINT", "USMALLINT": "INTEGER",
            "UTINYINT": "SMALLINT", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP", "TIMESTAMP_NS": "TIMESTAMP",
            "UUID": "VARCHAR", "JSON": "VARCHAR", "TIME": "VARCHAR", "INTERVAL": "VARCHAR",
            "NULL": "VARCHAR"}.get(text)
