from localcloud.aws.kinesis import handlers  # noqa: F401
