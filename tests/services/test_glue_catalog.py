"""The Glue catalog calls pipelines make to register data for Athena, through boto3 against a local cloud."""

from __future__ import annotations

import pytest
from localcloud.testing import isolated


@pytest.fixture(scope="module")
def glue(tmp_path_factory):
    cloud = isolated(tmp_path_factory.mktemp("glue-state")).start()
    yield cloud.client("glue")
    cloud.stop()


TABLE = {"Name": "events", "TableType": "EXTERNAL_TABLE", "Parameters": {"classification": "parquet"},
         "PartitionKeys": [{"Name": "year", "Type": "string"}, {"Name": "month", "Type": "string"}],
         "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "kind", "Type": "string"}],
                               "Location": "s3://lake/events/"}}


def _partition(year: str, month: str) -> dict:
    return {"Values": [year, month],
            "StorageDescriptor": {"Columns": TABLE["StorageDescriptor"]["Columns"],
                                  "Location": f"s3://lake/events/year={year}/month={month}/"}}


def test_database_table_and_partitions_round_trip(glue):
    glue.create_database(DatabaseInput={"Name": "analytics", "Description": "pipeline output"})
    glue.create_table(DatabaseName="analytics", TableInput=TABLE)
    assert glue.get_database(Name="analytics")["Database"]["Description"] == "pipeline output"
    table = glue.get_table(DatabaseName="analytics", Name="events")["Table"]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["year", "month"]
    assert table["StorageDescriptor"]["Location"] == "s3://lake/events/"
    assert [t["Name"] for t in glue.get_tables(DatabaseName="analytics")["TableList"]] == ["events"]

    answer = glue.batch_create_partition(DatabaseName="analytics", TableName="events", PartitionInputList=[
        _partition("2024", "01"), _partition("2024", "02"), _partition("2025", "01")])
    assert answer.get("Errors", []) == []
    again = glue.batch_create_partition(DatabaseName="analytics", TableName="events",
                                        PartitionInputList=[_partition("2024", "01")])
    assert again["Errors"][0]["ErrorDetail"]["ErrorCode"] == "AlreadyExistsException"

    every = glue.get_partitions(DatabaseName="analytics", TableName="events")["Partitions"]
    assert sorted(p["Values"] for p in every) == [["2024", "01"], ["2024", "02"], ["2025", "01"]]
    filtered = glue.get_partitions(DatabaseName="analytics", TableName="events",
                                   Expression="year = '2024' AND month > '01'")["Partitions"]
    assert [p["Values"] for p in filtered] == [["2024", "02"]]
    one = glue.get_partition(DatabaseName="analytics", TableName="events", PartitionValues=["2025", "01"])
    assert one["Partition"]["StorageDescriptor"]["Location"].endswith("year=2025/month=01/")


def test_missing_names_answer_entity_not_found(glue):
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_table(DatabaseName="analytics-missing", Name="x")
    glue.create_database(DatabaseInput={"Name": "empty"})
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_table(DatabaseName="empty", Name="x")


def test_paginated_get_tables(glue):
    glue.create_database(DatabaseInput={"Name": "many"})
    for index in range(7):
        glue.create_table(DatabaseName="many", TableInput={**TABLE, "Name": f"t{index}"})
    pages = glue.get_paginator("get_tables").paginate(DatabaseName="many", PaginationConfig={"PageSize": 3})
    names = [t["Name"] for page in pages for t in page["TableList"]]
    assert sorted(names) == [f"t{i}" for i in range(7)]
