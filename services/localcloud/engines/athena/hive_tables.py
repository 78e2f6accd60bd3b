"""Hive table definitions: Athena's CREATE EXTERNAL TABLE (parsed by sqlglot) -> a Glue TableInput; the
storage descriptor a CTAS table gets for its format; and SHOW CREATE TABLE's text back from Glue.

Storage formats as Athena registers them (https://docs.aws.amazon.com/athena/latest/ug/supported-serdes.html):
STORED AS PARQUET -> ParquetHiveSerDe + MapredParquetInput/OutputFormat; TEXTFILE -> LazySimpleSerDe +
TextInputFormat / HiveIgnoreKeyTextOutputFormat; JSON -> org.openx.data.jsonserde.JsonSerDe over text;
ORC -> OrcSerde + OrcInput/OutputFormat.
"""

from __future__ import annotations

from typing import Any

FORMATS = {
    "PARQUET": ("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"),
    "TEXTFILE": ("org.apache.hadoop.mapred.TextInputFormat",
                 "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                 "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
    "JSON": ("org.apache.hadoop.mapred.TextInputFormat",
             "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
             "org.openx.data.jsonserde.JsonSerDe"),
    "ORC": ("org.apache.hadoop.hive.ql.io.orc.OrcInputFormat", "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
            "org.apache.hadoop.hive.ql.io.orc.OrcSerde"),
    "AVRO": ("org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
             "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
             "org.apache.hadoop.hive.serde2.avro.AvroSerDe"),
}


class DefinitionError(Exception):
    pass


def _text(node: Any) -> str:
    from sqlglot import exp

    if isinstance(node, exp.Literal):
        return str(node.this)
    if isinstance(node, (exp.Identifier, exp.Var)):
        return str(node.this)
    return node.sql(dialect="athena").strip("'\"`") if node is not None else ""


def hive_type(kind: Any) -> str:
    """A sqlglot DataType as Glue writes it: string, int, array<string>, struct<a:int>, decimal(10,2)."""
    from sqlglot import exp

    text = kind.sql(dialect="hive").lower()
    if kind.this == exp.DataType.Type.STRUCT:
        fields = [f"{field.name}:{hive_type(field.args['kind'])}" for field in kind.expressions]
        return f"struct<{','.join(fields)}>"
    if kind.this == exp.DataType.Type.ARRAY:
        return f"array<{hive_type(kind.expressions[0])}>"
    if kind.this == exp.DataType.Type.MAP:
        return f"map<{hive_type(kind.expressions[0])},{hive_type(kind.expressions[1])}>"
    return text.replace(" ", "").replace("integer", "int")


def _columns(schema: Any) -> list[dict[str, str]]:
    from sqlglot import exp

    columns = []
    for column in schema.expressions:
        if not isinstance(column, exp.ColumnDef):
            continue
        entry = {"Name": column.name.lower(), "Type": hive_type(column.args["kind"])}
        for constraint in column.args.get("constraints") or []:
            if isinstance(constraint.args.get("kind"), exp.CommentColumnConstraint):
                entry["Comment"] = _text(constraint.args["kind"].this)
        columns.append(entry)
    return columns


def storage_descriptor(file_format: str, location: str, columns: list[dict[str, str]],
                       serde_parameters: dict[str, str] | None = None) -> dict[str, Any]:
    input_format, output_format, serde = FORMATS[file_format]
    return {"Columns": columns, "Location": location, "InputFormat": input_format, "OutputFormat": output_format,
            "Compressed": False, "NumberOfBuckets": -1, "StoredAsSubDirectories": False,
            "SerdeInfo": {"SerializationLibrary": serde, "Parameters": dict(serde_parameters or {})},
            "BucketColumns": [], "SortColumns": [], "Parameters": {}}


def table_input_from_ddl(tree: Any) -> tuple[str | None, dict[str, Any], bool]:
    """CREATE EXTERNAL TABLE -> (database or None, TableInput, IF NOT EXISTS)."""
    from sqlglot import exp

    schema = tree.this
    table = schema.this if isinstance(schema, exp.Schema) else schema
    properties = tree.args.get("properties").expressions if tree.args.get("properties") else []
    external = any(isinstance(p, exp.ExternalProperty) for p in properties)
    parameters: dict[str, str] = {}
    serde_parameters: dict[str, str] = {}
    file_format, serde, input_format, output_format = "TEXTFILE", None, None, None
    location, partitions, comment = "", [], None
    for prop in properties:
        if isinstance(prop, exp.PartitionedByProperty):
            partitions = _columns(prop.this)
        elif isinstance(prop, exp.RowFormatSerdeProperty):
            serde = _text(prop.this)
            if prop.args.get("serde_properties"):
                for item in prop.args["serde_properties"].expressions:
                    serde_parameters[_text(item.this)] = _text(item.args["value"])
        elif isinstance(prop, exp.RowFormatDelimitedProperty):
            for key, name in (("fields", "field.delim"), ("collection_items", "collection.delim"),
                              ("map_keys", "mapkey.delim"), ("lines", "line.delim"), ("escaped", "escape.delim"),
                              ("null", "serialization.null.format")):
                if prop.args.get(key) is not None:
                    serde_parameters[name] = _text(prop.args[key])
            if "field.delim" in serde_parameters:
                serde_parameters["serialization.format"] = serde_parameters["field.delim"]
        elif isinstance(prop, exp.FileFormatProperty):
            if isinstance(prop.this, exp.InputOutputFormat):
                input_format = _text(prop.this.args.get("input_format"))
                output_format = _text(prop.this.args.get("output_format"))
            else:
                file_format = _text(prop.this).upper()
        elif isinstance(prop, exp.LocationProperty):
            location = _text(prop.this)
        elif isinstance(prop, exp.SchemaCommentProperty):
            comment = _text(prop.this)
        elif isinstance(prop, exp.Property):
            parameters[_text(prop.this)] = _text(prop.args.get("value"))
    if parameters.get("table_type", "").upper() == "ICEBERG":
        raise DefinitionError("NOT_SUPPORTED: localcloud's Athena does not create Iceberg tables "
                              "(table_type = 'ICEBERG'); create a Hive table (CREATE EXTERNAL TABLE) instead.")
    if not external:
        # Athena creates Hive tables only as EXTERNAL ones; non-external means Iceberg.
        raise DefinitionError("FAILED: SemanticException Only external table creation is supported in Athena. "
                              "Write CREATE EXTERNAL TABLE.")
    if file_format not in FORMATS:
        raise DefinitionError(f"FAILED: SemanticException Unrecognized file format in STORED AS clause: "
                              f"'{file_format}'")
    descriptor = storage_descriptor(file_format, location, _columns(schema), serde_parameters)
    if serde:
        descriptor["SerdeInfo"]["SerializationLibrary"] = serde
    if input_format:
        descriptor["InputFormat"], descriptor["OutputFormat"] = input_format, output_format
    parameters.setdefault("EXTERNAL", "TRUE")
    table_input = {"Name": table.name.lower(), "TableType": "EXTERNAL_TABLE", "Parameters": parameters,
                   "PartitionKeys": partitions, "StorageDescriptor": descriptor}
    if comment:
        table_input["Description"] = comment
    database = table.args.get("db")
    return (database.name.lower() if database is not None else None), table_input, bool(tree.args.get("exists"))


def show_create_table(database: str, shape: dict[str, Any]) -> list[str]:
    """SHOW CREATE TABLE's lines, Hive DDL as Athena prints it for an external table."""
    descriptor = shape.get("StorageDescriptor") or {}
    serde = descriptor.get("SerdeInfo") or {}
    columns = descriptor.get("Columns") or []
    lines = [f"CREATE EXTERNAL TABLE `{database}`.`{shape['Name']}`("]
    lines += [f"  `{c['Name']}` {c.get('Type', 'string')}" + ("," if i < len(columns) - 1 else ")")
              for i, c in enumerate(columns)] or [")"]
    if shape.get("PartitionKeys"):
        keys = shape["PartitionKeys"]
        lines.append("PARTITIONED BY ( ")
        lines += [f"  `{k['Name']}` {k.get('Type', 'string')}" + ("," if i < len(keys) - 1 else ")")
                  for i, k in enumerate(keys)]
    lines += ["ROW FORMAT SERDE ", f"  '{serde.get('SerializationLibrary', '')}' "]
    if serde.get("Parameters"):
        lines.append("WITH SERDEPROPERTIES ( ")
        items = list(serde["Parameters"].items())
        lines += [f"  '{k}'='{v}'" + ("," if i < len(items) - 1 else ")") for i, (k, v) in enumerate(items)]
    lines += ["STORED AS INPUTFORMAT ", f"  '{descriptor.get('InputFormat', '')}' ", "OUTPUTFORMAT ",
              f"  '{descriptor.get('OutputFormat', '')}'", "LOCATION", f"  '{descriptor.get('Location', '')}'"]
    parameters = {k: v for k, v in (shape.get("Parameters") or {}).items() if k != "EXTERNAL"}
    if parameters:
        lines.append("TBLPROPERTIES (")
        items = list(parameters.items())
        lines += [f"  '{k}'='{v}'" + ("," if i < len(items) - 1 else ")") for i, (k, v) in enumerate(items)]
    return lines
