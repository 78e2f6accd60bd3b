"""Import every service package that registers handlers, so the registry is complete."""

from localcloud.aws import stepfunctions  # noqa: F401
