"""Step Functions executions: moto's ASL interpreter, wired to this server, its clock and its state store.

Why not our own engine: moto 5 ships LocalStack's interpreter (moto/stepfunctions/parser: the full ASL
grammar, intrinsic functions, Retry/Catch, Map/Parallel, service integrations and AWS's history event
types). Measured in-process: a Pass/Wait/Map(5)/Choice machine runs in ~25 ms. Writing and keeping an
engine of that coverage ourselves would cost far more than the adaptations in moto_patches/stepfunctions.py
(executions enabled, task integrations against this server, the local clock, Lambda result metadata).
StartSyncExecution (Express) waits for the run; see handlers.py.
"""

from __future__ import annotations

import logging
from typing import Any

from localcloud import moto_adapter, moto_patches
from localcloud.host import Host

log = logging.getLogger("localcloud.stepfunctions")


def install(app: Host) -> None:
    """Nothing to start: the interpreter is enabled by its moto patch (moto_patches.apply_deferred, holding
    Step Functions alone),
    before saved state is restored, and runs in the requests' threads. Called from components.install_all."""


def backend(account_id: str, region: str) -> Any:
    """The interpreter's backend (the one that runs executions), once the patches that enable it are in."""
    if not moto_patches.wait_applied(60):
        log.error("moto's patches were not applied after 60 s; Step Functions executions may misbehave")
    return moto_adapter.backends("stepfunctions")[account_id][region]
