// Stop from the console: a running execution ends ABORTED, and the state it was in is
// shown stopped.

import { ORIGIN, check, describe, guardedPage, log, putMachine, run, screenshot, startExecution, waitForStatus } from "./lib.mjs";

const MACHINE = "ui-stop";

await run("stop from the UI", async (browser) => {
  await putMachine(MACHINE, {
    StartAt: "Prepare",
    States: {
      Prepare: { Type: "Pass", Next: "Sleep" },
      Sleep: { Type: "Wait", Seconds: 3600, Next: "Never" },
      Never: { Type: "Succeed" },
    },
  });
  const name = `to-stop-${Date.now()}`;
  await startExecution(MACHINE, name, {});
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await guardedPage(context, "stop");
  await page.goto(`${ORIGIN}/ui/state-machines/${MACHINE}/executions/${name}`);
  await waitForStatus(page, "Sleep", "waiting-timer");
  await page.getByRole("button", { name: /^■ Stop$/ }).click();
  await page.fill('.stop-form input[name="error"]', "Operator.Stopped");
  await page.fill('.stop-form input[name="cause"]', "stopped from the browser test");
  await page.getByRole("button", { name: /Stop execution/ }).click();
  await page.waitForSelector('[data-execution-status="ABORTED"]');
  await waitForStatus(page, "Sleep", "aborted");
  await waitForStatus(page, "Prepare", "succeeded");
  check((await nodeCount(page, "Never", "not-started")) === 1, "Never did not run");
  const view = await describe(MACHINE, name);
  check(view.status === "ABORTED" && view.error === "Operator.Stopped", `after stop: ${JSON.stringify(view)}`);
  check((await page.getByRole("button", { name: /Stop/ }).count()) === 0, "no Stop button once ended");
  await screenshot(page, "execution-stopped.png");
  log("stopped: execution ABORTED with the error typed; Sleep shown stopped");
  page.verify();
  await context.close();
});

async function nodeCount(page, state, status) {
  return page.locator(`[data-testid=graph] [data-state="${state}"][data-status="${status}"]`).count();
}
