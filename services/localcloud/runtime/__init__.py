"""Lambda execution: service -> environment pool -> execution environment (status enum) -> worker process.

`install(app)` plugs it into the server; `current()` is the in-process API for other subsystems;
`prepare_runtime(python)` builds the per-Python runtime directory (`make install` calls it).
"""

from localcloud.runtime.prepare import prepare_runtime  # noqa: F401
from localcloud.runtime.service import InvocationResult, LambdaService, current, install  # noqa: F401
