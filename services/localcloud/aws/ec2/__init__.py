from localcloud.aws.ec2 import handlers  # noqa: F401
