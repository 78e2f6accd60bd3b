// Event flow: the stack's resources and their event edges (live counts, last error), and the live delivery
// trace over server-sent events. The trace keeps up to 10,000 deliveries and draws only the newest matching
// rows, so a long session does not slow the page.
"use strict";
const KEEP = 10000, SHOW = 200;

function resourcePage(node) {
  const id = node.id, name = node.label;
  const pages = { bucket: `s3/${encodeURIComponent(name)}`, function: `lambda/${encodeURIComponent(name)}`,
    table: `dynamodb/${encodeURIComponent(name)}`, queue: `sqs/${encodeURIComponent(name)}`, stream: `kinesis/${encodeURIComponent(name)}`,
    "state machine": `stepfunctions/${encodeURIComponent(id)}`, rule: "schedules", topic: "mailbox", mailbox: "mailbox",
    alarm: "alarms", secret: "secrets" };
  return pages[node.kind];
}

Pages.events = async (view, _arg, params) => {
  const { h, table, api, when } = Console;
  const graphHolder = h("div", { class: "graph", "data-test": "event-graph" });
  const search = h("input", { type: "search", placeholder: "source, target or detail contains", value: params.search || "", "data-test": "trace-search" });
  const result = h("select", { "data-test": "trace-result" }, ["", "ok", "error", "retrying", "dropped", "dead-lettered", "filtered"]
    .map((r) => h("option", { value: r, selected: r === (params.result || "") }, r || "any result")));
  const counter = h("span", { class: "muted", "data-test": "trace-count" });
  const rows = h("div", { "data-test": "trace" });
  view.append(h("h1", {}, "Event flow"),
    h("p", { class: "muted" }, "Resources and the event edges between them; the number on an edge is how many deliveries it carried (red: some failed). Click a resource to open it."),
    graphHolder,
    h("div", { class: "toolbar" }, h("button", { class: "secondary", onclick: () => drawGraph() }, "Refresh graph")),
    h("h2", {}, "Live delivery trace"), h("div", { class: "toolbar" }, search, result, counter), rows);

  async function drawGraph() {
    const graph = await api("/events/graph");
    await Graph.draw(graphHolder, graph, { onNode: (node) => { const page = resourcePage(node); if (page) location.hash = `#/${page}`; } });
  }
  await drawGraph();

  const deliveries = (await api("/events/deliveries", { limit: KEEP })).items;
  let pending = false;
  function render() {
    pending = false;
    const text = search.value, wanted = result.value;
    const matching = [];
    for (let i = deliveries.length - 1; i >= 0 && matching.length < SHOW; i--) {
      const d = deliveries[i];
      if (wanted && d.result !== wanted) continue;
      if (text && !(d.source.includes(text) || d.target.includes(text) || d.detail.includes(text))) continue;
      matching.push(d);
    }
    counter.textContent = `${deliveries.length} deliveries held; showing the newest ${matching.length} that match`;
    rows.replaceChildren(table([{ key: "at", title: "at", render: (d) => when(d.at) }, { key: "source", title: "source" },
      { key: "target", title: "target" }, { key: "result", title: "result", render: (d) => Console.status(d.result) },
      { key: "latency_ms", title: "latency (ms)", num: true }, { key: "attempts", title: "attempts", num: true },
      { key: "detail", title: "detail" }], matching, { empty: "No deliveries yet: upload a file, fire a schedule or post an order.", class: "trace" }));
  }
  const later = () => { if (!pending) { pending = true; requestAnimationFrame(render); } };
  search.addEventListener("input", later);
  result.addEventListener("change", later);
  render();

  const after = deliveries.length ? deliveries[deliveries.length - 1].seq : 0;
  const source = new EventSource(`${Console.BASE}/api/events/stream?after=${after}`);
  let redraw = null;
  source.addEventListener("delivery", (event) => {
    deliveries.push(JSON.parse(event.data));
    if (deliveries.length > KEEP) deliveries.splice(0, deliveries.length - KEEP);
    later();
    // New deliveries change the edge counts: redraw the graph, at most once a second.
    if (!redraw) redraw = setTimeout(() => { redraw = null; drawGraph().catch(() => {}); }, 1000);
  });
  Console.onLeave(() => { source.close(); if (redraw) clearTimeout(redraw); });
};
