// A state waiting for a callback is answered from the console: once from the execution page
// (its open callback's "Send success"), once from the approval page /ui/callbacks/{token}
// (Approve). Answering a second time, from a second tab opened before the first answer,
// says the request was already answered.

import { ORIGIN, api, check, describe, guardedPage, log, openToken, putMachine, run, screenshot, startExecution, until, waitForStatus } from "./lib.mjs";

const MACHINE = "ui-approval";
const suffix = Date.now();

await run("callbacks answered from the execution page and the approval page", async (browser) => {
  // After the approval the execution goes on waiting (Ship), so the token's outcome is
  // ANSWERED rather than EXECUTION_ENDED.
  await putMachine(MACHINE, {
    StartAt: "Ask",
    States: {
      Ask: {
        Type: "Callback",
        Parameters: { "token.$": "$$.Task.Token", "order.$": "$.order" },
        HeartbeatSeconds: 3600,
        ResultPath: "$.answer",
        Next: "Ship",
      },
      Ship: { Type: "Wait", Seconds: 3600, Next: "Done" },
      Done: { Type: "Succeed" },
    },
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });

  // 1. From the execution page.
  const first = `exec-page-${suffix}`;
  await startExecution(MACHINE, first, { order: 1 });
  await openToken(MACHINE, first, "Ask");
  const page = await guardedPage(context, "execution page callback");
  // The first event stream drops at once: the page connects again, resuming after the last
  // event it has (Last-Event-ID), and the answer's events arrive on the new stream.
  const streams = [];
  page.on("request", (r) => r.url().includes("/events") && streams.push(r.headers()["last-event-id"] ?? "none"));
  let dropped = false;
  await page.route("**/events*", async (route) => {
    if (dropped) return route.continue();
    dropped = true;
    await route.fulfill({ status: 200, contentType: "text/event-stream", body: ": this connection drops\n\n" });
  });
  await page.goto(`${ORIGIN}/ui/state-machines/${MACHINE}/executions/${first}`);
  await waitForStatus(page, "Ask", "waiting-callback");
  const panel = page.locator('[data-callback-state="Ask"]');
  await panel.waitFor();
  await screenshot(page, "execution-waiting-callback.png");
  await panel.locator("textarea").fill('{"approved": true, "by": "execution page"}');
  await panel.getByRole("button", { name: /Send success/ }).click();
  await waitForStatus(page, "Ask", "succeeded");
  await waitForStatus(page, "Ship", "waiting-timer");
  await page.waitForSelector('[data-callback-state="Ask"]', { state: "detached" });
  const answered = await describe(MACHINE, first);
  check(answered.currentStates?.[0]?.name === "Ship", `after the answer: ${JSON.stringify(answered.currentStates)}`);
  check(streams.length >= 2 && streams[0] !== "none" && streams[1] === streams[0], `event streams: ${streams}`);
  log(`execution page: the event stream dropped and resumed (Last-Event-ID ${streams.join(", ")}); Ask went waiting-callback → succeeded, Ship waits on its timer`);
  page.verify();
  await page.close();

  // 2. From the approval page, in a context with no API token at all; a second tab opened
  //    before the answer then tries to answer again.
  const second = `approval-page-${suffix}`;
  await startExecution(MACHINE, second, { order: 2 });
  const token = await openToken(MACHINE, second, "Ask");
  const url = `${ORIGIN}/ui/callbacks/${token}`;
  const approver = await guardedPage(context, "approval page");
  const late = await guardedPage(context, "approval page answering again", {
    // The second answer is refused (409 TaskTimedOut: closed; 404 once the execution is
    // gone): the page then says why.
    allowedErrors: [/Failed to load resource: the server responded with a status of 40[49]/],
  });
  await approver.goto(url);
  await late.goto(url);
  for (const p of [approver, late]) {
    await p.waitForSelector('[data-testid=callback-page][data-outcome="WAITING"]');
    check((await p.innerText("[data-testid=callback-state]")).includes("Ask"), "the waiting state is shown");
    check((await p.innerText("main")).includes('"order": 2'), "the state's input is shown");
  }
  await screenshot(approver, "approval-waiting.png");
  await approver.fill("#approval-body", '{"approved": true, "by": "approval page"}');
  await approver.getByRole("button", { name: /Approve/ }).click();
  await approver.waitForSelector("[data-testid=answer-sent]");
  const view = await until("the approval to reach the execution", async () => {
    const v = await describe(MACHINE, second);
    return v.currentStates?.[0]?.name === "Ship" ? v : null;
  });
  check(view.status === "RUNNING", "the execution goes on to Ship");
  await screenshot(approver, "approval-sent.png");

  await late.getByRole("button", { name: /Approve/ }).click();
  await late.waitForSelector('[data-testid=callback-page][data-outcome="ANSWERED"] [data-testid=outcome]');
  const message = await late.innerText("[data-testid=outcome]");
  check(message.includes("already answered"), `second answer: ${message}`);
  check((await late.getByRole("button", { name: /Approve/ }).count()) === 0, "no Approve button once answered");
  await screenshot(late, "approval-already-answered.png");
  log(`approval page: approved; a second answer shows "${message.trim()}"`);
  approver.verify();
  late.verify();

  // 3. A token that timed out (its heartbeat passed; the error is caught and the execution
  //    goes on) and one whose execution was stopped: the page says which.
  await putMachine(`${MACHINE}-late`, {
    StartAt: "Quick",
    States: {
      Quick: {
        Type: "Callback",
        Parameters: { "token.$": "$$.Task.Token" },
        HeartbeatSeconds: 1,
        Catch: [{ ErrorEquals: ["States.HeartbeatTimeout"], Next: "Hold" }],
        Next: "Hold",
      },
      Hold: { Type: "Wait", Seconds: 3600, End: true },
    },
  });
  const slow = `timed-out-${suffix}`;
  await startExecution(`${MACHINE}-late`, slow, {});
  const slowToken = await openToken(`${MACHINE}-late`, slow, "Quick");
  const stopped = `stopped-${suffix}`;
  await startExecution(MACHINE, stopped, { order: 3 });
  const stoppedToken = await openToken(MACHINE, stopped, "Ask");
  await api(`/v1/state-machines/${MACHINE}/executions/${stopped}/stop`, { method: "POST", body: {} });
  await until("the heartbeat to pass", async () => (await describe(`${MACHINE}-late`, slow)).currentStates?.[0]?.name === "Hold");
  const outcomes = await guardedPage(context, "approval page of closed tokens");
  for (const [token, outcome, words] of [
    [slowToken, "TIMED_OUT", "timed out"],
    [stoppedToken, "EXECUTION_ENDED", "execution has ended"],
  ]) {
    await outcomes.goto(`${ORIGIN}/ui/callbacks/${token}`);
    await outcomes.waitForSelector(`[data-testid=callback-page][data-outcome="${outcome}"]`);
    const text = await outcomes.innerText("[data-testid=outcome]");
    check(text.includes(words), `${outcome}: ${text}`);
    check((await outcomes.getByRole("button", { name: /Approve/ }).count()) === 0, `no Approve button when ${outcome}`);
    log(`approval page, ${outcome}: "${text.trim()}"`);
  }
  await screenshot(outcomes, "approval-execution-ended.png");
  outcomes.verify();
  await context.close();
});
