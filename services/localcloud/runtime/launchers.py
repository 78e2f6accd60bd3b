"""How a worker that is not Python starts: Node.js functions and custom runtimes (provided.al2023/al2).

Python workers are built in service.py; these return the same three things for the others: the command,
the variables that place it (task root, runtime directory, NODE_PATH, the sandbox layout) and a note when
it does not run as declared. Both talk to the same Runtime API, in the same sandbox, as Python workers.

Custom runtimes: Lambda runs the executable `bootstrap` of the package (/var/task/bootstrap), else of a
layer (/opt/bootstrap), with the Runtime API in AWS_LAMBDA_RUNTIME_API and the handler in _HANDLER
(https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html). A Go or Rust binary built for Linux,
or a script whose interpreter the host has, runs as it does on AWS.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from localcloud.runtime import node, sandbox
from localcloud.runtime.functions import FunctionSpec
from localcloud.runtime.prepare import RuntimeNotPrepared
from localcloud.runtime.sandbox import Sandbox, SandboxUnavailable

CUSTOM_RUNTIMES = ("provided", "provided.al2", "provided.al2023")
NOT_RUNNABLE_HINT = ("localcloud runs python3.x, nodejs18.x/20.x/22.x and custom runtimes (provided.al2023, "
                     "provided.al2)")


class NotRunnable(Exception):
    """The function cannot start here; str() is the Runtime-style message an invoke answers with."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def is_custom(runtime: str) -> bool:
    return runtime in CUSTOM_RUNTIMES


def can_run(runtime: str) -> bool:
    return runtime.startswith("python3.") or node.is_node(runtime) or is_custom(runtime)


@dataclass
class Launch:
    command: list[str]
    inside: dict[str, str]  # LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR and what else the worker's environment needs
    notes: list[str] = field(default_factory=list)
    sandboxed: bool = False


def _sandboxed(box: Sandbox, spec: FunctionSpec, task: Path, layers: list[Path], runtime: Path | None,
               lang: str | None, argv: list[str], inside: dict[str, str]) -> Launch | None:
    if not box.active():
        return None
    try:
        variables = box.process_environment(argv=argv, task=task, layers=layers, runtime=runtime, lang=lang,
                                            ephemeral_mb=spec.ephemeral_storage_mb)
        command = box.command(sys.executable)
    except SandboxUnavailable:
        return None
    return Launch(command, {**inside, **variables}, sandboxed=True)


def node_launch(box: Sandbox, spec: FunctionSpec, task: Path, layers: list[Path]) -> Launch:
    try:
        interpreter = node.find_node(spec.runtime)
    except RuntimeNotPrepared as exc:
        raise NotRunnable("Runtime.InvalidRuntime", str(exc)) from None
    runtime_dir = node.prepared_runtime_dir()
    notes = [n for n in (interpreter.note, node.sdk_note()) if n]
    relative = os.path.relpath(interpreter.executable, interpreter.prefix)
    inside = {"LAMBDA_TASK_ROOT": sandbox.TASK_ROOT, "LAMBDA_RUNTIME_DIR": sandbox.RUNTIME_DIR,
              "NODE_PATH": node.NODE_PATH_INSIDE.format(major=interpreter.major)}
    launch = None
    if not relative.startswith(".."):
        launch = _sandboxed(box, spec, task, layers, runtime_dir, interpreter.prefix,
                            [f"{sandbox.LANG_DIR}/{relative}", f"{sandbox.RUNTIME_DIR}/index.mjs"], inside)
    if launch is None:
        host_paths = [*(str(layer / "nodejs" / f"node{interpreter.major}" / "node_modules") for layer in layers),
                      *(str(layer / "nodejs" / "node_modules") for layer in layers),
                      str(runtime_dir / "node_modules"), str(runtime_dir), str(task)]
        launch = Launch([interpreter.executable, str(runtime_dir / "index.mjs")],
                        {"LAMBDA_TASK_ROOT": str(task), "LAMBDA_RUNTIME_DIR": str(runtime_dir),
                         "NODE_PATH": os.pathsep.join(host_paths)})
    launch.notes = notes
    return launch


def custom_launch(box: Sandbox, spec: FunctionSpec, task: Path, layers: list[Path]) -> Launch:
    """The package's bootstrap, else the last layer's that has one (later layers overwrite /opt)."""
    if (task / "bootstrap").is_file():
        host, inside_path = task / "bootstrap", f"{sandbox.TASK_ROOT}/bootstrap"
    else:
        with_one = [layer for layer in layers if (layer / "bootstrap").is_file()]
        if not with_one:
            raise NotRunnable("Runtime.InvalidEntrypoint",
                              f"Couldn't find valid bootstrap(s): [{sandbox.TASK_ROOT}/bootstrap /opt/bootstrap]. "
                              f"A function on {spec.runtime} needs an executable file named bootstrap at the "
                              "root of its zip or of a layer.")
        host, inside_path = with_one[-1] / "bootstrap", "/opt/bootstrap"
    if not os.access(host, os.X_OK):
        raise NotRunnable("Runtime.InvalidEntrypoint",
                          f"RequestId: - Error: fork/exec {inside_path}: permission denied. The bootstrap must be "
                          "executable: zip it with its mode (chmod 755 bootstrap; zip keeps it).")
    inside = {"LAMBDA_TASK_ROOT": sandbox.TASK_ROOT, "LAMBDA_RUNTIME_DIR": sandbox.RUNTIME_DIR}
    launch = _sandboxed(box, spec, task, layers, None, None, [inside_path], inside)
    if launch is None:
        launch = Launch([str(host)], {"LAMBDA_TASK_ROOT": str(task), "LAMBDA_RUNTIME_DIR": str(task)})
    return launch


def launch_for(box: Sandbox, spec: FunctionSpec, task: Path, layers: list[Path]) -> Launch:
    if node.is_node(spec.runtime):
        return node_launch(box, spec, task, layers)
    if is_custom(spec.runtime):
        return custom_launch(box, spec, task, layers)
    raise NotRunnable("Runtime.InvalidRuntime",
                      f"The runtime {spec.runtime or '(none)'} of function {spec.name} cannot run in localcloud "
                      f"({NOT_RUNNABLE_HINT}): it needs that language's runtime, which this machine does not "
                      "provide. The function exists as on AWS, but every invocation fails until it uses one of "
                      "those runtimes; run it on AWS to test it.")
