// Hash routes: #/<page>/<arg>?<params>. Each page is an async function(main, arg, params) in Pages.
"use strict";
(() => {
  let leaving = [];
  Console.onLeave = (fn) => leaving.push(fn);

  async function show() {
    leaving.forEach((fn) => { try { fn(); } catch (e) { /* a page's cleanup must not block the next page */ } });
    leaving = [];
    // vega-embed's tooltip lives in <body>, outside the page: a tooltip shown on the last page must go too.
    document.querySelectorAll("#vg-tooltip-element").forEach((tip) => tip.remove());
    const raw = location.hash.replace(/^#\/?/, "") || "overview";
    const [path, search] = raw.split("?");
    const [page, ...rest] = path.split("/");
    const arg = rest.map(decodeURIComponent).join("/");
    const params = Object.fromEntries(new URLSearchParams(search || ""));
    document.querySelectorAll("#nav a[data-page]").forEach((a) => a.classList.toggle("active", a.dataset.page === page));
    const main = document.getElementById("main");
    const render = Pages[page];
    main.replaceChildren(Console.h("p", { class: "muted" }, "Loading…"));
    if (!render) { main.replaceChildren(Console.error(new Error(`No console page is called "${page}".`))); return; }
    const view = Console.h("div", { id: `page-${page}`, class: "page" });
    try {
      await render(view, arg, params);
      main.replaceChildren(view);
    } catch (err) {
      main.replaceChildren(view, Console.error(err));
    }
    main.dataset.loaded = location.hash;  // tests wait for this
  }
  window.addEventListener("hashchange", show);
  show();
})();
