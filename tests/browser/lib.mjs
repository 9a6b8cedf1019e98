// Shared by the console's browser tests: Chromium through playwright-core (no browser
// download: Debian's /usr/bin/chromium), pages that record every request and console
// message, the REST API from Node, screenshots, and plain assertions.
//
// Environment: BATON_URL (the server, e.g. http://127.0.0.1:34567), BATON_TOKEN (when the
// server needs one), SCREENSHOTS (a directory), CHROMIUM (default /usr/bin/chromium).

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const BASE = process.env.BATON_URL ?? fail("BATON_URL is not set");
export const ORIGIN = new URL(BASE).origin;
const SCREENSHOTS = process.env.SCREENSHOTS ?? "screenshots";
const TOKEN = process.env.BATON_TOKEN;

export function fail(message) {
  throw new Error(message);
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

export function log(...parts) {
  console.log(...parts);
}

export async function launch() {
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  return chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

/**
 * A page whose requests and console messages are recorded. `allowedErrors` lists console
 * errors a scenario causes on purpose (e.g. the 401 that makes the console ask for a
 * token), as regular expressions.
 */
export async function guardedPage(context, name, { allowedErrors = [] } = {}) {
  const page = await context.newPage();
  const record = { name, requests: [], errors: [] };
  page.on("request", (r) => record.requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") record.errors.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => record.errors.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // A stream the page closes itself (leaving the page, or the execution ended) is not a failure.
    const aborted = r.failure()?.errorText === "net::ERR_ABORTED";
    if (!aborted) record.errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.verify = () => {
    const foreign = record.requests.filter((u) => !u.startsWith(`${ORIGIN}/`) && !u.startsWith("data:"));
    check(foreign.length === 0, `${name}: requests to another host: ${foreign.join(", ")}`);
    const errors = record.errors.filter((e) => !allowedErrors.some((re) => re.test(e)));
    check(errors.length === 0, `${name}: console errors:\n  ${errors.join("\n  ")}`);
    log(`${name}: ${record.requests.length} requests, all to ${ORIGIN}; no console errors`);
  };
  page.setDefaultTimeout(15000);
  return page;
}

export async function screenshot(page, file, { fullPage = true } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, file);
  await page.screenshot({ path, fullPage });
  log(`screenshot ${path}`);
}

/** The REST API from Node (with the bearer token when the server needs one). */
export async function api(path, { method = "GET", body, token = TOKEN, contentType } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = contentType ?? "application/json";
  const response = await fetch(`${BASE}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const value = text.trim() ? JSON.parse(text) : undefined;
  if (!response.ok) fail(`${method} ${path} answered ${response.status}: ${text}`);
  return value;
}

export async function putMachine(name, definition) {
  return api(`/v1/state-machines/${name}`, { method: "PUT", body: definition });
}

export async function startExecution(machine, name, input = {}) {
  return api(`/v1/state-machines/${machine}/executions`, { method: "POST", body: { name, input } });
}

export async function describe(machine, execution) {
  return api(`/v1/state-machines/${machine}/executions/${execution}`);
}

/** Polls `probe` until it returns a truthy value. */
export async function until(what, probe, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The open callback token of a state of a running execution. */
export async function openToken(machine, execution, state) {
  const view = await until(`${state} of ${execution} to wait for a callback`, async () => {
    const v = await describe(machine, execution);
    return v.openCallbacks?.some((c) => c.state === state) ? v : null;
  });
  return view.openCallbacks.find((c) => c.state === state).token;
}

/** `data-status` of the graph node of `state`. */
export async function nodeStatus(page, state) {
  return page.locator(`[data-testid=graph] [data-state="${state}"]`).getAttribute("data-status");
}

export async function waitForStatus(page, state, status, timeout = 15000) {
  await page.waitForSelector(`[data-testid=graph] [data-state="${state}"][data-status="${status}"]`, { timeout });
}

/** Runs a scenario: a browser, the scenario, one line saying how it ended. */
export async function run(name, scenario) {
  const started = Date.now();
  const browser = await launch();
  try {
    await scenario(browser);
    log(`PASS ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    console.error(`FAIL ${name}: ${e.stack ?? e}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
