"""Container images a Terraform configuration deploys: built and pushed between the repository and the function.

Only hashicorp/aws is available (no null or external provider), so Terraform cannot build an image itself, and
`aws_lambda_function` with `image_uri` fails while the repository is empty ("Source image ... does not exist").
A configuration that deploys images lists them in `images.json` beside its .tf files:

    {"images": [{"repository": "aws_ecr_repository.records_to_parquet",
                 "context": "../../lambdas", "dockerfile": "records_to_parquet/Dockerfile", "tag": "latest",
                 "when": {"records_package_type": "Image"}}]}

(`context` relative to the configuration directory, `dockerfile` relative to the context; `when`: the
variables, as Terraform resolves them, that turn the image on, so a stack without it pays nothing.) Before
the full apply, the runner applies those repositories alone (`-target`), builds each image whose repository
now exists and pushes it to `<repository_url>:<tag>`, then applies everything; the configuration reads the pushed digest with `data "aws_ecr_image"`. Locally the
build is `localcloud build`'s (no Docker needed); against AWS, `docker build` and `docker push`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "images.json"


class ImageManifestError(Exception):
    """images.json is malformed; the message says where."""


@dataclass(frozen=True)
class ImageSpec:
    repository: str  # the Terraform address of the aws_ecr_repository, without an index
    context: Path
    dockerfile: Path
    tag: str = "latest"
    when: tuple[tuple[str, str], ...] = ()  # (variable, value) pairs that must all hold


@dataclass(frozen=True)
class PushedImage:
    spec: ImageSpec
    target: str  # <repository_url>:<tag>
    digest: str


def load(directory: Path) -> list[ImageSpec]:
    """The images `directory`'s images.json lists; [] without one."""
    path = directory / MANIFEST
    if not path.is_file():
        return []
    try:
        document = json.loads(path.read_text())
        specs = []
        for entry in document["images"]:
            context = (directory / entry["context"]).resolve()
            specs.append(ImageSpec(entry["repository"], context, context / entry.get("dockerfile", "Dockerfile"),
                                   entry.get("tag", "latest"), tuple(sorted((entry.get("when") or {}).items()))))
    except (ValueError, KeyError, TypeError) as exc:
        raise ImageManifestError(f"{path} is not {{\"images\": [{{\"repository\": ..., \"context\": ...}}]}} "
                                 f"({exc!r}); nothing was applied. Fix the file.") from None
    for spec in specs:
        if not spec.dockerfile.is_file():
            raise ImageManifestError(f"{path}: the Dockerfile {spec.dockerfile} of {spec.repository} does not "
                                     "exist; nothing was applied.")
    return specs


def enabled(specs: list[ImageSpec], directory: Path, var_files: Sequence[Path],
            variables: Mapping[str, str]) -> list[ImageSpec]:
    """The images whose `when` variables hold: -var, TF_VAR_<name>, the last .tfvars setting it, its default."""
    from localcloud.terraform.stack_vars import variable_value

    def value(name: str) -> str | None:
        if name not in variables and f"TF_VAR_{name}" in os.environ:
            return os.environ[f"TF_VAR_{name}"]
        return variable_value(directory, name, var_files, variables)

    return [spec for spec in specs if all(value(name) == wanted for name, wanted in spec.when)]


def repository_urls(state: dict[str, Any], address: str) -> list[str]:
    """The repository_url of each instance of `address` (aws_ecr_repository.x or module.m.aws_ecr_repository.x)
    in a Terraform state document (`terraform state pull`, or the local state file)."""
    module, found, resource = address.rpartition(".aws_ecr_repository.")
    if not found:
        module, resource = "", address.removeprefix("aws_ecr_repository.")
    urls = []
    for entry in state.get("resources", []):
        if (entry.get("mode") == "managed" and entry.get("type") == "aws_ecr_repository"
                and entry.get("name") == resource and entry.get("module", "") == module):
            urls += [i["attributes"]["repository_url"] for i in entry.get("instances", [])
                     if (i.get("attributes") or {}).get("repository_url")]
    return urls


def context_digest(specs: list[ImageSpec]) -> str:
    """A digest of every file of every build context: the apply fingerprint's part for images (a changed
    handler is a new image, so the apply must run)."""
    digest = hashlib.sha256()
    for spec in specs:
        for root, dirs, files in os.walk(spec.context):
            dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", ".pytest_cache", "tests"))
            for name in sorted(files):
                if name.endswith((".pyc", ".pyo")):
                    continue
                path = Path(root) / name
                digest.update(f"{path.relative_to(spec.context)}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
        digest.update(f"{spec.repository} {spec.dockerfile} {spec.tag}\0".encode())
    return digest.hexdigest()


def push_all(specs: list[ImageSpec], state: dict[str, Any],
             build_and_push: Callable[[ImageSpec, str], str]) -> list[PushedImage]:
    """Build and push each image whose repository the state holds; `build_and_push(spec, target)` returns
    the pushed manifest digest."""
    pushed = []
    for spec in specs:
        for url in repository_urls(state, spec.repository):
            target = f"{url}:{spec.tag}"
            pushed.append(PushedImage(spec, target, build_and_push(spec, target)))
    return pushed
