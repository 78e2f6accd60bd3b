"""Where a stack's Terraform state and working data live, and the backend override that puts them there.

Each stack gets a folder under the local cloud's state dir:
    <state-dir>/terraform/<stack>/terraform.tfstate   the local backend's state
    <state-dir>/terraform/<stack>/data/               TF_DATA_DIR: providers, modules, backend record
    <state-dir>/terraform/<stack>/terraformrc         the CLI config for the subprocess
    <state-dir>/terraform/<stack>/terraform.log       the full output of the last commands
so wiping the state dir forgets the stack with the resources, and a .tf directory serves local and AWS
runs side by side (no `.terraform/` of one target left for the other to trip over).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from localcloud.terraform.override import GENERATED_HEADER

BACKEND_OVERRIDE_FILE = "localcloud_backend_override.tf"
_STACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class StackPaths:
    root: Path

    @classmethod
    def for_stack(cls, state_dir: Path, stack: str, target: str = "local") -> StackPaths:
        if not _STACK_NAME.match(stack):
            raise ValueError(f"Stack name {stack!r} cannot name a folder. Use letters, digits, '-', '_' or '.' "
                             "(at most 64), for example --stack pipelines.")
        folder = stack if target == "local" else f"{stack}.{target}"
        return cls(state_dir.resolve() / "terraform" / folder)

    @property
    def state_file(self) -> Path:
        return self.root / "terraform.tfstate"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def cli_config(self) -> Path:
        return self.root / "terraformrc"

    @property
    def plugin_cache(self) -> Path:
        # Shared by every stack of a state dir: one download per provider version.
        return self.root.parent / "plugin-cache"

    @property
    def log_file(self) -> Path:
        return self.root / "terraform.log"


def render_backend_override(state_file: Path) -> str:
    """A local backend at `state_file`. As an override it replaces whatever backend the configuration
    declares for AWS (an `s3` backend, say), so a local run never reads or writes the AWS state."""
    return (GENERATED_HEADER + "\nterraform {\n"
            f'  backend "local" {{\n    path = "{_hcl_string(str(state_file))}"\n  }}\n}}\n')


def write_backend_override(directory: Path, state_file: Path) -> Path:
    state_file.parent.mkdir(parents=True, exist_ok=True)
    path = directory / BACKEND_OVERRIDE_FILE
    path.write_text(render_backend_override(state_file))
    return path


def _hcl_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${")
