// Overview: services and health, resource counts, applied stacks and their outputs, clock, state, persistence.
"use strict";
const Pages = {};
Pages.overview = async (view) => {
  const { h, table, kv, when } = Console;
  const data = await Console.api("/overview");
  view.append(h("h1", {}, "Overview"),
    kv({ endpoint: data.endpoint, region: data.region, version: data.version, "up for": `${data.uptime_seconds} s`,
         "clock speed": `${data.clock_speed}× (schedules, Wait states, alarm periods)`, "state directory": data.state_dir,
         persistence: data.persistence.enabled ? `saved under ${data.persistence.directory}` : "no snapshots yet" }),
    h("h2", {}, "Resources"),
    h("div", { class: "cards" }, data.counts.map((c) => h("a", { class: "card", href: `#/${c.page}`, "data-test": `count-${c.service}` },
      h("div", { class: "value" }, c.count === null ? "–" : c.count), h("div", {}, c.label),
      c.error ? h("div", { class: "bad" }, c.error) : null))));
  for (const note of data.notes || []) view.append(h("p", { class: "warn" }, note));
  view.append(h("h2", {}, "Stacks applied by the runner"));
  if (!data.stacks.length) view.append(h("p", { class: "muted" }, "No stack applied yet: run `make up` (or `localcloud terraform apply infra/tflocal`)."));
  for (const stack of data.stacks) {
    view.append(h("div", { class: "panel", "data-test": "stack" }, h("strong", {}, stack.name),
      h("span", { class: "muted" }, ` — ${stack.resources} resources, state serial ${stack.serial}, Terraform ${stack.terraform_version}`),
      table([{ key: "name", title: "output" }, { key: "value", title: "value" }],
        Object.entries(stack.outputs).map(([name, value]) => ({ name, value })))));
  }
  view.append(h("h2", {}, "Services"),
    table([{ key: "name", title: "service" }, { key: "state", title: "health", render: (r) => Console.status(r.state) }],
      Object.entries(data.services).map(([name, state]) => ({ name, state }))),
    h("h2", {}, "Saved state"),
    table([{ key: "service", title: "service" }, { key: "bytes", title: "size", render: (r) => Console.bytes(r.bytes), num: true },
           { key: "saved_seconds_ago", title: "saved (s ago)", num: true }], data.persistence.snapshots,
      { empty: "Nothing saved yet (state is saved a moment after it changes)." }));
};
