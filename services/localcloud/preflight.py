"""`localcloud preflight`: everything `make up` / `make test` need, checked before any Terraform runs.

Each check returns the problems it found; all checks run, so a person sees every problem at once (a
missing MariaDB and a taken port are two lines, not two attempts). Checks that can fix things themselves
(installing MariaDB as root) do so, saying what they install.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from localcloud import process
from localcloud.config import Settings
from localcloud.engines.install import ensure_engines
from localcloud.terraform import cli_config
from localcloud.terraform.command import TerraformError, find_terraform

MINIMUM_TERRAFORM = (1, 6)  # `terraform test`-era CLI; S3 backend use_lockfile (deploy-aws) needs 1.10
MINIMUM_FREE_BYTES = 2 * 2**30  # provider binary (~700 MB), plugin cache, database data, Lambda code
REGISTRY = ("registry.terraform.io", 443)


@dataclass
class Preflight:
    settings: Settings
    tf_dir: Path
    report: Callable[[str], None] = print
    check_port: bool = True
    install: bool = True

    def problems(self) -> list[str]:
        found: list[str] = []
        for check in (self._terraform, self._provider_source, self._port, self._engines, self._disk):
            found.extend(check())
        return found

    def _terraform(self) -> list[str]:
        try:
            binary = find_terraform()
        except TerraformError as exc:
            return [str(exc)]
        try:
            done = subprocess.run([binary, "version", "-json"], capture_output=True, text=True, timeout=30,
                                  check=False)
            version = json.loads(done.stdout).get("terraform_version", "")
        except (subprocess.TimeoutExpired, ValueError, OSError) as exc:
            return [f"`{binary} version` did not answer ({exc}); check the Terraform installation."]
        numbers = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
        if numbers < MINIMUM_TERRAFORM:
            wanted = ".".join(map(str, MINIMUM_TERRAFORM))
            return [f"{binary} is version {version or 'unknown'}; localcloud needs Terraform (or OpenTofu) "
                    f">= {wanted}. Install a newer one: https://developer.hashicorp.com/terraform/install"]
        return []

    def _provider_source(self) -> list[str]:
        """A provider mirror on this machine, else the registry must answer (offline machines need a mirror)."""
        try:
            if cli_config.plugin_mirror_from_env() is not None:
                return []
        except TerraformError as exc:
            return [str(exc)]
        try:
            socket.create_connection(REGISTRY, timeout=3).close()
            return []
        except OSError as exc:
            return [f"The Terraform registry ({REGISTRY[0]}) cannot be reached ({exc}) and no provider mirror was "
                    f"found on this machine, so the hashicorp/aws provider cannot be installed. Connect to the "
                    f"network, or set {cli_config.PLUGIN_MIRROR_ENV} to a filesystem mirror holding "
                    f"registry.terraform.io/hashicorp/aws/<version>/<platform>/."]

    def _port(self) -> list[str]:
        if not self.check_port:
            return []
        if process.read_pid(self.settings) and process.health(self.settings):
            return []  # our own local cloud for this state directory already serves there
        try:
            process.ensure_port_free(self.settings.host, self.settings.port)
        except process.LocalCloudError as exc:
            return [str(exc)]
        return []

    def _engines(self) -> list[str]:
        return ensure_engines(self.tf_dir, self.report, self.install)

    def _disk(self) -> list[str]:
        place = self.settings.state_dir
        while not place.exists():
            place = place.parent
        free = shutil.disk_usage(place).free
        if free < MINIMUM_FREE_BYTES:
            return [f"Only {free / 2**30:.1f} GiB are free on the disk holding {self.settings.state_dir}; the local "
                    f"cloud needs about {MINIMUM_FREE_BYTES / 2**30:.0f} GiB (Terraform's provider, database "
                    f"data, Lambda code). Free some space, or point LOCALCLOUD_STATE_DIR elsewhere."]
        return []
