"""Athena's SQL engine: DuckDB over the S3 objects behind Glue catalog tables.

catalog.py  Glue table -> where its files are, in which format, with which partitions (moto's state)
mirror.py   copies those S3 objects into a local cache laid out as hive partitions (DuckDB reads files)
types.py    Glue/Hive types -> DuckDB types; DuckDB result types -> Athena's ColumnInfo type names
dialect.py  the Trino functions ordinary queries use, as DuckDB macros; which statements may run
engine.py   one query: views over the mirrored files, run, Athena-shaped errors, rows as strings
"""
