"""SQS: what we own beside moto's model. The modules here hold the behaviour issue 17 changes in moto (validation,
fifo, errors, query_protocol, responses, permissions), each a factory of the wrapper; moto_patches/sqs.py
registers and installs them with every other moto patch, before any request."""

from localcloud.aws.sqs import handlers  # noqa: F401  (Terraform-facing attribute fixes)
