"""Which deployed functions run a zip of build/: the ones to update when it is rebuilt.

Two sources, joined:
- the Terraform state of the stack: each `aws_lambda_function` and `aws_lambda_layer_version` names its zip,
  as `filename` or as the `source` of the `aws_s3_object` its s3_bucket + s3_key point at (how `make up`
  deploys them);
- the cloud itself: every function whose CodeSha256 is the SHA-256 of the zip as it was before the
  rebuild (a function deployed by a test or a script from the same zip; and after a first reload, the
  functions this session updated), and every function using a layer version with that layer's old code.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def code_sha256(zip_path: Path) -> str | None:
    """As Lambda reports CodeSha256: base64 of the SHA-256 digest. None when the file does not exist."""
    try:
        return base64.b64encode(hashlib.sha256(zip_path.read_bytes()).digest()).decode()
    except FileNotFoundError:
        return None


@dataclass
class StateIndex:
    """What the Terraform state says: zip -> function names, layer zip -> layer names."""
    functions: dict[Path, set[str]] = field(default_factory=dict)
    layers: dict[Path, set[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, state_file: Path | None, tf_dir: Path | None) -> StateIndex:
        index = cls()
        if state_file is None or tf_dir is None:
            return index
        try:
            state = json.loads(state_file.read_text())
        except (FileNotFoundError, ValueError):
            return index
        managed = [r for r in state.get("resources", []) if r.get("mode") == "managed"]
        # Code may come from a local file (`filename`) or from an S3 object the same state uploads from one
        # (`aws_s3_object.source`, named by the function's s3_bucket + s3_key), as infra/tflocal does.
        uploaded = {(a.get("bucket"), a.get("key")): a["source"] for a in _instances(managed, "aws_s3_object")
                    if a.get("source")}
        for kind, name_attribute, into in (("aws_lambda_function", "function_name", index.functions),
                                           ("aws_lambda_layer_version", "layer_name", index.layers)):
            for attributes in _instances(managed, kind):
                source = attributes.get("filename") or uploaded.get((attributes.get("s3_bucket"),
                                                                     attributes.get("s3_key")))
                if source and attributes.get(name_attribute):
                    into.setdefault((tf_dir / source).resolve(), set()).add(attributes[name_attribute])
        return index


def _instances(resources: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [instance.get("attributes") or {} for resource in resources if resource.get("type") == kind
            for instance in resource.get("instances", [])]


@dataclass(frozen=True)
class DeployedFunction:
    name: str
    code_sha256: str
    layers: tuple[str, ...]  # layer version ARNs


def list_functions(lambda_client: Any) -> list[DeployedFunction]:
    found = []
    for page in lambda_client.get_paginator("list_functions").paginate():
        for entry in page["Functions"]:
            found.append(DeployedFunction(entry["FunctionName"], entry.get("CodeSha256", ""),
                                          tuple(layer["Arn"] for layer in entry.get("Layers") or [])))
    return found


def layer_code_sha256(lambda_client: Any, version_arn: str, cache: dict[str, str]) -> str:
    """A layer version's CodeSha256 (versions are immutable, so a session caches them)."""
    if version_arn not in cache:
        try:
            cache[version_arn] = get_layer_version(lambda_client, version_arn)["Content"]["CodeSha256"]
        except Exception:  # noqa: BLE001  (deleted meanwhile: it runs nothing we build)
            cache[version_arn] = ""
    return cache[version_arn]


def get_layer_version(lambda_client: Any, version_arn: str) -> dict[str, Any]:
    """GetLayerVersion by name and number (what every emulator serves; GetLayerVersionByArn is rarer)."""
    prefix, _, number = version_arn.rpartition(":")
    return lambda_client.get_layer_version(LayerName=prefix, VersionNumber=int(number))
