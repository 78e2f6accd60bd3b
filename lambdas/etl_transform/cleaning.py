"""Type and null cleaning of totesys rows read back from Parquet: every value to one exact Python type."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Callable


def to_int(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return int(Decimal(str(value)))


def to_text(value: Any) -> str | None:
    """Strings trimmed; "" and the literal "None"/"null" some exports write become NULL."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text == "" or text.lower() in {"none", "null"} else text


def to_money(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not an amount") from exc


def to_timestamp(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.fromisoformat(str(value).strip().replace("Z", ""))


def to_date(value: Any) -> date | None:
    """totesys keeps agreed dates as text ('2023-11-03'); timestamps keep their date part."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


SOURCE_TYPES: dict[str, dict[str, Callable[[Any], Any]]] = {
    "address": {"address_id": to_int, "address_line_1": to_text, "address_line_2": to_text, "district": to_text,
                "city": to_text, "postal_code": to_text, "country": to_text, "phone": to_text},
    "counterparty": {"counterparty_id": to_int, "counterparty_legal_name": to_text, "legal_address_id": to_int},
    "currency": {"currency_id": to_int, "currency_code": to_text},
    "department": {"department_id": to_int, "department_name": to_text, "location": to_text},
    "design": {"design_id": to_int, "design_name": to_text, "file_location": to_text, "file_name": to_text},
    "staff": {"staff_id": to_int, "first_name": to_text, "last_name": to_text, "department_id": to_int,
              "email_address": to_text},
    "sales_order": {"sales_order_id": to_int, "design_id": to_int, "staff_id": to_int, "counterparty_id": to_int,
                    "units_sold": to_int, "unit_price": to_money, "currency_id": to_int,
                    "agreed_delivery_date": to_date, "agreed_payment_date": to_date,
                    "agreed_delivery_location_id": to_int},
}
ID_COLUMN = {table: f"{table}_id" for table in SOURCE_TYPES}


def clean_row(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """Only the columns the star schema uses, each converted; created_at/last_updated always kept."""
    cleaned = {column: convert(row.get(column)) for column, convert in SOURCE_TYPES[table].items()}
    cleaned["created_at"] = to_timestamp(row.get("created_at"))
    cleaned["last_updated"] = to_timestamp(row.get("last_updated"))
    if cleaned[ID_COLUMN[table]] is None:
        raise ValueError(f"a {table} row has no {ID_COLUMN[table]}: {row!r}")
    return cleaned


def latest_by_id(table: str, rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The newest version of each row (by last_updated), keyed by its id."""
    newest: dict[int, dict[str, Any]] = {}
    id_column = ID_COLUMN[table]
    for row in rows:
        current = newest.get(row[id_column])
        if current is None or (row["last_updated"] or datetime.min) >= (current["last_updated"] or datetime.min):
            newest[row[id_column]] = row
    return newest


def split_timestamp(value: datetime | None) -> tuple[date | None, time | None]:
    return (value.date(), value.time().replace(microsecond=0)) if value else (None, None)
