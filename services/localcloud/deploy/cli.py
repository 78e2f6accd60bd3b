"""`localcloud deploy-aws` and `localcloud destroy-aws` (what `make deploy-aws` / `make destroy-aws` run)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console

from localcloud.deploy.aws import AwsDeployment
from localcloud.deploy.preflight import PreflightError
from localcloud.terraform.command import TerraformError

console = Console(stderr=True)


def _options(command):
    command = click.option("--tf-dir", type=click.Path(path_type=Path), default=Path("infra/tflocal"),
                           show_default=True)(command)
    command = click.option("--var-file", type=click.Path(path_type=Path),
                           default=Path("infra/tflocal/envs/aws.tfvars"), show_default=True)(command)
    command = click.option("--backend-config", "backend_file", type=click.Path(path_type=Path),
                           default=None, help="S3 backend settings (default: <tf-dir>/envs/aws.s3.tfbackend "
                                              "when it exists, else LOCALCLOUD_TF_BACKEND_* variables).")(command)
    command = click.option("--build-dir", type=click.Path(path_type=Path), default=Path("build"),
                           show_default=True)(command)
    return command


def _run(tf_dir: Path, var_file: Path, backend_file: Path | None, build_dir: Path, destroy: bool) -> None:
    if backend_file is None and (tf_dir / "envs" / "aws.s3.tfbackend").exists():
        backend_file = tf_dir / "envs" / "aws.s3.tfbackend"
    auto = os.environ.get("AUTO_APPROVE", "").strip().lower() in ("1", "true", "yes")

    def confirm(question: str) -> bool:
        if auto:
            return True
        if not sys.stdin.isatty():
            raise PreflightError("No terminal to confirm on; set AUTO_APPROVE=1 to apply without asking. "
                                 "Nothing was changed.")
        return click.confirm(question, default=False)

    deployment = AwsDeployment(tf_dir.resolve(), var_file.resolve(), build_dir.resolve(), backend_file, confirm,
                               say=lambda line: console.print(line, highlight=False))
    try:
        outputs = deployment.deploy(destroy=destroy)
    except (PreflightError, TerraformError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)
    if outputs:
        import json

        click.echo(json.dumps(outputs, indent=2))


@click.command("deploy-aws")
@_options
def deploy_aws(tf_dir: Path, var_file: Path, backend_file: Path | None, build_dir: Path) -> None:
    """Apply the same Terraform and artifacts to real AWS (preflight, plan, confirm, apply, smoke check)."""
    _run(tf_dir, var_file, backend_file, build_dir, destroy=False)


@click.command("destroy-aws")
@_options
def destroy_aws(tf_dir: Path, var_file: Path, backend_file: Path | None, build_dir: Path) -> None:
    """Destroy the AWS deployment, with the same preflight and confirmation."""
    _run(tf_dir, var_file, backend_file, build_dir, destroy=True)


@click.command("deploy-rehearsal")
@click.option("--tf-dir", type=click.Path(path_type=Path), default=Path("infra/tflocal"), show_default=True)
@click.option("--var-file", type=click.Path(path_type=Path), default=Path("infra/tflocal/envs/aws.tfvars"),
              show_default=True)
@click.option("--backend-config", "backend_file", type=click.Path(path_type=Path), default=None,
              help="Backend settings to rehearse (default: envs/aws.s3.tfbackend, else its .example).")
@click.option("--build-dir", type=click.Path(path_type=Path), default=Path("build"), show_default=True)
@click.option("--stand-in", "stand_in_url", default=None,
              help="Use this running moto server instead of starting one (two rehearsals on one state key).")
@click.option("--work-dir", type=click.Path(path_type=Path), default=None,
              help="Where the workspace copy and its Terraform data go (default: <state dir>/rehearsal).")
def deploy_rehearsal(tf_dir: Path, var_file: Path, backend_file: Path | None, build_dir: Path,
                     stand_in_url: str | None, work_dir: Path | None) -> None:
    """Rehearse deploy-aws end to end (apply, smoke check, destroy) against a plain moto server."""
    from localcloud.config import Settings
    from localcloud.deploy.rehearsal import Rehearsal
    from localcloud.deploy.stand_in import StandInError

    rehearsal = Rehearsal(tf_dir, var_file, build_dir, (work_dir or Settings.from_env().state_dir / "rehearsal").resolve(),
                          say=lambda line: console.print(line, highlight=False), stand_in_url=stand_in_url,
                          backend_file=backend_file)
    try:
        report = rehearsal.run()
    except (PreflightError, TerraformError, StandInError) as exc:
        console.print(f"[red]rehearsal failed:[/red] {exc}", highlight=False)
        sys.exit(1)
    console.print(f"rehearsal passed in {report.seconds:.0f} s: plan {report.plan}, "
                  f"{len(report.smoke_checked)} functions smoke-checked, destroy left an empty state",
                  highlight=False)
    click.echo(report.as_json())
