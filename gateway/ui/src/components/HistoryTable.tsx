// The history of an execution as a table, filtered by event type and state; a row opens
// the event's whole JSON.

import { useMemo, useState } from "preact/hooks";
import type { HistoryEvent } from "../api/types";
import { eventSummary, eventTime } from "../execution/events";
import { JsonBlock } from "./common";

const SHOWN = 100;

export interface HistoryTableProps {
  events: HistoryEvent[];
  version: number;
  stateOfEvent: Map<number, string>;
  /** Shows only this state's events when set (the graph's selection). */
  state?: string;
}

export function HistoryTable({ events, version, stateOfEvent, state: selectedState }: HistoryTableProps) {
  const [type, setType] = useState("");
  const [state, setState] = useState("");
  const [limit, setLimit] = useState(SHOWN);
  const [open, setOpen] = useState<number | null>(null);
  const start = events.length ? eventTime(events[0]) : 0;

  const { types, states } = useMemo(() => {
    const types = new Set<string>();
    const states = new Set<string>();
    for (const e of events) types.add(e.type);
    for (const s of stateOfEvent.values()) states.add(s);
    return { types: [...types].sort(), states: [...states].sort() };
  }, [version, stateOfEvent]);

  const stateFilter = state || "";
  const rows = useMemo(
    () =>
      events.filter(
        (e) => (!type || e.type === type) && (!stateFilter || stateOfEvent.get(e.id) === stateFilter),
      ),
    [version, type, stateFilter, stateOfEvent],
  );
  const shown = rows.slice(0, limit);

  return (
    <section class="history" aria-labelledby="history-title">
      <div class="section-head">
        <h2 id="history-title">History</h2>
        <form class="filters" data-testid="history-filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter the history">
          <label>
            Type
            <select name="type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
              <option value="">all</option>
              {types.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
          <label>
            State
            <select name="state" value={state} onChange={(e) => setState(e.currentTarget.value)}>
              <option value="">all</option>
              {states.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          {selectedState && selectedState !== state && (
            <button type="button" onClick={() => setState(selectedState)}>
              Only “{selectedState}”
            </button>
          )}
          <span class="muted" aria-live="polite">
            {rows.length} of {events.length} events
          </span>
        </form>
      </div>
      <table class="list history-table" data-testid="history" data-events={events.length}>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Type</th>
            <th scope="col">State</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e) => (
            <Row
              key={e.id}
              event={e}
              start={start}
              state={stateOfEvent.get(e.id)}
              open={open === e.id}
              toggle={() => setOpen(open === e.id ? null : e.id)}
            />
          ))}
        </tbody>
      </table>
      {rows.length > shown.length && (
        <button type="button" onClick={() => setLimit(limit + SHOWN)}>
          Show {Math.min(SHOWN, rows.length - shown.length)} more of {rows.length - shown.length}
        </button>
      )}
    </section>
  );
}

interface RowProps {
  event: HistoryEvent;
  start: number;
  state?: string;
  open: boolean;
  toggle(): void;
}

function Row({ event, start, state, open, toggle }: RowProps) {
  const t = eventTime(event);
  const failed = /Failed|TimedOut|Aborted/.test(event.type);
  return (
    <>
      <tr class={failed ? "event-failed" : undefined} data-event-type={event.type}>
        <td>
          <button type="button" class="link" aria-expanded={open} onClick={toggle} aria-label={`Event ${event.id} details`}>
            {event.id}
          </button>
        </td>
        <td title={Number.isNaN(t) ? "" : new Date(t).toISOString()}>+{((t - start) / 1000).toFixed(3)} s</td>
        <td>
          {failed && <span aria-hidden="true">✗ </span>}
          {event.type}
        </td>
        <td>{state ?? ""}</td>
        <td class="summary">{eventSummary(event)}</td>
      </tr>
      {open && (
        <tr class="event-json">
          <td colSpan={5}>
            <JsonBlock value={event} label={`Event ${event.id}`} />
          </td>
        </tr>
      )}
    </>
  );
}
