// View page: live charts of a materialized view's columns over time, one
// line per key (the group-key columns, and the agent for an edge view).
// Rows come from GET /v1/views/{name}?from= and then from the `rows`
// server-sent events of that view; while the stream is down the page
// re-reads the range every 15 s.

import uPlot from "uplot";
import { api, type Row, type ViewList } from "./api";
import { live, type RowsEvent } from "./live";
import { clear, h } from "./util";

// Fields of a result row that are neither keys nor values.
const FIXED = new Set(["view", "window_start", "window_end", "revision", "final"]);
const MAX_SERIES = 12; // lines per chart: more keys than this are cut, biggest last value first
const ranges: [string, number][] = [
  ["15 minutes", 15 * 60_000],
  ["1 hour", 3_600_000],
  ["6 hours", 6 * 3_600_000],
  ["24 hours", 86_400_000],
  ["7 days", 7 * 86_400_000],
];
const palette = ["#4cc9f0", "#f72585", "#b8f35a", "#ffb703", "#9d8cff", "#2ec4b6", "#ff6b6b", "#e0e0e0", "#48bfe3", "#fb8500", "#90be6d", "#c77dff"];

// columns splits a view's rows into key columns (strings, booleans, the
// agent) and value columns (numbers; the mergeable __ columns are left out).
export function columns(rows: Row[]): { keys: string[]; values: string[] } {
  const keys = new Set<string>();
  const values = new Set<string>();
  for (const r of rows.slice(0, 200)) {
    for (const [k, v] of Object.entries(r)) {
      if (FIXED.has(k) || k.includes("__")) continue;
      if (typeof v === "number" && k !== "agent") values.add(k);
      else if (v !== null) keys.add(k);
    }
  }
  for (const k of keys) values.delete(k);
  return { keys: [...keys].sort(), values: [...values].sort() };
}

function keyOf(r: Row, keys: string[]): string {
  return keys.length ? keys.map((k) => `${k}=${r[k]}`).join(" ") : "all";
}

export function viewPage(root: HTMLElement, name: string): () => void {
  let list: ViewList | null = null;
  let rows = new Map<string, Row>(); // key + window_start -> latest row
  let stopped = false;
  let rangeMs = Number(sessionStorage.getItem("eddy.view.range") ?? ranges[1][1]);
  const charts: uPlot[] = [];

  const viewSel = h("select", { id: "view-name" });
  const rangeSel = h(
    "select",
    { id: "view-range" },
    ranges.map(([l, ms]) => h("option", { value: ms, selected: ms === rangeMs }, l)),
  );
  const keyFilter = h("input", { id: "view-keys", type: "search", placeholder: "site=lyon" });
  const info = h("p", { class: "summary", id: "view-info", role: "status" });
  const chartsEl = h("div", { class: "charts", id: "charts" });
  const def = h("pre", { class: "definition", hidden: true });

  root.append(
    h("h1", { tabindex: -1 }, name ? `View ${name}` : "Views"),
    h(
      "div",
      { class: "toolbar" },
      h("label", { for: "view-name" }, "View"),
      viewSel,
      h("label", { for: "view-range" }, "Last"),
      rangeSel,
      h("label", { for: "view-keys" }, "Keys"),
      keyFilter,
    ),
    info,
    chartsEl,
    h("details", {}, h("summary", {}, "Definition"), def),
  );

  viewSel.addEventListener("change", () => {
    location.hash = "#/views/" + encodeURIComponent(viewSel.value);
  });
  rangeSel.addEventListener("change", () => {
    rangeMs = Number(rangeSel.value);
    sessionStorage.setItem("eddy.view.range", String(rangeMs));
    void load();
  });
  keyFilter.addEventListener("input", () => draw());

  async function init(): Promise<void> {
    try {
      list = await api.views();
    } catch (e) {
      info.textContent = e instanceof Error ? e.message : String(e);
      return;
    }
    const names = [...list.fleet.map((v) => v.name), ...list.edge];
    clear(viewSel);
    viewSel.append(h("option", { value: "", disabled: true, selected: !name }, "choose a view"));
    if (list.fleet.length)
      viewSel.append(h("optgroup", { label: "Fleet views" }, list.fleet.map((v) => h("option", { value: v.name, selected: v.name === name }, v.name))));
    if (list.edge.length)
      viewSel.append(h("optgroup", { label: "Edge views" }, list.edge.map((v) => h("option", { value: v, selected: v === name }, v))));
    if (!name) {
      info.textContent = names.length ? "Choose a view." : "No view has results yet.";
      if (names.length) location.replace("#/views/" + encodeURIComponent(names[0]));
      return;
    }
    const fv = list.fleet.find((v) => v.name === name);
    def.hidden = !fv;
    def.textContent = fv ? fv.definition : "";
    await load();
  }

  async function load(): Promise<void> {
    if (!name) return;
    try {
      const res = await api.rows(name, Date.now() - rangeMs);
      if (stopped) return;
      rows = new Map();
      add(res.rows ?? []);
      info.textContent = `${res.rows?.length ?? 0} rows${res.truncated ? " (truncated: choose a shorter range)" : ""}, ${res.kind} view`;
    } catch (e) {
      info.textContent = e instanceof Error ? e.message : String(e);
    }
    draw();
  }

  function add(rs: Row[]): void {
    const { keys } = columns(rs.length ? rs : [...rows.values()]);
    for (const r of rs) rows.set(keyOf(r, keys) + "@" + String(r.window_start ?? ""), r);
  }

  function draw(): void {
    for (const c of charts.splice(0)) c.destroy();
    clear(chartsEl);
    const all = [...rows.values()];
    if (!all.length) {
      chartsEl.append(h("p", { class: "empty" }, name ? "No rows in this range." : ""));
      return;
    }
    const { keys, values } = columns(all);
    const q = keyFilter.value.trim().toLowerCase();
    const from = Date.now() - rangeMs;
    const byKey = new Map<string, Row[]>();
    for (const r of all) {
      const t = Date.parse(String(r.window_start ?? ""));
      if (Number.isFinite(t) && t < from) continue;
      const k = keyOf(r, keys);
      if (q && !k.toLowerCase().includes(q)) continue;
      let a = byKey.get(k);
      if (!a) byKey.set(k, (a = []));
      a.push(r);
    }
    const xs = [...new Set([...byKey.values()].flat().map((r) => Date.parse(String(r.window_start ?? "")) / 1000))]
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const xi = new Map(xs.map((x, i) => [x, i]));
    const width = Math.max(280, chartsEl.clientWidth - 2);
    const light = document.documentElement.dataset.theme === "light";
    const axis = { stroke: light ? "#333" : "#c8ccd4", grid: { stroke: light ? "#ddd" : "#2a3140", width: 1 }, ticks: { stroke: light ? "#ccc" : "#2a3140" } };
    for (const col of values) {
      // biggest last value first, so the cut keeps the lines that matter
      const series = [...byKey.entries()]
        .map(([k, rs]) => {
          const ys: (number | null)[] = new Array(xs.length).fill(null);
          let last = -Infinity;
          for (const r of rs) {
            const i = xi.get(Date.parse(String(r.window_start ?? "")) / 1000);
            const v = r[col];
            if (i !== undefined && typeof v === "number") {
              ys[i] = v;
              last = v;
            }
          }
          return { k, ys, last };
        })
        .sort((a, b) => b.last - a.last || a.k.localeCompare(b.k))
        .slice(0, MAX_SERIES);
      const box = h("figure", { class: "chart", "data-column": col }, h("figcaption", {}, col, byKey.size > MAX_SERIES ? h("span", { class: "sub" }, ` (top ${MAX_SERIES} of ${byKey.size} keys)`) : null));
      chartsEl.append(box);
      const opts: uPlot.Options = {
        width,
        height: 240,
        scales: { x: { time: true } },
        axes: [axis, axis],
        legend: { live: true },
        series: [{}, ...series.map((s, i) => ({ label: s.k, stroke: palette[i % palette.length], width: 1.5, spanGaps: true, points: { show: xs.length < 60 } }))],
      };
      const data = [xs, ...series.map((s) => s.ys)] as uPlot.AlignedData;
      charts.push(new uPlot(opts, data, box));
      box.setAttribute("role", "img");
      box.setAttribute("aria-label", `${col} over time for ${series.map((s) => s.k).join("; ")}`);
    }
    if (!values.length) chartsEl.append(h("p", { class: "empty" }, "This view has no numeric column to chart."));
  }

  const onRows = (e: RowsEvent) => {
    if (e.view !== name) return;
    add(e.rows ?? []);
    draw();
  };
  const unsubRows = live.subscribeRows(onRows);
  // re-read while the stream is down (rows events would be missed)
  const poll = window.setInterval(() => {
    if (live.conn !== "live") void load();
  }, 15_000);
  let resizeTimer = 0;
  const onResize = () => {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => {
      const w = Math.max(280, chartsEl.clientWidth - 2);
      for (const c of charts) c.setSize({ width: w, height: 240 });
    }, 150);
  };
  window.addEventListener("resize", onResize);
  document.addEventListener("eddy:theme", draw);
  void init();
  return () => {
    stopped = true;
    unsubRows();
    window.clearInterval(poll);
    window.removeEventListener("resize", onResize);
    document.removeEventListener("eddy:theme", draw);
    for (const c of charts.splice(0)) c.destroy();
  };
}
