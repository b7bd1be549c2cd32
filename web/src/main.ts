// The dashboard's entry: token, navigation, the badge of new firing alerts
// and the hash router (#/fleet, #/alerts, #/views/{name}), so the page is
// one static file wherever the aggregator is mounted.

import "uplot/dist/uPlot.min.css";
import "./style.css";
import { takeToken } from "./api";
import { live } from "./live";
import { fleetPage } from "./fleet";
import { alertsPage, activeFiring } from "./alerts";
import { viewPage } from "./view";
import { clear } from "./util";

type Page = (root: HTMLElement, arg: string) => () => void;

const pages: Record<string, { title: string; page: Page }> = {
  fleet: { title: "Fleet", page: fleetPage },
  alerts: { title: "Alerts", page: alertsPage },
  views: { title: "Views", page: viewPage },
};

takeToken();

const main = document.getElementById("main") as HTMLElement;
const badge = document.getElementById("alert-badge") as HTMLElement;
const announce = document.getElementById("announce") as HTMLElement;
const conn = document.getElementById("conn") as HTMLElement;
const errorBar = document.getElementById("error") as HTMLElement;

let dispose: () => void = () => {};

function route(): void {
  if (location.hash && !location.hash.startsWith("#/")) return;
  const [, name = "fleet", ...rest] = location.hash.replace(/^#/, "").split("/");
  const key = name in pages ? name : "fleet";
  dispose();
  clear(main);
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a[data-page]")) {
    if (a.dataset.page === key) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = `${pages[key].title} · Eddy`;
  dispose = pages[key].page(main, decodeURIComponent(rest.join("/")));
  // move focus to the new page's heading for screen readers and keyboards,
  // but not on the first load (the skip link is the first stop then)
  if (routed) main.querySelector<HTMLElement>("h1")?.focus();
  routed = true;
}
let routed = false;

let lastFiring = -1;
function header(): void {
  const n = activeFiring(live.alerts).length;
  badge.textContent = n ? String(n) : "";
  badge.hidden = n === 0;
  badge.setAttribute("aria-label", `${n} firing alert${n === 1 ? "" : "s"} not acknowledged`);
  if (n !== lastFiring) {
    if (lastFiring >= 0 || n > 0) announce.textContent = n ? `${n} firing alert${n === 1 ? "" : "s"} not acknowledged` : "No firing alerts";
    lastFiring = n;
  }
  conn.textContent = live.conn === "live" ? "live" : live.conn === "polling" ? "reconnecting…" : "connecting…";
  conn.dataset.state = live.conn;
  conn.title = live.conn === "live" ? "Receiving server-sent events" : "Event stream down: polling every 5 s";
  errorBar.hidden = !live.error;
  errorBar.textContent = live.error;
}

live.subscribe(header);
window.addEventListener("hashchange", route);
route();
header();
live.start();

// keep relative times fresh without a server event
window.setInterval(() => document.dispatchEvent(new Event("eddy:tick")), 5000);

// The skip link must not change the hash: the router owns it.
document.querySelector(".skip")?.addEventListener("click", (e) => {
  e.preventDefault();
  main.focus();
});

// Dark by default (control rooms); the choice is kept in localStorage.
const themeBtn = document.getElementById("theme") as HTMLButtonElement;
function setTheme(t: string): void {
  document.documentElement.dataset.theme = t;
  themeBtn.setAttribute("aria-pressed", String(t === "light"));
  themeBtn.textContent = t === "light" ? "Dark theme" : "Light theme";
  localStorage.setItem("eddy.theme", t);
}
setTheme(localStorage.getItem("eddy.theme") === "light" ? "light" : "dark");
themeBtn.addEventListener("click", () => {
  setTheme(document.documentElement.dataset.theme === "light" ? "dark" : "light");
  document.dispatchEvent(new Event("eddy:theme"));
});
