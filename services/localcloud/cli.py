"""The `localcloud` command: parse, call, print. The work happens in the modules it calls."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.console import Console

from localcloud import process
from localcloud.config import Settings

console = Console(stderr=True)

port_option = click.option("--port", type=int, help="Port to serve on (default 4566, or LOCALCLOUD_PORT).")
state_option = click.option("--state-dir", type=click.Path(path_type=Path),
                            help="Where state, logs and data live (default ./.localcloud, or LOCALCLOUD_STATE_DIR).")


# The verbs that act on AWS itself and so use the person's AWS configuration; every other verb runs with a
# local-only AWS environment (localcloud.hermetic), whatever the shell holds.
AWS_VERBS = ("deploy-aws", "destroy-aws")


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """A local cloud for AWS serverless data pipelines."""
    if ctx.invoked_subcommand not in AWS_VERBS:
        from localcloud.hermetic import enter_local

        enter_local(Settings.from_env().region)


@main.command()
@port_option
@state_option
@click.option("--detach", is_flag=True, help="Run in the background and return once it is healthy.")
@click.option("--host", help="Address to serve on (default 127.0.0.1, or LOCALCLOUD_HOST).")
@click.option("--allow-remote", is_flag=True, default=None,
              help="Allow a --host other machines reach (0.0.0.0, a LAN address); they can then run code here.")
def start(port: int | None, state_dir: Path | None, detach: bool, host: str | None, allow_remote: bool | None) -> None:
    """Start the local cloud."""
    settings = Settings.from_env(port=port, state_dir=state_dir, host=host, allow_remote=allow_remote or None)
    try:
        if detach:
            warning = process.bind_warning(settings)
            if warning:
                console.print(f"[yellow]{warning}")
            if process.clear_stale_pid(settings):
                console.print("[yellow]Removed a stale pid file left by an earlier run that did not stop cleanly.")
            pid = process.start_detached(settings)
            console.print(f"localcloud is running on {settings.endpoint} (pid {pid}, state {settings.state_dir})")
        else:
            from localcloud.server.main import serve

            serve(settings)
    except process.LocalCloudError as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(1)


@main.command()
@state_option
@port_option
def stop(state_dir: Path | None, port: int | None) -> None:
    """Stop the local cloud started with --detach."""
    settings = Settings.from_env(port=port, state_dir=state_dir)
    try:
        pid = process.stop(settings, report=lambda line: console.print(f"[yellow]{line}"))
    except process.LocalCloudError as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(1)
    if pid is None:
        console.print(f"localcloud is not running (no live process in {settings.pid_file}); nothing to stop.")
    else:
        console.print(f"localcloud stopped (pid {pid}).")


@main.command()
@state_option
@port_option
@click.option("--json", "as_json", is_flag=True, help="Print the health document as JSON.")
def status(state_dir: Path | None, port: int | None, as_json: bool) -> None:
    """Say whether the local cloud runs; exit 1 when it does not."""
    import json

    settings = Settings.from_env(port=port, state_dir=state_dir)
    document = process.health(settings, timeout=2.0)
    if document is None:
        console.print(f"localcloud is not running at {settings.endpoint}.")
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(document, indent=2))
        return
    services = document.get("services", {})
    console.print(f"localcloud {document.get('version')} at {settings.endpoint}: "
                  f"{len(services)} services running, up {document.get('uptime_seconds')} s")
    saved = document.get("persistence") or {}
    if saved:
        pending = sum((saved.get("pending_events") or {}).values())
        when = saved.get("last_snapshot_at")
        age = f"{max(0.0, time.time() - when):.0f} s ago" if when else "not yet"
        console.print(f"  state: last snapshot {age}, {saved.get('journal_bytes', 0)} journal bytes since, "
                      f"{pending} events pending")
    for note in document.get("notes", []):
        console.print(f"  note: {note}")


@main.command()
@click.option("--source", type=click.Path(path_type=Path), default=Path("lambdas"), show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=Path("build"), show_default=True)
@click.option("--image", "image_dir", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Instead: build DIR/Dockerfile into a container image and push it to the local ECR "
                   "(without Docker, the Lambda subset of Dockerfiles; see docs/images.md).")
@click.option("--repository", help="The ECR repository to push --image to (it must exist).")
@click.option("--tag", default="latest", show_default=True, help="The tag to push --image under.")
@click.option("--region", help="The repository's region (default LOCALCLOUD_REGION).")
@click.option("--build-arg", "build_args", multiple=True, metavar="KEY=VALUE", help="A Dockerfile ARG value.")
@click.option("--engine", type=click.Choice(["auto", "docker", "built-in"]), default="auto", show_default=True,
              help="auto: docker build when a Docker engine answers, else the built-in builder.")
@port_option
def build(source: Path, out: Path, image_dir: Path | None, repository: str | None, tag: str, region: str | None,
          build_args: tuple[str, ...], engine: str, port: int | None) -> None:
    """Build deterministic Lambda zips and layers from SOURCE into OUT (or, with --image, a container image)."""
    from localcloud.packaging import BuildError, build_all

    if image_dir is not None:
        from localcloud.imagebuild.cli import build_image

        sys.exit(build_image(Settings.from_env(port=port), image_dir, out, repository, tag, region, build_args,
                             engine, console))
    try:
        build_all(source, out, report=lambda line: console.print(f"  {line}"))
    except BuildError as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(1)


@main.command()
@click.option("--tf-dir", type=click.Path(path_type=Path), default=Path("infra/tflocal"), show_default=True,
              help="The Terraform configuration whose needs (database engines) are checked.")
@click.option("--skip-port", is_flag=True, help="Do not check the endpoint's port (make test starts its own).")
@click.option("--no-install", is_flag=True, help="Report a missing MariaDB instead of installing it.")
@port_option
@state_option
def preflight(tf_dir: Path, skip_port: bool, no_install: bool, port: int | None, state_dir: Path | None) -> None:
    """Check Terraform, its provider, the port, database engines and disk; every problem at once."""
    from localcloud.preflight import Preflight

    settings = Settings.from_env(port=port, state_dir=state_dir)
    checks = Preflight(settings, tf_dir, report=lambda line: console.print(f"==> {line}"),
                       check_port=not skip_port, install=not no_install)
    problems = checks.problems()
    for problem in problems:
        console.print(f"[red]problem:[/red] {problem}", highlight=False)
    if problems:
        console.print(f"[red]{len(problems)} problem(s) found; nothing was started or applied.[/red]")
        sys.exit(1)


@main.command()
@click.option("--source", type=click.Path(path_type=Path, file_okay=False), default=Path("lambdas"),
              show_default=True, help="The Lambda sources to watch (functions, shared/, layers/).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("build"), show_default=True)
@click.option("--tf-dir", type=click.Path(path_type=Path, file_okay=False), default=Path("infra/tflocal"),
              show_default=True, help="The Terraform directory whose state says which function runs which zip.")
@click.option("--stack", default="pipelines", show_default=True, help="The stack name given to terraform apply.")
@click.option("--no-logs", is_flag=True, help="Do not print the functions' log lines.")
@port_option
@state_option
def dev(source: Path, out: Path, tf_dir: Path, stack: str, no_logs: bool, port: int | None,
        state_dir: Path | None) -> None:
    """Hot reload: on every save under SOURCE, rebuild and update the functions that run it; tail their logs."""
    from localcloud.devloop import cli as dev_cli

    settings = Settings.from_env(port=port, state_dir=state_dir)
    sys.exit(dev_cli.run(settings, source, out, tf_dir, stack, follow_logs=not no_logs))


from localcloud.terraform.cli import terraform_group  # noqa: E402

main.add_command(terraform_group)


@main.group()
def backend() -> None:
    """Other local targets for the same Terraform: localstack, ministack, docker, endpoint."""


@backend.command("check")
@click.argument("name")
def backend_check(name: str) -> None:
    """Say what NAME needs that is missing here, and what it cannot do."""
    from localcloud import backends

    try:
        target = backends.get(name)
    except backends.BackendError as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(2)
    console.print(f"{target.name}: {target.summary}")
    for gap in target.gaps:
        console.print(f"  cannot: {gap}")
    missing = backends.problems(target)
    for problem in missing:
        console.print(f"  [red]missing:[/red] {problem}")
    sys.exit(1 if missing else 0)


@backend.command("up")
@click.argument("name")
@port_option
def backend_up(name: str, port: int | None) -> None:
    """Start NAME (when the kit starts it) and wait until its endpoint answers."""
    from localcloud import backends

    settings = Settings.from_env(port=port)
    try:
        target = backends.get(name)
        for gap in target.gaps:
            console.print(f"[yellow]note:[/yellow] {target.name} cannot: {gap}")
        import os

        backends.start(target, os.environ.get("AWS_ENDPOINT_URL") or settings.endpoint)
    except backends.BackendError as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(1)
    console.print(f"{target.name} answers.")


from localcloud.deploy.cli import deploy_aws, deploy_rehearsal, destroy_aws  # noqa: E402

main.add_command(deploy_aws)
main.add_command(deploy_rehearsal)
main.add_command(destroy_aws)

from localcloud.runtime import cli as runtime_cli  # noqa: E402  (Lambda: invoke, logs)
main.add_command(runtime_cli.invoke); main.add_command(runtime_cli.logs)


from localcloud.events.schedule_cli import events as events_group  # noqa: E402  (events: list deliveries, fire)
main.add_command(events_group)


from localcloud.events.mailbox_cli import mailbox  # noqa: E402  (SNS e-mail lands in the local mailbox)
main.add_command(mailbox)

from localcloud.iam.cli import iam_group  # noqa: E402  (iam report: denied calls, the statement to add)
main.add_command(iam_group)

from localcloud.console.cli import console as console_verb  # noqa: E402  (the local console's URL, opened)
main.add_command(console_verb)


if __name__ == "__main__":
    main()
