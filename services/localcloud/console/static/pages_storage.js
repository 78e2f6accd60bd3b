// Storage pages: S3 buckets and objects (with previews), DynamoDB items, SQS messages (peeked), Kinesis records.
"use strict";
Pages.s3 = async (view, bucket, params) => {
  const { h, table, api, link, hashFor, when, bytes } = Console;
  if (!bucket) {
    const data = await api("/s3/buckets", { search: params.search });
    view.append(h("h1", {}, "S3 buckets"), Console.searchBox("s3", params, "bucket name contains"),
      table([{ key: "name", title: "bucket", render: (r) => link(hashFor(`s3/${encodeURIComponent(r.name)}`), r.name) },
             { key: "created", title: "created" }], data.items));
    return;
  }
  if (params.key) return Pages.s3object(view, bucket, params.key);
  const data = await api(`/s3/buckets/${encodeURIComponent(bucket)}/objects`, { prefix: params.prefix, cursor: params.cursor });
  const page = `s3/${encodeURIComponent(bucket)}`;
  const crumbs = [link(hashFor(page), bucket)];
  let acc = "";
  for (const part of (params.prefix || "").split("/").filter(Boolean)) {
    acc += part + "/";
    crumbs.push(" / ", link(hashFor(page, { prefix: acc }), part));
  }
  view.append(h("h1", {}, h("a", { href: "#/s3" }, "S3"), " / ", crumbs),
    Console.searchBox(page, params, "key prefix, e.g. data/", "prefix"),
    table([{ key: "folder", title: "folder", render: (r) => link(hashFor(page, { prefix: r.folder }), r.folder) }],
      data.folders.map((folder) => ({ folder })), { empty: "No folders at this level." }),
    h("h2", {}, "Objects"),
    table([{ key: "key", title: "key", render: (r) => link(hashFor(page, { key: r.key }), r.key) },
           { key: "size", title: "size", num: true, render: (r) => bytes(r.size) }, { key: "modified", title: "modified" },
           { key: "download", title: "", render: (r) => h("a", { href: `${Console.BASE}/api/s3/buckets/${encodeURIComponent(bucket)}/download?key=${encodeURIComponent(r.key)}` }, "download") }],
      data.items, { empty: "No objects at this level." }),
    Console.pager(page, params, data.next));
};

Pages.s3object = async (view, bucket, key) => {
  const { h, table, api, kv, link, hashFor, bytes } = Console;
  const data = await api(`/s3/buckets/${encodeURIComponent(bucket)}/preview`, { key });
  const folder = key.includes("/") ? key.slice(0, key.lastIndexOf("/") + 1) : "";
  view.append(h("h1", {}, h("a", { href: "#/s3" }, "S3"), " / ", link(hashFor(`s3/${encodeURIComponent(bucket)}`, { prefix: folder }), bucket), " / ", key),
    kv({ size: bytes(data.size), "content type": data.content_type, modified: data.modified, format: data.kind,
         metadata: data.metadata, rows: data.total_rows ?? "" }),
    h("p", {}, h("a", { href: `${Console.BASE}/api/s3/buckets/${encodeURIComponent(bucket)}/download?key=${encodeURIComponent(key)}` }, "Download")));
  if (data.error) view.append(Console.error(new Error(data.error)));
  if (data.schema) view.append(h("h2", {}, "Schema"), table([{ key: "name", title: "column" }, { key: "type", title: "type" }], data.schema));
  if (data.columns) view.append(h("h2", {}, "Rows (first 50)"), h("div", { class: "tablewrap" }, table(data.columns, data.rows, { autoNum: true })));
  if (data.json !== undefined) view.append(h("pre", {}, JSON.stringify(data.json, null, 2)));
  if (data.text !== undefined) view.append(h("pre", {}, data.text));
};

Pages.dynamodb = async (view, name, params) => {
  const { h, table, api, link, hashFor } = Console;
  if (!name) {
    const data = await api("/dynamodb/tables", { search: params.search });
    view.append(h("h1", {}, "DynamoDB tables"), Console.searchBox("dynamodb", params, "table name contains"),
      table([{ key: "name", title: "table", render: (r) => link(hashFor(`dynamodb/${encodeURIComponent(r.name)}`), r.name) }], data.items));
    return;
  }
  const page = `dynamodb/${encodeURIComponent(name)}`;
  const data = await api(`/dynamodb/tables/${encodeURIComponent(name)}/items`, { cursor: params.cursor, key: params.key });
  const partition = data.table.key_schema.find((k) => k.KeyType === "HASH").AttributeName;
  view.append(h("h1", {}, h("a", { href: "#/dynamodb" }, "DynamoDB"), " / ", name),
    h("p", { class: "muted" }, `key: ${data.table.key_schema.map((k) => `${k.AttributeName} (${k.KeyType})`).join(", ")} · about ${data.table.item_count ?? "?"} items`),
    Console.searchBox(page, params, `${partition} equals… (Query)`, "key"),
    h("div", { class: "tablewrap" }, table(data.columns, data.rows, { autoNum: true })),
    Console.pager(page, params, data.next));
};

Pages.sqs = async (view, name, params) => {
  const { h, table, api, link, hashFor, when } = Console;
  if (!name) {
    const data = await api("/sqs/queues", { search: params.search });
    view.append(h("h1", {}, "SQS queues"), Console.searchBox("sqs", params, "queue name contains"),
      table([{ key: "name", title: "queue", render: (r) => h("span", {}, link(hashFor(`sqs/${encodeURIComponent(r.name)}`), r.name),
                r.is_dead_letter_queue ? h("span", { class: "badge bad" }, "DLQ") : null) },
             { key: "visible", title: "visible", num: true }, { key: "in_flight", title: "in flight", num: true },
             { key: "dead_letter_target", title: "dead-letter queue", render: (r) => r.dead_letter_target ? `${r.dead_letter_target.split(":").pop()} after ${r.max_receive_count} receives` : "" }],
        data.items, { rowClass: (r) => r.is_dead_letter_queue ? "dlq" : null }));
    return;
  }
  const page = `sqs/${encodeURIComponent(name)}`;
  const data = await api(`/sqs/queues/${encodeURIComponent(name)}/messages`, { offset: params.offset });
  view.append(h("h1", {}, h("a", { href: "#/sqs" }, "SQS"), " / ", name),
    h("p", { class: "muted" }, `${data.total} message(s); peeked without receiving them (receive counts and visibility are unchanged)`),
    table([{ key: "message_id", title: "message id" }, { key: "state", title: "state", render: (r) => Console.status(r.state) },
           { key: "receive_count", title: "receives", num: true }, { key: "sent", title: "sent", render: (r) => when(r.sent) },
           { key: "body", title: "body", render: (r) => h("pre", {}, Console.pretty(r.body)) }], data.items),
    Console.pager(page, params, data.next, "offset"));
};

Pages.kinesis = async (view, name, params) => {
  const { h, table, api, link, hashFor } = Console;
  if (!name) {
    const data = await api("/kinesis/streams", { search: params.search });
    view.append(h("h1", {}, "Kinesis streams"), Console.searchBox("kinesis", params, "stream name contains"),
      table([{ key: "name", title: "stream", render: (r) => link(hashFor(`kinesis/${encodeURIComponent(r.name)}`), r.name) }], data.items));
    return;
  }
  const holder = h("div");
  const live = h("input", { type: "checkbox", checked: true });
  view.append(h("h1", {}, h("a", { href: "#/kinesis" }, "Kinesis"), " / ", name),
    h("label", { class: "toolbar" }, live, "live tail (newest first, refreshed every 2 s)"), holder);
  async function refresh() {
    const data = await api(`/kinesis/streams/${encodeURIComponent(name)}/records`);
    holder.replaceChildren(h("p", { class: "muted" }, `shards: ${data.shards.map((s) => s.id).join(", ")}`),
      table([{ key: "at", title: "arrived" }, { key: "shard", title: "shard" }, { key: "partition_key", title: "partition key" },
             { key: "sequence", title: "sequence" }, { key: "data", title: "data", render: (r) => h("pre", {}, Console.pretty(r.data)) }],
        data.items, { empty: "No records in the last hour." }));
  }
  await refresh();
  const timer = setInterval(() => { if (live.checked) refresh().catch(() => {}); }, 2000);
  Console.onLeave(() => clearInterval(timer));
};
