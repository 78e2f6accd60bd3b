"""One typed settings object. An explicit argument beats the environment, which beats the default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_PORT = 4566  # LocalStack's edge port, so AWS_ENDPOINT_URL, tflocal and awslocal work unchanged.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"  # moto's default account for the access key "test".
# LocalStack's domain: it and every name under it resolve to 127.0.0.1 in public DNS, so no web page can
# point one of them at another machine (DNS rebinding); S3 virtual hosts and execute-api names use it.
DEFAULT_DOMAIN = "localhost.localstack.cloud"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not a whole number; unset it or give a port such as 4566") from exc


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not a number; unset it or give a number such as 60") from exc


def _env_flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{name}={raw!r} is neither on nor off; set it to 1 or 0")


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(item.strip().lower() for item in os.environ.get(name, "").split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    state_dir: Path = field(default_factory=lambda: Path(".localcloud").resolve())
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT
    # How many local seconds pass per wall-clock second for schedules, Wait states and alarm periods.
    clock_speed: float = 1.0
    # Serving on an address other machines reach (0.0.0.0, a LAN address) must be asked for.
    allow_remote: bool = False
    # Host names (exact, or ".example.com" / "*.example.com" for every name under it, or "*") the endpoint
    # answers besides loopback and the names under `domain`; origins of web pages that may call the AWS API.
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    domain: str = DEFAULT_DOMAIN
    # moto's own /moto-api (state dump, reset): closed unless asked for.
    moto_api: bool = False
    # Each Lambda environment in namespaces as AWS's (read-only /var/task and /opt, uid 993, private /tmp).
    lambda_sandbox: bool = True

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Build settings from LOCALCLOUD_* variables; keyword arguments that are not None win."""
        base = cls(
            host=os.environ.get("LOCALCLOUD_HOST", DEFAULT_HOST),
            port=_env_int("LOCALCLOUD_PORT", DEFAULT_PORT),
            state_dir=Path(os.environ.get("LOCALCLOUD_STATE_DIR", ".localcloud")).resolve(),
            # Not AWS_REGION / AWS_DEFAULT_REGION: those are the person's shell, not the stack (localcloud.hermetic).
            region=os.environ.get("LOCALCLOUD_REGION") or DEFAULT_REGION,
            account_id=os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT),
            clock_speed=_env_float("LOCALCLOUD_CLOCK_SPEED", 1.0),
            allow_remote=_env_flag("LOCALCLOUD_ALLOW_REMOTE"),
            allowed_hosts=_env_list("LOCALCLOUD_ALLOWED_HOSTS"),
            allowed_origins=_env_list("LOCALCLOUD_ALLOWED_ORIGINS"),
            moto_api=_env_flag("LOCALCLOUD_MOTO_API"),
            lambda_sandbox=_env_flag("LOCALCLOUD_LAMBDA_SANDBOX", default=True),
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        if "state_dir" in given:
            given["state_dir"] = Path(given["state_dir"]).resolve()  # type: ignore[arg-type]
        return replace(base, **given)  # type: ignore[arg-type]

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "localcloud.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "localcloud.log"
