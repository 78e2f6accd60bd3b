"""Pure rules behind issue 17's fixes: model-driven validation messages and PartiQL number literals."""

from localcloud.aws.dynamodb.partiql import parameterise
from localcloud.server.input_validation import message, violations


def _environ(path: str, query: str = "") -> dict:
    return {"PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": "GET"}


def test_uri_label_checked_against_the_models_pattern():
    found = violations("awslambda", "GetFunction", _environ("/2015-03-31/functions/my-fn!"), b"")
    assert len(found) == 1 and found[0].startswith("Value 'my-fn!' at 'functionName' failed to satisfy constraint")


def test_valid_request_has_no_violations():
    assert violations("awslambda", "GetFunction", _environ("/2015-03-31/functions/my-fn", "Qualifier=1"), b"") == []
    assert violations("dynamodb", "GetItem", {}, b'{"TableName": "t", "Key": {"id": {"S": "a"}}}') == []


def test_nested_member_paths_are_lower_camel_and_dotted():
    body = b'{"TableName": "t", "StreamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/s", ' \
           b'"UpdateKinesisStreamingConfiguration": {"ApproximateCreationDateTimePrecision": "SECOND"}}'
    found = violations("dynamodb", "UpdateKinesisStreamingDestination", {}, body)
    assert found == ["Value 'SECOND' at 'updateKinesisStreamingConfiguration.approximateCreationDateTimePrecision' "
                     "failed to satisfy constraint: Member must satisfy enum value set: [MILLISECOND, MICROSECOND]"]


def test_services_outside_the_validated_set_are_not_checked():
    assert violations("s3", "GetObject", _environ("/b/k"), b"") == []


def test_message_counts_errors():
    assert message(["a"]) == "1 validation error detected: a"
    assert message(["a", "b"]) == "2 validation errors detected: a; b"


def test_number_literals_become_positional_parameters_in_order():
    statement, params = parameterise("UPDATE t SET a=1 WHERE id=? AND n > 2.5", [{"S": "x"}])
    assert statement == "UPDATE t SET a=? WHERE id=? AND n > ?"
    assert params == [{"N": "1"}, {"S": "x"}, {"N": "2.5"}]


def test_literals_inside_quotes_and_documents_are_left_alone():
    assert parameterise("SELECT * FROM t WHERE id='a=1'", None) == ("SELECT * FROM t WHERE id='a=1'", [])
    assert parameterise("INSERT INTO t VALUE {'id': 'a', 'n': 1}", None)[1] == []
