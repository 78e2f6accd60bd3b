"""Rebuild what changed under lambdas/ and update the functions that run it, in place.

A function: its zip is rebuilt (packaging.build_function: incremental, deterministic) and every
function running it gets UpdateFunctionCode. The local cloud retires that function's warm environments
when its code changes (runtime/pool.py), so the next invocation starts on the new code, as on AWS.

A layer: layer versions are immutable (AWS has no UpdateLayerVersion), so the rebuilt zip is published
as a new version of the same layer (PublishLayerVersion) and each function that used the old version
is pointed at the new one (UpdateFunctionConfiguration with its Layers list, the old ARN replaced).
The next `make up` then does what it does for any layer change: Terraform publishes its own version
from the same zip and moves the functions to it in place; the version published here stays behind
unmanaged, as earlier versions do (they cost nothing locally).

Shared code (lambdas/shared/) is in every function's zip, so a change there rebuilds them all.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localcloud import packaging
from localcloud.devloop.deployed import (DeployedFunction, StateIndex, code_sha256, get_layer_version,
                                         layer_code_sha256, list_functions)


@dataclass(frozen=True)
class Unit:
    kind: str  # "function" | "layer"
    source: Path

    @property
    def label(self) -> str:
        return self.source.name if self.kind == "function" else f"layer {self.source.name}"


@dataclass
class Reload:
    unit: Unit
    updated: list[str]  # the functions now running the new build
    seconds: float
    notes: list[str] = field(default_factory=list)


def units_for(paths: Iterable[Path], source: Path) -> set[Unit]:
    """The build units a set of changed files affects (files outside any unit affect none)."""
    source = source.resolve()
    functions = {d.name: d for d in packaging.function_dirs(source)}
    units: set[Unit] = set()
    for path in paths:
        try:
            parts = Path(path).resolve().relative_to(source).parts
        except ValueError:
            continue
        if not parts or packaging.SKIP_PARTS & set(parts[1:]):
            continue
        if parts[0] == packaging.SHARED_DIR:
            units.update(Unit("function", d) for d in functions.values())
        elif parts[0] == "layers" and len(parts) > 1 and (source / "layers" / parts[1] / "requirements.txt").is_file():
            units.add(Unit("layer", source / "layers" / parts[1]))
        elif parts[0] in functions:
            units.add(Unit("function", functions[parts[0]]))
    return units


def all_units(source: Path) -> set[Unit]:
    source = source.resolve()
    return ({Unit("function", d) for d in packaging.function_dirs(source)}
            | {Unit("layer", d) for d in packaging.layer_dirs(source)})


class Reloader:
    def __init__(self, source: Path, out: Path, lambda_client: Any, state_file: Path | None = None,
                 tf_dir: Path | None = None) -> None:
        self.source = source.resolve()
        self.out = out.resolve()
        self.client = lambda_client
        self.state_file = state_file
        self.tf_dir = tf_dir.resolve() if tf_dir else None
        self.users: dict[Path, set[str]] = {}  # zip -> functions this session found running it
        self._layer_shas: dict[str, str] = {}

    def reload(self, units: Iterable[Unit]) -> list[Reload]:
        """Rebuild `units` and update whatever runs a stale copy; one Reload per unit that changed something
        (or has something to say)."""
        state = StateIndex.read(self.state_file, self.tf_dir)
        deployed = list_functions(self.client)
        done = []
        # Layers first: a function rebuilt in the same batch then starts with the new layer too.
        for unit in sorted(units, key=lambda u: (u.kind != "layer", u.source.name)):
            started = time.monotonic()
            if unit.kind == "function":
                updated, notes = self._function(unit, state, deployed)
            else:
                updated, notes = self._layer(unit, state, deployed)
            if updated or notes:
                done.append(Reload(unit, updated, time.monotonic() - started, notes))
            if updated:
                deployed = list_functions(self.client)
        return done

    # -- functions -------------------------------------------------------------------------------
    def _function(self, unit: Unit, state: StateIndex, deployed: list[DeployedFunction]) -> tuple[list[str], list[str]]:
        target = self.out / "lambdas" / f"{unit.source.name}.zip"
        before = code_sha256(target)
        packaging.build_function(unit.source, target.parent)
        after = code_sha256(target)
        by_name = {f.name: f for f in deployed}
        names = (state.functions.get(target, set()) | self.users.get(target, set())
                 | {f.name for f in deployed if before and f.code_sha256 == before})
        notes = [f"{name} is in the Terraform state but not deployed; `make up` creates it"
                 for name in sorted(names - set(by_name))]
        running = sorted(names & set(by_name))
        self.users[target] = set(running)
        stale = [name for name in running if by_name[name].code_sha256 != after]
        code = target.read_bytes() if stale else b""
        for name in stale:
            self.client.update_function_code(FunctionName=name, ZipFile=code)
        self._wait_updated(stale)
        return stale, notes

    # -- layers ----------------------------------------------------------------------------------
    def _layer(self, unit: Unit, state: StateIndex, deployed: list[DeployedFunction]) -> tuple[list[str], list[str]]:
        target = self.out / "layers" / f"{unit.source.name}.zip"
        before = code_sha256(target)
        packaging.build_layer(unit.source, target.parent)
        after = code_sha256(target)
        layer_names = state.layers.get(target, set())
        # (function, layer version ARN it uses) for each use of this layer with other code than the build's.
        stale_uses = []
        for function in deployed:
            for arn in function.layers:
                code = layer_code_sha256(self.client, arn, self._layer_shas)
                ours = (before and code == before) or _layer_name(arn) in layer_names
                if ours and code != after:
                    stale_uses.append((function, arn))
        if not stale_uses:
            return [], []
        published: dict[str, str] = {}  # layer name -> the new version's ARN
        content = target.read_bytes()
        for function, arn in stale_uses:
            name = _layer_name(arn)
            if name not in published:
                old = get_layer_version(self.client, arn)
                answer = self.client.publish_layer_version(
                    LayerName=name, Content={"ZipFile": content}, Description=old.get("Description", ""),
                    CompatibleRuntimes=old.get("CompatibleRuntimes") or [])
                published[name] = answer["LayerVersionArn"]
                self._layer_shas[answer["LayerVersionArn"]] = answer["Content"]["CodeSha256"]
        updated = []
        for function in {f for f, _ in stale_uses}:
            stale = {arn for f, arn in stale_uses if f == function}
            layers = [published[_layer_name(arn)] if arn in stale else arn for arn in function.layers]
            self.client.update_function_configuration(FunctionName=function.name, Layers=layers)
            updated.append(function.name)
        self._wait_updated(updated)
        notes = [f"published {arn}" for arn in published.values()]
        return sorted(updated), notes

    def _wait_updated(self, names: list[str]) -> None:
        """AWS applies an update asynchronously (LastUpdateStatus InProgress, then Successful); invoking
        before then runs the old code. The waiter checks at once, so locally it costs one request."""
        waiter = self.client.get_waiter("function_updated_v2")
        for name in names:
            waiter.wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def _layer_name(version_arn: str) -> str:
    """arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION -> NAME"""
    parts = version_arn.split(":")
    return parts[6] if len(parts) > 7 else version_arn
