"""The provider floor of a Terraform apply: the longest chain of waits through the stack's dependency graph.

Against a local cloud every API call takes milliseconds, so a resource that took a second or more to create
spent it in the provider's own waits (a fixed sleep before reading back, a poll with a minimum delay, an
eventual-consistency retry). Terraform prints each resource's time ("... Creation complete after 7s"); the
stack's dependencies are in its state file (each instance's "dependencies"). No apply can finish sooner than
the longest path through that graph weighted by those times, whatever the emulator does; apply ÷ floor says
how much the emulator, Terraform's scheduling (-parallelism) and refreshes add on top (issue 18's goal: 1.15).
Terraform rounds each time down to whole seconds, so the floor errs low by under a second per resource of
the chain.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

_COMPLETE = re.compile(r"^(\S+): Creation complete after (?:(\d+)m)?(\d+)s")
_INSTANCE_KEY = re.compile(r"\[[^\]]*\]")


def creation_seconds(output: str) -> dict[str, int]:
    """resource address (without instance keys) -> the longest creation time Terraform printed for it."""
    took: dict[str, int] = {}
    for line in output.splitlines():
        match = _COMPLETE.match(line.strip())
        if match:
            address = _INSTANCE_KEY.sub("", match[1])
            took[address] = max(took.get(address, 0), int(match[2] or 0) * 60 + int(match[3]))
    return took


def dependencies(state_file: Path) -> dict[str, set[str]]:
    """resource address -> the addresses it depends on, from Terraform's state file."""
    state = json.loads(state_file.read_text())
    graph: dict[str, set[str]] = {}
    for resource in state.get("resources", []):
        prefix = f"{resource['module']}." if resource.get("module") else ""
        kind = "data." if resource.get("mode") == "data" else ""
        address = _INSTANCE_KEY.sub("", f"{prefix}{kind}{resource['type']}.{resource['name']}")
        needs = graph.setdefault(address, set())
        for instance in resource.get("instances", []):
            needs.update(_INSTANCE_KEY.sub("", dependency) for dependency in instance.get("dependencies", []))
    return graph


def floor(took: dict[str, int], graph: dict[str, set[str]]) -> tuple[int, list[str]]:
    """(seconds, chain): the heaviest path through the graph, each resource weighing its creation time."""
    nodes = set(took) | set(graph)

    @cache
    def heaviest(address: str) -> tuple[int, tuple[str, ...]]:
        before = [heaviest(need) for need in graph.get(address, ()) if need in nodes and need != address]
        best = max(before, default=(0, ()))
        return best[0] + took.get(address, 0), (*best[1], address)

    seconds, chain = max((heaviest(node) for node in nodes), default=(0, ()))
    return seconds, [f"{address} ({took.get(address, 0)} s)" for address in chain if took.get(address, 0)]
