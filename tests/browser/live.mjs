// An execution started from the console is watched to its end: the graph's colours change
// live (Wait 1 s → Pass → Succeed: the Wait node goes waiting-timer → succeeded) from the
// event stream, without a reload; a state's input and output open with a click or with the
// keyboard; the page works again when reloaded (deep link).

import { ORIGIN, check, guardedPage, log, putMachine, run, screenshot, startExecution, waitForStatus } from "./lib.mjs";

const MACHINE = "ui-live";

/** Records every data-status a graph node takes, with when. */
function recordStatuses() {
  window.__statuses = [];
  const seen = new Map();
  const scan = () => {
    for (const el of document.querySelectorAll("[data-state][data-status]")) {
      const state = el.getAttribute("data-state");
      const status = el.getAttribute("data-status");
      if (seen.get(state) !== status) {
        seen.set(state, status);
        window.__statuses.push({ state, status, t: performance.now() });
      }
    }
  };
  new MutationObserver(scan).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"] });
}

await run("live execution started from the UI", async (browser) => {
  await putMachine(MACHINE, {
    StartAt: "Pause",
    States: {
      Pause: { Type: "Wait", Seconds: 3, Next: "Shape" },
      Shape: { Type: "Pass", Parameters: { "doubled.$": "States.MathAdd($.n, $.n)" }, Next: "Done" },
      Done: { Type: "Succeed" },
    },
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript(recordStatuses);
  const page = await guardedPage(context, "live");
  await page.goto(`${ORIGIN}/ui/state-machines/${MACHINE}`);
  await page.waitForSelector('[data-testid=graph] [data-state="Pause"]');
  const name = `from-the-ui-${Date.now()}`;
  await page.fill('input[name="execution-name"]', name);
  await page.fill("#start-input", '{"n": 21}');
  await page.getByRole("button", { name: /Start execution/ }).click();
  await page.waitForURL(`**/ui/state-machines/${MACHINE}/executions/${name}`);
  await page.waitForSelector('[data-live="live"]');
  await page.waitForSelector('[data-execution-status="SUCCEEDED"]', { timeout: 15000 });
  await waitForStatus(page, "Done", "succeeded");

  const statuses = await page.evaluate(() => window.__statuses);
  const of = (state) => statuses.filter((s) => s.state === state).map((s) => s.status);
  log(`Pause went ${of("Pause").join(" → ")}; Shape went ${of("Shape").join(" → ")}; Done went ${of("Done").join(" → ")}`);
  const pause = of("Pause");
  check(pause.includes("waiting-timer"), `Pause was never shown waiting-timer: ${pause}`);
  check(pause.indexOf("waiting-timer") < pause.lastIndexOf("succeeded"), `Pause did not go waiting-timer → succeeded: ${pause}`);
  check(of("Shape").at(-1) === "succeeded" && of("Shape")[0] === "not-started", `Shape: ${of("Shape")}`);

  // A click opens a state's input and output; so does Enter on the focused node.
  await page.click('[data-testid=graph] [data-state="Shape"]');
  const details = page.locator('[data-testid=state-details][data-state="Shape"]');
  await details.waitFor();
  const text = await details.innerText();
  check(text.includes('"n": 21') && text.includes('"doubled": 42'), `Shape's input and output: ${text}`);
  await page.focus('[data-testid=graph] [data-state="Pause"]');
  await page.keyboard.press("Enter");
  await page.locator('[data-testid=state-details][data-state="Pause"]').waitFor();
  const aria = await page.getAttribute('[data-testid=graph] [data-state="Pause"]', "aria-label");
  check(aria.includes("Pause") && aria.includes("succeeded"), `aria-label: ${aria}`);
  const rows = await page.locator("[data-testid=history] tbody tr").count();
  check(rows >= 8, `history rows: ${rows}`);
  await page.selectOption('[data-testid=history-filters] select[name="type"]', "PassStateExited");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=history] tbody tr").length === 1);
  await page.selectOption('[data-testid=history-filters] select[name="type"]', "");
  await page.selectOption('[data-testid=history-filters] select[name="state"]', "Pause");
  const pauseRows = await page.locator("[data-testid=history] tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-event-type")));
  check(pauseRows.join() === "WaitStateEntered,WaitStateExited", `Pause's events: ${pauseRows}`);
  await page.selectOption('[data-testid=history-filters] select[name="state"]', "");
  await screenshot(page, "execution-succeeded.png");

  // A deep link works on reload.
  await page.reload();
  await waitForStatus(page, "Shape", "succeeded");
  page.verify();
  await page.close();

  // A task that fails, is retried after a pause, fails again and is caught: Call goes
  // running → retrying → caught, Recover runs.
  await putMachine(`${MACHINE}-retry`, {
    StartAt: "Call",
    States: {
      Call: {
        Type: "Task",
        Resource: "http://127.0.0.1:9/nothing-listens-here",
        Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 2, MaxAttempts: 1 }],
        Catch: [{ ErrorEquals: ["States.ALL"], Next: "Recover" }],
        End: true,
      },
      Recover: { Type: "Pass", End: true },
    },
  });
  const retried = `retried-${Date.now()}`;
  const watcher = await guardedPage(context, "retry and catch");
  await startExecution(`${MACHINE}-retry`, retried, {});
  await watcher.goto(`${ORIGIN}/ui/state-machines/${MACHINE}-retry/executions/${retried}`);
  await waitForStatus(watcher, "Call", "retrying");
  await waitForStatus(watcher, "Call", "caught");
  await waitForStatus(watcher, "Recover", "succeeded");
  const call = (await watcher.evaluate(() => window.__statuses)).filter((s) => s.state === "Call").map((s) => s.status);
  log(`Call went ${call.join(" → ")}`);
  check(call.indexOf("retrying") < call.indexOf("caught"), `Call: ${call}`);
  await watcher.click('[data-testid=graph] [data-state="Call"]');
  const callDetails = await watcher.locator('[data-testid=state-details][data-state="Call"]').innerText();
  check(callDetails.includes("retried 1×"), `Call's details: ${callDetails}`);
  watcher.verify();
  await context.close();
});
