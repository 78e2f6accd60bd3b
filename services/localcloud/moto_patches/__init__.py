"""Every change localcloud makes to moto's behaviour, in one place, applied once at start-up.

moto is our model of the AWS APIs; where it is wrong for a long-running local cloud (it delivers events
inside the producer's request, sleeps on the wall clock, calls "its own server" on port 5000, rebuilds
every queue attribute on each send, ...) we change it here and nowhere else. Code outside this package
reads moto's models through `localcloud.moto_adapter`, never assigns to them.

When: `apply_all()` runs first in the start thread (server/app.py), before saved state is restored and
before any request reaches moto (requests wait for it). Every patch is checked before any is installed;
one that no longer fits the installed moto (attribute gone, parameters changed) fails the start with
MotoPatchError naming the patch, the moto attribute and what to do. There is no "log and skip": a skipped
patch means moto's own behaviour comes back silently. tests/unit/test_moto_patch_contract.py checks the
same in `make test`, so a moto upgrade fails there first.

How to add a patch: in the module named after the moto service (`s3.py` for moto.s3; a new service gets
a new module, listed in MODULES below), declare it on that module's `PATCHES = Patches("<service>")`:

    @PATCHES.wrap("moto.s3.models:S3Backend._set_delete_marker", signature="(self, bucket_name, key_name)")
    def _set_delete_marker(original, self, bucket_name, key_name):   # moto's function comes first
        ...
    @PATCHES.replace("moto.kinesis.models:Shard.get_max_sequence_number", signature="(self)")
    def get_max_sequence_number(self): ...                           # instead of moto's, outright
    @PATCHES.build("moto.core.responses:method_names_from_class", signature="(clazz)")
    def cached(original): return lru_cache(None)(original)           # what to install, made from moto's
    PATCHES.value("moto.moto_server.werkzeug_app:DISABLE_GLOBAL_CORS", True, was="bool", why="...")
    @PATCHES.add("moto.cloudwatch.responses:CloudWatchResponse.describe_alarm_history")
    def describe_alarm_history(self): ...                            # moto lacks it; fails once it has one

`signature` is moto's original's parameters without annotations (`registry.shape(fn)` prints it). The
docstring of the function (or `why=`) says why the patch exists; it is quoted when the patch breaks.
Patch modules import moto only through the target strings, so importing them costs nothing.
"""

from __future__ import annotations

import importlib
import os
import threading

from localcloud.moto_patches.registry import MotoPatchError, Patch, Patches, applied, apply, problem, shape

__all__ = [
    "MODULES",
    "MotoPatchError",
    "Patch",
    "Patches",
    "all_patches",
    "applied",
    "apply",
    "apply_all",
    "apply_deferred",
    "apply_first",
    "deferred_services",
    "configure",
    "endpoint",
    "problem",
    "shape",
    "wait_applied",
]

# In apply order. core first: it decides how moto's per-service apps are built.
MODULES = ("core", "iam", "s3", "sqs", "sns", "kinesis", "dynamodb", "awslambda", "cloudwatch", "logs", "stepfunctions", "rds",
           "ecr")
# Applied after the others, holding only their own service (apply_deferred): moto's Step Functions
# interpreter pulls moto.batch and moto.ec2, moto.rds pulls moto.ec2 (its region and zone tables: ~1 s of CPU
# for json.loads), together 5x the rest; no other service needs them.
DEFERRED = {"stepfunctions": ("stepfunctions",), "rds": ("rds",)}  # patch module -> the moto services it holds

_applied = threading.Event()
_endpoint = "http://127.0.0.1:4566"


def all_patches() -> list[Patch]:
    patches: list[Patch] = []
    for name in MODULES:
        patches.extend(importlib.import_module(f"{__name__}.{name}").PATCHES)
    return patches


def _patches_of(names: tuple[str, ...] | list[str]) -> list[Patch]:
    return [patch for name in names for patch in importlib.import_module(f"{__name__}.{name}").PATCHES]


def apply_all() -> None:
    """Install every patch (idempotent), or raise MotoPatchError and install none."""
    apply(all_patches())
    _applied.set()


def apply_first() -> None:
    """Every patch but the DEFERRED modules' (the start thread, holding every service), or raise
    MotoPatchError and install none of them."""
    apply(_patches_of([name for name in MODULES if name not in DEFERRED]))


def apply_deferred() -> None:
    """The DEFERRED modules' patches, after apply_first (holding only their services: server/app.py)."""
    apply(_patches_of(list(DEFERRED)))
    _applied.set()


def deferred_services() -> set[str]:
    return {service for services in DEFERRED.values() for service in services}


def wait_applied(timeout: float = 120.0) -> bool:
    """For in-process readers of a patched backend (the Step Functions interpreter swaps moto's backends)."""
    return _applied.wait(timeout)


def configure(host: str, port: int) -> None:
    """Where this server answers: moto modules that call "their own server" (settings.moto_server_port(),
    TEST_SERVER_MODE_ENDPOINT: Step Functions task integrations, CloudFormation custom resources, the
    Lambda environment it would hand a container) reach this process, never whatever listens on 5000.
    Process-wide, as moto reads it; set before anything imports moto's services."""
    global _endpoint
    reachable = "127.0.0.1" if host in ("0.0.0.0", "") else host
    _endpoint = f"http://{reachable}:{port}"
    os.environ["MOTO_PORT"] = str(port)
    os.environ["TEST_SERVER_MODE_ENDPOINT"] = _endpoint
    # AWS accounts come with AWS-managed IAM policies (AWSLambdaBasicExecutionRole, ...); moto loads them
    # only when asked. Terraform that attaches them fails without. Costs 0.12 s once per account.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")


def endpoint() -> str:
    """This server's URL, as `configure` was told it."""
    return _endpoint
