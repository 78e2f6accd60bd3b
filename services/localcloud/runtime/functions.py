"""What the runtime needs to know about one function version, read out of moto's Lambda model.

moto keeps the control plane (CreateFunction, versions, aliases, layers); the runtime reads a frozen
FunctionSpec at each invoke, and its fingerprint says when code or configuration changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from localcloud.moto_adapter import lambda_backends

# Runtimes this machine can run; others fail clearly (function state and invoke error).
PYTHON_PREFIX = "python3."
DEAD_LETTER_ATTR = "localcloud_dead_letter_config"  # moto drops DeadLetterConfig; we keep it on its object
IMAGE_DIGEST_ATTR = "localcloud_image_digest"  # the manifest digest Code.ImageUri resolved to at create/update


class FunctionNotFound(Exception):
    pass


class UnsupportedRuntime(Exception):
    pass


@dataclass(frozen=True)
class Layer:
    arn: str
    code: bytes = field(repr=False)


@dataclass(frozen=True)
class FunctionSpec:
    account_id: str
    region: str
    name: str
    function_arn: str  # unqualified
    version: str  # "$LATEST" or "3"
    runtime: str
    handler: str
    timeout: int
    memory_size: int
    role: str
    variables: tuple[tuple[str, str], ...]
    code_sha256: str  # as moto reports it (base64)
    code: bytes = field(repr=False, compare=False)
    layers: tuple[Layer, ...] = field(repr=False, compare=False)
    reserved_concurrency: int | None = field(compare=False, default=None)
    dead_letter_arn: str | None = field(compare=False, default=None)
    event_invoke_config: dict[str, Any] = field(compare=False, default_factory=dict)
    ephemeral_storage_mb: int = 512  # EphemeralStorage.Size: the size of /tmp
    package_type: str = "Zip"  # or "Image": the code is Code.ImageUri, pinned to image_digest
    image_uri: str | None = None
    image_digest: str | None = None  # "sha256:..."; AWS resolves a tag once, at create/update
    image_config: tuple[tuple[str, Any], ...] = ()  # ImageConfig: Command, EntryPoint, WorkingDirectory

    @property
    def qualified_arn(self) -> str:
        return f"{self.function_arn}:{self.version}"

    @property
    def key(self) -> tuple[str, str, str, str]:
        """One pool of environments per function version."""
        return self.account_id, self.region, self.name, self.version

    @property
    def function_key(self) -> tuple[str, str, str]:
        """Reserved concurrency counts across all versions of a function."""
        return self.account_id, self.region, self.name

    @property
    def fingerprint(self) -> str:
        """Changes when UpdateFunctionCode/UpdateFunctionConfiguration change what an environment runs."""
        return json.dumps([self.code_sha256, self.runtime, self.handler, self.timeout, self.memory_size,
                           self.role, self.variables, [layer.arn for layer in self.layers],
                           self.ephemeral_storage_mb, self.image_digest, self.image_config])

    @property
    def is_image(self) -> bool:
        return self.package_type == "Image"

    @property
    def is_python(self) -> bool:
        return self.package_type != "Image" and self.runtime.startswith(PYTHON_PREFIX)

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


def _backend(account_id: str, region: str) -> Any:
    return lambda_backends[account_id][region]


def split_name(name_or_arn: str, qualifier: str | None) -> tuple[str, str | None, str | None]:
    """(name, qualifier, region from the ARN) from a name, partial ARN or full ARN."""
    region = None
    if name_or_arn.startswith("arn:"):
        parts = name_or_arn.split(":")
        region = parts[3]
        name = parts[6]
        if len(parts) > 7:
            qualifier = qualifier or parts[7]
    elif ":" in name_or_arn:
        name, _, arn_qualifier = name_or_arn.partition(":")
        qualifier = qualifier or arn_qualifier
    else:
        name = name_or_arn
    return name, qualifier, region


def resolve(account_id: str, region: str, name_or_arn: str, qualifier: str | None = None) -> FunctionSpec:
    """The function version a name/ARN and qualifier (version or alias) designate, as AWS resolves them."""
    name, qualifier, arn_region = split_name(name_or_arn, qualifier)
    backend = _backend(account_id, arn_region or region)
    try:
        fn = backend.get_function(name, qualifier)
    except Exception as exc:
        raise FunctionNotFound(f"Function not found: arn:aws:lambda:{arn_region or region}:{account_id}:"
                               f"function:{name}" + (f":{qualifier}" if qualifier else "")) from exc
    latest = backend.get_function(name)
    layers = []
    for entry in fn.layers or []:
        layer_version = backend.layers_versions_by_arn(entry["Arn"])
        if layer_version is not None:
            layers.append(Layer(entry["Arn"], layer_version.code_bytes))
    invoke_configs = getattr(latest, "event_invoke_config", None) or []
    reserved = latest.reserved_concurrency
    dead_letter = getattr(fn, DEAD_LETTER_ATTR, None) or getattr(latest, DEAD_LETTER_ATTR, None) or {}
    return FunctionSpec(
        account_id=account_id, region=arn_region or region, name=fn.function_name,
        function_arn=f"arn:aws:lambda:{arn_region or region}:{account_id}:function:{fn.function_name}",
        version=str(fn.version), runtime=fn.run_time or "", handler=fn.handler or "",
        timeout=int(fn.timeout or 3), memory_size=int(fn.memory_size or 128), role=fn.role,
        variables=tuple(sorted((fn.environment_vars or {}).items())),
        code_sha256=fn.code_sha_256 or "", code=getattr(fn, "code_bytes", b"") or b"", layers=tuple(layers),
        reserved_concurrency=None if reserved in (None, "") else int(reserved),
        dead_letter_arn=dead_letter.get("TargetArn") or None,
        # moto appends on each Put and reads the first; the last one put is the one in force.
        event_invoke_config=dict(invoke_configs[-1].config) if invoke_configs else {},
        ephemeral_storage_mb=int(getattr(fn, "ephemeral_storage", None) or 512),
        **_image_fields(fn),
    )


def _image_fields(fn: Any) -> dict[str, Any]:
    if getattr(fn, "package_type", "Zip") != "Image":
        return {}
    image_config = getattr(fn, "image_config", None)
    overrides = {"Command": list(getattr(image_config, "cmd", None) or []),
                 "EntryPoint": list(getattr(image_config, "entry_point", None) or []),
                 "WorkingDirectory": getattr(image_config, "working_directory", None)}
    digest = getattr(fn, IMAGE_DIGEST_ATTR, None) or (f"sha256:{fn.code_sha_256}" if fn.code_sha_256 else None)
    return {"package_type": "Image", "image_uri": (fn.code or {}).get("ImageUri"), "image_digest": digest,
            "image_config": tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in overrides.items())}

