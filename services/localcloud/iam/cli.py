"""`localcloud iam report`: what IAM denied (or would deny) and the statement that would allow each call."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import click

from localcloud.config import Settings


@click.group(name="iam")
def iam_group() -> None:
    """IAM decisions of the running local cloud."""


@iam_group.command(name="report")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--clear", is_flag=True, help="Empty the report after printing it.")
@click.option("--port", type=int, help="Port of the local cloud (default 4566, or LOCALCLOUD_PORT).")
@click.option("--state-dir", type=click.Path(path_type=Path), hidden=True)
def report(as_json: bool, clear: bool, port: int | None, state_dir: Path | None) -> None:
    """Each denied call: principal, action, resource, which policy decided, and the statement to add."""
    from localcloud.iam.report import render

    settings = Settings.from_env(port=port, state_dir=state_dir)
    request = urllib.request.Request(f"{settings.endpoint}/_localcloud/iam", method="DELETE" if clear else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            document = json.loads(answer.read())
    except (urllib.error.URLError, OSError) as exc:
        click.echo(f"error: no local cloud answers on {settings.endpoint} ({exc}). Start it with `make up` or "
                   "`localcloud start`, or pass --port.", err=True)
        sys.exit(1)
    click.echo(json.dumps(document, indent=2) if as_json else render(document))
