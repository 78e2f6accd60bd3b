"""`localcloud mailbox`: the local inbox of SNS e-mail subscriptions (list, show).

(`localcloud events`, the delivery list, is events/schedule_cli.py; both read the same trace.)
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from localcloud.config import Settings


def _settings(port: int | None, state_dir: Path | None) -> Settings:
    return Settings.from_env(port=port, state_dir=state_dir)


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the messages as JSON.")
@click.option("--state-dir", type=click.Path(path_type=Path), help="The local cloud's state dir (default ./.localcloud).")
@click.pass_context
def mailbox(ctx: click.Context, as_json: bool, state_dir: Path | None) -> None:
    """E-mail the local cloud's SNS topics sent (email and email-json subscriptions); newest last."""
    ctx.obj = _settings(None, state_dir).state_dir
    if ctx.invoked_subcommand is not None:
        return
    from localcloud.events import mailbox as box

    messages = box.messages(ctx.obj)
    if as_json:
        click.echo(json.dumps(messages, indent=2))
        return
    if not messages:
        click.echo(f"The mailbox is empty ({box.directory(ctx.obj)}). SNS e-mail subscriptions deliver here.")
        return
    for n, m in enumerate(messages, start=1):
        at = datetime.fromtimestamp(m["timestamp"]).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{n:>3}  {at}  {m['to']:<30} {m['subject']}")
    click.echo("Show one with `localcloud mailbox show N`.")


@mailbox.command()
@click.argument("number", type=int, default=-1)
@click.pass_obj
def show(state_dir: Path, number: int) -> None:
    """Print message NUMBER as listed (default: the newest)."""
    from localcloud.events import mailbox as box

    messages = box.messages(state_dir)
    if not messages:
        click.echo("The mailbox is empty.", err=True)
        sys.exit(1)
    try:
        m = messages[number - 1] if number > 0 else messages[number]
    except IndexError:
        click.echo(f"There is no message {number}; the mailbox holds {len(messages)}.", err=True)
        sys.exit(1)
    click.echo(f"From: {m['from']}\nTo: {m['to']}\nSubject: {m['subject']}\n"
               f"Date: {datetime.fromtimestamp(m['timestamp']).isoformat()}\n\n{m['body']}")
