"""API Gateway v2 (HTTP APIs): moto keeps APIs, routes, integrations, authorizers and stages; we add
deployments and stage read-backs (deployments.py) and serve invocations (data_plane.py)."""

from localcloud.aws.apigatewayv2 import (
    deployments,  # noqa: F401
    readbacks,  # noqa: F401
)
