// The console's pages: the state machine list (with execution counts when the server gives
// them), a definition added from the UI with validation diagnostics shown in place, a
// machine's graph (Choice rules, Default, Catch and Retry, Parallel branches and a Map's item
// processor as nested groups), the execution list's filters, and each page's screenshot.

import { ORIGIN, api, check, guardedPage, log, putMachine, run, screenshot, startExecution, until } from "./lib.mjs";

const MACHINE = "ui-showcase";
const suffix = Date.now();

const SHOWCASE = {
  Comment: "Every kind of edge the console draws",
  StartAt: "Route",
  States: {
    Route: {
      Type: "Choice",
      Choices: [
        { Variable: "$.kind", StringEquals: "fan", Next: "Fan" },
        { And: [{ Variable: "$.n", IsPresent: true }, { Variable: "$.n", NumericGreaterThan: 10 }], Next: "Big" },
      ],
      Default: "Small",
    },
    Big: { Type: "Fail", Error: "TooBig" },
    Small: { Type: "Pass", Next: "Fan" },
    Fan: {
      Type: "Parallel",
      Branches: [
        { StartAt: "Left", States: { Left: { Type: "Pass", End: true } } },
        {
          StartAt: "Items",
          States: {
            Items: {
              Type: "Map",
              ItemsPath: "$.items",
              ItemProcessor: { StartAt: "Each", States: { Each: { Type: "Pass", End: true } } },
              End: true,
            },
          },
        },
      ],
      Retry: [{ ErrorEquals: ["States.ALL"], MaxAttempts: 2 }],
      Catch: [{ ErrorEquals: ["States.ALL"], Next: "Recover" }],
      Next: "Done",
    },
    Recover: { Type: "Pass", Next: "Done" },
    Done: { Type: "Succeed" },
  },
};
const ALL_STATES = ["Route", "Big", "Small", "Fan", "Left", "Items", "Each", "Recover", "Done"];

await run("pages: list, editor diagnostics, graph, filters", async (browser) => {
  await putMachine(MACHINE, SHOWCASE);
  await startExecution(MACHINE, `ok-${suffix}`, { kind: "fan", items: [1, 2, 3] });
  await startExecution(MACHINE, `big-${suffix}`, { n: 50 });
  await until("both executions to end", async () => {
    const list = await api(`/v1/state-machines/${MACHINE}/executions`);
    return list.executions.every((x) => x.status !== "RUNNING");
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });

  // The list of state machines.
  const list = await guardedPage(context, "state machine list");
  await list.goto(`${ORIGIN}/ui/`);
  const row = list.locator(`[data-testid=machines] tr[data-machine="${MACHINE}"]`);
  await row.waitFor();
  const counts = (await api(`/v1/state-machines/${MACHINE}`)).executionCounts;
  check(counts && counts.SUCCEEDED >= 1 && counts.FAILED >= 1, `executionCounts: ${JSON.stringify(counts)}`);
  await row.locator('[data-execution-status="FAILED"]').waitFor();
  const text = await row.innerText();
  check(text.includes(`SUCCEEDED ${counts.SUCCEEDED}`) && text.includes(`FAILED ${counts.FAILED}`), `counts: ${text}`);
  log(`list: execution counts shown (${JSON.stringify(counts)})`);
  await screenshot(list, "machines.png");

  // A definition with a mistake: the diagnostic is listed and its line highlighted.
  await list.getByRole("button", { name: "New state machine" }).click();
  await list.fill('input[name="name"]', `typed-${suffix}`);
  const broken = '{\n  "StartAt": "A",\n  "States": {\n    "A": {"Type": "Pass", "Next": "Nowhere"}\n  }\n}\n';
  await list.fill("#definition", broken);
  const diagnostic = list.locator("[data-testid=diagnostics] .diagnostic.error").first();
  await diagnostic.waitFor();
  const line = await diagnostic.getAttribute("data-line");
  check(line === "4", `the diagnostic's line: ${line} (${await diagnostic.innerText()})`);
  check((await diagnostic.innerText()).includes("Nowhere"), "the message names the missing state");
  await list.locator('[data-testid=line-mark][data-line="4"]').waitFor();
  check(await list.getByRole("button", { name: "Create" }).isDisabled(), "Create is disabled while there are errors");
  await screenshot(list, "editor-diagnostics.png");
  await list.fill("#definition", broken.replace("Nowhere", "B").replace('"Nowhere"', '"B"').replace("\n  }\n}", ',\n    "B": {"Type": "Succeed"}\n  }\n}'));
  await list.locator("[data-testid=diagnostics] h3", { hasText: "Valid" }).waitFor();
  // YAML too: the problem's line is found from its JSON Pointer.
  await list.fill("#definition", "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Next: B\n  B:\n    Type: Wait\n    Seconds: -1\n    End: true\n");
  const yaml = list.locator("[data-testid=diagnostics] .diagnostic.error").first();
  await list.locator('[data-testid=diagnostics] .diagnostic.error[data-line="8"]').waitFor();
  log(`editor: YAML problem on line ${await yaml.getAttribute("data-line")}: ${(await yaml.innerText()).split("\n")[1]}`);
  await list.fill("#definition", "StartAt: A\nStates:\n  A:\n    Type: Wait\n    Seconds: 3600\n    Next: B\n  B:\n    Type: Succeed\n");
  await list.locator("[data-testid=diagnostics] h3", { hasText: "Valid" }).waitFor();
  await list.getByRole("button", { name: "Create" }).click();
  await list.waitForURL(`**/ui/state-machines/typed-${suffix}`);
  await list.locator('[data-testid=graph] [data-state="B"]').waitFor();
  log("editor: the error is shown on line 4 and highlighted; once fixed the machine is created (from YAML)");

  // A new revision from the editor; the first one, kept while an execution runs it, stays
  // viewable with ?revision=1.
  await startExecution(`typed-${suffix}`, "on-revision-1", {});
  await list.getByRole("button", { name: "Edit definition" }).click();
  const edited = (await list.inputValue("#definition")).replace('"Type": "Succeed"', '"Type": "Pass", "End": true');
  await list.fill("#definition", edited);
  await list.locator("[data-testid=diagnostics] h3", { hasText: "Valid" }).waitFor();
  await list.getByRole("button", { name: "Save new revision" }).click();
  await list.locator('[data-testid=graph] [data-state="B"][data-type="Pass"]').waitFor();
  await list.selectOption("select#revision", "1");
  await list.waitForURL(/revision=1/);
  await list.locator('[data-testid=graph] [data-state="B"][data-type="Succeed"]').waitFor();
  check((await list.innerText("#graph-title")).includes("revision 1"), "the graph is revision 1's");
  log("revisions: saved revision 2 from the editor; ?revision=1 shows the first");
  list.verify();
  await list.close();

  // The graph of a machine.
  const machine = await guardedPage(context, "state machine page");
  await machine.goto(`${ORIGIN}/ui/state-machines/${MACHINE}`);
  await machine.locator('[data-testid=graph] [data-state="Each"]').waitFor();
  const drawn = await machine.locator("[data-testid=graph] [data-state]").evaluateAll((els) => els.map((e) => e.getAttribute("data-state")));
  check(ALL_STATES.every((s) => drawn.includes(s)) && drawn.length === ALL_STATES.length, `states drawn: ${drawn}`);
  const labels = await machine.locator("[data-testid=graph] .edge-label").allTextContents();
  for (const want of ['$.kind == "fan"', "Default", "Catch States.ALL"]) {
    check(labels.some((l) => l.includes(want)), `edge label ${want} in ${JSON.stringify(labels)}`);
  }
  check(labels.some((l) => l.includes("$.n is present") && l.includes("and")), `And rule label in ${JSON.stringify(labels)}`);
  const badge = await machine.locator('[data-testid=graph] [data-state="Fan"] .badge').textContent();
  check(badge.includes("2"), `Retry badge: ${badge}`);
  // Nested groups: Left and Items inside Fan's group, Each inside Items' group.
  const inside = await machine.evaluate(() => {
    const group = (name) => document.querySelector(`[data-state="${name}"]`).closest(".node.group");
    const within = (inner, outer) => group(outer).contains(document.querySelector(`[data-state="${inner}"]`));
    return { left: within("Left", "Fan"), items: within("Items", "Fan"), each: within("Each", "Items") };
  });
  check(inside.left && inside.items && inside.each, `nesting: ${JSON.stringify(inside)}`);
  log(`graph: ${drawn.length} states, edge labels ${JSON.stringify(labels)}, Retry badge "${badge}", nested groups ok`);
  await screenshot(machine, "machine.png");

  // Filters of the execution list (kept in the URL).
  await machine.selectOption('select[name="status"]', "FAILED");
  await machine.getByRole("button", { name: "Filter" }).click();
  await machine.waitForURL(/status=FAILED/);
  await until("the FAILED filter", async () => {
    const names = await executionNames(machine);
    return names.includes(`big-${suffix}`) && !names.includes(`ok-${suffix}`);
  });
  await machine.selectOption('select[name="status"]', "");
  await machine.fill('input[name="namePrefix"]', "ok-");
  await machine.getByRole("button", { name: "Filter" }).click();
  await until("the name prefix filter", async () => {
    const names = await executionNames(machine);
    return names.includes(`ok-${suffix}`) && names.every((n) => n.startsWith("ok-"));
  });
  await machine.fill('input[name="namePrefix"]', "");
  await machine.fill('input[name="startedAfter"]', "2999-01-01T00:00:00");
  await machine.getByRole("button", { name: "Filter" }).click();
  await machine.waitForURL(/startedAfter=2999/);
  await machine.locator("text=No executions match.").waitFor();
  log("filters: status, name prefix and start time narrow the list");
  machine.verify();
  await context.close();
});

async function executionNames(page) {
  return page.locator("[data-testid=executions] tr[data-execution]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-execution")));
}
