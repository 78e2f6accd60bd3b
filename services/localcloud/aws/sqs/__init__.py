"""SQS: what we own beside moto's model."""

from localcloud.aws.sqs import lazy_counts

lazy_counts.install()
from localcloud.aws.sqs import handlers  # noqa: F401,E402  (Terraform-facing attribute fixes)
