// Browser test of the dashboard, driven by aggregator/dashboard's Go test
// (TestBrowser*), which starts the server and reads this script's stdout:
//
//   step fleet-ok          the fleet page lists every expected agent: the Go
//                          test now makes an alert fire
//   step acked <id>        the alert was acknowledged through the page: the
//                          Go test checks GET /v1/alerts says so
//   step done
//
// Environment: EDDY_URL, EDDY_TOKEN, CHROMIUM (executable), EDDY_SCREENSHOTS
// (folder), EDDY_AGENTS (JSON list of agent ids), EDDY_HEALTH (JSON object
// agent -> online|stale|offline, optional), EDDY_ALERT_RULE (rule of the
// alert that fires), EDDY_ACK_BY, EDDY_VIEW (view to chart),
// EDDY_ALERT_TIMEOUT_MS (how long the alert may take to fire).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const env = process.env;
const need = (k) => {
  if (!env[k]) throw new Error(`browser.mjs: ${k} is not set`);
  return env[k];
};
const base = need("EDDY_URL").replace(/\/$/, "");
const token = env.EDDY_TOKEN ?? "";
const shots = need("EDDY_SCREENSHOTS");
const agents = JSON.parse(need("EDDY_AGENTS"));
const healthWant = JSON.parse(env.EDDY_HEALTH || "{}");
const rule = need("EDDY_ALERT_RULE");
const ackBy = need("EDDY_ACK_BY");
const view = need("EDDY_VIEW");
const alertTimeout = Number(env.EDDY_ALERT_TIMEOUT_MS || 60000);
mkdirSync(shots, { recursive: true });

const step = (s) => console.log(`step ${s}`);
const fail = (msg) => {
  throw new Error(msg);
};

const browser = await chromium.launch({
  executablePath: need("CHROMIUM"),
  headless: true,
  // as root, and with no network but loopback: no sandbox, nothing in the background
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});
const pageErrors = [];
try {
  // ---- laptop
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 860 }, colorScheme: "dark" });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") console.error(`console: ${m.text()}`);
  });
  await page.goto(`${base}/?token=${encodeURIComponent(token)}#/fleet`);

  // fleet page: every agent is listed
  for (const a of agents) await page.locator(`#agents tr[data-agent="${a}"]`).waitFor({ timeout: 30000 });
  if (page.url().includes("token=")) fail(`the token stayed in the address: ${page.url()}`);
  for (const [a, want] of Object.entries(healthWant)) {
    const got = await page.locator(`#agents tr[data-agent="${a}"]`).getAttribute("data-health");
    if (got !== want) fail(`agent ${a} shows ${got}, want ${want}`);
  }
  // sort by agent, descending, with the keyboard
  // (Live updates re-render the table, so the button is found again for
  // each key press, and pressed until the column says it is descending.)
  const desc = page.locator('#agents th[aria-sort="descending"] button[data-sort="agent"]');
  for (let i = 0; i < 4 && (await desc.count()) === 0; i++) {
    await page.locator('#agents button[data-sort="agent"]').press("Enter");
  }
  await desc.waitFor({ timeout: 5000 });
  const order = await page.locator("#agents tbody tr").evaluateAll((rs) => rs.map((r) => r.dataset.agent));
  const sorted = [...order].sort().reverse();
  if (JSON.stringify(order) !== JSON.stringify(sorted)) fail(`sort by agent descending gave ${order}`);
  if ((await page.locator('#agents th[aria-sort="descending"]').count()) !== 1) fail("aria-sort not set on the sorted column");
  // filter
  await page.fill("#fleet-filter", agents[0]);
  const shown = await page.locator("#agents tbody tr").evaluateAll((rs) => rs.map((r) => r.dataset.agent));
  if (!shown.includes(agents[0]) || shown.some((a) => !a.includes(agents[0]))) fail(`filter ${agents[0]} shows ${shown}`);
  await page.fill("#fleet-filter", "");
  await page.locator("#conn[data-state=live]").waitFor({ timeout: 15000 });
  if (env.EDDY_DROP_URL) {
    // the server ends the event stream and adds an agent without an event:
    // the page reconnects by itself and catches up
    const before = await page.locator("#agents tbody tr").count();
    const r = await fetch(env.EDDY_DROP_URL, { method: "POST", headers: { Authorization: `Bearer ${token}` } });
    if (!r.ok) fail(`POST ${env.EDDY_DROP_URL}: ${r.status}`);
    await page.waitForFunction((n) => document.querySelectorAll("#agents tbody tr").length === n + 1, before, { timeout: 20000 });
    await page.locator("#conn[data-state=live]").waitFor({ timeout: 15000 });
    step("reconnected");
  }
  await page.screenshot({ path: join(shots, "fleet.png"), fullPage: true });
  step("fleet-ok");

  // the alert fires: the nav badge counts it (live, over server-sent events)
  const badge = page.locator("#alert-badge:not([hidden])");
  await badge.waitFor({ timeout: alertTimeout });
  const announced = await page.locator("#announce").textContent();
  if (!/firing/.test(announced ?? "")) fail(`aria-live region says ${JSON.stringify(announced)}`);

  // alerts page, reached from the nav with the keyboard
  await page.locator('nav a[data-page="alerts"]').focus();
  await page.keyboard.press("Enter");
  await page.waitForURL(/#\/alerts/);
  const row = page.locator(`#alerts tr.alert[data-state="firing"]`, { has: page.locator(`th .mono:text-is("${rule}")`) }).first();
  await row.waitFor({ timeout: alertTimeout });
  const id = await row.getAttribute("data-id");
  await page.screenshot({ path: join(shots, "alerts.png"), fullPage: true });

  // acknowledge: the page asks for a name first
  const ackBtn = row.locator("button.ack");
  await page.fill("#operator", "");
  await ackBtn.click();
  await page.locator("#alerts-msg.bad").waitFor();
  await page.fill("#operator", ackBy);
  await ackBtn.focus();
  await page.keyboard.press("Enter");
  const byId = page.locator(`#alerts tr.alert[data-id="${id.replace(/["\\]/g, "\\$&")}"]`);
  await byId.locator("td.acked", { hasText: ackBy }).waitFor({ timeout: 15000 });
  if (!(await byId.locator("button.ack").isDisabled())) fail("the Acknowledge button stays enabled after the ack");
  step(`acked ${id}`);
  await page.screenshot({ path: join(shots, "alerts-acked.png"), fullPage: true });

  // silence the same alert's labels from the dialog
  await byId.locator("button", { hasText: "Silence" }).click();
  const dialog = page.locator("#silence-dialog[open]");
  await dialog.waitFor();
  await page.screenshot({ path: join(shots, "silence-dialog.png") });
  await dialog.locator("button[type=submit]").click();
  await page.locator("#silences tbody tr").first().waitFor({ timeout: 15000 });
  step("silenced");

  // view page: a chart per column, one line per key
  await page.goto(`${base}/#/views/${encodeURIComponent(view)}`);
  await page.locator("#charts figure.chart canvas").first().waitFor({ timeout: 30000 });
  await page.waitForTimeout(1500); // one live rows event redraws the charts
  await page.locator("#charts figure.chart canvas").first().waitFor();
  await page.screenshot({ path: join(shots, "view.png"), fullPage: true });
  await ctx.close();

  // ---- tablet, portrait: nothing wider than the screen but the tables' own scroll
  const tab = await browser.newContext({ viewport: { width: 820, height: 1180 }, hasTouch: true, isMobile: true, deviceScaleFactor: 1 });
  const tp = await tab.newPage();
  tp.on("pageerror", (e) => pageErrors.push(String(e)));
  await tp.goto(`${base}/?token=${encodeURIComponent(token)}#/fleet`);
  await tp.locator(`#agents tr[data-agent="${agents[0]}"]`).waitFor({ timeout: 30000 });
  const overflow = await tp.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) fail(`the fleet page is ${overflow}px wider than a tablet`);
  await tp.screenshot({ path: join(shots, "fleet-tablet.png"), fullPage: true });
  await tp.goto(`${base}/#/alerts`);
  await tp.locator("#alerts tr.alert").first().waitFor({ timeout: 15000 });
  await tp.locator("#silences tbody tr").first().waitFor({ timeout: 15000 });
  await tp.screenshot({ path: join(shots, "alerts-tablet.png"), fullPage: true });
  await tab.close();

  if (pageErrors.length) fail(`errors in the page:\n${pageErrors.join("\n")}`);
  step("done");
} finally {
  await browser.close();
}
