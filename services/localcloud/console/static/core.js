// The console's small toolkit: API calls (GET reads, POST actions with the CSRF token), element builders,
// tables and pagers. Every value from the server is set as text, never as HTML.
"use strict";
const Console = (() => {
  const BASE = "/_localcloud/console";
  const TOKEN = document.querySelector('meta[name="csrf-token"]').content;

  async function answer(response) {
    const text = await response.text();
    let body;
    try { body = JSON.parse(text); } catch (e) { body = { error: text }; }
    if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
    return body;
  }

  function query(params) {
    const pairs = Object.entries(params || {}).filter(([, v]) => v !== undefined && v !== null && v !== "");
    return pairs.length ? "?" + new URLSearchParams(pairs).toString() : "";
  }

  const api = (path, params) => fetch(`${BASE}/api${path}${query(params)}`, { credentials: "same-origin" }).then(answer);

  // A state-changing action: POST, JSON body, and the token only a console page holds.
  const action = (path, body) => fetch(`${BASE}/api${path}`, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Console-Token": TOKEN },
    body: JSON.stringify(body || {}),
  }).then(answer);

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function text(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  const isNumber = (v) => typeof v === "number";

  // columns: [{key, title, render?(row), num?}] or plain strings (rows are arrays then)
  function table(columns, rows, options = {}) {
    const cols = columns.map((c, i) => typeof c === "string" ? { key: i, title: c } : c);
    const head = h("tr", {}, cols.map((c) => h("th", { class: c.num ? "num" : null }, c.title)));
    const body = rows.map((row) => h("tr", { class: options.rowClass ? options.rowClass(row) : null },
      cols.map((c) => {
        const value = c.render ? c.render(row) : row[c.key];
        const num = c.num || (options.autoNum && isNumber(row[c.key]));
        const shown = num && isNumber(value) ? value.toLocaleString("en-GB", { maximumFractionDigits: 2 }) : value;
        return h("td", { class: num ? "num" : null }, shown instanceof Node ? shown : text(shown));
      })));
    if (!rows.length) body.push(h("tr", {}, h("td", { colspan: cols.length, class: "muted" }, options.empty || "Nothing here.")));
    return h("table", { class: options.class }, h("thead", {}, head), h("tbody", {}, body));
  }

  function kv(object) {
    return h("table", { class: "kv" }, h("tbody", {}, Object.entries(object).map(([k, v]) =>
      h("tr", {}, h("td", {}, k), h("td", {}, v instanceof Node ? v : text(v))))));
  }

  const link = (hash, label) => h("a", { href: hash }, label);

  function hashFor(page, params) {
    return `#/${page}${query(params)}`;
  }

  function go(page, params) { location.hash = hashFor(page, params); }

  // A pager for server-side pages: "First page" and "Next page"; the cursor rides in the URL.
  function pager(page, params, next, key = "cursor") {
    const bar = h("div", { class: "toolbar" });
    if (params[key]) bar.append(h("button", { class: "secondary", onclick: () => go(page, { ...params, [key]: "" }) }, "First page"));
    if (next !== null && next !== undefined) bar.append(h("button", { class: "secondary", "data-test": "next-page",
      onclick: () => go(page, { ...params, [key]: next }) }, "Next page"));
    return bar;
  }

  function searchBox(page, params, placeholder = "search", key = "search") {
    const input = h("input", { type: "search", placeholder, value: params[key] || "", "data-test": "search" });
    const form = h("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); go(page, { ...params, [key]: input.value, cursor: "", offset: "" }); } },
      input, h("button", { type: "submit" }, "Search"));
    return form;
  }

  function error(err) { return h("div", { class: "error", role: "alert" }, err.message || String(err)); }

  const when = (seconds) => seconds ? new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19) : "";
  const bytes = (n) => n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
  const status = (value) => h("span", { class: `badge ${/^(ok|SUCCEEDED|succeeded|running|available|OK|visible|ACTIVE|Enabled|ENABLED)$/.test(value) ? "ok"
    : /^(error|FAILED|failed|dropped|dead-lettered|ALARM|TIMED_OUT|ABORTED|timeout|caught)$/.test(value) ? "bad" : "warn"}` }, value);

  function pretty(raw) {
    if (raw === null || raw === undefined) return "";
    try { return JSON.stringify(typeof raw === "string" ? JSON.parse(raw) : raw, null, 2); } catch (e) { return String(raw); }
  }

  return { api, action, h, table, kv, link, go, hashFor, pager, searchBox, error, text, when, bytes, status, pretty, BASE };
})();
