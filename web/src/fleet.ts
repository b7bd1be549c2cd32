// Fleet page: every agent of the registry with its health. Filter by text
// and status, sort by any column; stale and offline agents stand out.

import type { Agent } from "./api";
import { live } from "./live";
import { ago, bytes, clear, duration, h, isoTime, num } from "./util";

export type Health = "online" | "stale" | "offline";

// An online agent is stale when its last checkpoint is older than two
// checkpoint intervals (the agent's default is 30 s) or when its least
// watermark lags its clock by more than five minutes: it still reports,
// but its results are late.
export const STALE_SEEN_MS = 60_000;
export const STALE_LAG_MS = 300_000;

export function health(a: Agent, now = Date.now()): Health {
  if (!a.online) return "offline";
  const seen = Date.parse(a.last_seen);
  if (Number.isFinite(seen) && now - seen > STALE_SEEN_MS) return "stale";
  if (a.watermark_lag_ms !== null && a.watermark_lag_ms > STALE_LAG_MS) return "stale";
  return "online";
}

const dropped = (a: Agent) => Object.values(a.dropped ?? {}).reduce((s, n) => s + n, 0);
const healthRank: Record<Health, number> = { offline: 0, stale: 1, online: 2 };

interface Col {
  key: string;
  label: string;
  num?: boolean;
  value: (a: Agent, now: number) => string | number;
  cell: (a: Agent, now: number) => Node | string;
}

const cols: Col[] = [
  {
    key: "status",
    label: "Status",
    value: (a, now) => healthRank[health(a, now)],
    cell: (a, now) => {
      const s = health(a, now);
      return h("span", { class: `pill ${s}` }, s);
    },
  },
  { key: "agent", label: "Agent", value: (a) => a.agent, cell: (a) => h("span", { class: "mono" }, a.agent) },
  {
    key: "seen",
    label: "Last seen",
    num: true,
    value: (a) => -Date.parse(a.last_seen) || 0,
    cell: (a, now) => h("time", { datetime: a.last_seen, title: a.last_seen }, ago(Date.parse(a.last_seen), now)),
  },
  {
    key: "lag",
    label: "Watermark lag",
    num: true,
    value: (a) => a.watermark_lag_ms ?? -1,
    cell: (a) => {
      const wm = Object.entries(a.watermarks_ms ?? {})
        .map(([s, t]) => `${s}: ${isoTime(t)}`)
        .join("\n");
      return h("span", { title: wm || "no watermark yet" }, duration(a.watermark_lag_ms));
    },
  },
  { key: "depth", label: "Outbox depth", num: true, value: (a) => a.outbox_depth, cell: (a) => num(a.outbox_depth) },
  { key: "bytes", label: "Outbox bytes", num: true, value: (a) => a.outbox_bytes, cell: (a) => bytes(a.outbox_bytes) },
  {
    key: "dropped",
    label: "Dropped",
    num: true,
    value: (a) => dropped(a),
    cell: (a) => {
      const by = Object.entries(a.dropped ?? {})
        .filter(([, n]) => n > 0)
        .map(([r, n]) => `${r}: ${n}`)
        .join("\n");
      const n = dropped(a);
      return h("span", { class: n ? "warn-text" : "", title: by || "nothing dropped" }, num(n));
    },
  },
  {
    key: "dead",
    label: "Dead letters",
    num: true,
    value: (a) => a.dead_letters,
    cell: (a) => num(a.dead_letters),
  },
  { key: "config", label: "Config version", num: true, value: (a) => a.config_version, cell: (a) => String(a.config_version) },
  { key: "version", label: "Agent version", value: (a) => a.agent_version, cell: (a) => a.agent_version || "–" },
  {
    key: "error",
    label: "Last error",
    value: (a) => a.last_error ?? "",
    cell: (a) => (a.last_error ? h("span", { class: "err-text", title: a.last_error }, a.last_error) : ""),
  },
];

export function fleetPage(root: HTMLElement): () => void {
  const state = {
    q: sessionStorage.getItem("eddy.fleet.q") ?? "",
    status: sessionStorage.getItem("eddy.fleet.status") ?? "all",
    sort: sessionStorage.getItem("eddy.fleet.sort") ?? "status",
    desc: sessionStorage.getItem("eddy.fleet.desc") === "1",
  };
  const save = () => {
    sessionStorage.setItem("eddy.fleet.q", state.q);
    sessionStorage.setItem("eddy.fleet.status", state.status);
    sessionStorage.setItem("eddy.fleet.sort", state.sort);
    sessionStorage.setItem("eddy.fleet.desc", state.desc ? "1" : "0");
  };

  const summary = h("p", { class: "summary", id: "fleet-summary" });
  const search = h("input", {
    type: "search",
    id: "fleet-filter",
    placeholder: "agent, version or error",
    value: state.q,
    oninput: () => {
      state.q = search.value;
      save();
      draw();
    },
  });
  const statusSel = h(
    "select",
    {
      id: "fleet-status",
      onchange: () => {
        state.status = statusSel.value;
        save();
        draw();
      },
    },
    ...["all", "online", "stale", "offline", "not online"].map((s) => h("option", { value: s, selected: s === state.status }, s)),
  );
  const thead = h("thead");
  const tbody = h("tbody");
  const empty = h("p", { class: "empty", hidden: true });

  root.append(
    h("h1", { tabindex: -1 }, "Fleet"),
    summary,
    h(
      "div",
      { class: "toolbar", role: "search" },
      h("label", { for: "fleet-filter" }, "Filter"),
      search,
      h("label", { for: "fleet-status" }, "Status"),
      statusSel,
    ),
    h(
      "div",
      { class: "table-wrap" },
      h("table", { class: "grid", id: "agents", "aria-describedby": "fleet-summary" }, h("caption", { class: "sr-only" }, "Agents"), thead, tbody),
    ),
    empty,
  );

  function head(): void {
    clear(thead);
    thead.append(
      h(
        "tr",
        {},
        cols.map((c) =>
          h(
            "th",
            {
              scope: "col",
              class: c.num ? "num" : "",
              "aria-sort": c.key === state.sort ? (state.desc ? "descending" : "ascending") : null,
            },
            h(
              "button",
              {
                type: "button",
                class: "sort",
                "data-sort": c.key,
                onclick: () => {
                  state.desc = state.sort === c.key ? !state.desc : false;
                  state.sort = c.key;
                  save();
                  draw();
                  thead.querySelector<HTMLButtonElement>(`button[data-sort="${c.key}"]`)?.focus();
                },
              },
              c.label,
              h("span", { class: "arrow", "aria-hidden": "true" }, c.key === state.sort ? (state.desc ? "▼" : "▲") : ""),
            ),
          ),
        ),
      ),
    );
  }

  function draw(): void {
    const now = Date.now();
    const all = live.agents;
    const counts = { online: 0, stale: 0, offline: 0 };
    for (const a of all) counts[health(a, now)]++;
    summary.textContent = `${all.length} agent${all.length === 1 ? "" : "s"}: ${counts.online} online, ${counts.stale} stale, ${counts.offline} offline`;
    const q = state.q.trim().toLowerCase();
    const col = cols.find((c) => c.key === state.sort) ?? cols[0];
    const list = all
      .filter((a) => {
        const s = health(a, now);
        if (state.status === "not online" ? s === "online" : state.status !== "all" && s !== state.status) return false;
        return !q || [a.agent, a.agent_version, a.last_error ?? ""].some((t) => t.toLowerCase().includes(q));
      })
      .sort((x, y) => {
        const a = col.value(x, now);
        const b = col.value(y, now);
        const c = typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
        return (state.desc ? -c : c) || x.agent.localeCompare(y.agent);
      });
    head();
    clear(tbody);
    for (const a of list) {
      const s = health(a, now);
      tbody.append(
        h(
          "tr",
          { class: `agent ${s}`, "data-agent": a.agent, "data-health": s },
          cols.map((c) => (c.key === "agent" ? h("th", { scope: "row" }, c.cell(a, now)) : h("td", { class: c.num ? "num" : "" }, c.cell(a, now)))),
        ),
      );
    }
    empty.hidden = list.length > 0;
    empty.textContent = all.length ? "No agent matches the filter." : live.agentsAt ? "No agent has reported a checkpoint yet." : "Loading agents…";
  }

  draw();
  const unsub = live.subscribe(draw);
  document.addEventListener("eddy:tick", draw);
  return () => {
    unsub();
    document.removeEventListener("eddy:tick", draw);
  };
}
