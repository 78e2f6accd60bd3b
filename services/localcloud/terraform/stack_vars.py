"""What a stack's variables say, read the way Terraform resolves them: -var, then the last .tfvars file
that sets it, then the variable's default. Only literal strings are read: enough for the region (which the
local run must use instead of whatever the person's shell holds) and the environment name."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from localcloud.config import DEFAULT_REGION
from localcloud.terraform.hcl_scan import directory_blocks


def tfvars_value(var_file: Path, name: str) -> str | None:
    """A literal string assignment `name = "value"` in a .tfvars file."""
    match = re.search(rf'^\s*{re.escape(name)}\s*=\s*"([^"]*)"', var_file.read_text(), re.MULTILINE)
    return match.group(1) if match else None


def variable_value(directory: Path, name: str, var_files: Sequence[Path] = (),
                   variables: Mapping[str, str] | None = None) -> str | None:
    if variables and name in variables:
        return variables[name]
    for var_file in reversed(list(var_files)):  # Terraform: a later file wins
        if Path(var_file).is_file() and (value := tfvars_value(Path(var_file), name)) is not None:
            return value
    for block in directory_blocks(directory):
        if block.kind == "variable" and block.labels[:1] == (name,):
            return block.attribute("default")
    return None


def stack_region(directory: Path, var_files: Sequence[Path] = (),
                 variables: Mapping[str, str] | None = None) -> str:
    """The region the stack declares: its `region` variable, else the default provider's literal region,
    else us-east-1. Never the shell's AWS_REGION: the local run must not depend on it."""
    value = variable_value(directory, "region", var_files, variables)
    if value:
        return value
    for block in directory_blocks(directory):
        if block.kind == "provider" and block.labels[:1] == ("aws",) and not block.attribute("alias"):
            if literal := block.attribute("region"):
                return literal
    return DEFAULT_REGION
