// Compute pages: Lambda (configuration, invocations, invoke, logs), Step Functions (executions, the path
// taken), schedules and rules ("fire now").
"use strict";
Pages.lambda = async (view, name, params) => {
  const { h, table, api, link, hashFor, kv, when } = Console;
  if (!name) {
    const data = await api("/lambda/functions", { search: params.search, cursor: params.cursor });
    view.append(h("h1", {}, "Lambda functions"), Console.searchBox("lambda", params, "function name contains"),
      table([{ key: "name", title: "function", render: (r) => link(hashFor(`lambda/${encodeURIComponent(r.name)}`), r.name) },
             { key: "runtime", title: "runtime" }, { key: "memory", title: "memory (MB)", num: true },
             { key: "timeout", title: "timeout (s)", num: true }, { key: "handler", title: "handler" }], data.items),
      Console.pager("lambda", params, data.next));
    return;
  }
  const data = await api(`/lambda/functions/${encodeURIComponent(name)}`);
  const c = data.configuration;
  const payload = h("textarea", { rows: 5, "data-test": "invoke-payload" }, params.payload || "{}");
  const result = h("div", { "data-test": "invoke-result" });
  const invoke = h("button", { "data-test": "invoke", onclick: async () => {
    invoke.disabled = true;
    result.replaceChildren(h("p", { class: "muted" }, "Invoking…"));
    try {
      const answer = await Console.action(`/lambda/functions/${encodeURIComponent(name)}/invoke`, { payload: payload.value });
      result.replaceChildren(h("p", {}, "status ", answer.status, " ", answer.function_error ? Console.status(answer.function_error) : Console.status("ok")),
        h("pre", {}, Console.pretty(answer.payload)), h("h2", {}, "Log tail"), h("pre", {}, answer.log_tail));
    } catch (err) { result.replaceChildren(Console.error(err)); }
    invoke.disabled = false;
  } }, "Invoke");
  const logs = h("div");
  view.append(h("h1", {}, h("a", { href: "#/lambda" }, "Lambda"), " / ", data.name),
    kv({ runtime: c.Runtime, handler: c.Handler, memory: `${c.MemorySize} MB`, timeout: `${c.Timeout} s`, role: c.Role,
         layers: (c.Layers || []).map((l) => l.Arn).join(", "), "environment variables": data.environment.join(", "),
         "dead-letter target": (c.DeadLetterConfig || {}).TargetArn || "" }),
    h("h2", {}, "Event source mappings"),
    table([{ key: "source", title: "source" }, { key: "state", title: "state" }, { key: "batch_size", title: "batch", num: true }],
      data.event_source_mappings, { empty: "None." }),
    h("h2", {}, "Recent invocations"),
    table([{ key: "at", title: "started", render: (r) => when(r.at) }, { key: "request_id", title: "request id" },
           { key: "outcome", title: "outcome", render: (r) => Console.status(r.outcome) },
           { key: "duration_ms", title: "duration (ms)", num: true }, { key: "max_memory_used_mb", title: "memory used (MB)", num: true },
           { key: "init_ms", title: "init (ms)", num: true }, { key: "error", title: "error" }],
      data.invocations, { empty: "Not invoked yet.", class: "invocations" }),
    h("h2", {}, "Invoke"), payload, h("div", { class: "toolbar" }, invoke), result,
    h("h2", {}, "Logs"), logs);
  await showLogs(logs, name, params);
};

async function showLogs(holder, name, params) {
  const { h, table, api, when } = Console;
  const page = `lambda/${encodeURIComponent(name)}`;
  const data = await api(`/lambda/functions/${encodeURIComponent(name)}/logs`, { offset: params.offset, search: params.search });
  holder.replaceChildren(Console.searchBox(page, params, "log lines containing"),
    h("p", { class: "muted" }, `${data.total} line(s); newest page first`),
    h("pre", { "data-test": "logs" }, data.items.map((e) => `${when(e.at)}  ${e.message}`).join("\n")),
    Console.pager(page, params, data.next, "offset"));
}

Pages.stepfunctions = async (view, arn, params) => {
  const { h, table, api, link, hashFor } = Console;
  if (params.execution) return Pages.execution(view, params.execution);
  if (!arn) {
    const data = await api("/stepfunctions/machines", { search: params.search });
    view.append(h("h1", {}, "State machines"), Console.searchBox("stepfunctions", params, "name contains"),
      table([{ key: "name", title: "state machine", render: (r) => link(hashFor(`stepfunctions/${encodeURIComponent(r.arn)}`), r.name) },
             { key: "type", title: "type" }, { key: "created", title: "created" }], data.items));
    return;
  }
  const page = `stepfunctions/${encodeURIComponent(arn)}`;
  const data = await api("/stepfunctions/executions", { machine: arn, cursor: params.cursor, status: params.status });
  const filter = h("select", { onchange: (e) => Console.go(page, { status: e.target.value }) },
    ["", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"].map((s) => h("option", { value: s, selected: s === (params.status || "") }, s || "any status")));
  const graph = h("div", { class: "graph" });
  view.append(h("h1", {}, h("a", { href: "#/stepfunctions" }, "Step Functions"), " / ", data.machine.name), graph,
    h("h2", {}, "Executions"), h("div", { class: "toolbar" }, filter),
    table([{ key: "name", title: "execution", render: (r) => link(hashFor("stepfunctions", { execution: r.arn }), r.name) },
           { key: "status", title: "status", render: (r) => Console.status(r.status) }, { key: "started", title: "started" },
           { key: "stopped", title: "stopped" }], data.items, { empty: "No executions yet." }),
    Console.pager(page, params, data.next),
    h("details", {}, h("summary", {}, "Definition (ASL)"), h("pre", {}, Console.pretty(data.machine.definition))));
  await Graph.draw(graph, data.graph, {});
};

Pages.execution = async (view, arn) => {
  const { h, table, api, link, hashFor, kv } = Console;
  const data = await api("/stepfunctions/execution", { arn });
  const e = data.execution;
  const graph = h("div", { class: "graph", "data-test": "execution-graph" });
  view.append(h("h1", {}, h("a", { href: "#/stepfunctions" }, "Step Functions"), " / ",
      link(hashFor(`stepfunctions/${encodeURIComponent(e.stateMachineArn)}`), e.stateMachineArn.split(":").pop()), " / ", e.name),
    kv({ status: Console.status(e.status), started: e.startDate, stopped: e.stopDate || "", error: e.error || "", cause: e.cause || "" }),
    h("h2", {}, "Path taken"), graph,
    h("h2", {}, "States"),
    table([{ key: "state", title: "state" }, { key: "type", title: "type" },
           { key: "outcome", title: "outcome", render: (r) => Console.status(r.outcome) },
           { key: "retries", title: "retries", num: true },
           { key: "failures", title: "errors", render: (r) => r.failures.map((f) => `${f.error}: ${f.cause}`.slice(0, 300)).join("\n") },
           { key: "caught_by", title: "catch that fired", render: (r) => r.caught_by ? `${r.caught_by.ErrorEquals.join(",")} → ${r.caught_by.Next}` : "" },
           { key: "input", title: "input", render: (r) => h("details", {}, h("summary", {}, "input"), h("pre", {}, Console.pretty(r.input))) },
           { key: "output", title: "output", render: (r) => r.output === null ? "" : h("details", {}, h("summary", {}, "output"), h("pre", {}, Console.pretty(r.output))) }],
      data.steps, { class: "steps" }),
    h("details", {}, h("summary", {}, "Execution input and output"), h("pre", {}, Console.pretty(e.input)), h("pre", {}, Console.pretty(e.output))),
    h("details", {}, h("summary", {}, `History (${data.events.length} events)`),
      table([{ key: "id", title: "#", num: true }, { key: "type", title: "event" }, { key: "at", title: "at" },
             { key: "detail", title: "detail", render: (r) => Console.text(r.detail).slice(0, 400) }], data.events)));
  await Graph.draw(graph, data.graph, { path: true });
};

Pages.schedules = async (view, _arg, params) => {
  const { h, table, api, when } = Console;
  const data = await api("/schedules", { search: params.search });
  const message = h("div", { "data-test": "fire-result" });
  view.append(h("h1", {}, "Schedules and rules"), Console.searchBox("schedules", params, "name contains"), message,
    table([{ key: "name", title: "name" }, { key: "kind", title: "kind" }, { key: "state", title: "state", render: (r) => Console.status(r.state || "") },
           { key: "schedule", title: "schedule / pattern", render: (r) => r.schedule || r.pattern || "" },
           { key: "next_firing", title: "next firing (local clock)", render: (r) => when(r.next_firing) },
           { key: "targets", title: "targets", render: (r) => r.targets.join("\n") },
           { key: "fire", title: "", render: (r) => r.schedule || r.kind === "schedule" ? h("button", { "data-test": `fire-${r.name}`, onclick: async () => {
               try {
                 const answer = await Console.action("/schedules/fire", { name: r.name });
                 message.replaceChildren(h("p", { class: "ok" }, `Fired ${r.name}: ${answer.fired.map((f) => `${f.targets} target(s)`).join(", ")}.`));
               } catch (err) { message.replaceChildren(Console.error(err)); }
             } }, "Fire now") : "" }], data.items));
};
