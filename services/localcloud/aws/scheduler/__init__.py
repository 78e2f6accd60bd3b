from localcloud.aws.scheduler import handlers  # noqa: F401  (register handlers)
