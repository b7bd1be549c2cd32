// Alerts page: pending, firing and resolved alerts with severity, rule,
// value and since when; acknowledge and silence from the page; the
// silences in force, which can be expired early.

import { api, type Alert, type Silence } from "./api";
import { live } from "./live";
import { ago, clear, h, isoTime, labelText } from "./util";

// activeFiring is what the nav badge counts: firing, not acknowledged, not
// silenced.
export function activeFiring(alerts: Alert[]): Alert[] {
  return alerts.filter((a) => a.state === "firing" && !a.acked_by && !a.silenced_by);
}

const sevRank: Record<string, number> = { critical: 0, warning: 1, info: 2 };
const stateRank: Record<string, number> = { firing: 0, pending: 1, resolved: 2 };
const OPERATOR_KEY = "eddy.operator";
const SEEN_KEY = "eddy.alerts.seen"; // fired_at_ms up to which firing alerts are not "new"

const filters: Record<string, { label: string; keep: (a: Alert) => boolean }> = {
  active: { label: "Pending and firing", keep: (a) => a.state !== "resolved" },
  firing: { label: "Firing", keep: (a) => a.state === "firing" },
  pending: { label: "Pending", keep: (a) => a.state === "pending" },
  resolved: { label: "Resolved", keep: (a) => a.state === "resolved" },
  unacked: { label: "Not acknowledged", keep: (a) => a.state !== "resolved" && !a.acked_by },
  all: { label: "All", keep: () => true },
};

export function alertsPage(root: HTMLElement): () => void {
  let filter = sessionStorage.getItem("eddy.alerts.filter") ?? "active";
  if (!(filter in filters)) filter = "active";
  const seenBefore = Number(localStorage.getItem(SEEN_KEY) ?? "0");
  let silences: Silence[] = [];
  let silencesErr = "";
  let silencesLoaded = false;

  const operator = h("input", {
    id: "operator",
    type: "text",
    autocomplete: "name",
    placeholder: "your name",
    value: localStorage.getItem(OPERATOR_KEY) ?? "",
    oninput: () => localStorage.setItem(OPERATOR_KEY, operator.value.trim()),
  });
  const filterSel = h(
    "select",
    {
      id: "alert-filter",
      onchange: () => {
        filter = filterSel.value;
        sessionStorage.setItem("eddy.alerts.filter", filter);
        draw();
      },
    },
    Object.entries(filters).map(([k, f]) => h("option", { value: k, selected: k === filter }, f.label)),
  );
  const msg = h("p", { class: "msg", id: "alerts-msg", role: "status", "aria-live": "polite" });
  const summary = h("p", { class: "summary", id: "alerts-summary" });
  const tbody = h("tbody");
  const empty = h("p", { class: "empty" });
  const silBody = h("tbody");
  const silEmpty = h("p", { class: "empty" });
  const dialog = silenceDialog(() => operator.value.trim(), say, refreshSilences);

  root.append(
    h("h1", { tabindex: -1 }, "Alerts"),
    summary,
    h(
      "div",
      { class: "toolbar" },
      h("label", { for: "alert-filter" }, "Show"),
      filterSel,
      h("label", { for: "operator" }, "Acknowledge as"),
      operator,
    ),
    msg,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "grid", id: "alerts", "aria-describedby": "alerts-summary" },
        h("caption", { class: "sr-only" }, "Alerts"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Severity", "State", "Rule", "Labels", "Value", "Since", "Acknowledged", "Actions"].map((t) =>
              h("th", { scope: "col", class: t === "Value" ? "num" : "" }, t),
            ),
          ),
        ),
        tbody,
      ),
    ),
    empty,
    h("h2", {}, "Silences"),
    h(
      "div",
      { class: "table-wrap", id: "silences-wrap" },
      h(
        "table",
        { class: "grid", id: "silences" },
        h("caption", { class: "sr-only" }, "Silences in force"),
        h("thead", {}, h("tr", {}, ["Matchers", "Until", "By", "Comment", ""].map((t) => h("th", { scope: "col" }, t)))),
        silBody,
      ),
    ),
    silEmpty,
    dialog.el,
  );

  function say(text: string, bad = false): void {
    msg.textContent = text;
    msg.classList.toggle("bad", bad);
  }

  async function ack(a: Alert, btn: HTMLButtonElement): Promise<void> {
    const by = operator.value.trim();
    if (!by) {
      say("Enter your name in “Acknowledge as” first: acknowledgements record who took the alert.", true);
      operator.focus();
      return;
    }
    btn.disabled = true;
    try {
      await api.ack(a.id, by);
      say(`Acknowledged ${a.id} as ${by}.`);
      await live.refresh();
    } catch (e) {
      btn.disabled = false;
      say(e instanceof Error ? e.message : String(e), true);
    }
  }

  function draw(): void {
    const now = Date.now();
    const all = live.alerts;
    const n = (s: string) => all.filter((a) => a.state === s).length;
    summary.textContent = `${n("firing")} firing (${activeFiring(all).length} not acknowledged), ${n("pending")} pending, ${n("resolved")} resolved`;
    const list = all.filter(filters[filter].keep).sort(
      (x, y) =>
        (stateRank[x.state] ?? 9) - (stateRank[y.state] ?? 9) ||
        (sevRank[x.severity] ?? 9) - (sevRank[y.severity] ?? 9) ||
        y.since_ms - x.since_ms ||
        x.id.localeCompare(y.id),
    );
    // keep focus on the same button across a redraw caused by an event
    const focused = document.activeElement instanceof HTMLElement && tbody.contains(document.activeElement) ? document.activeElement.dataset.focusKey : undefined;
    clear(tbody);
    for (const a of list) {
      const isNew = a.state === "firing" && !a.acked_by && a.fired_at_ms > seenBefore;
      const ackBtn = h(
        "button",
        {
          type: "button",
          class: "ack",
          "data-focus-key": "ack:" + a.id,
          disabled: !!a.acked_by || a.state === "resolved",
          "aria-label": `Acknowledge ${a.id}`,
        },
        "Acknowledge",
      );
      ackBtn.addEventListener("click", () => void ack(a, ackBtn));
      const silBtn = h(
        "button",
        { type: "button", class: "ghost", "data-focus-key": "sil:" + a.id, "aria-label": `Silence ${a.id}` },
        "Silence…",
      );
      silBtn.addEventListener("click", () => dialog.open(a, silBtn));
      tbody.append(
        h(
          "tr",
          { class: `alert ${a.state} sev-${a.severity}${isNew ? " new" : ""}`, "data-id": a.id, "data-state": a.state },
          h("td", {}, h("span", { class: `pill sev-${a.severity}` }, a.severity)),
          h("td", {}, h("span", { class: `pill st-${a.state}` }, a.state), isNew ? h("span", { class: "pill new" }, "new") : null),
          h("th", { scope: "row" }, h("span", { class: "mono" }, a.rule), h("div", { class: "sub" }, a.kind)),
          h("td", { class: "mono labels" }, labelText(a.labels)),
          h("td", { class: "num", "data-label": "Value" }, a.value_text || (a.value ?? "–")),
          h("td", { "data-label": "Since" }, h("time", { datetime: isoTime(a.since_ms), title: isoTime(a.since_ms) }, ago(a.since_ms, now))),
          h(
            "td",
            { class: "acked", "data-label": "Acknowledged" },
            a.acked_by ? h("span", { title: isoTime(a.acked_at_ms) }, `${a.acked_by}, ${ago(a.acked_at_ms, now)}`) : "",
            a.silenced_by ? h("div", { class: "sub" }, `silenced by ${a.silenced_by}`) : null,
          ),
          h("td", { class: "actions" }, ackBtn, silBtn),
        ),
      );
    }
    if (focused) tbody.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
    empty.hidden = list.length > 0;
    empty.textContent = live.alertsAt ? (all.length ? "No alert in this selection." : "No alerts.") : "Loading alerts…";
    drawSilences(now);
  }

  function drawSilences(now: number): void {
    clear(silBody);
    for (const s of silences) {
      const del = h("button", { type: "button", class: "ghost", "aria-label": `Expire silence ${s.id}` }, "Expire");
      del.addEventListener("click", async () => {
        del.disabled = true;
        try {
          await api.unsilence(s.id);
          say(`Silence ${s.id} expired.`);
          await refreshSilences();
          await live.refresh();
        } catch (e) {
          del.disabled = false;
          say(e instanceof Error ? e.message : String(e), true);
        }
      });
      silBody.append(
        h(
          "tr",
          { "data-id": s.id },
          h("td", { class: "mono" }, labelText(s.matchers)),
          h("td", {}, h("time", { datetime: isoTime(s.until_ms), title: isoTime(s.until_ms) }, ago(s.until_ms, now))),
          h("td", {}, s.by),
          h("td", {}, s.comment),
          h("td", {}, del),
        ),
      );
    }
    silEmpty.hidden = silences.length > 0;
    silBody.closest<HTMLElement>(".table-wrap")!.hidden = silences.length === 0;
    silEmpty.textContent = silencesErr || (silencesLoaded ? "No silence in force." : "Loading silences…");
  }

  async function refreshSilences(): Promise<void> {
    try {
      silences = (await api.silences()) ?? [];
      silencesErr = "";
      silencesLoaded = true;
    } catch (e) {
      silencesErr = e instanceof Error ? e.message : String(e);
    }
    drawSilences(Date.now());
  }

  draw();
  void refreshSilences();
  const unsub = live.subscribe(draw);
  document.addEventListener("eddy:tick", draw);
  return () => {
    unsub();
    document.removeEventListener("eddy:tick", draw);
    // what was firing while the page was open is no longer "new"
    const latest = Math.max(seenBefore, ...live.alerts.filter((a) => a.state === "firing").map((a) => a.fired_at_ms));
    localStorage.setItem(SEEN_KEY, String(latest));
  };
}

const durations: [string, number][] = [
  ["1 hour", 3_600_000],
  ["4 hours", 4 * 3_600_000],
  ["12 hours", 12 * 3_600_000],
  ["1 day", 86_400_000],
  ["1 week", 7 * 86_400_000],
];

// silenceDialog is a modal <dialog> (focus trapped and restored by the
// browser, Escape closes) that silences the alerts matching some labels.
function silenceDialog(operator: () => string, say: (t: string, bad?: boolean) => void, after: () => Promise<void>) {
  const matchers = h("fieldset", {}, h("legend", {}, "Match alerts with"));
  const dur = h(
    "select",
    { id: "sil-duration" },
    durations.map(([l, ms], i) => h("option", { value: ms, selected: i === 0 }, l)),
  );
  const by = h("input", { id: "sil-by", type: "text", required: true, autocomplete: "name" });
  const comment = h("input", { id: "sil-comment", type: "text", placeholder: "why (maintenance, known issue…)" });
  const err = h("p", { class: "msg bad", role: "alert" });
  let opener: HTMLElement | null = null;
  const form = h(
    "form",
    { method: "dialog" },
    h("h2", { id: "sil-title" }, "Silence alerts"),
    matchers,
    h("div", { class: "field" }, h("label", { for: "sil-duration" }, "For"), dur),
    h("div", { class: "field" }, h("label", { for: "sil-by" }, "By"), by),
    h("div", { class: "field" }, h("label", { for: "sil-comment" }, "Comment"), comment),
    err,
    h(
      "div",
      { class: "buttons" },
      h("button", { type: "submit", class: "primary", value: "ok" }, "Silence"),
      h("button", { type: "button", class: "ghost", onclick: () => el.close() }, "Cancel"),
    ),
  );
  const el = h("dialog", { "aria-labelledby": "sil-title", id: "silence-dialog" }, form);
  el.addEventListener("close", () => opener?.focus());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const m: Record<string, string> = {};
    for (const cb of matchers.querySelectorAll<HTMLInputElement>("input[type=checkbox]:checked")) m[cb.name] = cb.value;
    if (Object.keys(m).length === 0) {
      err.textContent = "Choose at least one label: a silence without matchers would silence everything.";
      return;
    }
    if (!by.value.trim()) {
      err.textContent = "Say who silences.";
      by.focus();
      return;
    }
    try {
      const r = await api.silence({ matchers: m, until_ms: Date.now() + Number(dur.value), by: by.value.trim(), comment: comment.value.trim() });
      el.close();
      say(`Silence ${r.id} created until ${isoTime(Date.now() + Number(dur.value))}.`);
      await after();
      await live.refresh();
    } catch (e2) {
      err.textContent = e2 instanceof Error ? e2.message : String(e2);
    }
  });
  return {
    el,
    open(a: Alert, from: HTMLElement) {
      opener = from;
      err.textContent = "";
      for (const n of [...matchers.children]) if (n.tagName !== "LEGEND") n.remove();
      const labels = { ...(a.labels ?? {}) };
      for (const [k, v] of Object.entries(labels).sort()) {
        const id = `sil-m-${k}`;
        matchers.append(h("div", { class: "check" }, h("input", { type: "checkbox", id, name: k, value: v, checked: true }), h("label", { for: id }, `${k}=${v}`)));
      }
      if (!Object.keys(labels).length) matchers.append(h("p", { class: "sub" }, "This alert has no labels to match."));
      by.value = operator();
      comment.value = "";
      el.showModal();
    },
  };
}
