// Page weight and first render of an execution with about 1,000 history events (a Map over
// 249 items of a Pass state: 4 events per item, 6 around them): the bytes the browser
// received for the whole page (compressed as sent), and the time from navigation until the
// graph and the history table are on the screen. Budgets: 300 KB, 500 ms.

import { cpus, loadavg } from "node:os";
import { ORIGIN, api, check, describe, guardedPage, log, putMachine, run, screenshot, startExecution, until } from "./lib.mjs";

const MACHINE = "ui-weight";
const ITEMS = 249;
const BUDGET_BYTES = 300 * 1024;
const BUDGET_MS = 500;
const LOADS = 5;
// On a loaded machine (CI runs the Rust tests beside this one on 2 cores) all five can be
// disturbed: then up to five more loads are made, and the best of all is the measurement.
const MAX_LOADS = 10;

/** Records when the graph and the full history table are first both in the page. */
function recordFirstRender() {
  const done = () => {
    const graph = document.querySelector("[data-testid=graph] [data-state]");
    const table = document.querySelector("[data-testid=history]");
    const rows = table?.querySelectorAll("tbody tr").length ?? 0;
    return graph && rows > 0 && Number(table.getAttribute("data-events")) >= 1000;
  };
  const observer = new MutationObserver(() => {
    if (window.__firstRender === undefined && done()) {
      window.__firstRender = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true });
}

await run("page weight and first render with 1,000 events", async (browser) => {
  await putMachine(MACHINE, {
    StartAt: "Each",
    States: {
      Each: {
        Type: "Map",
        ItemProcessor: { StartAt: "Touch", States: { Touch: { Type: "Pass", Result: { seen: true }, ResultPath: "$.seen", End: true } } },
        End: true,
      },
    },
  });
  const name = `thousand-${Date.now()}`;
  await startExecution(MACHINE, name, Array.from({ length: ITEMS }, (_, i) => ({ item: i })));
  await until("the Map to finish", async () => (await describe(MACHINE, name)).status === "SUCCEEDED", 30000);
  const history = await api(`/v1/state-machines/${MACHINE}/executions/${name}/history?limit=1000`);
  const more = history.next ? await api(`/v1/state-machines/${MACHINE}/executions/${name}/history?limit=1000&cursor=${history.next}`) : { events: [] };
  const events = history.events.length + more.events.length;
  check(events >= 1000, `the execution has ${events} events`);

  // Five loads (up to ten while none is within the budget), each in a new context (nothing
  // cached): the page weight of the first, and the best of the first renders, the one least
  // disturbed by whatever else this machine runs (all are printed, with the load average).
  const renders = [];
  let page;
  let context;
  let total = 0;
  for (let load = 0; load < LOADS || (load < MAX_LOADS && Math.min(...renders) >= BUDGET_MS); load++) {
    await context?.close();
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    await context.addInitScript(recordFirstRender);
    page = await guardedPage(context, `execution with 1,000 events (load ${load + 1})`);
    const responses = [];
    page.on("requestfinished", async (request) => {
      const response = await request.response();
      const sizes = await request.sizes();
      responses.push({
        url: request.url().slice(ORIGIN.length),
        bytes: sizes.responseBodySize + sizes.responseHeadersSize,
        encoding: response?.headers()["content-encoding"] ?? "identity",
      });
    });
    await page.goto(`${ORIGIN}/ui/state-machines/${MACHINE}/executions/${name}`);
    await page.waitForFunction(() => window.__firstRender !== undefined, null, { timeout: 15000 });
    renders.push(await page.evaluate(() => window.__firstRender));
    await page.waitForLoadState("networkidle");
    if (load === 0) {
      total = responses.reduce((sum, r) => sum + r.bytes, 0);
      for (const r of responses) log(`  ${String(r.bytes).padStart(7)} B  ${r.encoding.padEnd(8)} ${r.url}`);
    }
    page.verify();
  }
  const firstRender = Math.min(...renders);
  log(
    `execution page with ${events} history events: ${total} bytes transferred (${(total / 1024).toFixed(1)} KB, budget 300 KB); ` +
      `first render ${renders.map((r) => `${r.toFixed(0)} ms`).join(", ")} after navigation, best ${firstRender.toFixed(0)} ms (budget ${BUDGET_MS} ms; ` +
      `load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${cpus().length} CPUs)`,
  );

  // The Map's items are counted, not drawn one by one.
  const mapText = await page.locator('[data-testid=graph] [data-state="Each"]').textContent();
  check(mapText.includes(`${ITEMS}/${ITEMS} items`), `the Map's summary: ${mapText}`);
  const touch = await page.locator('[data-testid=graph] [data-state="Touch"]').textContent();
  check(touch.includes(`✓ ${ITEMS}`), `Touch's counts: ${touch}`);
  check((await page.locator("[data-testid=graph] [data-state]").count()) === 2, "one node per state, not per item");
  await screenshot(page, "execution-1000-events.png", { fullPage: false });
  check(total < BUDGET_BYTES, `page weight ${total} bytes is over the budget of ${BUDGET_BYTES}`);
  check(firstRender < BUDGET_MS, `first render took ${firstRender.toFixed(0)} ms (budget ${BUDGET_MS} ms)`);
  await context.close();
});
