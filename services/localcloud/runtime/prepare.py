"""The runtime directory of each Python version: awslambdaric + the boto3 that AWS's runtime provides.

On AWS, a Python function's import path holds its package, its layers, then /var/runtime with
awslambdaric and boto3; nothing else. We rebuild that /var/runtime per Python version with
`pip install --target`, once (`make install` calls `prepare_runtime`); later calls return at once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from localcloud.config import Settings

# What AWS's Python base images run; boto3 follows the local cloud's own, so handler and server agree on
# API models.
AWSLAMBDARIC = "awslambdaric==4.2.2"
SUPPORTED_PYTHONS = ("python3.11", "python3.12", "python3.13")


class RuntimeNotPrepared(Exception):
    """The runtime directory for a Python version is missing; the message says how to make it."""


def _boto3_requirement() -> str:
    from importlib.metadata import version

    return f"boto3=={version('boto3')}"


def requirements() -> list[str]:
    return [AWSLAMBDARIC, _boto3_requirement()]


def runtimes_root() -> Path:
    """Beside the venv by default, so `rm -rf .venv` also drops it; LOCALCLOUD_RUNTIME_DIR overrides."""
    override = Settings.from_env().runtime_dir
    if override:
        return override
    beside_venv = Path(sys.prefix) / "share" / "localcloud-runtimes"
    if os.access(sys.prefix, os.W_OK):
        return beside_venv
    return Path.home() / ".cache" / "localcloud" / "runtimes"


@dataclass(frozen=True)
class Interpreter:
    executable: str
    version: str  # "3.12"
    note: str | None = None  # set when it is not the version the function declared


def _identify(executable: str) -> tuple[str, str] | None:
    """(version, the binary itself), by running it: pyenv shims exist for versions that are not selected and
    then fail; one that works is a shell script that costs every cold start ~100 ms, so we keep the binary."""
    script = "import os, sys; print('%d.%d' % sys.version_info[:2]); print(os.path.realpath(sys.executable))"
    try:
        out = subprocess.run([executable, "-I", "-c", script], capture_output=True, text=True, timeout=10,
                             check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = out.stdout.split()
    if out.returncode != 0 or len(lines) != 2:
        return None
    return lines[0], lines[1] if os.access(lines[1], os.X_OK) else executable


def _version_of(executable: str) -> str | None:
    identified = _identify(executable)
    return identified[0] if identified else None


def _candidates(version: str) -> list[str]:
    found = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    # A pyenv shim fails for a version that is installed but not selected; the interpreter itself works.
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for install in sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"), reverse=True):
        found.append(str(install))
    return found


@cache
def find_interpreter(runtime: str) -> Interpreter:
    """The interpreter for a declared runtime ("python3.12"), or ours with a note saying so."""
    match = re.fullmatch(r"python(3\.\d+)", runtime or "")
    ours = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if match:
        wanted = match.group(1)
        for candidate in _candidates(wanted):
            identified = _identify(candidate)
            if identified and identified[0] == wanted:
                return Interpreter(identified[1], wanted)
        return Interpreter(sys.executable, ours,
                           f"No working python{wanted} interpreter was found on PATH, so functions declaring "
                           f"{runtime} run on Python {ours} (the local cloud's own). Install Python {wanted} "
                           f"to run them on their declared version.")
    raise ValueError(runtime)


def runtime_dir_for(version: str) -> Path:
    return runtimes_root() / f"python{version}"


def _marker(target: Path) -> Path:
    return target / ".localcloud-runtime.json"


def is_prepared(version: str) -> bool:
    marker = _marker(runtime_dir_for(version))
    try:
        return json.loads(marker.read_text()).get("requirements") == requirements()
    except (OSError, ValueError):
        return False


def prepare_runtime(python: str = sys.executable, quiet: bool = True) -> Path:
    """Install awslambdaric and boto3 for `python` (a path or "python3.12") into its runtime directory.

    Idempotent: a directory prepared for the same requirements is returned without running pip.
    """
    if not os.path.sep in python:
        python = find_interpreter(python).executable
    version = _version_of(python)
    if version is None:
        raise RuntimeNotPrepared(f"{python} does not run, so no Lambda runtime can be prepared for it. "
                                 "Check the interpreter path or install that Python version.")
    target = runtime_dir_for(version)
    if is_prepared(version):
        return target
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    # Our pip, told the target's version: the target interpreter may have no pip of its own.
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-warn-conflicts",
               "--target", str(staging), "--python-version", version, "--implementation", "cp",
               "--only-binary=:all:", *requirements()]
    if quiet:
        command.insert(4, "--quiet")
    result = subprocess.run(command, capture_output=quiet, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeNotPrepared(f"pip could not install {' '.join(requirements())} for Python {version} "
                                 f"into {target}; Lambda functions on Python {version} cannot run until it "
                                 f"does. pip said:\n{(result.stderr or '')[-2000:]}")
    # Compile now, with the target interpreter, so a cold start does not pay for it.
    subprocess.run([python, "-I", "-m", "compileall", "-q", str(staging)], capture_output=True, check=False)
    _marker(staging).write_text(json.dumps({"requirements": requirements(), "python": python}))
    # A root server's sandbox reads it as uid 993 (sandbox.py), whatever umask pip ran under.
    from localcloud.runtime.sandbox import grant_read

    grant_read(staging)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def require_runtime_dir(version: str) -> Path:
    """The prepared directory, or an error that says how to prepare it."""
    if not is_prepared(version):
        raise RuntimeNotPrepared(
            f"The Lambda runtime for Python {version} (awslambdaric + boto3) is not prepared in "
            f"{runtime_dir_for(version)}, so functions on Python {version} cannot run. Run `make install`, "
            f"or `python -m localcloud.runtime.prepare python{version}`.")
    return runtime_dir_for(version)


def main() -> None:
    """`python -m localcloud.runtime.prepare [python3.12 ... nodejs]`: what `make install` runs."""
    for runtime in sys.argv[1:] or [*SUPPORTED_PYTHONS, "nodejs"]:
        if runtime == "nodejs":
            _prepare_node()
            continue
        interpreter = find_interpreter(runtime)
        path = prepare_runtime(interpreter.executable)
        print(f"{runtime}: {path}" + (f" ({interpreter.note})" if interpreter.note else ""))


def _prepare_node() -> None:
    """The Node.js runtime directory: the SDK for JavaScript by npm. Without npm or Node, Python functions
    are unaffected, so this warns instead of failing the install."""
    from localcloud.runtime import node

    try:
        path = node.install_sdk()
        node.prepared_runtime_dir()
    except RuntimeNotPrepared as exc:
        print(f"nodejs: not prepared. {exc}", file=sys.stderr)
        return
    print(f"nodejs: {path}")


if __name__ == "__main__":
    main()
