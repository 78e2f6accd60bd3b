"""SNS where moto answers differently from AWS: the checks SNS makes before it acts (rules.py)."""

from localcloud.aws.sns import rules  # noqa: F401  (registers the screen)
