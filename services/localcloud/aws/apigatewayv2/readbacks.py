"""HTTP API integrations and routes read back with unset maps and lists absent, as AWS returns them
(the reason and the shared rule: aws/apigateway/readbacks.py)."""

from localcloud.aws.apigateway.readbacks import rewritten
from localcloud.aws.registry import handles

handles("apigatewayv2", "GetIntegration", "GetIntegrations", "CreateIntegration", "UpdateIntegration",
        "GetRoute", "GetRoutes", "CreateRoute", "UpdateRoute")(rewritten)
