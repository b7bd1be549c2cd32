// The aggregator's HTTP API as the page uses it. Shapes follow
// aggregator/registry.go (Agent), aggregator/http.go (views, rows) and the
// alert and silence endpoints of issue 9.

export interface Agent {
  agent: string;
  online: boolean;
  last_seen: string; // RFC 3339
  agent_version: string;
  config_version: number;
  checkpoint_time: string;
  watermark_lag_ms: number | null;
  watermarks_ms: Record<string, number> | null;
  outbox_depth: number;
  outbox_bytes: number;
  events_in: number;
  late: number;
  dead_letters: number;
  dropped: Record<string, number> | null;
  store_used: number;
  last_error?: string;
}

export type AlertState = "pending" | "firing" | "resolved";
export type Severity = "critical" | "warning" | "info";

export interface Alert {
  id: string;
  rule: string;
  kind: string;
  state: AlertState;
  severity: Severity;
  labels: Record<string, string> | null;
  value: number | null;
  value_text: string;
  since_ms: number;
  fired_at_ms: number;
  acked_by: string;
  acked_at_ms: number;
  silenced_by: string;
}

export interface Silence {
  id: string;
  matchers: Record<string, string>;
  until_ms: number;
  by: string;
  comment: string;
}

export interface FleetViewInfo {
  name: string;
  source: string;
  edge_view: string;
  window: string;
  columns: string[] | null;
  aggregates: string[] | null;
  definition: string;
}

export interface ViewList {
  fleet: FleetViewInfo[];
  edge: string[];
}

export type Row = Record<string, string | number | boolean | null>;

export interface ViewRows {
  view: string;
  kind: string;
  rows: Row[];
  truncated?: boolean;
}

const TOKEN_KEY = "eddy.token";

// takeToken moves ?token= from the address into sessionStorage, so that it
// is neither bookmarked nor sent as a Referer, and returns the token in use.
export function takeToken(): string {
  const url = new URL(window.location.href);
  const t = url.searchParams.get("token");
  if (t !== null) {
    if (t === "") sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, t);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

export function token(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

export class APIError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

// base is the API root relative to the page, so that the dashboard works
// behind a reverse proxy that mounts the aggregator under a path prefix.
function apiURL(path: string): string {
  return new URL("v1/" + path.replace(/^\//, ""), new URL(".", window.location.href)).toString();
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const t = token();
  if (t) headers.Authorization = "Bearer " + t;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(apiURL(path), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text for the message
  }
  if (!res.ok) {
    const msg =
      data && typeof data === "object" && "error" in data ? String((data as { error: unknown }).error) : text || res.statusText;
    throw new APIError(`${method} /v1/${path}: ${res.status} ${msg}`, res.status);
  }
  return data as T;
}

export const api = {
  agents: () => call<Agent[]>("GET", "agents"),
  alerts: () => call<Alert[]>("GET", "alerts"),
  ack: (id: string, by: string) => call<{ ok: boolean }>("POST", `alerts/${encodeURIComponent(id)}/ack`, { by }),
  silences: () => call<Silence[]>("GET", "silences"),
  silence: (s: Omit<Silence, "id">) => call<{ id: string }>("POST", "silences", s),
  unsilence: (id: string) => call<unknown>("DELETE", `silences/${encodeURIComponent(id)}`),
  views: () => call<ViewList>("GET", "views"),
  rows: (name: string, fromMs: number, limit = 20000) =>
    call<ViewRows>("GET", `views/${encodeURIComponent(name)}?from=${fromMs}&limit=${limit}`),
};

// eventsURL is GET /v1/events; EventSource cannot set headers, so the
// token travels as ?token= (the server accepts it on this path only).
export function eventsURL(): string {
  const u = new URL(apiURL("events"));
  const t = token();
  if (t) u.searchParams.set("token", t);
  return u.toString();
}
