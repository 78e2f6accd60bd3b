"""Node.js Lambda functions (nodejs18.x, nodejs20.x, nodejs22.x): the Node on this machine, our runtime
interface client (ric/index.mjs, which says why it is ours) and the AWS SDK for JavaScript v3 that AWS's
managed runtime provides, in a runtime directory laid out as AWS's /var/runtime.

The runtime directory (runtimes_root()/nodejs) holds index.mjs and its hooks, copied from this package, and
node_modules with the SDK clients below, installed once by `make install` (npm). AWS's runtime carries every
@aws-sdk/client-*; we install the ones serverless pipelines use, so `import {S3Client} from
"@aws-sdk/client-s3"` works without bundling the SDK, as on AWS. A function that needs another client bundles
it (as it must for any package the runtime lacks).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from localcloud.runtime.prepare import RuntimeNotPrepared, runtimes_root

RIC_SOURCE = Path(__file__).with_name("ric")
RUNTIME_PATTERN = re.compile(r"nodejs(?P<major>\d+)\.x")
SUPPORTED = ("nodejs18.x", "nodejs20.x", "nodejs22.x")
SDK_VERSION = "3"
SDK_PACKAGES = ("client-s3", "client-dynamodb", "lib-dynamodb", "util-dynamodb", "client-sqs", "client-sns",
                "client-lambda", "client-kinesis", "client-sfn", "client-secrets-manager", "client-ssm",
                "client-eventbridge", "client-cloudwatch-logs", "client-sts")
# AWS's NODE_PATH for nodejs20.x (https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html#packaging-layers-paths)
NODE_PATH_INSIDE = "/opt/nodejs/node{major}/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task"


def is_node(runtime: str) -> bool:
    return bool(RUNTIME_PATTERN.fullmatch(runtime or ""))


@dataclass(frozen=True)
class NodeInterpreter:
    executable: str  # the real binary
    major: str  # "20"
    prefix: str  # its installation (mounted at /var/lang in the sandbox)
    note: str | None = None  # set when it is not the version the function declared


def _major_of(executable: str) -> str | None:
    try:
        out = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.fullmatch(r"v(\d+)\.\d+\.\d+\S*", out.stdout.strip())
    return found.group(1) if out.returncode == 0 and found else None


def _candidates(major: str) -> list[str]:
    found = [shutil.which(f"node{major}") or ""]
    nvm = Path(os.environ.get("NVM_DIR", Path.home() / ".nvm"))
    found += [str(p) for p in sorted(nvm.glob(f"versions/node/v{major}.*/bin/node"), reverse=True)]
    found.append(shutil.which("node") or "")
    return [f for f in found if f]


def _interpreter(executable: str, major: str, note: str | None = None) -> NodeInterpreter:
    real = os.path.realpath(executable)
    return NodeInterpreter(real, major, str(Path(real).parent.parent), note)


@functools.cache
def find_node(runtime: str) -> NodeInterpreter:
    """The Node for a declared runtime: node<major> or an nvm install of that major, else the `node` on
    PATH with a note saying which version runs instead. RuntimeNotPrepared when there is no Node at all."""
    wanted = RUNTIME_PATTERN.fullmatch(runtime).group("major")
    fallback: tuple[str, str] | None = None
    for candidate in _candidates(wanted):
        major = _major_of(candidate)
        if major == wanted:
            return _interpreter(candidate, major)
        if major and fallback is None:
            fallback = (candidate, major)
    if fallback is None:
        raise RuntimeNotPrepared(
            f"No Node.js is on PATH, so functions on {runtime} cannot run. Install Node.js {wanted} "
            "(or any Node.js >= 18) and restart the local cloud.")
    candidate, major = fallback
    return _interpreter(candidate, major, f"No Node.js {wanted} was found (node{wanted} on PATH or nvm), so "
                                          f"functions declaring {runtime} run on Node.js {major} ({candidate}). "
                                          f"Install Node.js {wanted} to run them on their declared version.")


# -- the runtime directory ----------------------------------------------------------------------------
def runtime_dir() -> Path:
    return runtimes_root() / "nodejs"


def _sdk_marker(target: Path) -> Path:
    return target / "node_modules" / ".localcloud-sdk.json"


def sdk_requirements() -> list[str]:
    return [f"@aws-sdk/{name}@{SDK_VERSION}" for name in SDK_PACKAGES]


def sdk_installed(target: Path | None = None) -> bool:
    try:
        return json.loads(_sdk_marker(target or runtime_dir()).read_text()).get("requirements") == sdk_requirements()
    except (OSError, ValueError):
        return False


def install_sdk(quiet: bool = True) -> Path:
    """npm-install the SDK clients into the runtime directory's node_modules, once (idempotent)."""
    target = runtime_dir()
    if sdk_installed(target):
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeNotPrepared("npm is not on PATH, so the AWS SDK for JavaScript that AWS's Node.js runtimes "
                                 "provide cannot be installed; Node.js functions run without it (bundle the SDK "
                                 "in the zip, or install npm and run `make install`).")
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    (staging / "package.json").write_text('{"private": true, "description": "localcloud Node.js runtime"}\n')
    command = [npm, "install", "--no-audit", "--no-fund", "--omit=dev", "--no-package-lock", *sdk_requirements()]
    result = subprocess.run(command, cwd=staging, capture_output=quiet, text=True, check=False, timeout=900)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeNotPrepared(f"npm could not install the AWS SDK for JavaScript ({' '.join(sdk_requirements())}); "
                                 f"Node.js functions run without it until it does. npm said:\n"
                                 f"{(result.stderr or '')[-2000:]}")
    _sdk_marker(staging).write_text(json.dumps({"requirements": sdk_requirements()}))
    from localcloud.runtime.sandbox import grant_read

    grant_read(staging)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def _ric_digest() -> str:
    digest = hashlib.sha256()
    for file in sorted(RIC_SOURCE.iterdir()):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


@functools.cache
def prepared_runtime_dir() -> Path:
    """The runtime directory with the current runtime interface client in it (copied when it changed);
    the SDK is there when `make install` installed it (see sdk_installed)."""
    target = runtime_dir()
    target.mkdir(parents=True, exist_ok=True)
    stamp = target / ".localcloud-ric"
    digest = _ric_digest()
    if not stamp.is_file() or stamp.read_text() != digest:
        for file in RIC_SOURCE.iterdir():
            shutil.copyfile(file, target / file.name)
            os.chmod(target / file.name, 0o644)
        stamp.write_text(digest)
    os.chmod(target, 0o755)
    return target


def sdk_note() -> str | None:
    if sdk_installed():
        return None
    return ("The AWS SDK for JavaScript v3 that AWS's Node.js runtimes provide is not installed in "
            f"{runtime_dir()}, so a Node.js function that imports @aws-sdk/* without bundling it fails here. "
            "Run `make install` (it needs npm).")
