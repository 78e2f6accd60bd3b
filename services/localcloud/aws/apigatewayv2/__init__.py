"""API Gateway v2 (HTTP APIs): moto keeps APIs, routes, integrations, authorizers and stages; we add
deployments and stage read-backs (deployments.py), quick create (quick_create.py), read-backs as AWS
answers them (readbacks.py), and serve invocations (data_plane.py)."""

from localcloud.aws.apigatewayv2 import deployments, quick_create, readbacks  # noqa: F401
