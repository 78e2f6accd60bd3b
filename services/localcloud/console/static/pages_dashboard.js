// The warehouse dashboard (the ETL's visualisation stage): each chart with its table and its SQL, redrawn
// when a new ETL run finishes; and "which run loaded this fact row".
"use strict";
Pages.dashboard = async (view, _arg, params) => {
  const { h, table, api, kv, link, hashFor } = Console;
  const data = await api("/warehouse/dashboard");
  const lastRun = data.last_run;
  const runLine = lastRun
    ? h("span", {}, "last ETL run: ", link(hashFor("stepfunctions", { execution: lastRun.arn }), lastRun.name), " ", Console.status(lastRun.status), ` ${lastRun.stopped || ""}`)
    : "the ETL has not run yet";
  view.append(h("h1", {}, "Warehouse dashboard"), h("p", { class: "muted", "data-test": "last-run" }, runLine,
    " · redrawn when a new run finishes"));
  if (data.empty) { view.append(h("p", {}, data.message)); }
  else {
    const t = data.totals;
    view.append(h("div", { class: "cards" },
      [["orders", t.orders], ["sales value", t.sales_value], ["units", t.units], ["fact rows (all versions)", t.fact_rows]].map(([label, value]) =>
        h("div", { class: "card", "data-test": `total-${label.split(" ")[0]}` }, h("div", { class: "value" }, Number(value).toLocaleString("en-GB")), h("div", {}, label)))),
      h("details", {}, h("summary", {}, "SQL behind the totals"), h("pre", {}, data.totals_sql)));
    for (const chart of data.charts) {
      const holder = h("div", { class: "chart", "data-test": `chart-${chart.id}` });
      view.append(h("div", { class: "panel", "data-chart": chart.id }, h("h2", {}, chart.title),
        h("div", { class: "split" }, holder,
          h("div", { class: "tablewrap" }, table(chart.columns, chart.rows, { autoNum: true, class: `chart-table table-${chart.id}` }))),
        h("details", {}, h("summary", {}, "SQL"), h("pre", { class: "sql" }, chart.sql))));
      await vegaEmbed(holder, chart.spec, { actions: false, renderer: "svg" });
    }
  }
  // Lineage: the run that loaded a given fact row.
  const recordId = h("input", { type: "text", placeholder: "sales_record_id", value: params.sales_record_id || "", "data-test": "lineage-id" });
  const answer = h("div", { "data-test": "lineage-result" });
  view.append(h("div", { class: "panel" }, h("h2", {}, "Which ETL run loaded a fact row?"),
    h("form", { class: "toolbar", onsubmit: async (e) => {
      e.preventDefault();
      try {
        const found = await api("/warehouse/lineage", { sales_record_id: recordId.value });
        answer.replaceChildren(kv({ row: found.row, run: found.run ? link(hashFor("stepfunctions", { execution: found.run.arn }), found.run.name) : found.message,
          "processed object": found.processed_object || "", "rows that run changed": found.rows_changed || "" }));
      } catch (err) { answer.replaceChildren(Console.error(err)); }
    } }, recordId, h("button", { type: "submit" }, "Find the run")), answer));

  const seen = lastRun ? lastRun.arn : null;
  const timer = setInterval(async () => {
    try {
      const now = (await api("/warehouse/last-run")).last_run;
      if (now && now.arn !== seen) window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (e) { /* the next poll tries again */ }
  }, 5000);
  Console.onLeave(() => clearInterval(timer));
};
