"""Transform: cleaning of types and nulls, and the star schema's rows."""

from datetime import date, datetime, time
from decimal import Decimal

import pyarrow as pa
import pytest

from _lambda_import import load

cleaning = load("etl_transform", "cleaning")
star = load("etl_transform", "star")
schemas = load("etl_transform", "schemas")

T = datetime(2022, 11, 3, 14, 20, 52, 186000)


def order(**changes):
    row = {"sales_order_id": 2, "created_at": T, "last_updated": T, "design_id": 3, "staff_id": 19,
           "counterparty_id": 8, "units_sold": 42972, "unit_price": Decimal("3.94"), "currency_id": 2,
           "agreed_delivery_date": "2022-11-07", "agreed_payment_date": "2022-11-08",
           "agreed_delivery_location_id": 8}
    row.update(changes)
    return cleaning.clean_row("sales_order", row)


def test_cleaning_converts_types_and_blank_text_to_null():
    row = cleaning.clean_row("address", {"address_id": "3", "address_line_1": " 1 Road ", "address_line_2": "",
                                         "district": "None", "city": "Leeds", "postal_code": "LS1",
                                         "country": "UK", "phone": "0113", "created_at": "2022-11-03T14:20:49",
                                         "last_updated": T})
    assert row["address_id"] == 3 and row["address_line_1"] == "1 Road"
    assert row["address_line_2"] is None and row["district"] is None
    assert row["created_at"] == datetime(2022, 11, 3, 14, 20, 49)
    assert order(unit_price="3.9")["unit_price"] == Decimal("3.90")
    assert order()["agreed_payment_date"] == date(2022, 11, 8)


def test_a_row_without_its_id_fails_loudly():
    with pytest.raises(ValueError):
        cleaning.clean_row("staff", {"staff_id": None, "last_updated": T})


def test_latest_version_of_each_row_wins():
    old, new = order(units_sold=1), order(units_sold=2, last_updated=T.replace(hour=15))
    assert cleaning.latest_by_id("sales_order", [new, old])[2]["units_sold"] == 2


def test_fact_rows_split_timestamps_and_keep_one_row_per_version():
    facts = star.fact_sales_order([order(), order(), order(last_updated=T.replace(hour=16))])
    assert len(facts) == 2
    assert facts[0]["created_date"] == date(2022, 11, 3) and facts[0]["created_time"] == time(14, 20, 52)
    assert facts[0]["sales_staff_id"] == 19 and set(facts[0]) == set(star.FACT_COLUMNS)
    pa.Table.from_pylist(facts, schema=schemas.SCHEMAS["fact_sales_order"])  # the exact schema accepts them


def test_dim_date_covers_every_fact_date_once():
    days = star.dim_date(star.fact_dates(star.fact_sales_order([order()])))
    assert [d["date_id"] for d in days] == [date(2022, 11, 3), date(2022, 11, 7), date(2022, 11, 8)]
    assert days[0] | {} == {"date_id": date(2022, 11, 3), "year": 2022, "month": 11, "day": 3, "day_of_week": 4,
                            "day_name": "Thursday", "month_name": "November", "quarter": 4}


def test_dimensions_join_their_lookups():
    departments = {1: {"department_name": "Sales", "location": "Manchester"}}
    staff = {7: {"first_name": "Ana", "last_name": "Glover", "department_id": 1, "email_address": "a@t.com"}}
    addresses = {5: {"address_line_1": "1 Road", "address_line_2": None, "district": None, "city": "Leeds",
                     "postal_code": "LS1", "country": "UK", "phone": "0113"}}
    parties = {9: {"counterparty_legal_name": "Kub LLC", "legal_address_id": 5}}
    current = {"staff": staff, "department": departments, "address": addresses, "counterparty": parties,
               "currency": {1: {"currency_code": "GBP"}}, "design": {}}
    dims = star.build_dimensions(current, {"department", "address", "currency"})
    assert set(dims) == {"dim_staff", "dim_location", "dim_counterparty", "dim_currency"}
    assert dims["dim_staff"][0]["department_name"] == "Sales" and dims["dim_staff"][0]["location"] == "Manchester"
    assert dims["dim_counterparty"][0]["counterparty_legal_city"] == "Leeds"
    assert dims["dim_currency"] == [{"currency_id": 1, "currency_code": "GBP", "currency_name": "British Pound"}]
    for name, rows in dims.items():
        assert pa.Table.from_pylist(rows, schema=schemas.SCHEMAS[name]).num_rows == len(rows)


def test_unchanged_sources_rebuild_no_dimension():
    assert star.build_dimensions({}, {"payment", "sales_order"}) == {}
