"""`localcloud terraform apply|plan|destroy|outputs DIR`: click verbs only; the work is in runner.py."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from localcloud.config import Settings
from localcloud.terraform.command import TerraformError
from localcloud.terraform.runner import TerraformRunner
from localcloud.terraform.stack_vars import stack_region

console = Console(stderr=True)


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path)),
        click.option("--var-file", "var_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                     help="A .tfvars file (repeatable), e.g. envs/local.tfvars."),
        click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="One variable (repeatable)."),
        click.option("--stack", help="Name of the state to use (default: the directory's name)."),
        click.option("--aws", "to_aws", is_flag=True,
                     help="Target AWS itself: no endpoint override; the configuration's own backend."),
        click.option("--parallelism", type=int, help="Terraform's -parallelism (default 10)."),
        click.option("--port", type=int, help="The local cloud's port (default 4566, or LOCALCLOUD_PORT)."),
        click.option("--state-dir", type=click.Path(path_type=Path),
                     help="The local cloud's state dir (default ./.localcloud, or LOCALCLOUD_STATE_DIR)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _runner(directory: Path, var_files: tuple[Path, ...], variables: tuple[str, ...], stack: str | None,
            to_aws: bool, parallelism: int | None, port: int | None, state_dir: Path | None) -> TerraformRunner:
    settings = Settings.from_env(port=port, state_dir=state_dir)
    pairs = {}
    for item in variables:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--var")
        pairs[name] = value
    region = stack_region(directory, var_files, pairs)
    return TerraformRunner(directory, stack or directory.resolve().name, settings.state_dir,
                           None if to_aws else settings.endpoint, region, var_files, pairs,
                           parallelism, console=console)


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {exc}", highlight=False)
    sys.exit(1)


@click.group("terraform")
def terraform_group() -> None:
    """Apply Terraform configurations to the local cloud (state kept under the state dir)."""


@terraform_group.command()
@_common
@click.option("--no-refresh", is_flag=True,
              help="Skip reading resources back first (fast re-apply; misses changes made outside Terraform).")
@click.option("--full", is_flag=True,
              help="Run Terraform even when nothing changed since the last successful apply (make up REFRESH=1).")
def apply(no_refresh: bool, full: bool, **kwargs: Any) -> None:
    """Create or update everything in DIRECTORY; skipped when nothing changed since the last apply."""
    try:
        runner = _runner(**kwargs)
        finished = runner.apply_if_changed(refresh=not no_refresh, force=full or kwargs["to_aws"])
    except TerraformError as exc:
        _fail(exc)
    if finished is None:
        console.print("Terraform skipped: the configuration, variables, build artifacts and the local cloud's "
                      "state are as the last successful apply left them. (`make up REFRESH=1` or "
                      "`--full` applies anyway.)")
        return
    summary = next((line for line in finished.output.splitlines() if line.startswith("Apply complete")), "")
    console.print(f"{summary} ({finished.seconds:.1f} s; state in {runner.paths.state_file})")


@terraform_group.command()
@_common
def plan(**kwargs: Any) -> None:
    """Show what apply would change; exit 0 when nothing, 2 when something would change."""
    try:
        result = _runner(**kwargs).plan()
    except TerraformError as exc:
        _fail(exc)
    click.echo(result.output)
    sys.exit(result.exit_code)


@terraform_group.command()
@_common
def destroy(**kwargs: Any) -> None:
    """Delete everything DIRECTORY created."""
    try:
        finished = _runner(**kwargs).destroy()
    except TerraformError as exc:
        _fail(exc)
    summary = next((line for line in finished.output.splitlines() if line.startswith("Destroy complete")), "")
    console.print(f"{summary} ({finished.seconds:.1f} s)")


@terraform_group.command()
@_common
def outputs(**kwargs: Any) -> None:
    """Print the outputs as JSON {name: value}, with AWS-only URLs rewritten to the local endpoint."""
    try:
        values = _runner(**kwargs).outputs()
    except TerraformError as exc:
        _fail(exc)
    click.echo(json.dumps(values, indent=2, sort_keys=True))
