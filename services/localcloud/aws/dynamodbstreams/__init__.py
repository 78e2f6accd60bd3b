"""DynamoDB Streams where moto's answers differ from AWS's (see each module)."""

from localcloud.aws.dynamodbstreams import describe_stream  # noqa: F401  (register finishers)
