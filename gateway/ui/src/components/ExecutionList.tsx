// A state machine's executions, newest first, filtered by status, name prefix and start time
// (kept in the page's URL), a page at a time.

import { useState } from "preact/hooks";
import { api, apiPath } from "../api/client";
import { EXECUTION_STATUSES, type ExecutionList as List } from "../api/types";
import { navigate, urls } from "../router";
import { ErrorBox, StatusBadge, Time } from "./common";
import { useAsync } from "./useAsync";

const PAGE = 25;
/** Requests made at most to fill one page when the server returns short pages. */
const MAX_FOLLOW = 8;
const FILTERS = ["status", "namePrefix", "startedAfter", "startedBefore"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

export function ExecutionList({ machine, search, seq }: { machine: string; search: URLSearchParams; seq: number }) {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, search.get(f) ?? ""])) as Filters;
  const key = FILTERS.map((f) => filters[f]).join("\u0000");
  const [cursors, setCursors] = useState<{ key: string; list: string[] }>({ key, list: [] });
  const stack = cursors.key === key ? cursors.list : [];
  const cursor = stack[stack.length - 1];
  const list = useAsync(
    async (signal) => {
      // A name prefix makes the server scan a bounded number of entries per request, so a
      // page can come back short (even empty) with a `next`: follow it a few times to fill
      // the page before showing it.
      let page = await api<List>(apiPath("state-machines", machine, "executions"), {
        query: { ...filters, limit: PAGE, cursor },
        signal,
      });
      const executions = [...page.executions];
      for (let more = 0; more < MAX_FOLLOW && page.next && executions.length < PAGE; more++) {
        page = await api<List>(apiPath("state-machines", machine, "executions"), {
          query: { ...filters, limit: PAGE - executions.length, cursor: page.next },
          signal,
        });
        executions.push(...page.executions);
      }
      return { executions, next: page.next } as List;
    },
    [machine, key, cursor, seq],
  );

  const apply = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const query: Record<string, string> = {};
    for (const f of FILTERS) {
      const value = String(form.get(f) ?? "").trim();
      if (!value) continue;
      query[f] = f.startsWith("started") ? toRfc3339(value) : value;
    }
    const revision = search.get("revision");
    if (revision) query.revision = revision;
    navigate(urls.machine(machine, query), true);
  };

  return (
    <section aria-labelledby="executions-title">
      <h2 id="executions-title">Executions</h2>
      <form class="filters" key={key} onSubmit={apply} aria-label="Filter executions">
        <label>
          Status
          <select name="status" defaultValue={filters.status}>
            <option value="">any</option>
            {EXECUTION_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name starts with
          <input name="namePrefix" defaultValue={filters.namePrefix} />
        </label>
        <label>
          Started after
          <input type="datetime-local" step="1" name="startedAfter" defaultValue={toLocalInput(filters.startedAfter)} />
        </label>
        <label>
          Started before
          <input type="datetime-local" step="1" name="startedBefore" defaultValue={toLocalInput(filters.startedBefore)} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={list.error} />
      {list.value && list.value.executions.length === 0 && (
        <p class="empty">
          {list.value.next
            ? "No match among the executions read so far: Older → searches further."
            : "No executions match."}
        </p>
      )}
      {list.value && list.value.executions.length > 0 && (
        <table class="list" data-testid="executions">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Stopped</th>
            </tr>
          </thead>
          <tbody>
            {list.value.executions.map((x) => (
              <tr key={x.name} data-execution={x.name}>
                <td>
                  <a href={urls.execution(machine, x.name)}>{x.name}</a>
                </td>
                <td>
                  <StatusBadge status={x.status} />
                </td>
                <td>
                  <Time value={x.startedAt} />
                </td>
                <td>
                  <Time value={x.stoppedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="pager">
        <button type="button" disabled={stack.length === 0} onClick={() => setCursors({ key, list: stack.slice(0, -1) })}>
          ← Newer
        </button>
        <button
          type="button"
          disabled={!list.value?.next}
          onClick={() => list.value?.next && setCursors({ key, list: [...stack, list.value.next] })}
        >
          Older →
        </button>
      </div>
    </section>
  );
}

/** `2026-12-06T08:30:00` (local time, from the input) as RFC 3339 in UTC. */
function toRfc3339(local: string): string {
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}

/** RFC 3339 as a datetime-local input's value (local time). */
function toLocalInput(value: string): string {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
