"""What `localcloud build --image` does, so cli.py stays parse-call-print."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from localcloud.imagebuild.dockerfile import DockerfileError
from localcloud.imagebuild.registry_client import RegistryError


def build_image(settings: Any, image_dir: Path, out: Path, repository: str | None, tag: str, region: str | None,
                build_args: tuple[str, ...], engine: str, console: Any) -> int:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from localcloud.imagebuild.push import build_and_push, record

    if not (image_dir / "Dockerfile").is_file():
        console.print(f"[red]error:[/red] {image_dir} has no Dockerfile, so there is no image to build.")
        return 2
    if not repository:
        console.print("[red]error:[/red] --image needs --repository (the ECR repository to push to; create it "
                      "first, e.g. with aws_ecr_repository in Terraform).")
        return 2
    arguments = {}
    for item in build_args:
        key, equals, value = item.partition("=")
        if not equals:
            console.print(f"[red]error:[/red] --build-arg {item!r} is not KEY=VALUE")
            return 2
        arguments[key] = value
    region = region or settings.region
    ecr = boto3.client("ecr", endpoint_url=settings.endpoint, region_name=region, aws_access_key_id="test",
                       aws_secret_access_key="test", config=Config(retries={"max_attempts": 2}))
    try:
        pushed = build_and_push(image_dir, endpoint=settings.endpoint, port=settings.port,
                                account=settings.account_id, region=region, repository=repository, tag=tag,
                                ecr_client=ecr, build_args=arguments, engine=engine,
                                cache_dir=out / ".cache" / "image-pip",
                                report=lambda line: console.print(f"  {line}"))
    except DockerfileError as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        return 1
    except RegistryError as exc:
        console.print(f"[red]error:[/red] pushing to the local ECR failed: {exc}. Is the repository {repository} "
                      f"created in {region}, and the local cloud running at {settings.endpoint}?")
        return 1
    except (BotoCoreError, ClientError, OSError) as exc:
        console.print(f"[red]error:[/red] the local cloud at {settings.endpoint} did not answer ({exc}); start it "
                      "with `make up` or `localcloud start --detach` first.")
        return 1
    for note in pushed.notes:
        console.print(f"  note: {note}")
    recorded = record(pushed, out)
    console.print(f"  pushed {pushed.tag_uri} ({pushed.engine} build), digest {pushed.digest}; recorded in {recorded}")
    click.echo(pushed.image_uri)
    return 0
