// With `baton serve --auth-token …`: the console asks for the token once (the first 401),
// keeps it for the tab, and then works, live event stream included; the approval page needs
// no token at all.

import { ORIGIN, check, describe, guardedPage, log, openToken, putMachine, run, screenshot, startExecution, until, waitForStatus } from "./lib.mjs";

const TOKEN = process.env.BATON_TOKEN ?? "";
const MACHINE = "ui-auth";

await run("auth: the token is asked once; the approval page needs none", async (browser) => {
  check(TOKEN.length >= 16, "BATON_TOKEN is set for this scenario");
  const unauthenticated = await fetch(`${ORIGIN}/v1/state-machines`);
  check(unauthenticated.status === 401, `the server asks for a token (answered ${unauthenticated.status})`);
  await putMachine(MACHINE, {
    StartAt: "Ask",
    States: {
      Ask: { Type: "Callback", Parameters: { "token.$": "$$.Task.Token" }, HeartbeatSeconds: 3600, Next: "Done" },
      Done: { Type: "Succeed" },
    },
  });
  const first = `first-${Date.now()}`;
  const second = `second-${Date.now()}`;
  await startExecution(MACHINE, first, { order: 1 });
  await startExecution(MACHINE, second, { order: 2 });

  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await guardedPage(context, "console with a token", {
    allowedErrors: [/Failed to load resource: the server responded with a status of 401/],
  });
  let dialogs = 0;
  await page.exposeFunction("__dialogShown", () => dialogs++);
  await page.addInitScript(() => {
    new MutationObserver((records) => {
      for (const r of records) if (r.attributeName === "open" && r.target.hasAttribute("open")) window.__dialogShown();
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["open"] });
  });
  await page.goto(`${ORIGIN}/ui/`);
  await page.waitForSelector(".token-dialog[open]");
  await screenshot(page, "token-dialog.png", { fullPage: false });
  await page.fill("#token-input", TOKEN);
  await page.getByRole("button", { name: "Use token" }).click();
  await page.locator(`[data-testid=machines] tr[data-machine="${MACHINE}"]`).waitFor();
  await page.click(`a[href="/ui/state-machines/${MACHINE}"]`);
  await page.locator(`[data-testid=executions] tr[data-execution="${first}"]`).waitFor();
  await page.click(`a[href="/ui/state-machines/${MACHINE}/executions/${first}"]`);
  await waitForStatus(page, "Ask", "waiting-callback");
  await page.waitForSelector('[data-live="live"]');
  // A reload keeps the token (sessionStorage) and the page streams events with it.
  await page.reload();
  await waitForStatus(page, "Ask", "waiting-callback");
  await page.locator('[data-callback-state="Ask"]').getByRole("button", { name: /Send success/ }).click();
  await waitForStatus(page, "Done", "succeeded");
  await page.waitForSelector('[data-execution-status="SUCCEEDED"]');
  check(dialogs === 1, `the token dialog was shown ${dialogs} times`);
  check((await page.locator(".token-dialog[open]").count()) === 0, "no dialog left open");
  log("console: one token dialog, then the list, the machine, a live execution answered to its end");
  page.verify();

  // The approval page, in a context that never saw the token.
  const token = await openToken(MACHINE, second, "Ask");
  const fresh = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const approval = await guardedPage(fresh, "approval page without a token");
  await approval.goto(`${ORIGIN}/ui/callbacks/${token}`);
  await approval.waitForSelector('[data-testid=callback-page][data-outcome="WAITING"]');
  await approval.getByRole("button", { name: /Approve/ }).click();
  await approval.waitForSelector("[data-testid=answer-sent]");
  check((await approval.locator(".token-dialog").count()) === 0, "the approval page has no token dialog");
  await until("the approved execution to succeed", async () => (await describe(MACHINE, second)).status === "SUCCEEDED");
  log("approval page: approved without any API token");
  approval.verify();
  await fresh.close();
  await context.close();
});
