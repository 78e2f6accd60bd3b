"""CSV uploads: type inference, row validation, key choice, COPY encoding and whole-file rejections."""

import pytest

from _lambda_import import load, shared

csvtypes = load("csv_upsert", "csvtypes")
core = load("csv_upsert")
names = shared("names")


@pytest.mark.parametrize("values, expected", [
    (["1", "-2", "30"], "bigint"),
    (["1", "2.5", "3e2"], "double precision"),
    (["true", "False", "yes"], "boolean"),
    (["2024-01-31", "2023-12-01"], "date"),
    (["2024-01-31T10:00:00Z", "2024-01-31 10:00"], "timestamptz"),
    (["02134", "10001"], "text"),          # leading zeros: an identifier, not a number
    (["a", "1"], "text"),
    (["", ""], "text"),
    (["1"] * 9 + ["abc"], "bigint"),       # 90% fit: typed, the odd value becomes a rejected row
    (["1"] * 8 + ["2.5", "x"], "double precision"),
    (["99999999999999999999"], "double precision"),  # beyond int64
])
def test_infer(values, expected):
    assert csvtypes.infer(values) == expected


def test_fits_matches_what_postgres_accepts():
    assert not csvtypes.fits("1_000", "bigint") and not csvtypes.fits("nan", "double precision")
    assert not csvtypes.fits("2024-02-30", "date")
    assert csvtypes.fits("", "bigint")  # empty is NULL


def test_identifiers_and_table_name():
    assert names.identifier(" Order Items ", "x", 63) == "order_items"
    assert names.identifier("2023 sales", "x", 63) == "c_2023_sales"
    assert core.table_name("data/Customer-List.csv") == "customer_list"
    with pytest.raises(core.FileRejected):
        core.table_name("data/%%%.csv")


def test_key_is_id_then_email_else_the_file_is_rejected():
    assert core.pick_key(["email", "id"]) == "id"
    assert core.pick_key(["name", "email"]) == "email"
    with pytest.raises(core.FileRejected, match="neither an `id` nor an `email`"):
        core.pick_key(["name"])


CSV = (b"id,name,age,joined\n"
       b"1,Ada,36,2024-01-02\n"
       b"2,Grace,85,2024-01-03\n"
       b"3,Linus,abc,2024-01-04\n"
       b"4,Extra,1,2024-01-05,surplus\n"
       b",Nobody,5,2024-01-06\n"
       b"\n"
       b"5,Ken,77,2024-01-07\n"
       b"6,Dennis,70,2024-01-08\n"
       b"7,Barbara,60,2024-01-09\n"
       b"8,Edsger,72,2024-01-10\n"
       b"9,Alan,41,2024-01-11\n"
       b"10,John,50,2024-01-12\n"
       b"11,Niklaus,89,2024-01-13\n")


def test_plan_keeps_good_rows_and_gives_each_bad_row_a_reason():
    plan = core.plan_load("data/people.csv", CSV)
    assert plan.table == "people" and plan.key == "id"
    assert plan.types == {"id": "bigint", "name": "text", "age": "bigint", "joined": "date"}
    assert [line for line, _ in plan.good] == [2, 3, 8, 9, 10, 11, 12, 13, 14]
    reasons = {r["line"]: r["reason"] for r in plan.rejected}
    assert "'abc' is not a valid bigint" in reasons[4]
    assert reasons[5] == "expected 4 columns, found 5"
    assert "key column 'id' is empty" in reasons[6]


def test_existing_table_types_win_over_inference():
    plan = core.plan_load("data/people.csv", b"id,age\n1,36\n2,x\n", {"id": "bigint", "age": "text"})
    assert plan.types["age"] == "text" and not plan.rejected


def test_whole_file_rejections_say_what_to_fix():
    with pytest.raises(core.FileRejected, match="empty"):
        core.plan_load("data/x.csv", b"")
    with pytest.raises(core.FileRejected, match="more than once"):
        core.plan_load("data/x.csv", b"id,ID\n1,2\n")
    with pytest.raises(core.FileRejected, match="UTF-8"):
        core.plan_load("data/x.csv", b"id,name\n1,\xff\xfe\n")


def test_copy_text_escapes_specials_and_encodes_null():
    assert core.copy_text([(2, ["1", "", "a\tb\\c\nd"])]) == "2\t1\t\\N\ta\\tb\\\\c\\nd\n"


def test_quarantine_csv_has_the_header_and_the_rejected_values():
    plan = core.plan_load("data/people.csv", CSV)
    text = core.quarantine_csv(["id", "name", "age", "joined"], plan.rejected).decode()
    assert text.splitlines()[0] == "id,name,age,joined"
    assert "3,Linus,abc,2024-01-04" in text and len(text.splitlines()) == 4


def test_repeated_keys_are_noticed_as_the_database_compares_them():
    assert core.plan_load("data/t.csv", b"id,v\n1,a\n2,b\n").unique_keys
    assert not core.plan_load("data/t.csv", b"id,v\n1,a\n+1,b\n").unique_keys
    assert not core.plan_load("data/t.csv", b"email,v\na@x,1\na@x,2\n").unique_keys
