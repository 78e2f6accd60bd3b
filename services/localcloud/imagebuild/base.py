"""The AWS Lambda Python base image, synthesised: its config as AWS publishes it, and one small layer with
the directories it has, instead of the ~200 MB of Amazon Linux it really holds (no network is needed, and
localcloud's runtime brings its own Python and runtime interface client).

The config is the one in AWS's base image Dockerfiles (github.com/aws/aws-lambda-base-images, branch
python3.x, Dockerfile.python3.x): ENV LANG, TZ, PATH, LD_LIBRARY_PATH, LAMBDA_TASK_ROOT=/var/task,
LAMBDA_RUNTIME_DIR=/var/runtime, WORKDIR /var/task, ENTRYPOINT ["/lambda-entrypoint.sh"], no CMD. A label
says the base was synthesised here, so a runtime can tell it from a real pull:
`localcloud.base-image=public.ecr.aws/lambda/python:<version>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from localcloud.imagebuild import layers

REPOSITORY = "public.ecr.aws/lambda/python"
VERSIONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")
BASE_LABEL = "localcloud.base-image"
# Tags of the base image: 3.12, 3.12.2024.10.15.10 (dated releases), 3.12-x86_64 / 3.12-arm64, latest.
TAG = re.compile(r"^(?P<version>3\.\d+)(?:\.[\d.]+)?(?:-(?P<arch>x86_64|arm64))?$")
ENTRYPOINT_SCRIPT = b"""#!/bin/sh
# Synthesised by localcloud's image builder in place of the AWS Lambda base image's entrypoint: the local
# cloud runs this image's /var/task with its own runtime. Run the image on AWS Lambda, or build it with a
# Docker engine, for the real one.
echo "this image's base was synthesised by localcloud; its entrypoint runs only under localcloud" >&2
exit 1
"""


class UnsupportedBase(ValueError):
    pass


@dataclass(frozen=True)
class Base:
    reference: str
    python_version: str  # "3.12"
    architecture: str  # OCI: amd64 | arm64

    @property
    def site_packages(self) -> str:
        """Where `pip install` (no --target) puts packages in the base image: its Python's site-packages."""
        return f"/var/lang/lib/python{self.python_version}/site-packages"

    def config(self) -> dict[str, Any]:
        return {
            "Env": ["LANG=en_US.UTF-8", "TZ=:/etc/localtime",
                    "PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
                    ("LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:"
                     "/var/task/lib:/opt/lib"),
                    "LAMBDA_TASK_ROOT=/var/task", "LAMBDA_RUNTIME_DIR=/var/runtime"],
            "WorkingDir": "/var/task",
            "Entrypoint": ["/lambda-entrypoint.sh"],
            "Labels": {BASE_LABEL: self.reference},
        }

    def layer(self) -> layers.Layer:
        directories = ["/var/task", "/var/runtime", "/var/lang/bin", self.site_packages, "/opt", "/tmp"]
        entries = {path: layers.Entry(None) for path in directories}
        entries["/tmp"] = layers.Entry(None, mode=0o1777)
        entries["/lambda-entrypoint.sh"] = layers.Entry(ENTRYPOINT_SCRIPT, executable=True)
        return layers.build(entries)


def recognise(reference: str, platform: str | None) -> Base:
    """The base `FROM` names. Raises UnsupportedBase for anything but the AWS Lambda Python base image."""
    name, _, tag = reference.partition(":")
    if "@" in name or "@" in tag:
        name, tag = name.split("@", 1)[0], tag.split("@", 1)[0]
    if name != REPOSITORY:
        raise UnsupportedBase(f"base image {reference!r} is not the AWS Lambda Python base image ({REPOSITORY}:3.x)")
    match = TAG.match(tag or "")
    if not match or match["version"] not in VERSIONS:
        raise UnsupportedBase(f"base image tag {tag or '(none)'!r} names no Python version this builder knows "
                              f"({', '.join(VERSIONS)}); use {REPOSITORY}:3.12 or similar")
    architecture = "arm64" if match["arch"] == "arm64" else "amd64"
    if platform:
        wanted = platform.split("/")[-1]
        if wanted not in ("amd64", "arm64"):
            raise UnsupportedBase(f"--platform={platform}: Lambda runs linux/amd64 or linux/arm64 only")
        architecture = wanted
    return Base(reference, match["version"], architecture)
