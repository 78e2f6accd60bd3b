"""Load: the SQL that makes a re-run change nothing, and COPY's CSV that keeps NULL apart from ""."""

import pytest

from _lambda_import import load

warehouse = load("etl_load", "warehouse")


def test_facts_are_inserted_only_once():
    sql = warehouse.merge_sql("fact_sales_order", ["sales_order_id", "last_updated_date", "last_updated_time",
                                                   "units_sold"], "stage")
    assert sql.endswith("ON CONFLICT (sales_order_id, last_updated_date, last_updated_time) DO NOTHING")


def test_dimensions_update_only_rows_that_differ():
    sql = warehouse.merge_sql("dim_staff", ["staff_id", "first_name", "email_address"], "stage")
    assert "ON CONFLICT (staff_id) DO UPDATE SET first_name = EXCLUDED.first_name" in sql
    assert "WHERE (dim_staff.first_name, dim_staff.email_address) IS DISTINCT FROM" in sql


def test_only_warehouse_tables_are_merged():
    with pytest.raises(ValueError):
        warehouse.merge_sql("pg_authid", ["a"], "stage")


def test_csv_quotes_values_and_leaves_null_empty():
    text = warehouse.to_csv([{"a": None, "b": "", "c": 'say "hi"', "d": 3}], ["a", "b", "c", "d"])
    assert text == ',"","say ""hi""","3"\n'


def test_every_warehouse_table_has_ddl_and_a_key():
    for table in warehouse.LOAD_ORDER:
        assert f"CREATE TABLE IF NOT EXISTS {table} (" in warehouse.DDL and table in warehouse.KEYS
    assert warehouse.LOAD_ORDER[-1] == "fact_sales_order"
