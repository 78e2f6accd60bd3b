"""Lambda operations we own: the data plane (Invoke) runs functions in localcloud.runtime."""

from localcloud.aws.lambda_ import code_checks, configuration, data_plane  # noqa: F401
from localcloud.aws.lambda_ import control_plane  # noqa: F401,E402  (Terraform-facing reads; terraform conformance)
from localcloud.aws.lambda_ import responses  # noqa: F401,E402  (AWS's shape for every Lambda answer)
from localcloud.aws.lambda_ import runtimes, function_only  # noqa: F401,E402  (requests AWS refuses up front)
from localcloud.aws.lambda_ import event_sources  # noqa: F401,E402  (the execution role may read the source)
from localcloud.aws.lambda_ import function_names  # noqa: F401,E402  (every spelling of a function name, resolved)
from localcloud.aws.lambda_ import account_settings, configuration_limits, event_source_mapping_shape  # noqa: F401,E402
from localcloud.aws.lambda_ import permissions  # noqa: F401,E402  (after function_names: sees the derived qualifier)
from localcloud.aws.lambda_ import function_guards, layers  # noqa: F401,E402
