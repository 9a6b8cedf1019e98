// Accessibility of the console's pages, checked with axe-core (WCAG 2.1 A and AA rules,
// colour contrast included) on the list, a machine, a running execution with states in
// several statuses, and the approval page; and, since axe does not measure SVG text, the
// contrast of every graph node's text on its fill (WCAG AA: 4.5:1), status by status.
// axe is injected by the test (the pages' content security policy is bypassed for it; it
// makes no request).

import { createRequire } from "node:module";
import { ORIGIN, check, guardedPage, log, openToken, putMachine, run, startExecution, waitForStatus } from "./lib.mjs";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const MACHINE = "ui-a11y";

async function audit(page, name) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  const problems = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")} ${n.failureSummary ?? ""}`).join("; ")}`,
  );
  check(problems.length === 0, `${name}: axe found\n  ${problems.join("\n  ")}`);
  log(`${name}: axe passes ${result.passes.length} rules, no violations`);
}

/** Contrast of each node's texts on its box, by status. */
async function graphContrast(page) {
  return page.evaluate(() => {
    const rgb = (color) => color.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
    const luminance = ([r, g, b]) => {
      const c = [r, g, b].map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    const ratio = (a, b) => {
      const [l1, l2] = [luminance(rgb(a)), luminance(rgb(b))].sort((x, y) => y - x);
      return (l1 + 0.05) / (l2 + 0.05);
    };
    return [...document.querySelectorAll("[data-testid=graph] [data-state]")].map((node) => {
      const fill = getComputedStyle(node.querySelector(".node-box")).fill;
      const texts = [...node.querySelectorAll(".node-name, .node-info")].map((t) => ratio(getComputedStyle(t).fill, fill));
      return { state: node.getAttribute("data-state"), status: node.getAttribute("data-status"), worst: Math.min(...texts) };
    });
  });
}

await run("accessibility: axe on every page, contrast of the graph", async (browser) => {
  await putMachine(MACHINE, {
    StartAt: "Both",
    States: {
      Both: {
        Type: "Parallel",
        Branches: [
          { StartAt: "Ask", States: { Ask: { Type: "Callback", Parameters: { "token.$": "$$.Task.Token" }, HeartbeatSeconds: 3600, End: true } } },
          { StartAt: "Nap", States: { Nap: { Type: "Wait", Seconds: 3600, End: true } } },
          {
            StartAt: "Try",
            States: {
              Try: { Type: "Fail", Error: "Oops" },
            },
          },
        ],
        Catch: [{ ErrorEquals: ["States.ALL"], Next: "Handled" }],
        Next: "Done",
      },
      Handled: { Type: "Pass", Next: "Hold" },
      Hold: { Type: "Wait", Seconds: 3600, Next: "Done" },
      Done: { Type: "Succeed" },
    },
  });
  const name = `a11y-${Date.now()}`;
  await startExecution(MACHINE, name, {});
  const waiting = `a11y-waiting-${Date.now()}`;
  await putMachine(`${MACHINE}-ask`, {
    StartAt: "Ask",
    States: { Ask: { Type: "Callback", Parameters: { "token.$": "$$.Task.Token" }, HeartbeatSeconds: 3600, Next: "Go" }, Go: { Type: "Pass", End: true } },
  });
  await startExecution(`${MACHINE}-ask`, waiting, { order: 7 });
  const token = await openToken(`${MACHINE}-ask`, waiting, "Ask");

  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, bypassCSP: true });
  const page = await guardedPage(context, "accessibility");
  await page.goto(`${ORIGIN}/ui/`);
  await page.locator(`[data-testid=machines] tr[data-machine="${MACHINE}"]`).waitFor();
  await audit(page, "state machine list");

  await page.goto(`${ORIGIN}/ui/state-machines/${MACHINE}`);
  await page.locator('[data-testid=graph] [data-state="Ask"]').waitFor();
  await audit(page, "state machine page");

  await page.goto(`${ORIGIN}/ui/state-machines/${MACHINE}/executions/${name}`);
  await waitForStatus(page, "Hold", "waiting-timer");
  await waitForStatus(page, "Try", "failed");
  await waitForStatus(page, "Both", "caught");
  await page.click('[data-testid=graph] [data-state="Handled"]');
  await audit(page, "execution page");
  const contrast = await graphContrast(page);
  for (const c of contrast) log(`  ${c.state.padEnd(8)} ${String(c.status).padEnd(17)} text contrast ${c.worst.toFixed(1)}:1`);
  const low = contrast.filter((c) => c.worst < 4.5);
  check(low.length === 0, `graph text under 4.5:1: ${JSON.stringify(low)}`);

  await page.goto(`${ORIGIN}/ui/state-machines/${MACHINE}-ask/executions/${waiting}`);
  await waitForStatus(page, "Ask", "waiting-callback");
  const ask = await graphContrast(page);
  check(ask.every((c) => c.worst >= 4.5), `waiting-callback contrast: ${JSON.stringify(ask)}`);
  await audit(page, "execution page with a callback form");

  await page.goto(`${ORIGIN}/ui/callbacks/${token}`);
  await page.waitForSelector('[data-testid=callback-page][data-outcome="WAITING"]');
  await audit(page, "approval page");
  page.verify();
  await context.close();
});
