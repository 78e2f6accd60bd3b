"""Changes to moto's own code for AWS parity (issue 17), each in one module, applied once from one place.

Kept apart so they can move into localcloud.moto_patches (the package that gathers every moto patch) as they
are: each module has `apply()`, idempotent, and names the moto target it replaces. Applied at import of
server/moto_backend.py, before any backend is created.
"""

from __future__ import annotations

from localcloud.moto_fixes import stepfunctions_cloudformation

MODULES = (stepfunctions_cloudformation,)


def apply() -> None:
    for module in MODULES:
        module.apply()
