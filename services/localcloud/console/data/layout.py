"""Positions for a directed graph (event flow, Step Functions states): layers by longest path, drawn by Vega.

Cycles (a retry loop, a Choice back to an earlier state) are broken by ignoring edges back to a node
already on the path, so every node gets a layer; the edge is still drawn.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

X_GAP, Y_GAP = 230, 70


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
    rows: dict[int, int] = defaultdict(int)
    placed = {}
    for node in ids:
        depth = layer[node]
        across, along = depth * X_GAP + 20, rows[depth] * Y_GAP + 20
        rows[depth] += 1
        placed[node] = (across, along) if horizontal else (along * 3, across // 3)
    laid_nodes = [{**n, "x": placed[n["id"]][0], "y": placed[n["id"]][1]} for n in nodes]
    laid_edges = [{**e, "x": placed[e["source"]][0], "y": placed[e["source"]][1],
                   "x2": placed[e["target"]][0], "y2": placed[e["target"]][1]}
                  for e in edges if e["source"] in placed and e["target"] in placed]
    width = max((x for x, _ in placed.values()), default=0) + X_GAP
    height = max((y for _, y in placed.values()), default=0) + Y_GAP
    return {"nodes": laid_nodes, "edges": laid_edges, "width": width, "height": height}
