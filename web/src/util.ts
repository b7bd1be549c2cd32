// Small DOM and formatting helpers; no framework.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

// h builds an element: attributes whose name starts with "on" are event
// listeners, false/null/undefined attributes are left out, true is "".
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2), v as EventListener);
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.firstChild.remove();
}

const units = ["B", "KiB", "MiB", "GiB", "TiB"];

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? String(v) : v.toFixed(v < 10 ? 1 : 0)) + " " + units[i];
}

// duration renders milliseconds as "850 ms", "42 s", "3 m 05 s", "2 h 10 m", "3 d 4 h".
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  const neg = ms < 0;
  let v = Math.abs(ms);
  let s: string;
  if (v < 1000) s = `${Math.round(v)} ms`;
  else if ((v /= 1000) < 60) s = `${v.toFixed(v < 10 ? 1 : 0)} s`;
  else if (v < 3600) s = `${Math.floor(v / 60)} m ${String(Math.floor(v % 60)).padStart(2, "0")} s`;
  else if (v < 86400) s = `${Math.floor(v / 3600)} h ${String(Math.floor((v % 3600) / 60)).padStart(2, "0")} m`;
  else s = `${Math.floor(v / 86400)} d ${Math.floor((v % 86400) / 3600)} h`;
  return neg ? "−" + s : s;
}

export function ago(ms: number, now = Date.now()): string {
  if (!ms) return "–";
  const d = now - ms;
  if (Math.abs(d) < 1000) return "now";
  return d > 0 ? `${duration(d)} ago` : `in ${duration(-d)}`;
}

export function isoTime(ms: number): string {
  return ms ? new Date(ms).toISOString().replace(".000Z", "Z") : "";
}

export function num(n: number | null | undefined): string {
  if (n === null || n === undefined) return "–";
  return Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 3 });
}

export function labelText(labels: Record<string, string> | null | undefined): string {
  if (!labels) return "";
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(", ");
}

// every calls fn now and every ms until the returned stop is called.
export function every(ms: number, fn: () => void): () => void {
  fn();
  const id = window.setInterval(fn, ms);
  return () => window.clearInterval(id);
}
