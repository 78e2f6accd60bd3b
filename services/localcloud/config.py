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


def _env_int(name: str, default: int, example: str = "a port such as 4566") -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not a whole number; unset it or give {example}") from exc


def _env_float(name: str, default: float, example: str = "a number such as 60") -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not a number; unset it or give {example}") from exc


def _env_path(name: str) -> Path | None:
    raw = os.environ.get(name)
    return Path(raw).resolve() if raw else None


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
    lambda_fork_templates: bool = True  # Python cold starts forked from a template that imported boto3 (runtime/template.py)
    # An idle Lambda execution environment is stopped after this many seconds; at most this many run at once.
    lambda_idle_seconds: float = 600.0
    lambda_concurrency: int = 32
    # A clean stop lets pending events finish for this long before saving them for the next start.
    stop_drain_seconds: float = 5.0
    # `localcloud stop` waits this long for the server to save and exit.
    stop_timeout: float = 60.0
    # A request for a service still restoring waits this long, then gets a 503.
    ready_wait_seconds: float = 120.0
    # Where the per-Python Lambda runtime directories are (None: beside the venv, runtime/prepare.py).
    runtime_dir: Path | None = None
    # Where database engine binaries are looked for (None: PATH plus the distribution's dirs; replaces them).
    engine_path: str | None = None
    # Where engine templates are cached (None: $XDG_CACHE_HOME/localcloud).
    cache_dir: Path | None = None
    # The Terraform provider mirror the runner points Terraform at (part of the apply fingerprint).
    tf_plugin_mirror: str = ""

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
            lambda_fork_templates=_env_flag("LOCALCLOUD_LAMBDA_FORK", default=True),
            lambda_idle_seconds=_env_float("LOCALCLOUD_LAMBDA_IDLE_SECONDS", 600.0, "seconds such as 600"),
            lambda_concurrency=int(_env_float("LOCALCLOUD_LAMBDA_CONCURRENCY", 32, "a count such as 32")),
            stop_drain_seconds=_env_float("LOCALCLOUD_STOP_DRAIN_SECONDS", 5.0, "seconds such as 5"),
            stop_timeout=_env_float("LOCALCLOUD_STOP_TIMEOUT", 60.0, "seconds such as 60"),
            ready_wait_seconds=_env_float("LOCALCLOUD_READY_WAIT_SECONDS", 120.0, "seconds such as 120"),
            runtime_dir=_env_path("LOCALCLOUD_RUNTIME_DIR"),
            engine_path=os.environ.get("LOCALCLOUD_ENGINE_PATH"),
            cache_dir=_env_path("LOCALCLOUD_CACHE_DIR"),
            tf_plugin_mirror=os.environ.get("LOCALCLOUD_TF_PLUGIN_MIRROR", ""),
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
