"""PREPARE / EXECUTE ... USING / DEALLOCATE PREPARE as SQL, kept in moto's prepared statements (the same
store CreatePreparedStatement / GetPreparedStatement use), per work group as Athena keeps them
(https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html).

EXECUTE runs the stored statement with its `?` placeholders filled, in order, by the USING values (SQL
literals); PREPARE and DEALLOCATE change the store and then run as statements that return nothing.
"""

from __future__ import annotations

import re

_PREPARE = re.compile(r"(?is)^\s*PREPARE\s+(\w+)\s+FROM\s+(.+?)\s*;?\s*$")
_EXECUTE = re.compile(r"(?is)^\s*EXECUTE\s+(\w+)(?:\s+USING\s+(.+?))?\s*;?\s*$")
_DEALLOCATE = re.compile(r"(?is)^\s*DEALLOCATE\s+PREPARE\s+(\w+)\s*;?\s*$")


class PreparedError(Exception):
    pass


def _backend(account_id: str, region: str):
    from localcloud.moto_adapter import athena_backends

    return athena_backends[account_id][region]


def _split_values(text: str) -> list[str]:
    """`1, 'a,b', DATE '2024-01-01'` -> three literals (commas inside quotes kept)."""
    return [v.strip() for v in re.split(r",(?=(?:[^']*'[^']*')*[^']*$)", text) if v.strip()]


def fill(query: str, values: list[str]) -> str:
    parts = query.split("?")
    if len(parts) - 1 != len(values):
        raise PreparedError(f"INVALID_PARAMETER_USAGE: line 1:1: Incorrect number of parameters: expected "
                            f"{len(parts) - 1} but found {len(values)}")
    return parts[0] + "".join(value + rest for value, rest in zip(values, parts[1:]))


def resolve(query: str, workgroup: str, account_id: str, region: str, parameters: list[str]) -> str:
    """The statement to run for `query`: EXECUTE becomes its prepared statement with the values filled in;
    PREPARE / DEALLOCATE are applied to the store here (and then run as no-ops); anything else is itself."""
    backend = _backend(account_id, region)
    match = _PREPARE.match(query)
    if match:
        backend.create_prepared_statement(statement_name=match.group(1), workgroup=workgroup,
                                          query_statement=match.group(2), description="")
        return query
    match = _DEALLOCATE.match(query)
    if match:
        stored = backend.get_prepared_statement(match.group(1), workgroup)
        if stored is None:
            raise PreparedError(f"NOT_FOUND: line 1:1: Prepared statement not found: {match.group(1)}")
        del backend.prepared_statements[match.group(1)]
        return query
    match = _EXECUTE.match(query)
    if match:
        stored = backend.get_prepared_statement(match.group(1), workgroup)
        if stored is None:
            raise PreparedError(f"NOT_FOUND: line 1:1: Prepared statement not found: {match.group(1)}")
        # The values: USING's, or the request's ExecutionParameters (`EXECUTE name` with parameters).
        return fill(stored.query_statement, _split_values(match.group(2)) if match.group(2) else parameters)
    return fill(query, parameters) if parameters else query
