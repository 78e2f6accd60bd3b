"""SQS: what we own beside moto's model.

Every change to moto's SQS is installed here, in one place (each module's install() says what it patches):
validation (AWS's input rules), fifo (FIFO delivery semantics),
errors (error codes and shapes of both protocols), query_protocol (query requests answered in XML),
responses (fields of the answers), permissions (AddPermission/RemovePermission).
"""

from localcloud.aws.sqs import errors, fifo, permissions, query_protocol, responses, validation

validation.install()
fifo.install()
errors.install()
query_protocol.install()
responses.install()
permissions.install()
from localcloud.aws.sqs import handlers  # noqa: F401,E402  (Terraform-facing attribute fixes)
