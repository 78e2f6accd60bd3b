// Data pages: secrets (masked until revealed), RDS (connection string, read-only SQL), Glue tables, the
// Athena editor, alarms and their history, the mailbox.
"use strict";
function sqlResult(holder, answer) {
  const { h, table } = Console;
  holder.replaceChildren(h("p", { class: "muted" }, `${answer.rows.length} row(s)${answer.truncated ? " (first rows only)" : ""} in ${answer.milliseconds} ms`),
    h("div", { class: "tablewrap" }, table(answer.columns, answer.rows, { autoNum: true, class: "results" })));
}

Pages.secrets = async (view, _arg, params) => {
  const { h, table, api } = Console;
  const data = await api("/secrets", { search: params.search });
  view.append(h("h1", {}, "Secrets"), h("p", { class: "muted" }, "Values stay masked until you reveal one (a console action, with the page's CSRF token)."),
    Console.searchBox("secrets", params, "name contains"),
    table([{ key: "name", title: "secret" }, { key: "description", title: "description" }, { key: "changed", title: "changed" },
           { key: "value", title: "value", render: (r) => {
             const cell = h("span", { class: "secret-value", "data-test": `secret-${r.name}` }, r.value);
             const button = h("button", { class: "secondary", onclick: async () => {
               try {
                 const answer = await Console.action("/secrets/reveal", { id: r.arn });
                 cell.replaceChildren(h("pre", {}, answer.json ? JSON.stringify(answer.json, null, 2) : answer.value));
                 button.remove();
               } catch (err) { cell.replaceChildren(Console.error(err)); }
             } }, "Reveal");
             return h("span", {}, cell, " ", button);
           } }], data.items));
};

Pages.rds = async (view, _arg, params) => {
  const { h, table, api } = Console;
  const data = await api("/rds/instances", { search: params.search });
  view.append(h("h1", {}, "RDS instances"), Console.searchBox("rds", params, "identifier contains"),
    table([{ key: "identifier", title: "instance" }, { key: "engine", title: "engine" }, { key: "status", title: "status", render: (r) => Console.status(r.status) },
           { key: "connection", title: "connection (password in the secret)" }, { key: "secret_arn", title: "credentials secret" }], data.items));
  for (const db of data.items.filter((d) => d.secret_arn)) {
    const sql = h("textarea", { rows: 3, "data-test": `sql-${db.identifier}` }, params.sql || (db.engine.includes("postgres")
      ? "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
      : "SHOW TABLES"));
    const result = h("div", { "data-test": `sql-result-${db.identifier}` });
    const run = h("button", { "data-test": `run-${db.identifier}`, onclick: async () => {
      run.disabled = true;
      try { sqlResult(result, await Console.action("/rds/query", { secret_arn: db.secret_arn, sql: sql.value })); }
      catch (err) { result.replaceChildren(Console.error(err)); }
      run.disabled = false;
    } }, "Run (read-only)");
    view.append(h("div", { class: "panel" }, h("h2", {}, `SQL on ${db.identifier}`), sql, h("div", { class: "toolbar" }, run), result));
  }
};

Pages.glue = async (view, arg, params) => {
  const { h, table, api, link, hashFor } = Console;
  if (!arg) {
    const data = await api("/glue/tables", { search: params.search });
    view.append(h("h1", {}, "Glue tables"), Console.searchBox("glue", params, "database.table contains"),
      table([{ key: "name", title: "table", render: (r) => link(hashFor(`glue/${encodeURIComponent(r.database)}/${encodeURIComponent(r.name)}`), `${r.database}.${r.name}`) },
             { key: "location", title: "location" }, { key: "columns", title: "columns", num: true },
             { key: "partition_keys", title: "partition keys", render: (r) => r.partition_keys.join(", ") }], data.items));
    return;
  }
  const [database, name] = arg.split("/");
  const page = `glue/${encodeURIComponent(database)}/${encodeURIComponent(name)}`;
  const data = await api(`/glue/tables/${encodeURIComponent(database)}/${encodeURIComponent(name)}`, { cursor: params.cursor });
  view.append(h("h1", {}, h("a", { href: "#/glue" }, "Glue"), " / ", `${database}.${name}`),
    Console.kv({ location: data.location, format: data.format || "", parameters: data.parameters }),
    h("h2", {}, "Schema"), table([{ key: "Name", title: "column" }, { key: "Type", title: "type" }], [...data.columns, ...data.partition_keys.map((k) => ({ ...k, Name: `${k.Name} (partition)` }))]),
    h("h2", {}, "Partitions"), table([{ key: "values", title: "values", render: (r) => r.values.join(", ") }, { key: "location", title: "location" }], data.partitions, { empty: "No partitions." }),
    Console.pager(page, params, data.next),
    h("p", {}, link(hashFor("athena", { database, sql: `SELECT * FROM "${name}" LIMIT 10` }), "Query it in Athena")));
};

Pages.athena = async (view, _arg, params) => {
  const { h, api } = Console;
  const data = await api("/athena");
  const database = h("select", { "data-test": "athena-database" }, data.databases.map((d) => h("option", { value: d, selected: d === params.database }, d)));
  const workgroup = h("select", {}, data.workgroups.map((w) => h("option", { value: w }, w)));
  const sql = h("textarea", { rows: 6, "data-test": "athena-sql" }, params.sql || "SELECT 1 AS answer");
  const result = h("div", { "data-test": "athena-result" });
  const run = h("button", { "data-test": "athena-run", onclick: async () => {
    run.disabled = true;
    result.replaceChildren(h("p", { class: "muted" }, "Running…"));
    try {
      const answer = await Console.action("/athena/query", { sql: sql.value, database: database.value, workgroup: workgroup.value });
      if (answer.state !== "SUCCEEDED") result.replaceChildren(Console.error(new Error(`${answer.state}: ${answer.reason}`)));
      else sqlResult(result, answer);
    } catch (err) { result.replaceChildren(Console.error(err)); }
    run.disabled = false;
  } }, "Run query");
  view.append(h("h1", {}, "Athena"), h("div", { class: "toolbar" }, "database ", database, " workgroup ", workgroup), sql,
    h("div", { class: "toolbar" }, run), result);
};

Pages.alarms = async (view, _arg, params) => {
  const { h, table, api } = Console;
  const data = await api("/alarms", { search: params.search });
  view.append(h("h1", {}, "Alarms"), Console.searchBox("alarms", params, "alarm name contains"),
    table([{ key: "name", title: "alarm" }, { key: "state", title: "state", render: (r) => Console.status(r.state) },
           { key: "metric", title: "metric" }, { key: "reason", title: "reason" },
           { key: "history", title: "history", render: (r) => h("details", {}, h("summary", {}, `${r.history.length} item(s)`),
             table([{ key: "at", title: "at" }, { key: "type", title: "type" }, { key: "summary", title: "summary" }], r.history)) }], data.items));
};

Pages.mailbox = async (view, _arg, params) => {
  const { h, api, when } = Console;
  const data = await api("/mailbox", { offset: params.offset, search: params.search });
  view.append(h("h1", {}, "Mailbox"), h("p", { class: "muted" }, `${data.total} e-mail(s) SNS delivered, newest first`),
    Console.searchBox("mailbox", params, "text in the mail"));
  for (const mail of data.items) {
    const body = mail.alarm
      ? h("div", { class: `alarm-card ${mail.alarm.NewStateValue}` }, h("strong", {}, `${mail.alarm.AlarmName}: ${mail.alarm.OldStateValue} → ${mail.alarm.NewStateValue}`),
          h("p", {}, mail.alarm.NewStateReason), h("p", { class: "muted" }, mail.alarm.StateChangeTime))
      : h("pre", {}, mail.json ? JSON.stringify(mail.json, null, 2) : mail.body);
    view.append(h("div", { class: "mail", "data-test": "mail" }, h("strong", {}, mail.subject || "(no subject)"),
      h("div", { class: "muted" }, `${when(mail.timestamp)} · to ${mail.to} · from ${mail.topic_arn || mail.from}`), body,
      h("details", {}, h("summary", {}, "raw JSON"), h("pre", {}, JSON.stringify(mail, null, 2)))));
  }
  view.append(Console.pager("mailbox", params, data.next, "offset"));
};
