"""SQS: what we own beside moto's model.

Every change to moto's SQS is installed here, in one place (each module's install() says what it patches):
lazy_counts (attribute counts on demand), validation (AWS's input rules), fifo (FIFO delivery semantics).
"""

from localcloud.aws.sqs import fifo, lazy_counts, validation

lazy_counts.install()
validation.install()
fifo.install()
from localcloud.aws.sqs import handlers  # noqa: F401,E402  (Terraform-facing attribute fixes)
