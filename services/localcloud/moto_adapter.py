"""moto's models as the rest of localcloud reads them: backends by service, account and region.

moto is our state; code outside moto_patches/ reaches it through here, so what we rely on in moto is
listed in one module (and a moto upgrade that moves a name breaks here, not in forty files). Accessors only,
no behaviour: what we change in moto is moto_patches/.
"""

from __future__ import annotations

from typing import Any


def backends(service: str) -> Any:
    """moto's BackendDict for `service` (account -> region -> backend), by moto's service name
    ("awslambda", "s3", "stepfunctions", ...). Importing a service's models can take seconds (EC2, IAM)."""
    from moto.backends import get_backend

    return get_backend(service)  # type: ignore[arg-type]
