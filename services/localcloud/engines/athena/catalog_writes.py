"""Changes Athena statements make to the Glue catalog, on moto's Glue backend in this process.

The one module of the Athena engine that writes moto's Glue state (catalog.py reads it); DDL, CTAS,
INSERT INTO and MSCK call these functions, so what a statement does to the catalog is what the Glue API
would show right after.
"""

from __future__ import annotations

from typing import Any


def _glue(account_id: str, region: str):
    from localcloud.moto_adapter import glue_backends

    return glue_backends[account_id][region]


def database_exists(account_id: str, region: str, name: str) -> bool:
    return name in _glue(account_id, region).databases


def create_database(account_id: str, region: str, database_input: dict[str, Any]) -> None:
    _glue(account_id, region).create_database(database_input["Name"], database_input)


def drop_database(account_id: str, region: str, name: str) -> None:
    _glue(account_id, region).delete_database(name)


def table_names(account_id: str, region: str, database: str) -> list[str]:
    return list(_glue(account_id, region).databases[database].tables)


def table_shape(account_id: str, region: str, database: str, name: str) -> dict[str, Any] | None:
    backend = _glue(account_id, region)
    if database not in backend.databases:
        return None
    table = backend.databases[database].tables.get(name)
    return table.as_dict() if table is not None else None


def create_table(account_id: str, region: str, database: str, table_input: dict[str, Any]) -> None:
    _glue(account_id, region).create_table(database, table_input["Name"], table_input)


def update_table(account_id: str, region: str, database: str, table_input: dict[str, Any]) -> None:
    _glue(account_id, region).update_table(database, table_input["Name"], table_input)


def delete_table(account_id: str, region: str, database: str, name: str) -> None:
    _glue(account_id, region).delete_table(database, name)


def partition_values(account_id: str, region: str, database: str, table: str) -> set[tuple[str, ...]]:
    found = _glue(account_id, region).get_table(database, table).partitions.values()
    return {tuple(str(v) for v in partition.values) for partition in found}


def add_partition(account_id: str, region: str, database: str, table: str, values: list[str],
                  location: str) -> bool:
    """Register a partition with the table's storage format at `location`; False if it was there already."""
    fake = _glue(account_id, region).get_table(database, table)
    if tuple(values) in partition_values(account_id, region, database, table):
        return False
    descriptor = dict(fake.as_dict().get("StorageDescriptor") or {})
    descriptor["Location"] = location
    fake.create_partition({"Values": list(values), "StorageDescriptor": descriptor})
    return True


def drop_partition(account_id: str, region: str, database: str, table: str, values: list[str]) -> bool:
    fake = _glue(account_id, region).get_table(database, table)
    if str(list(values)) not in fake.partitions:
        return False
    fake.delete_partition(list(values))
    return True
