"""DynamoDB where moto's answers differ from AWS's (see each module)."""

from localcloud.aws.dynamodb import (  # noqa: F401  (register handlers)
    contributor_insights,
    kinesis_destinations,
    partiql,
    responses,
)
