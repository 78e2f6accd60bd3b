"""Secrets Manager where moto answers differently from AWS (versions.py: stages and the version list;
errors.py: the error shape)."""

from localcloud.aws.secretsmanager import errors, versions  # noqa: F401  (registers the handlers)
