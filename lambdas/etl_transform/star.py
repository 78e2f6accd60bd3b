"""The star schema: fact_sales_order and its dimensions, built from cleaned totesys rows."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any, Iterable

from cleaning import split_timestamp

# totesys stores only the ISO code; the warehouse wants a readable name too.
CURRENCY_NAMES = {"GBP": "British Pound", "USD": "US Dollar", "EUR": "Euro", "JPY": "Japanese Yen",
                  "CHF": "Swiss Franc", "AUD": "Australian Dollar", "CAD": "Canadian Dollar"}

FACT_COLUMNS = ("sales_order_id", "created_date", "created_time", "last_updated_date", "last_updated_time",
                "sales_staff_id", "counterparty_id", "units_sold", "unit_price", "currency_id", "design_id",
                "agreed_payment_date", "agreed_delivery_date", "agreed_delivery_location_id")


def fact_sales_order(sales_orders: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One fact row per version of a sales order; (sales_order_id, last_updated) identifies it."""
    facts = {}
    for order in sales_orders:
        created_date, created_time = split_timestamp(order["created_at"])
        updated_date, updated_time = split_timestamp(order["last_updated"])
        fact = {
            "sales_order_id": order["sales_order_id"], "created_date": created_date, "created_time": created_time,
            "last_updated_date": updated_date, "last_updated_time": updated_time,
            "sales_staff_id": order["staff_id"], "counterparty_id": order["counterparty_id"],
            "units_sold": order["units_sold"], "unit_price": order["unit_price"],
            "currency_id": order["currency_id"], "design_id": order["design_id"],
            "agreed_payment_date": order["agreed_payment_date"],
            "agreed_delivery_date": order["agreed_delivery_date"],
            "agreed_delivery_location_id": order["agreed_delivery_location_id"],
        }
        facts[(fact["sales_order_id"], updated_date, updated_time)] = fact
    return [facts[key] for key in sorted(facts, key=lambda k: (k[0], k[1] or date.min, str(k[2])))]


def dim_date(days: Iterable[date | None]) -> list[dict[str, Any]]:
    rows = []
    for day in sorted({d for d in days if d is not None}):
        rows.append({"date_id": day, "year": day.year, "month": day.month, "day": day.day,
                     "day_of_week": day.isoweekday(), "day_name": calendar.day_name[day.weekday()],
                     "month_name": calendar.month_name[day.month], "quarter": (day.month - 1) // 3 + 1})
    return rows


def fact_dates(facts: Iterable[dict[str, Any]]) -> list[date | None]:
    return [fact[column] for fact in facts
            for column in ("created_date", "last_updated_date", "agreed_payment_date", "agreed_delivery_date")]


def dim_staff(staff: dict[int, dict], departments: dict[int, dict]) -> list[dict[str, Any]]:
    rows = []
    for staff_id in sorted(staff):
        person = staff[staff_id]
        department = departments.get(person["department_id"], {})
        rows.append({"staff_id": staff_id, "first_name": person["first_name"], "last_name": person["last_name"],
                     "department_name": department.get("department_name"), "location": department.get("location"),
                     "email_address": person["email_address"]})
    return rows


def dim_location(addresses: dict[int, dict]) -> list[dict[str, Any]]:
    columns = ("address_line_1", "address_line_2", "district", "city", "postal_code", "country", "phone")
    return [{"location_id": address_id, **{c: addresses[address_id][c] for c in columns}}
            for address_id in sorted(addresses)]


def dim_currency(currencies: dict[int, dict]) -> list[dict[str, Any]]:
    return [{"currency_id": currency_id, "currency_code": currencies[currency_id]["currency_code"],
             "currency_name": CURRENCY_NAMES.get(currencies[currency_id]["currency_code"] or "")}
            for currency_id in sorted(currencies)]


def dim_design(designs: dict[int, dict]) -> list[dict[str, Any]]:
    return [{"design_id": design_id, **{c: designs[design_id][c] for c in ("design_name", "file_location",
                                                                              "file_name")}}
            for design_id in sorted(designs)]


def dim_counterparty(counterparties: dict[int, dict], addresses: dict[int, dict]) -> list[dict[str, Any]]:
    rows = []
    for counterparty_id in sorted(counterparties):
        party = counterparties[counterparty_id]
        address = addresses.get(party["legal_address_id"], {})
        rows.append({
            "counterparty_id": counterparty_id, "counterparty_legal_name": party["counterparty_legal_name"],
            "counterparty_legal_address_line_1": address.get("address_line_1"),
            "counterparty_legal_address_line_2": address.get("address_line_2"),
            "counterparty_legal_district": address.get("district"),
            "counterparty_legal_city": address.get("city"),
            "counterparty_legal_postal_code": address.get("postal_code"),
            "counterparty_legal_country": address.get("country"),
            "counterparty_legal_phone_number": address.get("phone"),
        })
    return rows


# Which source tables each dimension reads: a dimension is rebuilt when any of them changed.
DIMENSION_SOURCES = {
    "dim_staff": ("staff", "department"), "dim_location": ("address",), "dim_currency": ("currency",),
    "dim_design": ("design",), "dim_counterparty": ("counterparty", "address"),
}


def build_dimensions(current: dict[str, dict[int, dict]], changed: set[str]) -> dict[str, list[dict]]:
    """Whole dimensions (they are small) for those whose sources changed in the batch."""
    builders = {
        "dim_staff": lambda: dim_staff(current["staff"], current["department"]),
        "dim_location": lambda: dim_location(current["address"]),
        "dim_currency": lambda: dim_currency(current["currency"]),
        "dim_design": lambda: dim_design(current["design"]),
        "dim_counterparty": lambda: dim_counterparty(current["counterparty"], current["address"]),
    }
    return {name: builders[name]() for name, sources in DIMENSION_SOURCES.items() if changed & set(sources)}
