"""`make deploy-aws`: the same infra/tflocal and build/ artifacts, applied to AWS with remote state.

State lives in an S3 backend with S3-native locking (`use_lockfile`, Terraform >= 1.10), one state key per
environment. Its settings come from a backend config file (envs/aws.s3.tfbackend, see the .example) or
from LOCALCLOUD_TF_BACKEND_BUCKET / _REGION / _KEY. Order: preflight -> init -> plan -> summary ->
confirmation -> apply of exactly that plan -> smoke check.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localcloud.deploy import preflight
from localcloud.deploy.preflight import NOTHING_CHANGED, PreflightError
from localcloud.terraform.runner import TerraformRunner

BACKEND_ENV = {"bucket": "LOCALCLOUD_TF_BACKEND_BUCKET", "region": "LOCALCLOUD_TF_BACKEND_REGION",
               "key": "LOCALCLOUD_TF_BACKEND_KEY"}
PLAN_FILE = "aws.tfplan"


def backend_arguments(backend_file: Path | None, environment: str, project: str,
                      environ: dict[str, str] | None = None) -> list[str]:
    """-backend-config arguments: the file (or environment), a per-environment key, and S3 locking."""
    environ = dict(os.environ if environ is None else environ)
    args: list[str] = []
    settings: dict[str, str] = {}
    if backend_file is not None:
        if not backend_file.is_file():
            raise PreflightError(f"The backend config {backend_file} does not exist. Copy "
                                 f"{backend_file.name}.example next to it and set your state bucket. {NOTHING_CHANGED}")
        args.append(f"-backend-config={backend_file.resolve()}")
        # Only assignments count: the .example's comments mention "the state key" (found by the rehearsal,
        # which then left the key unset and init failed).
        assigned = {match.group(1) for match in re.finditer(r"^\s*(\w+)\s*=", backend_file.read_text(), re.MULTILINE)}
        settings = {name: name for name in BACKEND_ENV if name in assigned}
    for name, variable in BACKEND_ENV.items():
        if environ.get(variable):
            args.append(f"-backend-config={name}={environ[variable]}")
            settings[name] = variable
    if "bucket" not in settings:
        raise PreflightError("No S3 bucket for the Terraform state is configured. Create "
                             "infra/tflocal/envs/aws.s3.tfbackend from its .example, or set "
                             f"LOCALCLOUD_TF_BACKEND_BUCKET (and _REGION). {NOTHING_CHANGED}")
    if "key" not in settings:  # one state per environment
        args.append(f"-backend-config=key={project}/{environment}/terraform.tfstate")
    args.append("-backend-config=use_lockfile=true")
    return args


@dataclass
class AwsDeployment:
    tf_dir: Path
    var_file: Path
    build_dir: Path
    backend_file: Path | None
    confirm: Callable[[str], bool]
    say: Callable[[str], None] = print
    runner_options: dict[str, Any] = field(default_factory=dict)
    # The rehearsal (deploy/rehearsal.py) applies a copy of the configuration that carries the stand-in's
    # endpoints: the leak guard then checks the checkout it was copied from, the SDK calls (STS, smoke
    # check) go to `endpoint`, and its extra variables file comes after envs/aws.tfvars. For AWS all unset.
    source_dir: Path | None = None
    endpoint: str | None = None
    extra_var_files: list[Path] = field(default_factory=list)
    last_plan: dict[str, int] = field(default_factory=dict, init=False)  # the summary of the latest plan

    def _environment_and_region(self) -> tuple[str, str, str]:
        if not self.var_file.is_file():
            return "dev", os.environ.get("AWS_REGION") or "us-east-1", "datapipes"
        environment = preflight.tfvars_value(self.var_file, "environment") or "dev"
        region = preflight.tfvars_value(self.var_file, "region") or os.environ.get("AWS_REGION") or "us-east-1"
        project = preflight.tfvars_value(self.var_file, "project") or "datapipes"
        return environment, region, project

    def preflight(self) -> tuple[preflight.Identity, list[str]]:
        """Every check runs, so a person sees all that is missing at once (no credentials *and* no state
        backend are two lines, not two attempts); one PreflightError carries them all."""
        problems: list[str] = []

        def attempt(check: Callable[[], Any]) -> Any:
            try:
                return check()
            except PreflightError as exc:
                problems.append(str(exc).replace(f" {NOTHING_CHANGED}", ""))
                return None

        attempt(preflight.refuse_local_endpoint)
        if not self.var_file.is_file():
            problems.append(f"The variables file {self.var_file} does not exist.")
        else:
            attempt(lambda: preflight.refuse_local_files(self.source_dir or self.tf_dir, [self.var_file]))
        environment, region, project = self._environment_and_region()
        backend = attempt(lambda: backend_arguments(self.backend_file, environment, project))
        identity = attempt(lambda: preflight.caller_identity(region, endpoint=self.endpoint))
        if problems:
            listed = "\n".join(f"- {problem}" for problem in problems)
            raise PreflightError(f"deploy-aws cannot start ({len(problems)} problem(s)):\n{listed}\n{NOTHING_CHANGED}")
        notes = preflight.check_artifacts(self.build_dir)
        return identity, backend + [f"# notes: {n}" for n in notes]

    def runner(self, backend_args: list[str]) -> BackendRunner:
        environment, region, _ = self._environment_and_region()
        return BackendRunner(self.tf_dir, f"aws-{environment}", self.tf_dir.parent.parent / ".localcloud",
                             None, region, [self.var_file, *self.extra_var_files], backend_args=backend_args,
                             **self.runner_options)

    def deploy(self, destroy: bool = False) -> dict[str, Any]:
        identity, extra = self.preflight()
        backend_args = [a for a in extra if not a.startswith("# notes: ")]
        for note in (a.removeprefix("# notes: ") for a in extra if a.startswith("# notes: ")):
            self.say(f"warning: {note}")
        self.say(f"AWS account {identity.account} as {identity.arn}, region {identity.region}")
        runner = self.runner(backend_args)
        if not destroy:
            self._push_images(runner, identity)
        summary = self.last_plan = runner.plan_to_file(destroy=destroy)
        self.say(f"plan: {summary['create']} to add, {summary['update']} to change, {summary['delete']} to destroy")
        if summary["create"] + summary["update"] + summary["delete"] == 0:
            self.say("AWS already matches the configuration; nothing to apply.")
        elif not self.confirm(f"Apply this plan to account {identity.account} ({identity.region})?"):
            raise PreflightError(f"Not confirmed. {NOTHING_CHANGED}")
        else:
            runner.apply_plan_file()
        if destroy:
            return {}
        outputs = runner.outputs()
        self.smoke(outputs, identity.region)
        return outputs

    def _push_images(self, runner: BackendRunner, identity: preflight.Identity) -> None:
        """Container images (infra/tflocal/images.json, container_images.py) exist before the plan reads
        their digests: their repositories are applied alone, then each image is built and pushed with Docker."""
        images = runner.enabled_images()
        if not images:
            return
        listed = ", ".join(spec.repository for spec in images)
        if not self.confirm(f"Create the ECR repositories {listed} in account {identity.account} "
                            f"({identity.region}) and push their images (docker build + push) before the plan?"):
            raise PreflightError(f"Not confirmed. {NOTHING_CHANGED}")
        for image in runner.push_images():
            self.say(f"image: pushed {image.target} ({image.digest})")

    def smoke(self, outputs: dict[str, Any], region: str) -> None:
        """Harmless checks: outputs readable, and each function named in them answers a DryRun invoke."""
        import boto3

        functions = smoke_targets(outputs)
        client = boto3.client("lambda", region_name=region, endpoint_url=self.endpoint)
        for name in functions:
            client.invoke(FunctionName=name, InvocationType="DryRun")
            self.say(f"smoke: {name} is invokable")
        self.say(f"smoke: {len(outputs)} outputs readable")


@dataclass
class BackendRunner(TerraformRunner):
    """The Terraform runner, for AWS: init with backend settings, plan to a file, apply exactly that file."""

    backend_args: list[str] = field(default_factory=list)

    def init(self, force: bool = False) -> bool:
        finished = self._terraform(["init", "-input=false", "-reconfigure", "-no-color", *self.backend_args],
                                   "terraform init (S3 backend)", retry_init=False)
        self._raise_unless_ok(finished, "init", NOTHING_CHANGED)
        return True

    def plan_to_file(self, destroy: bool = False) -> dict[str, int]:
        self.init()
        plan = self.paths.root / PLAN_FILE
        args = ["plan", "-input=false", "-no-color", f"-out={plan}", *self._var_args()]
        finished = self._terraform(args + (["-destroy"] if destroy else []), "terraform plan")
        self._raise_unless_ok(finished, "plan", NOTHING_CHANGED)
        shown = self._terraform(["show", "-json", "-no-color", str(plan)], "reading the plan")
        self._raise_unless_ok(shown, "show", NOTHING_CHANGED)
        return summarize(json.loads(shown.output[shown.output.find("{"):]))

    def apply_plan_file(self) -> None:
        finished = self._terraform(["apply", "-input=false", "-no-color", str(self.paths.root / PLAN_FILE)],
                                   "terraform apply", timeout=3600)
        self._raise_unless_ok(finished, "apply", "Resources listed as complete before the error exist; "
                                                 "fix the cause and run deploy-aws again to finish.")


def smoke_targets(outputs: dict[str, Any]) -> list[str]:
    """Every function the outputs name: each `*_function` output, and each value of `function_names` (the
    map of every pipeline function; reading only `*_function` outputs smoke-checked one function of 13, as
    the rehearsal showed)."""
    names = {v for k, v in outputs.items() if k.endswith("_function") and isinstance(v, str)}
    listed = outputs.get("function_names")
    if isinstance(listed, dict):
        names.update(v for v in listed.values() if isinstance(v, str))
    return sorted(names)


def summarize(plan: dict[str, Any]) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "delete": 0}
    for change in plan.get("resource_changes", []):
        actions = change.get("change", {}).get("actions", [])
        for action in ("create", "update", "delete"):
            if action in actions:
                counts[action] += 1
    return counts
