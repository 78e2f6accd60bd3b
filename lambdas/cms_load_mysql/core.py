"""Turn CMS API records into MySQL rows and load a page object; plain functions (S3 and the connection are
arguments).

The API returns every value as a string ("" where CMS suppresses a small count), so numbers are parsed
here and a suppressed value becomes NULL rather than 0.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from decimal import Decimal, InvalidOperation

from pipeline_common import quarantine
from pipeline_common.jsonlog import fields

log = logging.getLogger("cms_load_mysql")
BATCH_ROWS = 1000

TABLE = "partd_prescriber_drug"
LOADED_TABLE = "cms_loaded_objects"

# (API field, column, kind); the natural key is (prscrbr_npi, brnd_name, gnrc_name, data_year).
FIELDS = [
    ("Prscrbr_NPI", "prscrbr_npi", "text"),
    ("Prscrbr_Last_Org_Name", "prscrbr_last_org_name", "text"),
    ("Prscrbr_First_Name", "prscrbr_first_name", "text"),
    ("Prscrbr_City", "prscrbr_city", "text"),
    ("Prscrbr_State_Abrvtn", "prscrbr_state_abrvtn", "text"),
    ("Prscrbr_State_FIPS", "prscrbr_state_fips", "text"),
    ("Prscrbr_Type", "prscrbr_type", "text"),
    ("Prscrbr_Type_Src", "prscrbr_type_src", "text"),
    ("Brnd_Name", "brnd_name", "text"),
    ("Gnrc_Name", "gnrc_name", "text"),
    ("Tot_Clms", "tot_clms", "int"),
    ("Tot_30day_Fills", "tot_30day_fills", "decimal"),
    ("Tot_Day_Suply", "tot_day_suply", "int"),
    ("Tot_Drug_Cst", "tot_drug_cst", "decimal"),
    ("Tot_Benes", "tot_benes", "int"),
    ("GE65_Sprsn_Flag", "ge65_sprsn_flag", "text"),
    ("GE65_Tot_Clms", "ge65_tot_clms", "int"),
    ("GE65_Tot_30day_Fills", "ge65_tot_30day_fills", "decimal"),
    ("GE65_Tot_Drug_Cst", "ge65_tot_drug_cst", "decimal"),
    ("GE65_Tot_Day_Suply", "ge65_tot_day_suply", "int"),
    ("GE65_Bene_Sprsn_Flag", "ge65_bene_sprsn_flag", "text"),
    ("GE65_Tot_Benes", "ge65_tot_benes", "int"),
]
KEY_COLUMNS = ("prscrbr_npi", "brnd_name", "gnrc_name", "data_year")
COLUMNS = [column for _, column, _ in FIELDS] + ["data_year"]

CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
  prscrbr_npi VARCHAR(10) NOT NULL,
  prscrbr_last_org_name VARCHAR(200), prscrbr_first_name VARCHAR(100), prscrbr_city VARCHAR(100),
  prscrbr_state_abrvtn VARCHAR(4), prscrbr_state_fips VARCHAR(4), prscrbr_type VARCHAR(200),
  prscrbr_type_src VARCHAR(8),
  brnd_name VARCHAR(150) NOT NULL, gnrc_name VARCHAR(150) NOT NULL,
  tot_clms INT, tot_30day_fills DECIMAL(14,1), tot_day_suply INT, tot_drug_cst DECIMAL(16,2), tot_benes INT,
  ge65_sprsn_flag VARCHAR(4), ge65_tot_clms INT, ge65_tot_30day_fills DECIMAL(14,1),
  ge65_tot_drug_cst DECIMAL(16,2), ge65_tot_day_suply INT, ge65_bene_sprsn_flag VARCHAR(4), ge65_tot_benes INT,
  data_year SMALLINT NOT NULL,
  source_key VARCHAR(1024) NOT NULL,
  loaded_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (prscrbr_npi, brnd_name, gnrc_name, data_year),
  KEY by_state (prscrbr_state_abrvtn), KEY by_generic (gnrc_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
"""

# One row per object version loaded: the id hashes bucket, key and ETag, so re-delivery finds it.
CREATE_LOADED_TABLE = f"""
CREATE TABLE IF NOT EXISTS {LOADED_TABLE} (
  object_id CHAR(64) NOT NULL PRIMARY KEY,
  bucket VARCHAR(63) NOT NULL, object_key VARCHAR(1024) NOT NULL, etag VARCHAR(64) NOT NULL,
  row_count INT NOT NULL, loaded_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
"""

_UPDATES = ", ".join(f"{c} = VALUES({c})" for c in COLUMNS + ["source_key"] if c not in KEY_COLUMNS)
UPSERT = (f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}, source_key) "
          f"VALUES ({', '.join(['%s'] * (len(COLUMNS) + 1))}) ON DUPLICATE KEY UPDATE {_UPDATES}")
CLAIM_OBJECT = (f"INSERT IGNORE INTO {LOADED_TABLE} (object_id, bucket, object_key, etag, row_count) "
                "VALUES (%s, %s, %s, %s, %s)")

_YEAR_IN_KEY = re.compile(r"(?:^|/)year=(\d{4})(?:/|$)")


class RecordError(ValueError):
    pass


def object_id(bucket: str, key: str, etag: str) -> str:
    clean_etag = etag.strip('"')
    return hashlib.sha256("\0".join((bucket, key, clean_etag)).encode()).hexdigest()


def year_from_key(key: str, default: str | None = None) -> int:
    match = _YEAR_IN_KEY.search(key)
    if match:
        return int(match.group(1))
    if default:
        return int(default)
    raise RecordError(f"The key {key!r} has no year=YYYY partition and no DATA_YEAR default is set.")


def parse_int(value) -> int | None:
    text = str(value).strip().replace(",", "") if value is not None else ""
    if not text:
        return None
    try:
        return int(Decimal(text))
    except InvalidOperation as exc:
        raise RecordError(f"{value!r} is not a whole number") from exc


def parse_decimal(value) -> Decimal | None:
    text = str(value).strip().replace(",", "") if value is not None else ""
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise RecordError(f"{value!r} is not a number") from exc
    if not number.is_finite():
        raise RecordError(f"{value!r} is not a finite number")
    return number


def parse_text(value) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


PARSERS = {"int": parse_int, "decimal": parse_decimal, "text": parse_text}


def to_row(record: dict, year: int, source_key: str) -> tuple:
    """One API record -> the UPSERT parameters; RecordError names the field that is wrong."""
    values = []
    for field, column, kind in FIELDS:
        try:
            values.append(PARSERS[kind](record.get(field)))
        except RecordError as exc:
            raise RecordError(f"{field}: {exc}") from None
    row = dict(zip([c for _, c, _ in FIELDS], values))
    if not row["prscrbr_npi"]:
        raise RecordError("Prscrbr_NPI is empty")
    # Brand and generic names are part of the key; an absent one is stored as "" so the key stays unique.
    values[[c for _, c, _ in FIELDS].index("brnd_name")] = row["brnd_name"] or ""
    values[[c for _, c, _ in FIELDS].index("gnrc_name")] = row["gnrc_name"] or ""
    return (*values, year, source_key)


def rows_from_page(records: list, year: int, source_key: str) -> tuple[list[tuple], list[dict]]:
    """(rows to load, rejected records with reasons); a bad record never stops the rest of the page."""
    rows, rejected = [], []
    for index, record in enumerate(records):
        try:
            if not isinstance(record, dict):
                raise RecordError(f"expected a JSON object, got {type(record).__name__}")
            rows.append(to_row(record, year, source_key))
        except RecordError as exc:
            rejected.append({"index": index, "reason": str(exc)})
    return rows, rejected


def ensure_tables(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
        cursor.execute(CREATE_LOADED_TABLE)
    connection.commit()


def load_object(s3, connection, bucket: str, key: str, default_year: str | None) -> dict:
    """Upsert one page object, once per object version; records that do not parse go to quarantine."""
    started = time.monotonic()
    obj = s3.get_object(Bucket=bucket, Key=key)
    # The ETag of the bytes we read, not the one in the event: an overwrite between the two is a new version.
    etag = obj["ETag"].strip('"')
    records = json.loads(obj["Body"].read())
    year = year_from_key(key, default_year)
    rows, rejected = rows_from_page(records if isinstance(records, list) else [records], year, key)
    with connection.cursor() as cursor:
        # Claim the object first: a concurrent or repeated delivery blocks here, then finds it claimed.
        cursor.execute(CLAIM_OBJECT, (object_id(bucket, key, etag), bucket, key, etag, len(rows)))
        if cursor.rowcount == 0:
            connection.rollback()
            log.info("object already loaded; skipped", extra=fields(bucket=bucket, key=key, etag=etag))
            return {"key": key, "status": "skipped", "rows": 0}
        for start in range(0, len(rows), BATCH_ROWS):
            cursor.executemany(UPSERT, rows[start:start + BATCH_ROWS])
    connection.commit()
    if rejected:
        target = quarantine.put(s3, bucket, key, {"etag": etag, "rejected": rejected})
        log.warning("records rejected", extra=fields(key=key, rejected=len(rejected), first=rejected[:3],
                                                     quarantine=quarantine.errors_key(target)))
    log.info("object loaded", extra=fields(bucket=bucket, key=key, rows=len(rows), rejected=len(rejected),
                                           seconds=round(time.monotonic() - started, 3)))
    return {"key": key, "status": "loaded", "rows": len(rows), "rejected": len(rejected)}
