"""What Athena needs to know about a Glue table, read out of moto's Glue state in this process.

Athena finds a partitioned table's data through the catalog's partitions (GetPartitions), never by listing
S3, so a partition that is not registered is not read - the same here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class CatalogError(Exception):
    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind} {name}")
        self.kind, self.name = kind, name  # kind: "schema" or "table"


@dataclass
class Partition:
    values: list[str]
    location: str


@dataclass
class TableSource:
    database: str
    name: str
    columns: list[tuple[str, str]]  # (name, Glue type)
    partition_keys: list[tuple[str, str]]
    location: str
    data_format: str  # parquet, csv, json
    serde_parameters: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    partitions: list[Partition] = field(default_factory=list)
    view_sql: str | None = None  # a VIRTUAL_VIEW table: its SQL (views.py); no files behind it


def _glue(account_id: str, region: str):
    from localcloud.moto_adapter import glue_backends

    return glue_backends[account_id][region]


def databases(account_id: str, region: str) -> list[str]:
    return sorted(_glue(account_id, region).databases)


def tables(account_id: str, region: str, database: str) -> list[str]:
    backend = _glue(account_id, region)
    if database not in backend.databases:
        raise CatalogError("schema", database)
    return sorted(backend.databases[database].tables)


def data_format(descriptor: dict[str, Any], parameters: dict[str, str]) -> str:
    """parquet, csv or json, from the SerDe or input format (what Athena goes by) or `classification`."""
    serde = (descriptor.get("SerdeInfo") or {}).get("SerializationLibrary", "").lower()
    input_format = (descriptor.get("InputFormat") or "").lower()
    classification = (parameters.get("classification") or "").lower()
    if "parquet" in serde or "parquet" in input_format or classification == "parquet":
        return "parquet"
    if "json" in serde or classification == "json":
        return "json"
    if "orc" in serde or "orc" in input_format or classification == "orc":
        return "orc"
    return "csv"


def table_source(account_id: str, region: str, database: str, name: str) -> TableSource:
    backend = _glue(account_id, region)
    if database not in backend.databases:
        raise CatalogError("schema", database)
    table = backend.databases[database].tables.get(name)
    if table is None:
        raise CatalogError("table", name)
    shape = table.as_dict()
    from localcloud.engines.athena.views import view_sql

    descriptor = shape.get("StorageDescriptor") or {}
    parameters = shape.get("Parameters") or {}
    source = TableSource(
        database=database, name=name,
        columns=[(c["Name"].lower(), c.get("Type", "string")) for c in descriptor.get("Columns", [])],
        partition_keys=[(c["Name"].lower(), c.get("Type", "string")) for c in shape.get("PartitionKeys", [])],
        location=descriptor.get("Location", ""),
        data_format=data_format(descriptor, parameters),
        serde_parameters=(descriptor.get("SerdeInfo") or {}).get("Parameters") or {},
        parameters=parameters,
        view_sql=view_sql(shape),
    )
    if source.view_sql is not None:
        return source
    from localcloud.engines.athena import projection

    if source.partition_keys and projection.enabled(parameters):
        from localcloud.engines.athena.s3_store import keys_under

        found = projection.partitions(source.location, [k for k, _ in source.partition_keys], parameters,
                                      lambda prefix: keys_under(account_id, prefix))
        source.partitions = [Partition(values, location) for values, location in found]
        return source
    for partition in table.partitions.values():
        partition_shape = partition.as_dict()
        location = (partition_shape.get("StorageDescriptor") or {}).get("Location")
        if not location:  # a partition without a location lives under the table's, hive-style
            location = source.location.rstrip("/") + "/" + "/".join(
                f"{key}={value}" for (key, _), value in zip(source.partition_keys, partition.values))
        source.partitions.append(Partition([str(v) for v in partition.values], location))
    return source
