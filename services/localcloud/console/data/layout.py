"""Positions for a directed graph (event flow, Step Functions states): layers by longest path, drawn by Vega.

Cycles (a retry loop, a Choice back to an earlier state) are broken by ignoring edges back to a node
already on the path, so every node gets a layer; the edge is still drawn.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

X_GAP, Y_GAP = 250, 64


def layered(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], *, horizontal: bool = True) -> dict[str, Any]:
    ids = [n["id"] for n in nodes]
    outgoing: dict[str, list[str]] = defaultdict(list)
    incoming: dict[str, int] = defaultdict(int)
    for edge in edges:
        if edge["source"] in ids and edge["target"] in ids and edge["source"] != edge["target"]:
            outgoing[edge["source"]].append(edge["target"])
            incoming[edge["target"]] += 1
    layer: dict[str, int] = {}

    def visit(node: str, depth: int, path: set[str]) -> None:
        if layer.get(node, -1) >= depth or len(path) > len(ids):
            return
        layer[node] = depth
        for target in outgoing[node]:
            if target not in path:
                visit(target, depth + 1, path | {target})

    for root in [i for i in ids if incoming[i] == 0] or ids[:1]:
        visit(root, 0, {root})
    for node in ids:
        layer.setdefault(node, 0)
    placed = _order_layers(ids, layer, edges, horizontal)
    laid_nodes = [{**n, "x": placed[n["id"]][0], "y": placed[n["id"]][1]} for n in nodes]
    laid_edges = [{**e, "x": placed[e["source"]][0], "y": placed[e["source"]][1],
                   "x2": placed[e["target"]][0], "y2": placed[e["target"]][1]}
                  for e in edges if e["source"] in placed and e["target"] in placed]
    width = max((x for x, _ in placed.values()), default=0) + X_GAP
    height = max((y for _, y in placed.values()), default=0) + Y_GAP
    return {"nodes": laid_nodes, "edges": laid_edges, "width": width, "height": height}


def _order_layers(ids: list[str], layer: dict[str, int], edges: list[dict[str, Any]],
                  horizontal: bool) -> dict[str, tuple[int, int]]:
    """Order each layer by the mean row of its neighbours in the layer before (and then after): the
    barycenter heuristic, which removes most edge crossings of a small graph in a few sweeps."""
    layers: dict[int, list[str]] = defaultdict(list)
    for node in ids:
        layers[layer[node]].append(node)
    neighbours: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        if edge["source"] in layer and edge["target"] in layer:
            neighbours[edge["source"]].append(edge["target"])
            neighbours[edge["target"]].append(edge["source"])
    row = {node: index for nodes in layers.values() for index, node in enumerate(nodes)}
    depths = sorted(layers)
    for sweep in (depths[1:], depths[-2::-1], depths[1:], depths[-2::-1]):
        for depth in sweep:
            def centre(node: str) -> float:
                near = [row[n] for n in neighbours[node] if layer[n] != depth]
                return sum(near) / len(near) if near else row[node]
            layers[depth].sort(key=centre)
            for index, node in enumerate(layers[depth]):
                row[node] = index
    placed = {}
    for depth, nodes in layers.items():
        for index, node in enumerate(nodes):
            across, along = depth * X_GAP + 20, index * Y_GAP + 20
            placed[node] = (across, along) if horizontal else (along * 3, across // 3)
    return placed
