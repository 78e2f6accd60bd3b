"""Whether an apply would be a no-op: everything Terraform reads is as it was after the last successful one.

What counts:
- every file of the configuration directory (.tf, lock file, policy templates, envs/*.tfvars), the
  var files and -var values passed, TF_VAR_* variables, the Terraform binary, the provider mirror setting;
- the files the state names as inputs (`filename` of functions and layers, `source` of S3 objects): the
  build artifacts, by content; a stat cache keeps the unchanged ones from being read again;
- the state file itself (another tool may have applied);
- the cloud: its state epoch (server/lineage.py: changes when a restart did not bring the state back
  intact) and a digest of the resources it holds (server/inventory.py: a bucket deleted by hand, a
  function's code replaced by `localcloud dev`). A cloud that cannot say (another emulator, an old
  version) never matches, so the apply runs.

The record is written only after a successful apply and removed before every apply starts, so a failed
or interrupted apply is never taken for a finished one.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localcloud.config import Settings

RECORD_FILE = "last-apply.json"
_SKIP_DIRS = {".terraform", ".git", "__pycache__"}
_INPUT_ATTRIBUTES = ("filename", "source")  # aws_lambda_function/_layer_version filename, aws_s3_object source


@dataclass(frozen=True)
class Fingerprint:
    local: dict[str, Any]  # what this machine holds
    cloud: dict[str, Any] | None  # what the cloud says; None when it cannot

    def matches(self, recorded: Mapping[str, Any] | None) -> bool:
        return (recorded is not None and self.cloud is not None and recorded.get("cloud") == self.cloud
                and _digests(recorded.get("local", {})) == _digests(self.local))

    def as_record(self) -> dict[str, Any]:
        return {"local": self.local, "cloud": self.cloud}


def _digests(local: Mapping[str, Any]) -> dict[str, Any]:
    """The parts that decide, without the stat cache's sizes and times."""
    return {key: ({path: entry[2] for path, entry in value.items()} if key == "files" else value)
            for key, value in local.items()}


def _config_files(directory: Path, ignored: Sequence[str]) -> Iterator[Path]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            if name not in ignored and not name.endswith((".tfstate", ".tfstate.backup", ".tfplan")):
                yield Path(root) / name


def state_inputs(state_file: Path, directory: Path) -> list[Path]:
    """The files the state names as inputs, resolved as Terraform did (relative to the directory)."""
    try:
        state = json.loads(state_file.read_text())
    except (FileNotFoundError, ValueError):
        return []
    found = set()
    for resource in state.get("resources", []):
        for instance in resource.get("instances", []):
            attributes = instance.get("attributes") or {}
            for key in _INPUT_ATTRIBUTES:
                value = attributes.get(key)
                if isinstance(value, str) and value and "\n" not in value and len(value) < 4096:
                    path = (directory / value).resolve()
                    if path.is_file():
                        found.add(path)
    return sorted(found)


def _file_entry(path: Path, previous: Mapping[str, Any]) -> list[Any]:
    """[size, mtime_ns, sha256]; the hash is reused while size and modification time are unchanged."""
    stat = path.stat()
    cached = previous.get(str(path))
    if cached and cached[0] == stat.st_size and cached[1] == stat.st_mtime_ns:
        return list(cached)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return [stat.st_size, stat.st_mtime_ns, digest.hexdigest()]


def local_fingerprint(directory: Path, state_file: Path, var_files: Sequence[Path], variables: Mapping[str, str],
                      binary: str, endpoint: str | None, region: str, ignored: Sequence[str],
                      previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    cache = (previous or {}).get("local", {}).get("files", {})
    paths = [*_config_files(directory, ignored), *var_files, *state_inputs(state_file, directory)]
    if state_file.is_file():
        paths.append(state_file)
    files = {str(path): _file_entry(path, cache) for path in dict.fromkeys(paths)}
    binary_stat = Path(binary).stat()
    return {
        "files": files,
        "variables": dict(sorted(variables.items())),
        "tf_var_env": {k: v for k, v in sorted(os.environ.items()) if k.startswith("TF_VAR_")},
        "plugin_mirror": Settings.from_env().tf_plugin_mirror,
        "binary": [binary, binary_stat.st_size, binary_stat.st_mtime_ns],
        "endpoint": endpoint,
        "region": region,
    }


def cloud_fingerprint(endpoint: str | None, timeout: float = 120.0) -> dict[str, Any] | None:
    """The cloud's state epoch and resource digest (GET /_localcloud/state); None when it cannot say.

    The answer waits for saved state to be restored, which right after a start takes seconds (tens on a
    loaded machine: moto's IAM and EC2 modules import slowly); giving up sooner would cost a full apply."""
    if not endpoint:
        return None
    try:
        with urllib.request.urlopen(f"{endpoint}/_localcloud/state", timeout=timeout) as answer:
            document = json.loads(answer.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    if not isinstance(document, dict) or not document.get("epoch") or not document.get("inventory"):
        return None
    return {"epoch": document["epoch"], "inventory": document["inventory"]}


def read_record(root: Path) -> dict[str, Any] | None:
    try:
        return json.loads((root / RECORD_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return None


def write_record(root: Path, fingerprint: Fingerprint) -> None:
    partial = root / f"{RECORD_FILE}.partial"
    partial.write_text(json.dumps(fingerprint.as_record()))
    os.replace(partial, root / RECORD_FILE)


def forget_record(root: Path) -> None:
    (root / RECORD_FILE).unlink(missing_ok=True)
