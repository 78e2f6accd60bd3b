"""Lambda operations we own: the data plane (Invoke) runs functions in localcloud.runtime.

The import order is the order screens and finishers run in (aws/registry.py keeps registration order):
responses first (a function of another region is answered before anything resolves its name), then the
checks AWS makes up front, function_names (every spelling of a function name resolved to the plain name and
Qualifier), and after it the screens that read the resolved name (permissions, function_guards).
"""
# ruff: noqa: F401, I001  (imported for their registrations, in this order on purpose)

from localcloud.aws.lambda_ import code_checks, configuration, data_plane
from localcloud.aws.lambda_ import control_plane  # Terraform-facing reads; terraform conformance
from localcloud.aws.lambda_ import responses  # AWS's shape for every Lambda answer
from localcloud.aws.lambda_ import runtimes, function_only  # requests AWS refuses up front
from localcloud.aws.lambda_ import event_sources  # the execution role may read the source
from localcloud.aws.lambda_ import function_names  # every spelling of a function name, resolved
from localcloud.aws.lambda_ import account_settings, configuration_limits, event_source_mapping_shape
from localcloud.aws.lambda_ import permissions  # after function_names: sees the derived qualifier
from localcloud.aws.lambda_ import function_guards, layers
