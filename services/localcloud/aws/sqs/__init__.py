"""SQS: what we own beside moto's model."""

from localcloud.aws.sqs import lazy_counts

lazy_counts.install()
