"""Checks that run before anything changes in AWS. Each failure says what is missing and that nothing changed.

They are cheap and local first (credentials, environment, files), then one STS call with short timeouts,
so a machine without credentials or network stops within seconds.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from localcloud.terraform.runner import directory_lock
from localcloud.terraform.stack_vars import tfvars_value  # noqa: F401  (deploy reads its tfvars with it)

NOTHING_CHANGED = "Nothing was changed, locally or in AWS."
# A direct Lambda upload may be at most 50 MB zipped; larger code must go through S3.
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024
LOCAL_MARKERS = re.compile(r"localhost|127\.0\.0\.1|localstack|localcloud|:4566\b", re.IGNORECASE)


class PreflightError(Exception):
    pass


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str
    region: str


def refuse_local_endpoint(environ: dict[str, str] | None = None) -> None:
    environ = dict(os.environ if environ is None else environ)
    pointed = {k: v for k, v in environ.items() if k == "AWS_ENDPOINT_URL" or k.startswith("AWS_ENDPOINT_URL_")}
    if pointed:
        names = ", ".join(f"{k}={v}" for k, v in sorted(pointed.items()))
        raise PreflightError(f"{names} is set, so AWS clients would talk to that endpoint instead of AWS. "
                             f"Unset it for deploy-aws (`make deploy-aws` does). {NOTHING_CHANGED}")


def refuse_local_files(tf_dir: Path, var_files: list[Path]) -> None:
    """No override file (ours or anyone's) and no local tfvars may reach an AWS run. A local run in the same
    directory writes our overrides for as long as one of its commands runs, under the directory's lock: the
    check waits for that run and sees only files nobody is using (found by make test: the image-function
    Terraform test applying in the checkout while a deploy rehearsal checked it)."""
    with directory_lock(tf_dir, Console(stderr=True)):
        overrides = sorted(p.name for p in tf_dir.glob("*override.tf*"))
    if overrides:
        raise PreflightError(f"{tf_dir} holds override files ({', '.join(overrides)}); Terraform would merge them "
                             f"into the AWS run. Remove them (`make clean` removes localcloud's). {NOTHING_CHANGED}")
    for var_file in var_files:
        text = var_file.read_text() if var_file.is_file() else ""
        if var_file.name.startswith("local") or LOCAL_MARKERS.search(text):
            raise PreflightError(f"{var_file} is a local-cloud variables file (it names the local endpoint or "
                                 f"is called local*); it must not be applied to AWS. Use envs/aws.tfvars. "
                                 f"{NOTHING_CHANGED}")


def check_artifacts(build_dir: Path) -> list[str]:
    """Warnings for Lambda zips too large to upload directly (they must go through S3, as layers do here)."""
    notes = []
    for archive in sorted(build_dir.glob("lambdas/*.zip")):
        if archive.stat().st_size > DIRECT_UPLOAD_LIMIT:
            notes.append(f"{archive} is {archive.stat().st_size / 2**20:.0f} MB, over Lambda's 50 MB direct upload "
                         "limit: reference it through S3 (aws_s3_object + s3_bucket/s3_key), as the layers do.")
    return notes


def caller_identity(region: str, environ: dict[str, str] | None = None, endpoint: str | None = None) -> Identity:
    """Credentials present and valid: one STS call, five seconds at most to connect (to AWS, or to the
    rehearsal's stand-in when `endpoint` is given)."""
    import boto3
    import botocore.exceptions
    from botocore.config import Config

    session = boto3.session.Session(region_name=region)
    if session.get_credentials() is None:
        raise PreflightError("No AWS credentials were found (environment variables AWS_ACCESS_KEY_ID/"
                             "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws/credentials, SSO or instance roles). "
                             f"Configure them, e.g. `aws configure` or `aws sso login`. {NOTHING_CHANGED}")
    sts = session.client("sts", endpoint_url=endpoint, config=Config(connect_timeout=5, read_timeout=10,
                                              retries={"max_attempts": 1, "mode": "standard"}))
    try:
        answer = sts.get_caller_identity()
    except botocore.exceptions.EndpointConnectionError as exc:
        raise PreflightError(f"AWS STS could not be reached ({exc}). Check the network, proxy and region "
                             f"{region!r}. {NOTHING_CHANGED}") from None
    except (botocore.exceptions.ClientError, botocore.exceptions.NoCredentialsError) as exc:
        raise PreflightError(f"AWS rejected the credentials: {exc}. Refresh them (`aws sso login`, new keys). "
                             f"{NOTHING_CHANGED}") from None
    except botocore.exceptions.BotoCoreError as exc:
        raise PreflightError(f"Calling AWS STS failed: {exc}. {NOTHING_CHANGED}") from None
    return Identity(answer["Account"], answer["Arn"], region)
