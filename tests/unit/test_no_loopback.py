"""Inside the server nothing reaches the server over HTTP to deliver an event: every source hands its
deliveries to the in-process layer (events/targets.py). A boto3 client in server code is how a loopback
call starts, so this lists every module that makes one and holds the list to the known exceptions."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "services" / "localcloud"

# Run outside the server (command line, test helpers, deploy to real AWS): boto3 against an endpoint is their job.
# imagebuild/ is `localcloud build --image` (and the Terraform runner's push): a registry client, never the server.
CLIENT_SIDE = ("cli.py", "testing.py", "pytest.py", "deploy/", "devloop/", "terraform/", "runtime/cli.py",
               "imagebuild/")
# Inside the server on purpose, each for its reason:
IN_SERVER_LOOPBACK = {
    # moto's ASL interpreter runs aws-sdk:* task integrations through boto3; any API may be named.
    "moto_patches/stepfunctions.py",
    # the console reads what any SDK would read, through the endpoint (console/context.py says why).
    "console/context.py",
    # API Gateway service integrations name any action of the service (SQS-ReceiveMessage, Kinesis-PutRecord,
    # StepFunctions-StartSyncExecution; a REST API's arn:...:{service}:action/{Action}, which
    # aws/apigateway/service_actions.py sends over HTTP), as a client of that service would: not a delivery.
    "aws/apigatewayv2/service_integrations.py",
}
CLIENT = re.compile(r"boto3\.(client|resource|session|Session)\b|^\s*import boto3\b", re.MULTILINE)


def test_only_the_known_modules_make_boto3_clients_inside_the_server():
    found = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.endswith(CLIENT_SIDE) or relative.startswith(CLIENT_SIDE):
            continue
        if CLIENT.search(path.read_text()):
            found.add(relative)
    assert found == IN_SERVER_LOOPBACK, (
        f"server modules that make boto3 clients: {sorted(found - IN_SERVER_LOOPBACK)}; deliver through "
        "localcloud.events.targets.deliver (in-process) instead of calling the endpoint")
