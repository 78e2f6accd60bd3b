"""`localcloud events` (recent deliveries) and `localcloud events fire NAME` (fire a schedule now).

Both talk to the running server over HTTP (GET /_localcloud/events, POST /_localcloud/events/fire), the
same paths tests use.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import click

from localcloud.config import Settings

_port = click.option("--port", type=int, help="Port of the local cloud (default 4566, or LOCALCLOUD_PORT).")
_state = click.option("--state-dir", type=click.Path(path_type=Path), hidden=True)


def _call(settings: Settings, method: str, path: str) -> tuple[int, dict]:
    request = urllib.request.Request(settings.endpoint + path, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except OSError as exc:
        click.echo(f"error: the local cloud does not answer at {settings.endpoint} ({exc}); "
                   "start it with `localcloud start --detach`.", err=True)
        sys.exit(1)


@click.group(invoke_without_command=True)
@_port
@_state
@click.option("--limit", type=int, default=30, show_default=True, help="How many recent deliveries to show.")
@click.option("--source", help="Only deliveries whose source or target contains this text.")
@click.pass_context
def events(ctx: click.Context, port: int | None, state_dir: Path | None, limit: int, source: str | None) -> None:
    """Recent event deliveries (rules, schedules, notifications, pollers): what fired, where, and why not."""
    ctx.obj = Settings.from_env(port=port, state_dir=state_dir)
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_deliveries, limit=limit, source=source)


@events.command("list")
@click.option("--limit", type=int, default=30, show_default=True)
@click.option("--source", help="Only deliveries whose source or target contains this text.")
@click.pass_obj
def list_deliveries(settings: Settings, limit: int, source: str | None) -> None:
    """List recent deliveries, oldest first."""
    query = urllib.parse.urlencode({"limit": limit, **({"source": source} if source else {})})
    _, document = _call(settings, "GET", f"/_localcloud/events?{query}")
    for item in document.get("deliveries", []):
        detail = f"  {item['detail']}" if item.get("detail") else ""
        click.echo(f"{item['result']:<13} {item['source']} -> {item['target']} "
                   f"({item['latency_ms']} ms, attempt {item['attempts']}){detail}")


@events.command("fire")
@click.argument("name")
@click.pass_obj
def fire(settings: Settings, name: str) -> None:
    """Fire the scheduled rule or Scheduler schedule NAME (name, group/name or ARN) now."""
    status, document = _call(settings, "POST", "/_localcloud/events/fire?" + urllib.parse.urlencode({"name": name}))
    if status != 200:
        click.echo(f"error: {document.get('message', status)}", err=True)
        sys.exit(1)
    for fired in document["fired"]:
        click.echo(f"fired {fired['kind']} {fired['arn']} -> {fired['targets']} target(s)")
