"""Exact Arrow schemas of the processed Parquet files, so the warehouse load never guesses a type."""

import pyarrow as pa

TEXT, INT, DATE = pa.string(), pa.int32(), pa.date32()

SCHEMAS = {
    "fact_sales_order": pa.schema([
        ("sales_order_id", INT), ("created_date", DATE), ("created_time", pa.time64("us")),
        ("last_updated_date", DATE), ("last_updated_time", pa.time64("us")), ("sales_staff_id", INT),
        ("counterparty_id", INT), ("units_sold", INT), ("unit_price", pa.decimal128(10, 2)), ("currency_id", INT),
        ("design_id", INT), ("agreed_payment_date", DATE), ("agreed_delivery_date", DATE),
        ("agreed_delivery_location_id", INT)]),
    "dim_date": pa.schema([
        ("date_id", DATE), ("year", INT), ("month", INT), ("day", INT), ("day_of_week", INT),
        ("day_name", TEXT), ("month_name", TEXT), ("quarter", INT)]),
    "dim_staff": pa.schema([
        ("staff_id", INT), ("first_name", TEXT), ("last_name", TEXT), ("department_name", TEXT),
        ("location", TEXT), ("email_address", TEXT)]),
    "dim_location": pa.schema([
        ("location_id", INT), ("address_line_1", TEXT), ("address_line_2", TEXT), ("district", TEXT),
        ("city", TEXT), ("postal_code", TEXT), ("country", TEXT), ("phone", TEXT)]),
    "dim_currency": pa.schema([("currency_id", INT), ("currency_code", TEXT), ("currency_name", TEXT)]),
    "dim_design": pa.schema([
        ("design_id", INT), ("design_name", TEXT), ("file_location", TEXT), ("file_name", TEXT)]),
    "dim_counterparty": pa.schema([
        ("counterparty_id", INT), ("counterparty_legal_name", TEXT), ("counterparty_legal_address_line_1", TEXT),
        ("counterparty_legal_address_line_2", TEXT), ("counterparty_legal_district", TEXT),
        ("counterparty_legal_city", TEXT), ("counterparty_legal_postal_code", TEXT),
        ("counterparty_legal_country", TEXT), ("counterparty_legal_phone_number", TEXT)]),
}
