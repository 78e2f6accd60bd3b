"""Glue operations we own: name validation at CreateDatabase/CreateTable (names.py)."""

from localcloud.aws.glue import names  # noqa: F401
