"""moto.rds: instances backed by a local engine report this machine's address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("rds")


@PATCHES.wrap("moto.rds.models:DBInstance.address", signature="(self)")
def address(original: Callable[[Any], str], self: Any) -> str:
    """DescribeDBInstances returns 127.0.0.1 for an instance a local engine serves (aws/rds/models.py keeps
    which engines run here); instances of other engines (oracle, sqlserver) keep moto's invented hostname."""
    from localcloud.aws.rds.models import LOCAL_ADDRESS, runs_locally

    return LOCAL_ADDRESS if runs_locally(self) else original(self)
