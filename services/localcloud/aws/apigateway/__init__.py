"""API Gateway: the REST data plane (data_plane.install mounts it); moto keeps the control plane, with
Swagger 2.0 imports (imports.py)."""

from localcloud.aws.apigateway import (
    imports,  # noqa: F401
    readbacks,  # noqa: F401
)
