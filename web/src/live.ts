// Live state: agents, alerts and status kept current by GET /v1/events
// (Server-Sent Events) and, while that stream is down, by polling.
//
// EventSource reconnects by itself after a dropped connection but gives up
// for good on an HTTP error (401, 404, 503): then this module opens a new
// one itself with a capped backoff, and polls the JSON API meanwhile so the
// page stays current against a server without the stream.

import { api, eventsURL, type Agent, type Alert, type Row } from "./api";

export type Conn = "connecting" | "live" | "polling";

export interface RowsEvent {
  view: string;
  rows: Row[];
}

type Listener = () => void;
type RowsListener = (e: RowsEvent) => void;

class Live {
  agents: Agent[] = [];
  alerts: Alert[] = [];
  agentsAt = 0; // Date.now() of the last agents update
  alertsAt = 0;
  status: Record<string, unknown> = {};
  conn: Conn = "connecting";
  error = "";

  private listeners = new Set<Listener>();
  private rowListeners = new Set<RowsListener>();
  private es: EventSource | null = null;
  private backoff = 1000;
  private pollTimer = 0;
  private retryTimer = 0;

  start(): void {
    this.poll();
    this.open();
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  subscribeRows(fn: RowsListener): () => void {
    this.rowListeners.add(fn);
    return () => this.rowListeners.delete(fn);
  }

  // refresh reads agents and alerts now (after an action of the user, say).
  async refresh(): Promise<void> {
    await this.poll();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }

  private setConn(c: Conn): void {
    if (this.conn !== c) {
      this.conn = c;
      this.emit();
    }
  }

  private open(): void {
    window.clearTimeout(this.retryTimer);
    this.es?.close();
    const es = new EventSource(eventsURL());
    this.es = es;
    es.addEventListener("open", () => {
      this.backoff = 1000;
      this.stopPolling();
      this.setConn("live");
      void this.poll(); // whatever changed while the stream was down
    });
    es.addEventListener("error", () => {
      if (es.readyState === EventSource.CLOSED) {
        // an HTTP error: EventSource will not retry by itself
        this.retryTimer = window.setTimeout(() => this.open(), this.backoff);
        this.backoff = Math.min(this.backoff * 2, 30000);
      }
      this.startPolling();
      this.setConn("polling");
    });
    // agents and alerts carry the full list; a single object is taken as
    // an update of one entry, so a server may send either
    es.addEventListener("agents", (e) =>
      this.onJSON(e, (v) => this.setAgents(Array.isArray(v) || v === null ? v : upsert(this.agents, v as Agent, (a) => a.agent))),
    );
    es.addEventListener("alerts", (e) =>
      this.onJSON(e, (v) => this.setAlerts(Array.isArray(v) || v === null ? v : upsert(this.alerts, v as Alert, (a) => a.id))),
    );
    es.addEventListener("status", (e) =>
      this.onJSON(e, (v) => {
        this.status = v as Record<string, unknown>;
        this.emit();
      }),
    );
    es.addEventListener("rows", (e) =>
      this.onJSON(e, (v) => {
        for (const fn of this.rowListeners) fn(v as RowsEvent);
      }),
    );
  }

  private onJSON(e: Event, fn: (v: unknown) => void): void {
    try {
      fn(JSON.parse((e as MessageEvent<string>).data));
    } catch (err) {
      console.warn("eddy: bad event", e.type, err);
    }
  }

  private setAgents(a: Agent[] | null): void {
    this.agents = a ?? [];
    this.agentsAt = Date.now();
    this.emit();
  }

  private setAlerts(a: Alert[] | null): void {
    this.alerts = a ?? [];
    this.alertsAt = Date.now();
    this.emit();
  }

  private startPolling(): void {
    if (!this.pollTimer) this.pollTimer = window.setInterval(() => void this.poll(), 5000);
  }

  private stopPolling(): void {
    window.clearInterval(this.pollTimer);
    this.pollTimer = 0;
  }

  private async poll(): Promise<void> {
    const [ag, al] = await Promise.allSettled([api.agents(), api.alerts()]);
    let err = "";
    if (ag.status === "fulfilled") this.agents = ag.value ?? [];
    else err = String(ag.reason instanceof Error ? ag.reason.message : ag.reason);
    if (al.status === "fulfilled") this.alerts = al.value ?? [];
    else if (!err) err = String(al.reason instanceof Error ? al.reason.message : al.reason);
    const now = Date.now();
    if (ag.status === "fulfilled") this.agentsAt = now;
    if (al.status === "fulfilled") this.alertsAt = now;
    this.error = err;
    this.emit();
  }
}

function upsert<T>(list: T[], item: T, key: (t: T) => string): T[] {
  const k = key(item);
  const i = list.findIndex((x) => key(x) === k);
  return i < 0 ? [...list, item] : list.map((x, j) => (j === i ? item : x));
}

export const live = new Live();
