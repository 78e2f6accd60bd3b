"""Lambda execution: service -> environment pool -> execution environment (status enum) -> worker process.

`install(host)` plugs it into the server; `current()` is the in-process API for other subsystems (the
app's host.subsystems["lambda"]);
`prepare_runtime(python)` builds the per-Python runtime directory (`make install` calls it).
Imports are lazy so that `localcloud invoke` does not load moto's models just to start.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {"prepare_runtime": "localcloud.runtime.prepare", "install": "localcloud.runtime.service",
            "current": "localcloud.runtime.service", "LambdaService": "localcloud.runtime.service",
            "InvocationResult": "localcloud.runtime.invocation"}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
