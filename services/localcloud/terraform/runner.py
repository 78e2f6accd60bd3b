"""Apply, plan, destroy and read outputs of a Terraform directory against the local cloud or AWS.

For a local run the runner writes two override files next to the .tf files (the provider pointed at the
endpoint, and a local backend under the state dir), runs Terraform, and removes them again, as `tflocal`
does; the .tf files are never edited, and environments differ only by .tfvars and backend. For an AWS run
no override may exist, so any left by an interrupted local run are deleted first.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from localcloud.hermetic import local_aws_environment
from localcloud.terraform import backend, cli_config, container_images, fingerprint, override
from localcloud.terraform.command import Finished, TerraformError, find_terraform, run
from localcloud.terraform.endpoint_keys import PROVIDER_VERSION
from localcloud.terraform.hcl_scan import directory_blocks
from localcloud.terraform.outputs import plain_outputs

LOCK_FILE = ".terraform.lock.hcl"
INIT_STAMP = "localcloud-init.sha256"
# What Terraform says when the working directory needs `init` again (new provider, module or backend).
_NEEDS_INIT = re.compile(r"terraform init|Inconsistent dependency lock file|Backend initialization required|"
                         r"Required plugins are not installed|Module not installed", re.IGNORECASE)


@dataclass
class PlanResult:
    exit_code: int  # -detailed-exitcode: 0 no changes, 2 changes
    output: str

    @property
    def changes(self) -> list[str]:
        """The `# aws_x.y will be updated in-place` lines, one per resource that would change."""
        return [line.strip() for line in self.output.splitlines() if re.match(r"^\s*# \S+ (will|must) be", line)]


@dataclass
class TerraformRunner:
    directory: Path
    stack: str
    state_dir: Path
    endpoint: str | None  # the local cloud's URL; None targets AWS itself
    region: str = "us-east-1"
    var_files: Sequence[Path] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    parallelism: int | None = None
    plugin_mirror: Path | None = None
    console: Console = field(default_factory=lambda: Console(stderr=True))
    extra_env: Mapping[str, str] = field(default_factory=dict)
    # -target addresses for apply and plan (a part of a configuration, as tests apply one pipeline); destroy
    # always removes everything the state holds.
    targets: Sequence[str] = ()

    def __post_init__(self) -> None:
        self.directory = Path(self.directory).resolve()
        if not self.directory.is_dir() or not any(self.directory.glob("*.tf")):
            raise TerraformError(f"{self.directory} holds no .tf files, so there is nothing to apply. "
                                 "Pass the folder of the Terraform configuration (for example infra/tflocal).")
        self.var_files = [Path(f).resolve() for f in self.var_files]
        for var_file in self.var_files:
            if not var_file.is_file():
                raise TerraformError(f"The variables file {var_file} does not exist; nothing was applied. "
                                     "Check the --var-file path (relative to where you run the command).")
        self.paths = backend.StackPaths.for_stack(self.state_dir, self.stack,
                                                  "local" if self.endpoint else "aws")
        self.binary = find_terraform()

    # -- the verbs ---------------------------------------------------------------------------------------

    def init(self, force: bool = False) -> bool:
        """`terraform init`, skipped when nothing it depends on changed since the last one. True if it ran."""
        self._environment()  # writes the CLI config the fingerprint reads
        with self._generated_files():
            stamp = self.paths.data_dir / INIT_STAMP
            fingerprint = self._init_fingerprint()
            if not force and stamp.is_file() and stamp.read_text() == fingerprint:
                return False
            finished = self._terraform(["init", "-input=false", "-reconfigure", "-no-color"], "terraform init",
                                       retry_init=False)
            self._raise_unless_ok(finished, "init", "Nothing was created or changed.")
            stamp.write_text(self._init_fingerprint())  # the lock file may have been written just now
            return True

    def apply(self, timeout: float = 1800, refresh: bool = True) -> Finished:
        """`terraform apply -auto-approve`. refresh=False skips reading every resource back first: a
        no-change re-apply then takes seconds instead of the provider's read delays (the S3 lifecycle read
        alone sleeps 2 x 5 s), at the price of not noticing changes made outside Terraform."""
        self.init()
        self.push_images(timeout, refresh)
        with self._generated_files():
            finished = self._terraform(["apply", "-auto-approve", "-input=false", "-no-color",
                                        *([] if refresh else ["-refresh=false"]), *self._target_args(),
                                        *self._parallelism(), *self._var_args()], "terraform apply", timeout)
        self._raise_unless_ok(finished, "apply", "Resources listed as complete before the error exist; "
                              "fix the cause and apply again to finish.")
        return finished

    def push_images(self, timeout: float = 1800, refresh: bool = True) -> list[container_images.PushedImage]:
        """The images of images.json (container_images.py): their repositories applied alone, then each image
        built and pushed to the repository that exists; [] when the configuration deploys none."""
        specs = self.enabled_images()
        if not specs:
            return []
        with self._generated_files():
            finished = self._terraform(["apply", "-auto-approve", "-input=false", "-no-color",
                                        *([] if refresh else ["-refresh=false"]),
                                        *(f"-target={spec.repository}" for spec in specs),
                                        *self._parallelism(), *self._var_args()],
                                       "terraform apply (the image repositories)", timeout)
        self._raise_unless_ok(finished, "apply", "The image repositories listed as complete exist; no image was "
                              "pushed and nothing else was applied.")
        pushed = container_images.push_all(specs, self.state(), self._build_and_push)
        for image in pushed:
            self.console.print(f"pushed {image.target} ({image.digest})", highlight=False)
        return pushed

    def enabled_images(self) -> list[container_images.ImageSpec]:
        """The images of images.json this stack's variables turn on."""
        return container_images.enabled(container_images.load(self.directory), self.directory, self.var_files,
                                        self.variables)

    def _build_and_push(self, spec: container_images.ImageSpec, target: str) -> str:
        from localcloud.terraform import image_push

        if self.endpoint:
            return image_push.push_local(spec, target, self.endpoint, self.region)
        return image_push.push_with_docker(spec, target, self.region, self._environment())

    def state(self) -> dict[str, Any]:
        """The stack's Terraform state document (the local state file, or `terraform state pull`)."""
        if self.endpoint:
            try:
                return json.loads(self.paths.state_file.read_text())
            except (FileNotFoundError, ValueError):
                return {}
        with self._generated_files():
            finished = self._terraform(["state", "pull"], "terraform state pull")
        self._raise_unless_ok(finished, "state pull", "Nothing was changed.")
        return json.loads(_json_part(finished.output))

    def apply_if_changed(self, timeout: float = 1800, refresh: bool = True,
                         force: bool = False) -> Finished | None:
        """apply(), unless nothing it reads changed since the last successful apply (see fingerprint.py):
        then None, in well under a second. force=True always applies."""
        recorded = fingerprint.read_record(self.paths.root)
        if not force and self.fingerprint(recorded).matches(recorded):
            return None
        fingerprint.forget_record(self.paths.root)
        finished = self.apply(timeout, refresh)
        fingerprint.write_record(self.paths.root, self.fingerprint(recorded))
        return finished

    def fingerprint(self, previous: dict[str, Any] | None = None) -> fingerprint.Fingerprint:
        """What this stack's apply depends on, here and in the cloud."""
        local = fingerprint.local_fingerprint(
            self.directory, self.paths.state_file, self.var_files, self.variables, self.binary, self.endpoint,
            self.region, override.GENERATED_FILES, previous)
        images = self.enabled_images()
        if images:  # a changed handler is a new image: the build contexts count as inputs too
            local["images"] = container_images.context_digest(images)
        if self.targets:
            local["targets"] = sorted(self.targets)
        return fingerprint.Fingerprint(local, fingerprint.cloud_fingerprint(self.endpoint))

    def plan(self, timeout: float = 900) -> PlanResult:
        self.init()
        with self._generated_files():
            finished = self._terraform(["plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false",
                                        *self._target_args(), *self._parallelism(), *self._var_args()],
                                       "terraform plan", timeout)
        if finished.code not in (0, 2):
            self._raise_unless_ok(finished, "plan", "Nothing was changed.")
        return PlanResult(finished.code, finished.output)

    def destroy(self, timeout: float = 1800) -> Finished:
        self.init()
        with self._generated_files():
            finished = self._terraform(["destroy", "-auto-approve", "-input=false", "-no-color",
                                        *self._parallelism(), *self._var_args()], "terraform destroy", timeout)
        self._raise_unless_ok(finished, "destroy", "Resources destroyed before the error are gone; "
                              "run destroy again to remove the rest.")
        return finished

    def outputs(self) -> dict[str, Any]:
        """{output name: value}, with execute-api URLs rewritten to the local endpoint."""
        if self.endpoint:
            # The local backend's state file is ours: its "outputs" are what `terraform output -json`
            # prints, read in milliseconds instead of a Terraform start (about a second).
            try:
                state = json.loads(self.paths.state_file.read_text())
            except (FileNotFoundError, ValueError):
                state = {}
            if isinstance(state.get("outputs"), dict):
                return plain_outputs(state["outputs"], self.endpoint)
        self.init()
        with self._generated_files():
            finished = self._terraform(["output", "-json", "-no-color"], "terraform output")
        self._raise_unless_ok(finished, "output", "Nothing was changed.")
        return plain_outputs(json.loads(_json_part(finished.output)), self.endpoint)

    # -- the pieces ---------------------------------------------------------------------------------------

    @contextmanager
    def _generated_files(self) -> Iterator[None]:
        """The override files exist exactly while one of our commands runs. Two runs in one directory
        (a test and a benchmark, two stacks) take turns: otherwise one could remove the override while the
        other starts a command, which would then go to AWS itself."""
        with directory_lock(self.directory, self.console):
            override.remove_overrides(self.directory)
            if not self.endpoint:
                yield
                return
            try:
                backend.write_backend_override(self.directory, self.paths.state_file)
                override.write_provider_override(self.directory, self.endpoint, self.region,
                                                 self._endpoint_keys())
                yield
            finally:
                override.remove_overrides(self.directory)

    def _endpoint_keys(self) -> tuple[str, ...]:
        version = _locked_aws_version(self.directory / LOCK_FILE)
        if version in (None, PROVIDER_VERSION):
            return override.keys_for_provider(version)
        cache = self.paths.root / f"endpoint-keys-{version}.json"
        if not cache.is_file():  # ask the installed provider which keys it knows, once per version
            override.remove_overrides(self.directory)
            finished = self._terraform(["providers", "schema", "-json"], "reading the provider schema",
                                       retry_init=False)
            self._raise_unless_ok(finished, "providers schema", "Nothing was changed.")
            schema = json.loads(_json_part(finished.output))["provider_schemas"]
            aws = next(v for k, v in schema.items() if k.endswith("hashicorp/aws"))
            keys = sorted(aws["provider"]["block"]["block_types"]["endpoints"]["block"]["attributes"])
            cache.write_text(json.dumps(keys))
        return override.keys_for_provider(version, set(json.loads(cache.read_text())))

    def _init_fingerprint(self) -> str:
        """What `init` depends on: terraform/module blocks, provider types in use, lock file, CLI config,
        backend override and the binary. Resource edits do not count, so editing a Lambda does not re-init."""
        digest = hashlib.sha256()
        blocks = directory_blocks(self.directory)
        for block in blocks:
            if block.kind in ("terraform", "module") or block.kind == "provider":
                digest.update(f"{block.kind} {block.labels} {block.body}".encode())
        providers = sorted({b.labels[0].split("_", 1)[0] for b in blocks if b.kind in ("resource", "data")
                            and b.labels})
        digest.update(json.dumps(providers).encode())
        for path in (self.directory / LOCK_FILE, self.paths.cli_config,
                     self.directory / backend.BACKEND_OVERRIDE_FILE):
            digest.update(path.read_bytes() if path.is_file() else b"-")
        binary = Path(self.binary)
        digest.update(f"{binary} {binary.stat().st_mtime_ns}".encode())
        digest.update(str(self.paths.data_dir.joinpath("providers").is_dir()).encode())
        return digest.hexdigest()

    def _environment(self) -> dict[str, str]:
        mirror = self.plugin_mirror or cli_config.plugin_mirror_from_env()
        config = cli_config.write_cli_config(self.paths.cli_config, self.paths.plugin_cache, mirror)
        env = {**os.environ, **self.extra_env}
        if self.endpoint:  # a local run: the person's profiles, keys and region must not reach the provider
            local_aws_environment(env, self.region)
        env.update({
            # Ours always: the machine's TF_CLI_CONFIG_FILE may name a missing file or another mirror.
            "TF_CLI_CONFIG_FILE": str(config),
            "TF_DATA_DIR": str(self.paths.data_dir),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
        })
        env.pop("TF_PLUGIN_CACHE_DIR", None)  # the CLI config decides (see cli_config.render_cli_config)
        if not env.get("TF_LOG_PATH"):
            # TF_LOG traces every provider request, secret values included, to stderr, which the runner's
            # log keeps; with TF_LOG_PATH it goes to the file the user chose instead.
            for name in ("TF_LOG", "TF_LOG_CORE", "TF_LOG_PROVIDER"):
                env.pop(name, None)
        return env

    def _terraform(self, args: list[str], label: str, timeout: float = 900, retry_init: bool = True) -> Finished:
        self.paths.root.mkdir(parents=True, exist_ok=True)
        env = self._environment()
        finished = run([self.binary, *args], self.directory, env, self.paths.log_file, label, self.console,
                       timeout)
        if retry_init and finished.code not in (0, 2) and _NEEDS_INIT.search(finished.output):
            # A provider, module or backend changed in a way the fingerprint did not see: init, then retry.
            init = run([self.binary, "init", "-input=false", "-reconfigure", "-no-color"], self.directory, env,
                       self.paths.log_file, "terraform init", self.console, timeout)
            self._raise_unless_ok(init, "init", "Nothing was created or changed.")
            (self.paths.data_dir / INIT_STAMP).write_text(self._init_fingerprint())
            finished = run([self.binary, *args], self.directory, env, self.paths.log_file, label, self.console,
                           timeout)
        return finished

    def _var_args(self) -> list[str]:
        args = [f"-var-file={path}" for path in self.var_files]
        args += [f"-var={name}={value}" for name, value in self.variables.items()]
        return args

    def _target_args(self) -> list[str]:
        return [f"-target={target}" for target in self.targets]

    def _parallelism(self) -> list[str]:
        return [f"-parallelism={self.parallelism}"] if self.parallelism else []

    def _raise_unless_ok(self, finished: Finished, verb: str, consequence: str) -> None:
        if finished.code == 0:
            return
        target = f"the local cloud at {self.endpoint}" if self.endpoint else "AWS"
        explained = ""
        if self.endpoint and verb in ("apply", "destroy"):
            from localcloud.terraform.explain import failure_reasons

            reasons = failure_reasons(self.endpoint, self.region)
            if reasons:
                explained = "\nThe local cloud says why:\n" + "\n".join(f"  - {line}" for line in reasons)
        raise TerraformError(f"terraform {verb} of {self.directory} against {target} failed "
                             f"(exit {finished.code}). {consequence}\n{finished.errors()}{explained}\n"
                             f"The full output is in {self.paths.log_file}.")


@contextmanager
def directory_lock(directory: Path, console: Console) -> Iterator[None]:
    """An exclusive flock on the configuration directory itself (no lock file to commit or clean up). Held by
    every one of our Terraform commands while its override files exist, and by deploy-aws's check for them."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            console.print(f"[yellow]Another localcloud terraform run is using {directory}; waiting for it.")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _locked_aws_version(lock_file: Path) -> str | None:
    if not lock_file.is_file():
        return None
    match = re.search(r'provider "registry\.(?:terraform|opentofu)\.org/hashicorp/aws" \{\s*version\s*=\s*"([^"]+)"',
                      lock_file.read_text())
    return match.group(1) if match else None


def _json_part(output: str) -> str:
    """The JSON document in a command's output (warnings may precede it when stderr is merged)."""
    start = output.find("{")
    return output[start:] if start >= 0 else "{}"
