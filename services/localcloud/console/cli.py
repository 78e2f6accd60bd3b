"""`localcloud console`: print the console's URL and open it in a browser when there is a display."""

from __future__ import annotations

import os
import sys
import webbrowser

import click

from localcloud import process
from localcloud.config import Settings


def has_display() -> bool:
    """A browser can open: macOS and Windows always have one; elsewhere an X11 or Wayland display."""
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@click.command("console")
@click.option("--port", type=int, help="Port of the local cloud (default 4566, or LOCALCLOUD_PORT).")
@click.option("--no-browser", is_flag=True, help="Only print the URL.")
def console(port: int | None, no_browser: bool) -> None:
    """Print the local console's URL (resources, event flow, logs, mail, warehouse dashboard) and open it."""
    from localcloud.console import url

    settings = Settings.from_env(port=port)
    address = url(settings.endpoint)
    click.echo(address)
    if process.health(settings, timeout=2.0) is None:
        click.echo(f"note: nothing answers at {settings.endpoint} yet; start the local cloud with "
                   "`make up` (or `localcloud start --detach`), then open the URL.", err=True)
        sys.exit(1)
    if not no_browser and has_display():
        webbrowser.open(address)
