"""`localcloud invoke` and `localcloud logs`: parse, call the local cloud through boto3, print."""

from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path

import click

from localcloud.config import Settings

_port = click.option("--port", type=int, help="Port of the local cloud (default 4566, or LOCALCLOUD_PORT).")
_state = click.option("--state-dir", type=click.Path(path_type=Path), hidden=True)


def _client(service: str, settings: Settings):
    import boto3
    from botocore.config import Config

    return boto3.client(service, endpoint_url=settings.endpoint, region_name=settings.region,
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(read_timeout=900, retries={"total_max_attempts": 1}))


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _payload(text: str) -> bytes:
    raw = Path(text[1:]).read_bytes() if text.startswith("@") else text.encode()
    try:
        json.loads(raw)
    except ValueError as exc:
        _fail(f"the payload is not JSON ({exc}); Lambda would reject it. Pass JSON or @file.json.")
    return raw


@click.command()
@click.argument("function")
@click.option("--payload", default="{}", show_default=True, help="JSON event, or @path/to/event.json.")
@click.option("--qualifier", help="Version or alias to invoke.")
@click.option("--async", "event", is_flag=True, help="InvocationType=Event: queue it and return at once.")
@_port
@_state
def invoke(function: str, payload: str, qualifier: str | None, event: bool, port: int | None,
           state_dir: Path | None) -> None:
    """Invoke FUNCTION; print its response on stdout and its log tail on stderr."""
    from botocore.exceptions import ClientError, EndpointConnectionError

    settings = Settings.from_env(port=port, state_dir=state_dir)
    args = {"FunctionName": function, "Payload": _payload(payload),
            "InvocationType": "Event" if event else "RequestResponse", "LogType": "None" if event else "Tail"}
    if qualifier:
        args["Qualifier"] = qualifier
    try:
        answer = _client("lambda", settings).invoke(**args)
    except EndpointConnectionError:
        _fail(f"the local cloud does not answer at {settings.endpoint}; start it with `localcloud start --detach`.")
    except ClientError as exc:
        _fail(f"{exc.response['Error']['Code']}: {exc.response['Error'].get('Message', '')}")
    if event:
        click.echo(f"queued (request id {answer['ResponseMetadata']['RequestId']})", err=True)
        return
    if answer.get("LogResult"):
        click.echo(base64.b64decode(answer["LogResult"]).decode("utf-8", "replace"), err=True, nl=False)
    click.echo(answer["Payload"].read().decode("utf-8", "replace"))
    if answer.get("FunctionError"):
        sys.exit(1)


@click.command()
@click.argument("function")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until interrupted.")
@click.option("--since", default=3600, show_default=True, help="Seconds of history to print first.")
@_port
@_state
def logs(function: str, follow: bool, since: int, port: int | None, state_dir: Path | None) -> None:
    """Print FUNCTION's log lines from CloudWatch Logs (/aws/lambda/FUNCTION)."""
    from botocore.exceptions import ClientError, EndpointConnectionError

    from localcloud.runtime.log_tail import LogTail

    settings = Settings.from_env(port=port, state_dir=state_dir)
    tail = LogTail(_client("logs", settings), f"/aws/lambda/{function}", since)
    while True:
        try:
            events = tail.poll()
        except EndpointConnectionError:
            _fail(f"the local cloud does not answer at {settings.endpoint}; start it with "
                  "`localcloud start --detach`.")
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException" or not follow:
                _fail(f"no logs for {function} ({exc.response['Error']['Code']}): it has not run yet, or "
                      "the name is wrong.")
            events = []
        for entry in events:
            click.echo(entry["message"].rstrip("\n"))
        if not follow:
            return
        time.sleep(1.0)
