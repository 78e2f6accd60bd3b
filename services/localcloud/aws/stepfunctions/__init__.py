from localcloud.aws.stepfunctions import executions, handlers, responses, versions  # noqa: F401  (register handlers)
from localcloud.aws.stepfunctions.engine import install  # noqa: F401
