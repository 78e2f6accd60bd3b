// Directed graphs (the event flow, a state machine's states) drawn with Vega from server-side positions.
"use strict";
const Graph = (() => {
  const W = 200, H = 40;
  const KINDS = ["bucket", "function", "stream", "table", "queue", "topic", "rule", "state machine", "alarm", "mailbox",
    "secret", "schedule", "api", "resource", "start", "end", "task", "choice", "pass", "succeed", "fail", "wait", "parallel", "map"];
  const FILLS = ["#e3f0ff", "#fff1d6", "#e8e1ff", "#dff5ea", "#ffe4ec", "#fde7d3", "#e6ecf2", "#dcefff", "#fde2df", "#eef7d9",
    "#f3e8ff", "#e6ecf2", "#fce7f3", "#eef1f5", "#d9dee7", "#d9dee7", "#fff1d6", "#e8e1ff", "#eef1f5", "#dff5ea", "#fde2df", "#e3f0ff", "#f3e8ff", "#f3e8ff"];

  function spec(graph, options) {
    const edges = graph.edges.map((e) => ({ ...e, sx: e.x + W, sy: e.y + H / 2, tx: e.x2, ty: e.y2 + H / 2 }));
    const nodes = graph.nodes.map((n) => ({ ...n, kindLabel: n.kind + (n.outcome ? ` · ${n.outcome}` : "") }));
    const path = !!options.path;
    const edgeColor = path
      ? "datum.taken ? '#1f5fbf' : '#c5ccd6'"
      : "datum.errors > 0 ? '#b3261e' : datum.count > 0 ? '#17743a' : '#9aa5b5'";
    const nodeFill = path
      ? "datum.outcome === 'failed' ? '#fde2df' : datum.outcome === 'caught' ? '#fff0c2' : datum.visited ? '#dff3e6' : '#f3f4f6'"
      : "scale('kind', datum.kind)";
    return {
      $schema: "https://vega.github.io/schema/vega/v5.json",
      width: Math.max(400, graph.width), height: Math.max(120, graph.height), padding: 8, autosize: "none",
      scales: [{ name: "kind", type: "ordinal", domain: KINDS, range: FILLS }],
      data: [{ name: "nodes", values: nodes }, { name: "edges", values: edges }],
      marks: [
        { type: "rule", from: { data: "edges" }, encode: { update: {
          x: { field: "sx" }, y: { field: "sy" }, x2: { field: "tx" }, y2: { field: "ty" },
          stroke: { signal: edgeColor }, strokeWidth: { signal: "datum.taken || datum.count > 0 ? 2.5 : 1.2" },
          strokeDash: { signal: "datum.kind === 'uses' || datum.kind === 'catch' ? [5, 3] : []" },
          tooltip: { signal: "{'edge': datum.kind + (datum.label ? ' ' + datum.label : ''), 'deliveries': datum.count, 'errors': datum.errors, 'last error': datum.last_error}" } } } },
        { type: "symbol", from: { data: "edges" }, interactive: false, encode: { update: {
          x: { signal: "datum.tx - 4 * cos(atan2(datum.ty - datum.sy, datum.tx - datum.sx))" },
          y: { signal: "datum.ty - 4 * sin(atan2(datum.ty - datum.sy, datum.tx - datum.sx))" },
          shape: { value: "triangle-right" }, size: { value: 70 },
          angle: { signal: "atan2(datum.ty - datum.sy, datum.tx - datum.sx) * 180 / PI" }, fill: { signal: edgeColor } } } },
        { type: "text", name: "edgecount", from: { data: "edges" }, interactive: false, encode: { update: {
          x: { signal: "(datum.sx + datum.tx) / 2" }, y: { signal: "(datum.sy + datum.ty) / 2 - 5" }, align: { value: "center" },
          fontSize: { value: 11 }, fill: { signal: "datum.errors > 0 ? '#b3261e' : '#1d2433'" },
          text: { signal: "datum.count > 0 ? datum.count + (datum.errors > 0 ? ' · ' + datum.errors + ' failed' : '') : ''" } } } },
        { type: "rect", name: "node", from: { data: "nodes" }, encode: { update: {
          x: { field: "x" }, y: { field: "y" }, width: { value: W }, height: { value: H }, cornerRadius: { value: 6 },
          fill: { signal: nodeFill }, stroke: { value: "#7d8aa3" }, strokeWidth: { value: 1 }, cursor: { value: options.onNode ? "pointer" : "default" },
          tooltip: { signal: "datum.resource ? datum.id + ' → ' + datum.resource : datum.id" } } } },
        { type: "text", from: { data: "nodes" }, interactive: false, encode: { update: {
          x: { signal: "datum.x + 8" }, y: { signal: "datum.y + 17" }, text: { signal: "datum.short || datum.label" }, limit: { value: W - 14 },
          fontWeight: { value: "bold" }, fontSize: { value: 12 }, fill: { value: "#1d2433" } } } },
        { type: "text", from: { data: "nodes" }, interactive: false, encode: { update: {
          x: { signal: "datum.x + 8" }, y: { signal: "datum.y + 32" }, text: { field: "kindLabel" }, limit: { value: W - 14 },
          fontSize: { value: 10 }, fill: { value: "#4a5468" } } } },
      ],
    };
  }

  async function draw(holder, graph, options = {}) {
    if (!graph.nodes.length) {
      holder.replaceChildren(Console.h("p", { class: "muted", style: "padding: 8px" }, "No resources with event edges yet."));
      return null;
    }
    const result = await vegaEmbed(holder, spec(graph, options), { actions: false, renderer: "svg" });
    if (options.onNode) result.view.addEventListener("click", (_event, item) => {
      if (item && item.mark && item.mark.name === "node" && item.datum) options.onNode(item.datum);
    });
    holder.dataset.nodes = String(graph.nodes.length);
    return result.view;
  }

  return { draw };
})();
