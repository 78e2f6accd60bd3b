"""`make deploy-rehearsal`: the `make deploy-aws` path, end to end, against a stand-in for AWS.

Only the guards of deploy-aws can be tested without an AWS account; this runs everything after them the
way deploy-aws does — the S3 backend with `use_lockfile` and the person's backend settings, envs/aws.tfvars,
the saved plan and its summary, the apply of exactly that plan, artifacts through S3, the DryRun smoke
check of every `*_function` output, then destroy-aws and a check that the state bucket holds an empty
state — against a plain moto server (deploy/stand_in.py), never this kit's own local cloud.

What differs from a real deploy, and nothing else:
- the endpoint: the configuration is copied to a workspace beside the build, with a provider override and
  backend `endpoints` naming the stand-in (the checkout itself is never touched and is still checked by the
  leak guard);
- the credentials: the local-only AWS environment (localcloud.hermetic), so no profile or key is read;
- envs/rehearsal.tfvars, applied after envs/aws.tfvars: only what the stand-in needs to accept it;
- what the stand-in cannot do, printed at the start (STAND_IN_LIMITS).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localcloud.deploy.aws import AwsDeployment, smoke_targets
from localcloud.deploy.preflight import DIRECT_UPLOAD_LIMIT, PreflightError
from localcloud.deploy.stand_in import MotoStandIn, client
from localcloud.deploy.stand_in_server import CORRECTIONS, GAPS
from localcloud.terraform import container_images
from localcloud.terraform.override import aws_provider_aliases, render_provider_override
from localcloud.terraform.stack_vars import tfvars_value

REHEARSAL_VARS = "rehearsal.tfvars"
STATE_BUCKET = "localcloud-rehearsal-state"
# What moto records without doing; said before the run so a green rehearsal is not read as more than it is.
STAND_IN_LIMITS = (
    "RDS instances are recorded, not run: no database engine starts, nothing connects to them",
    "Lambda code is uploaded and checked with DryRun invokes (as deploy-aws's smoke check does); no code runs",
    "SNS e-mail subscriptions stay pending: no confirmation mail is sent",
    "IAM policies, VPC networking and KMS key policies are stored, not enforced",
    *(why for _target, _answer, why in GAPS.values()),
    *CORRECTIONS.values(),
)
# The provider retries a 5xx answer for minutes (25 tries with back-off); a call the stand-in lacks should
# fail the rehearsal in seconds, naming the call, instead.
PROVIDER_MAX_RETRIES = 3
# Backend settings the rehearsal sets itself: where the stand-in is, and the bucket it created there.
_OWN_BACKEND_SETTINGS = ("bucket", "endpoints", "endpoint", "use_path_style", "force_path_style",
                         "skip_credentials_validation", "skip_requesting_account_id", "skip_metadata_api_check",
                         "skip_region_validation", "profile", "access_key", "secret_key", "token",
                         "shared_credentials_files", "shared_config_files", "assume_role")


@dataclass
class RehearsalReport:
    stand_in: str
    plan: dict[str, int]
    smoke_checked: list[str]
    artifacts_through_s3: list[str]
    artifacts_uploaded_directly: list[str]
    resources_after_apply: int
    resources_after_destroy: int
    seconds: float
    skipped: list[str] = field(default_factory=lambda: list(STAND_IN_LIMITS))

    def as_json(self) -> str:
        return json.dumps(self.__dict__, indent=2)


@dataclass
class Rehearsal:
    tf_dir: Path        # the checkout's configuration (infra/tflocal): copied, never changed
    var_file: Path      # envs/aws.tfvars
    build_dir: Path
    work_dir: Path      # where the workspace and its Terraform data go (under the state dir)
    say: Callable[[str], None] = print
    stand_in_url: str | None = None  # reuse a running stand-in (two rehearsals on one state key)
    backend_file: Path | None = None  # the person's backend settings; default envs/aws.s3.tfbackend[.example]

    def run(self) -> RehearsalReport:
        started = time.monotonic()
        self.tf_dir, self.var_file, self.build_dir = (p.resolve() for p in (self.tf_dir, self.var_file,
                                                                            self.build_dir))
        self._check_inputs()
        if self.stand_in_url:
            return self._rehearse(self.stand_in_url, started)
        with MotoStandIn(self.work_dir / "moto-server.log") as stand_in:
            self.say(f"rehearsal: a plain moto server stands in for AWS at {stand_in.url}")
            return self._rehearse(stand_in.url, started)

    # -- the steps ----------------------------------------------------------------------------------------

    def _rehearse(self, url: str, started: float) -> RehearsalReport:
        for limit in STAND_IN_LIMITS:
            self.say(f"rehearsal: not rehearsed: {limit}")
        region = tfvars_value(self.var_file, "region") or "us-east-1"
        self._ensure_state_bucket(url, region)
        workspace = self._workspace(url, region)
        deployment = AwsDeployment(workspace, self.var_file, self.build_dir, workspace / "rehearsal.s3.tfbackend",
                                   confirm=lambda question: True, say=self.say, source_dir=self.tf_dir,
                                   endpoint=url, extra_var_files=self._rehearsal_vars())
        self.say("rehearsal: deploy-aws (preflight, init with the S3 backend, plan, apply of the saved plan, "
                 "smoke check)")
        outputs = deployment.deploy()
        applied_plan = dict(deployment.last_plan)
        functions = smoke_targets(outputs)
        state_key = self._state_key()
        applied = self._remote_state(url, region, state_key)
        through_s3, direct = self._artifact_sources(applied)
        self.say(f"rehearsal: {len(through_s3)} code artifacts went through S3, {len(direct)} were uploaded "
                 "directly")
        self.say("rehearsal: destroy-aws")
        deployment.deploy(destroy=True)
        remaining = self._remote_state(url, region, state_key)
        left = managed_count(remaining)
        if left:
            raise PreflightError(f"destroy-aws left {left} resource(s) in the state s3://{STATE_BUCKET}/"
                                 f"{state_key} of the stand-in; destroy must remove everything.")
        self.say(f"rehearsal: the state s3://{STATE_BUCKET}/{state_key} is empty after destroy-aws")
        return RehearsalReport(url, applied_plan, functions, through_s3, direct,
                               managed_count(applied), left, round(time.monotonic() - started, 1))

    def _check_inputs(self) -> None:
        if self.var_file.name.startswith("local"):
            raise PreflightError(f"The rehearsal applies the AWS variables ({self.var_file.name} is a local "
                                 "one): pass envs/aws.tfvars. Nothing was changed.")
        if not (self.build_dir / "lambdas").is_dir():
            raise PreflightError(f"{self.build_dir}/lambdas does not exist: run `make build` first (`make "
                                 "deploy-rehearsal` does). Nothing was changed.")

    def _rehearsal_vars(self) -> list[Path]:
        path = self.var_file.parent / REHEARSAL_VARS
        return [path] if path.is_file() else []

    def _ensure_state_bucket(self, url: str, region: str) -> None:
        s3 = client("s3", url, region)
        try:
            s3.head_bucket(Bucket=STATE_BUCKET)
        except Exception:  # noqa: BLE001 - absent (404) is the usual case; create it as a person would
            options = {} if region == "us-east-1" else {
                "CreateBucketConfiguration": {"LocationConstraint": region}}
            s3.create_bucket(Bucket=STATE_BUCKET, **options)
            s3.put_bucket_versioning(Bucket=STATE_BUCKET, VersioningConfiguration={"Status": "Enabled"})

    def _workspace(self, url: str, region: str) -> Path:
        """A copy of the configuration at the same depth as in the checkout, beside a link to the build, so
        `${path.module}/../../build` finds the same artifacts; plus the stand-in's endpoints."""
        root = self.work_dir / f"workspace-{time.strftime('%Y%m%d-%H%M%S')}-{id(self) % 10_000:04d}"
        relative_build = Path(*self.build_dir.relative_to(self.tf_dir.parent.parent).parts) \
            if self.build_dir.is_relative_to(self.tf_dir.parent.parent) else Path("build")
        workspace = root / self.tf_dir.relative_to(self.tf_dir.parent.parent)
        shutil.copytree(self.tf_dir, workspace, ignore=shutil.ignore_patterns(
            "*override.tf", "*override.tf.json", ".terraform*", "terraform.tfstate*", "*.tfplan", "aws.s3.tfbackend"))
        (root / relative_build).parent.mkdir(parents=True, exist_ok=True)
        (root / relative_build).symlink_to(self.build_dir, target_is_directory=True)
        self._link_image_contexts(root)
        override = render_provider_override(url, region, aws_provider_aliases(workspace))
        override = override.replace('provider "aws" {\n', f'provider "aws" {{\n  max_retries = {PROVIDER_MAX_RETRIES}\n')
        (workspace / "rehearsal_override.tf").write_text(override)
        (workspace / "rehearsal.s3.tfbackend").write_text(self._backend_settings(url, region))
        self.say(f"rehearsal: workspace {workspace} (a copy; the checkout is not changed)")
        return workspace

    def _link_image_contexts(self, root: Path) -> None:
        """The container images' build contexts (infra/tflocal/images.json names them relative to the
        configuration, e.g. ../../lambdas), linked at the same place beside the copy: deploy-aws reads their
        Dockerfiles even when no image variant is on (found by make test once images.json existed)."""
        checkout = self.tf_dir.parent.parent.resolve()
        for spec in container_images.load(self.tf_dir):
            if not spec.context.is_relative_to(checkout):
                continue  # outside the checkout: the copy resolves the same absolute path
            link = root / spec.context.relative_to(checkout)
            if not link.exists():
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(spec.context, target_is_directory=True)

    def _backend_settings(self, url: str, region: str) -> str:
        """The person's backend file (or its .example) with the stand-in's bucket and endpoint in place of
        theirs: a setting Terraform rejects fails here, before it fails against their account."""
        source = self.backend_file
        if source is None:
            envs = self.tf_dir / "envs"
            source = next((p for p in (envs / "aws.s3.tfbackend", envs / "aws.s3.tfbackend.example")
                           if p.is_file()), None)
        kept = []
        for line in (source.read_text().splitlines() if source else []):
            name = line.split("=", 1)[0].strip()
            if "=" in line and not line.lstrip().startswith("#") and name in _OWN_BACKEND_SETTINGS:
                continue
            kept.append(line)
        if not any(line.split("=", 1)[0].strip() == "region" for line in kept):
            kept.append(f'region = "{region}"')
        kept += [
            "# rehearsal: the stand-in's bucket and endpoint",
            f'bucket                      = "{STATE_BUCKET}"',
            f'endpoints                   = {{ s3 = "{url}", sts = "{url}" }}',
            "use_path_style              = true",
            "skip_credentials_validation = true",
            "skip_requesting_account_id  = true",
            "skip_metadata_api_check     = true",
        ]
        return "\n".join(kept) + "\n"

    def _state_key(self) -> str:
        environment = tfvars_value(self.var_file, "environment") or "dev"
        project = tfvars_value(self.var_file, "project") or "datapipes"
        return f"{project}/{environment}/terraform.tfstate"

    def _remote_state(self, url: str, region: str, key: str) -> dict[str, Any]:
        body = client("s3", url, region).get_object(Bucket=STATE_BUCKET, Key=key)["Body"].read()
        return json.loads(body)

    def _artifact_sources(self, state: dict[str, Any]) -> tuple[list[str], list[str]]:
        """Which functions and layers took their code from S3 and which were uploaded directly; a direct
        upload over Lambda's 50 MB limit would fail on AWS, so it fails the rehearsal."""
        through_s3, direct = [], []
        for resource in state.get("resources", []):
            if resource.get("type") not in ("aws_lambda_function", "aws_lambda_layer_version"):
                continue
            for instance in resource.get("instances", []):
                attributes = instance.get("attributes", {})
                name = attributes.get("function_name") or attributes.get("layer_name") or resource["name"]
                if attributes.get("s3_bucket"):
                    through_s3.append(name)
                elif attributes.get("filename"):
                    direct.append(name)
                    path = Path(attributes["filename"])
                    if path.is_file() and path.stat().st_size > DIRECT_UPLOAD_LIMIT:
                        raise PreflightError(f"{name} uploads {path} ({path.stat().st_size / 2**20:.0f} MB) "
                                             "directly, over Lambda's 50 MB limit: AWS would reject it. Put it "
                                             "in S3 (aws_s3_object + s3_bucket/s3_key).")
        return sorted(through_s3), sorted(direct)



def managed_count(state: dict[str, Any]) -> int:
    """Resource instances Terraform manages in a state (data sources are read, not created)."""
    return sum(len(resource.get("instances", [])) for resource in state.get("resources", [])
               if resource.get("mode") == "managed")
