"""DynamoDB (and Kinesis) behave as AWS does where moto did not (issue 17); sources: botocore's dynamodb
model and the DynamoDB API reference, cited per test."""

import uuid

import pytest
from botocore.exceptions import ClientError


@pytest.fixture(scope="module")
def ddb(cloud):
    return cloud.client("dynamodb")


@pytest.fixture(scope="module")
def table(ddb) -> str:
    name = f"parity-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    return name


def test_writes_return_no_consumed_capacity_or_collection_metrics_unless_asked(ddb, table):
    # ReturnConsumedCapacity / ReturnItemCollectionMetrics: NONE (the default) returns neither.
    writes = [
        lambda **kw: ddb.put_item(TableName=table, Item={"id": {"S": "a"}}, **kw),
        lambda **kw: ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": {"id": {"S": "b"}}}}]}, **kw),
        lambda **kw: ddb.transact_write_items(TransactItems=[{"Put": {"TableName": table,
                                                                      "Item": {"id": {"S": "c"}}}}], **kw),
        lambda **kw: ddb.delete_item(TableName=table, Key={"id": {"S": "c"}}, **kw),
        lambda **kw: ddb.batch_get_item(RequestItems={table: {"Keys": [{"id": {"S": "a"}}]}}, **kw),
    ]
    for write in writes:
        answer = write()
        assert "ConsumedCapacity" not in answer and "ItemCollectionMetrics" not in answer
        assert "ConsumedCapacityUnits" not in answer  # a member of no DynamoDB output
    asked = ddb.put_item(TableName=table, Item={"id": {"S": "a"}}, ReturnConsumedCapacity="TOTAL")
    assert asked["ConsumedCapacity"]["TableName"] == table


def test_table_description_has_table_id_and_only_the_members_aws_returns(ddb):
    name = f"parity-{uuid.uuid4().hex[:8]}"
    created = ddb.create_table(TableName=name, AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                               KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                               ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})["TableDescription"]
    assert created["TableStatus"] == "CREATING"
    table_id = uuid.UUID(created["TableId"])
    for absent in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes", "BillingModeSummary", "WarmThroughput"):
        assert absent not in created
    described = ddb.describe_table(TableName=name)["Table"]
    assert described["TableStatus"] == "ACTIVE" and uuid.UUID(described["TableId"]) == table_id
    assert described["WarmThroughput"] == {"ReadUnitsPerSecond": 5, "WriteUnitsPerSecond": 5, "Status": "ACTIVE"}
    deleted = ddb.delete_table(TableName=name)["TableDescription"]
    assert deleted["TableStatus"] == "DELETING" and "KeySchema" not in deleted


def test_missing_table_is_named_in_the_not_found_message(ddb):
    with pytest.raises(ClientError) as caught:
        ddb.delete_table(TableName="no-such-table")
    assert caught.value.response["Error"]["Message"] == "Requested resource not found: Table: no-such-table not found"


def test_partiql_number_literals_in_set_and_where(ddb, table):
    # PartiQL numbers (ql-reference.data-types): `SET Age=20` and `WHERE Age=20` without parameters.
    ddb.execute_statement(Statement=f"INSERT INTO \"{table}\" VALUE {{'id': 'p1'}}")
    ddb.execute_statement(Statement=f"UPDATE \"{table}\" SET Age=20 WHERE id='p1'")
    item = ddb.get_item(TableName=table, Key={"id": {"S": "p1"}})["Item"]
    assert item["Age"] == {"N": "20"}
    answer = ddb.batch_execute_statement(Statements=[{"Statement": f"UPDATE \"{table}\" SET Age=21 WHERE id='p1'"}])
    assert "Error" not in answer["Responses"][0]


def test_malformed_partiql_is_a_validation_exception(ddb, table):
    with pytest.raises(ClientError) as caught:
        ddb.execute_statement(Statement=f"DELETE FROM \"{table}\" WHERE id=")
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_empty_parameter_list_violates_the_models_minimum(cloud, table):
    raw = cloud.client("dynamodb", parameter_validation=False)
    with pytest.raises(ClientError) as caught:
        raw.execute_statement(Statement=f"SELECT * FROM \"{table}\"", Parameters=[])
    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '[]' at 'parameters' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1")


def test_kinesis_streaming_destination_enable_describe_disable(cloud, ddb, table):
    kinesis = cloud.client("kinesis")
    stream = f"parity-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=stream, StreamModeDetails={"StreamMode": "ON_DEMAND"})  # no ShardCount
    arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    assert ddb.enable_kinesis_streaming_destination(TableName=table, StreamArn=arn)["DestinationStatus"] == "ENABLING"
    described = ddb.describe_kinesis_streaming_destination(TableName=table)["KinesisDataStreamDestinations"]
    assert described == [{"StreamArn": arn, "DestinationStatus": "ACTIVE"}]
    assert ddb.disable_kinesis_streaming_destination(TableName=table, StreamArn=arn)["DestinationStatus"] == "DISABLING"


def test_kinesis_stream_without_shard_count_or_mode_is_on_demand(cloud):
    kinesis = cloud.client("kinesis")
    stream = f"parity-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=stream)
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert summary["OpenShardCount"] == 4


def test_contributor_insights_disabled_until_enabled(ddb, table):
    assert ddb.describe_contributor_insights(TableName=table)["ContributorInsightsStatus"] == "DISABLED"
    ddb.update_contributor_insights(TableName=table, ContributorInsightsAction="ENABLE")
    assert ddb.describe_contributor_insights(TableName=table)["ContributorInsightsStatus"] == "ENABLED"


def _stream_records(cloud, ddb, table_name: str) -> list[dict]:
    streams = cloud.client("dynamodbstreams")
    arn = ddb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return streams.get_records(ShardIterator=iterator)["Records"]


def test_stream_has_no_record_for_a_write_that_changes_nothing_and_sizes_records_as_items(cloud, ddb):
    # Streams.html: "If you perform a PutItem or UpdateItem operation that does not change any data in an
    # item, DynamoDB Streams does not write a stream record for that operation." StreamRecord.SizeBytes: the
    # record's size (item-size rules: attribute name + value bytes) over its Keys and images.
    name = f"parity-stream-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    ddb.put_item(TableName=name, Item={"id": {"S": "Fred"}})
    ddb.put_item(TableName=name, Item={"id": {"S": "Fred"}})  # the same item again: no change, no record
    ddb.update_item(TableName=name, Key={"id": {"S": "Fred"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"S": "x"}})
    ddb.delete_item(TableName=name, Key={"id": {"S": "Fred"}})
    ddb.delete_item(TableName=name, Key={"id": {"S": "nobody"}})  # nothing deleted: no record
    records = _stream_records(cloud, ddb, name)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert {r["eventVersion"] for r in records} == {"1.1"}
    assert {r["awsRegion"] for r in records} == {cloud.client("sts").meta.region_name}
    # Keys id=Fred (2+4) + NewImage (6) = 12; MODIFY: Keys 6 + NewImage 6+(1+1) + OldImage 6 = 20.
    assert [r["dynamodb"]["SizeBytes"] for r in records] == [12, 20, 14]


def test_update_table_answers_updating_and_the_next_read_is_active(ddb):
    # API_UpdateTable: "UpdateTable is an asynchronous operation; while it's executing, the table status changes
    # from ACTIVE to UPDATING."
    name = f"parity-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    updated = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True,
                                                                    "StreamViewType": "KEYS_ONLY"})
    assert updated["TableDescription"]["TableStatus"] == "UPDATING"
    assert ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"


def _table(ddb, **extra) -> str:
    name = f"parity-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST", **extra)
    return name


def test_errors_are_worded_as_aws_words_them(ddb):
    # CreateTable (PAY_PER_REQUEST with ProvisionedThroughput) and BatchWriteItem (an item without its key):
    # AWS's messages; a PutItem without its key keeps naming the key.
    with pytest.raises(ClientError) as caught:
        ddb.create_table(TableName=f"parity-{uuid.uuid4().hex[:8]}", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    assert caught.value.response["Error"]["Message"] == (
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be "
        "specified when BillingMode is PAY_PER_REQUEST")
    name = _table(ddb)
    with pytest.raises(ClientError) as caught:
        ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"other": {"S": "x"}}}}]})
    assert caught.value.response["Error"]["Message"] == "The provided key element does not match the schema"
    with pytest.raises(ClientError) as caught:
        ddb.put_item(TableName=name, Item={"other": {"S": "x"}})
    assert caught.value.response["Error"]["Message"] == ("One or more parameter values were invalid: Missing the "
                                                         "key id in the item")


def test_condition_check_failure_carries_the_item_and_no_modelled_message_member(ddb):
    # ReturnValuesOnConditionCheckFailure ALL_OLD: the error holds Item; AWS sends its text as "Message", so
    # the modelled lowercase `message` member is absent from the parsed error.
    name = _table(ddb)
    ddb.put_item(TableName=name, Item={"id": {"S": "1"}, "price": {"N": "650"}})
    with pytest.raises(ClientError) as caught:
        ddb.delete_item(TableName=name, Key={"id": {"S": "1"}}, ConditionExpression="price < :p",
                        ExpressionAttributeValues={":p": {"N": "600"}}, ReturnValuesOnConditionCheckFailure="ALL_OLD")
    answer = caught.value.response
    assert answer["Error"] == {"Code": "ConditionalCheckFailedException", "Message": "The conditional request failed"}
    assert answer["Item"] == {"id": {"S": "1"}, "price": {"N": "650"}} and "message" not in answer


def test_table_id_in_error_messages_is_the_one_describe_table_gives(cloud, ddb):
    name = _table(ddb)
    table_id = ddb.describe_table(TableName=name)["Table"]["TableId"]
    kinesis = cloud.client("kinesis")
    stream = f"parity-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    ddb.enable_kinesis_streaming_destination(TableName=name, StreamArn=arn, EnableKinesisStreamingConfiguration={
        "ApproximateCreationDateTimePrecision": "MICROSECOND"})
    with pytest.raises(ClientError) as caught:
        ddb.update_kinesis_streaming_destination(TableName=name, StreamArn=arn, UpdateKinesisStreamingConfiguration={
            "ApproximateCreationDateTimePrecision": "MICROSECOND"})
    assert f"for tableId: {table_id}, kdsArn: {arn}" in caught.value.response["Error"]["Message"]


def test_default_table_encryption_key_is_aws_managed_and_an_sse_change_answers_updating(cloud, ddb):
    # SSESpecification KMS without a key: DynamoDB uses the AWS managed key alias/aws/dynamodb.
    name = _table(ddb, SSESpecification={"Enabled": True, "SSEType": "KMS"})
    key_arn = ddb.describe_table(TableName=name)["Table"]["SSEDescription"]["KMSMasterKeyArn"]
    key = cloud.client("kms").describe_key(KeyId=key_arn)["KeyMetadata"]
    assert key["KeyManager"] == "AWS"
    assert key["Description"] == "Default key that protects my DynamoDB data when no other key is defined"
    updated = ddb.update_table(TableName=name, SSESpecification={"Enabled": False})
    assert updated["TableDescription"]["SSEDescription"]["Status"] == "UPDATING"


def test_stream_records_an_item_created_by_update_once_and_batch_writes_in_request_order(cloud, ddb):
    # One stream record per item change (Streams.html); a batch's writes in the order the request lists them.
    name = _table(ddb, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    ddb.put_item(TableName=name, Item={"id": {"S": "Fred"}})
    ddb.update_item(TableName=name, Key={"id": {"S": "New"}}, UpdateExpression="SET a = :a",
                    ExpressionAttributeValues={":a": {"S": "1"}})
    ddb.batch_write_item(RequestItems={name: [{"DeleteRequest": {"Key": {"id": {"S": "New"}}}},
                                              {"PutRequest": {"Item": {"id": {"S": "Fred"}, "n": {"S": "F"}}}}]})
    records = _stream_records(cloud, ddb, name)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in records] == [
        ("INSERT", "Fred"), ("INSERT", "New"), ("REMOVE", "New"), ("MODIFY", "Fred")]
    assert records[1]["dynamodb"]["NewImage"] == {"id": {"S": "New"}, "a": {"S": "1"}}


def test_describe_stream_pages_shards_after_the_exclusive_start_shard(cloud, ddb):
    # API_streams_DescribeStream: ExclusiveStartShardId - "The shard ID of the first item that this operation
    # will evaluate", exclusive: the named shard is not in the answer.
    name = _table(ddb, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    streams = cloud.client("dynamodbstreams")
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    first = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    after = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=first)["StreamDescription"]
    assert first not in [shard["ShardId"] for shard in after["Shards"]]
