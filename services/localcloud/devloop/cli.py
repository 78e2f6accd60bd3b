"""What `localcloud dev` needs around the session: clients for the endpoint, the stack's state file, errors
said to a person, Ctrl-C and SIGTERM as a clean stop."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import click

from localcloud.config import Settings
from localcloud.terraform.backend import StackPaths


def _client(service: str, settings: Settings):
    import boto3
    from botocore.config import Config

    return boto3.client(service, endpoint_url=settings.endpoint, region_name=settings.region,
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(connect_timeout=5, read_timeout=120, retries={"total_max_attempts": 2}))


def _emit(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()


def run(settings: Settings, source: Path, out: Path, tf_dir: Path, stack: str, follow_logs: bool = True) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from localcloud import process
    from localcloud.devloop.session import DevOptions, run as run_session
    from localcloud.packaging import BuildError

    if not source.is_dir():
        click.echo(f"error: {source} does not exist, so there is nothing to watch. Pass --source with the "
                   "folder of your Lambda sources.", err=True)
        return 2
    if process.health(settings, timeout=2.0) is None:
        click.echo(f"error: the local cloud does not answer at {settings.endpoint}, so no function can be "
                   "updated. Start it (`make up`, or `localcloud start --detach`) and run this again.", err=True)
        return 1
    state_file = StackPaths.for_stack(settings.state_dir, stack).state_file
    options = DevOptions(source, out, state_file if state_file.is_file() else None,
                         tf_dir if tf_dir.is_dir() else None, follow_logs)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        return run_session(options, _client("lambda", settings), _client("logs", settings), _emit, stop)
    except BuildError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except (ClientError, BotoCoreError) as exc:
        click.echo(f"error: the local cloud at {settings.endpoint} refused an update ({exc}); nothing more "
                   "was changed. Check `localcloud status` and run this again.", err=True)
        return 1

