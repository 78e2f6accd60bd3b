"""CMS ingestion: paging until a short page, object keys, record -> row parsing and load idempotency keys."""

from datetime import date
from decimal import Decimal

import pytest

from _lambda_import import load

fetch = load("cms_fetch")
mysql = load("cms_load_mysql")


def fake_api(total: int):
    calls = []

    def get_page(offset, size):
        calls.append((offset, size))
        return [{"n": i} for i in range(offset, min(offset + size, total))]
    return get_page, calls


def test_pages_until_a_short_page():
    get_page, calls = fake_api(12)
    pages = list(fetch.iter_pages(get_page, 5, 100))
    assert [len(p) for p in pages] == [5, 5, 2]
    assert calls == [(0, 5), (5, 5), (10, 5)]


def test_an_exact_multiple_ends_on_an_empty_page_which_is_not_stored():
    get_page, calls = fake_api(10)
    assert [len(p) for p in fetch.iter_pages(get_page, 5, 100)] == [5, 5]
    assert calls[-1] == (10, 5)


def test_a_never_ending_api_is_bounded():
    with pytest.raises(fetch.FetchError, match="MAX_PAGES"):
        list(fetch.iter_pages(lambda offset, size: [{}] * size, 5, 3))


def test_a_non_array_answer_is_an_error_naming_the_offset():
    with pytest.raises(fetch.FetchError, match="offset 0"):
        list(fetch.iter_pages(lambda offset, size: {"message": "not found"}, 5, 3))


def test_page_url_and_key_are_partitioned_by_year_and_day():
    assert fetch.page_url("https://data.cms.gov/", "abc", 5000, 10000) == \
        "https://data.cms.gov/data-api/v1/dataset/abc/data?size=5000&offset=10000"
    assert fetch.object_key("cms", "2023", date(2026, 1, 31), 7) == \
        "cms/year=2023/ingest_date=2026-01-31/page-00007.json"


def test_same_records_give_the_same_bytes():
    assert fetch.page_body([{"b": "1", "a": "2"}]) == fetch.page_body([{"a": "2", "b": "1"}])


def test_http_get_retries_server_errors_a_bounded_number_of_times(monkeypatch):
    import urllib.error
    attempts = []

    def failing(request, timeout):
        attempts.append(request.full_url)
        raise urllib.error.HTTPError(request.full_url, 503, "busy", {}, None)
    monkeypatch.setattr(fetch.urllib.request, "urlopen", failing)
    with pytest.raises(fetch.FetchError, match="failed 3 times"):
        fetch.http_get_json("http://api.invalid/x", attempts=3, sleep=lambda s: None)
    assert len(attempts) == 3


RECORD = {"Prscrbr_NPI": "1003000126", "Prscrbr_Last_Org_Name": "Enkeshafi", "Prscrbr_First_Name": "Ardalan",
          "Prscrbr_City": "Bethesda", "Prscrbr_State_Abrvtn": "MD", "Prscrbr_Type": "Internal Medicine",
          "Brnd_Name": "Eliquis", "Gnrc_Name": "Apixaban", "Tot_Clms": "26", "Tot_30day_Fills": "38.3",
          "Tot_Day_Suply": "1116", "Tot_Drug_Cst": "20563.75", "Tot_Benes": "", "GE65_Sprsn_Flag": "*",
          "GE65_Tot_Clms": ""}


def test_record_values_are_parsed_and_suppressed_counts_are_null():
    row = dict(zip(mysql.COLUMNS + ["source_key"], mysql.to_row(RECORD, 2023, "cms/k.json")))
    assert row["prscrbr_npi"] == "1003000126"
    assert row["tot_clms"] == 26 and row["tot_day_suply"] == 1116
    assert row["tot_drug_cst"] == Decimal("20563.75") and row["tot_30day_fills"] == Decimal("38.3")
    assert row["tot_benes"] is None and row["ge65_tot_clms"] is None
    assert row["data_year"] == 2023 and row["source_key"] == "cms/k.json"


def test_a_bad_record_is_rejected_with_its_field_and_the_rest_load():
    rows, rejected = mysql.rows_from_page([RECORD, {**RECORD, "Tot_Clms": "lots"}, {**RECORD, "Prscrbr_NPI": ""},
                                           "junk"], 2023, "k")
    assert len(rows) == 1
    assert [r["index"] for r in rejected] == [1, 2, 3]
    assert "Tot_Clms" in rejected[0]["reason"] and "NPI" in rejected[1]["reason"]


def test_year_comes_from_the_key_partition():
    assert mysql.year_from_key("cms/year=2023/ingest_date=2026-01-31/page-00001.json") == 2023
    assert mysql.year_from_key("cms/other/page.json", "2022") == 2022
    with pytest.raises(mysql.RecordError):
        mysql.year_from_key("cms/other/page.json")


def test_object_id_ignores_etag_quotes_but_not_the_version():
    assert mysql.object_id("b", "k", '"abc"') == mysql.object_id("b", "k", "abc")
    assert mysql.object_id("b", "k", "abc") != mysql.object_id("b", "k", "abd")


def test_upsert_statement_updates_every_non_key_column():
    assert mysql.UPSERT.count("%s") == len(mysql.COLUMNS) + 1
    assert "tot_clms = VALUES(tot_clms)" in mysql.UPSERT and "prscrbr_npi = VALUES" not in mysql.UPSERT
