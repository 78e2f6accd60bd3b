from localcloud.aws.events import handlers  # noqa: F401  (register handlers)
