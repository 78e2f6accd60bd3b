from localcloud.aws.stepfunctions import handlers  # noqa: F401
