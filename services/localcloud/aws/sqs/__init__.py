"""SQS: what we own beside moto's model (moto's own behaviour is changed in moto_patches/sqs.py)."""

from localcloud.aws.sqs import handlers  # noqa: F401  (Terraform-facing attribute fixes)
