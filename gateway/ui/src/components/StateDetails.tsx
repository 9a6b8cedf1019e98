// The selected state of an execution: its status, and the input, output and error of its
// visits (the latest first; a Map's states are visited once per item).

import { useState } from "preact/hooks";
import type { StateNode } from "../asl/model";
import type { StateActivity, Visit } from "../execution/activity";
import { STATUS_PRIORITY } from "../execution/activity";
import { STATUS_TEXT, countsText } from "../graph/status";
import { JsonBlock, Time } from "./common";

const LISTED = 50;

export function StateDetails({ state, activity, onClose }: { state?: StateNode; activity?: StateActivity; onClose(): void }) {
  const visits = activity?.visits ?? [];
  const [chosen, setChosen] = useState(0);
  const latest = visits.slice(-LISTED).reverse();
  const visit: Visit | undefined = latest[Math.min(chosen, latest.length - 1)];
  const status = activity?.status ?? "not-started";
  const name = state?.name ?? activity?.name ?? "";
  return (
    <section class="panel state-details" aria-labelledby="state-title" data-testid="state-details" data-state={name}>
      <div class="section-head">
        <h2 id="state-title">
          {name} <span class="muted">{state?.type}</span>
        </h2>
        <button type="button" onClick={onClose} aria-label="Close the state's details">
          ×
        </button>
      </div>
      <p class={`status-line status-${status}`}>
        <span aria-hidden="true">{STATUS_TEXT[status].icon} </span>
        {STATUS_TEXT[status].text}
        {visits.length > 1 && ` · ${visits.length} visits: ${countsText(activity?.counts ?? {}, STATUS_PRIORITY)}`}
      </p>
      {state && state.retries.length > 0 && (
        <p class="muted">Retry: {state.retries.map((r) => `${r.errors.join(", ")} ×${r.maxAttempts}`).join("; ")}</p>
      )}
      {state && state.catches.length > 0 && (
        <p class="muted">Catch: {state.catches.map((c) => `${c.errors.join(", ")} → ${c.next}`).join("; ")}</p>
      )}
      {latest.length > 1 && (
        <label>
          Visit{" "}
          <select value={String(chosen)} onChange={(e) => setChosen(Number(e.currentTarget.value))}>
            {latest.map((v, i) => (
              <option key={v.enteredId} value={String(i)}>
                {v.frame.index !== undefined ? `item ${v.frame.index}` : `event ${v.enteredId}`} — {STATUS_TEXT[v.status].text}
              </option>
            ))}
          </select>
          {visits.length > LISTED && <span class="muted"> (latest {LISTED} of {visits.length})</span>}
        </label>
      )}
      {!visit && <p class="muted">This state has not run in this execution.</p>}
      {visit && (
        <>
          <p class="muted">
            Entered <Time value={visit.enteredAt} />
            {visit.exitedAt !== undefined && (
              <>
                {" "}
                · left after {((visit.exitedAt - visit.enteredAt) / 1000).toFixed(3)} s
              </>
            )}
            {visit.retries > 0 && ` · retried ${visit.retries}×`}
          </p>
          {(visit.error || visit.cause) && (
            <div class="error-box" role="note">
              <strong>{visit.error ?? "Error"}</strong> {visit.cause}
            </div>
          )}
          <h3>Input</h3>
          <JsonBlock value={visit.input} label={`Input of ${name}`} />
          <h3>Output</h3>
          <JsonBlock value={visit.output} label={`Output of ${name}`} />
        </>
      )}
    </section>
  );
}
