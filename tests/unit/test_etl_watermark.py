"""Ingest: queries per watermark, the watermark only moving forward, keys and what counts as pending."""

from datetime import datetime, timezone

import pytest

from _lambda_import import load, shared

ingest = load("etl_ingest")
keys = shared("batch_keys")


def test_first_run_fetches_everything_later_runs_only_newer_rows():
    sql, params = ingest.changes_query("sales_order", None)
    assert "WHERE" not in sql and params == {}
    sql, params = ingest.changes_query("transaction", datetime(2024, 1, 1))
    assert '"transaction"' in sql and "last_updated > :watermark" in sql
    assert params == {"watermark": datetime(2024, 1, 1)}


def test_an_unknown_table_is_refused():
    with pytest.raises(ValueError):
        ingest.changes_query("pg_shadow; --", None)


def test_watermark_is_the_newest_row_and_never_moves_back():
    columns = ["id", "last_updated"]
    rows = [[1, datetime(2024, 1, 2)], [2, datetime(2024, 1, 3)]]
    assert ingest.next_watermark(columns, rows, None) == datetime(2024, 1, 3)
    assert ingest.next_watermark(columns, rows, datetime(2024, 2, 1)) == datetime(2024, 2, 1)
    assert ingest.next_watermark(columns, [], datetime(2024, 2, 1)) == datetime(2024, 2, 1)
    assert ingest.parse_watermark(datetime(2024, 1, 3, 4, 5, 6, 789).isoformat()) == datetime(2024, 1, 3, 4, 5, 6, 789)


def test_keys_are_time_shaped_and_sort_by_time():
    stamp = keys.run_stamp(datetime(2024, 3, 5, 7, 8, 9))
    assert keys.object_key("sales_order", stamp) == "sales_order/2024/03/05/070809.parquet"
    assert keys.stamp_of("sales_order/2024/03/05/070809.parquet") == stamp


def test_a_run_stamp_is_later_than_the_previous_one_without_waiting():
    now = datetime(2024, 3, 5, 7, 8, 9, 500000, tzinfo=timezone.utc)
    assert keys.next_run_stamp(now, None) == "2024/03/05/070809"
    assert keys.next_run_stamp(now, "2024/03/05/070700") == "2024/03/05/070809"
    # A second run within the same second, or on a host whose clock is behind, takes the next second.
    assert keys.next_run_stamp(now, "2024/03/05/070809") == "2024/03/05/070810"
    assert keys.next_run_stamp(now, "2024/03/05/235959") == "2024/03/06/000000"


def test_pending_is_after_the_loaded_batch_and_not_after_this_run():
    listed = ["staff/2024/03/05/070809.parquet", "staff/2024/03/05/080000.parquet",
              "staff/2024/03/06/000000.parquet", "staff/notes.txt"]
    assert keys.pending_keys(listed, "2024/03/05/070809", "2024/03/05/235959") == [
        "staff/2024/03/05/080000.parquet"]
    assert len(keys.pending_keys(listed, None, "2099/01/01/000000")) == 3


def test_listing_pages_through_start_after():
    pages = [{"Contents": [{"Key": "a/1"}], "IsTruncated": True, "NextContinuationToken": "t"},
             {"Contents": [{"Key": "a/2"}], "IsTruncated": False}]
    seen = []

    def list_page(**kwargs):
        seen.append(kwargs)
        return pages[len(seen) - 1]

    assert keys.list_after(list_page, "b", "a", "2024/01/01/000000") == ["a/1", "a/2"]
    assert seen[0]["StartAfter"] == "a/2024/01/01/000000.parquet" and seen[1]["ContinuationToken"] == "t"


def test_parquet_round_trip_keeps_values():
    import io

    import pyarrow.parquet as pq

    data = ingest.to_parquet(["id", "last_updated", "note"], [[1, datetime(2024, 1, 1), None]])
    assert pq.read_table(io.BytesIO(data)).to_pylist() == [{"id": 1, "last_updated": datetime(2024, 1, 1),
                                                            "note": None}]
