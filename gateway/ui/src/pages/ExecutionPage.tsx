// `/ui/state-machines/{name}/executions/{execution}`: the graph coloured by what happened,
// live while the execution runs; the selected state's input and output; the history; and
// actions: stop, answer a waiting callback.

import { useEffect, useMemo, useState } from "preact/hooks";
import type { ExecutionView } from "../api/types";
import { readDefinition, statesByName } from "../asl/model";
import { AnswerForm } from "../components/AnswerForm";
import { ErrorBox, JsonBlock, StatusBadge, Time } from "../components/common";
import { HistoryTable } from "../components/HistoryTable";
import { StateDetails } from "../components/StateDetails";
import { StopForm } from "../components/StopForm";
import { computeActivity } from "../execution/activity";
import { useExecution, type Live } from "../execution/useExecution";
import { Graph } from "../graph/Graph";
import { layoutDefinition } from "../graph/layout";
import { STATUS_TEXT } from "../graph/status";
import { urls } from "../router";

/** Current states listed beside the graph (a large Map has many). */
const CURRENT_SHOWN = 20;

const LIVE_TEXT: Record<Live, string> = {
  loading: "loading…",
  live: "● live",
  polling: "● live (polling)",
  ended: "",
  stopped: "",
};

export function ExecutionPage({ machine, execution }: { machine: string; execution: string }) {
  const data = useExecution(machine, execution);
  const { view, events, eventsVersion } = data;
  const [selected, setSelected] = useState<string>();
  const scope = useMemo(() => (data.machine?.definition ? readDefinition(data.machine.definition) : undefined), [data.machine]);
  const graph = useMemo(() => (scope ? layoutDefinition(scope) : undefined), [scope]);
  const states = useMemo(() => (scope ? statesByName(scope) : undefined), [scope]);
  const activity = useMemo(() => computeActivity(events, view), [eventsVersion, view]);
  useEffect(() => {
    document.title = `${execution} · ${machine} · Baton`;
  }, [machine, execution]);

  return (
    <section>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={urls.machines()}>State machines</a> › <a href={urls.machine(machine)}>{machine}</a> ›{" "}
        <span aria-current="page">{execution}</span>
      </nav>
      <div class="page-head">
        <h1>{execution}</h1>
        {view && <StatusBadge status={view.status} />}
        <span class="muted live" aria-live="polite" data-live={data.live}>
          {LIVE_TEXT[data.live]}
        </span>
        {view?.status === "RUNNING" && <StopForm machine={machine} execution={execution} onStopped={data.refresh} />}
      </div>
      <ErrorBox error={data.error} />
      {view && <Summary view={view} revision={data.machine?.revision} />}
      {view?.revision !== undefined && data.machine && data.machine.revision !== view.revision && (
        <p class="notice" role="note">
          Revision {view.revision}, which this execution ran, is no longer kept: the graph shows revision{" "}
          {data.machine.revision}.
        </p>
      )}
      <div class="execution-layout">
        <section class="panel graph-panel" aria-labelledby="graph-title">
          <h2 id="graph-title">Graph</h2>
          {graph ? (
            <Graph
              graph={graph}
              activity={activity}
              selected={selected}
              onSelect={(name) => setSelected(name === selected ? undefined : name)}
              label={`States of ${machine}, coloured by what happened in ${execution}`}
            />
          ) : (
            <p class="muted">Loading the definition…</p>
          )}
          <Legend />
        </section>
        <div class="side">
          {selected && (
            <StateDetails
              key={selected}
              state={states?.get(selected)}
              activity={activity.states.get(selected)}
              onClose={() => setSelected(undefined)}
            />
          )}
          {!selected && (
            <p class="panel muted hint">Select a state (click it, or Tab to it and press Enter) to see its input and output.</p>
          )}
          {view && <Waiting view={view} onAnswered={data.refresh} />}
        </div>
      </div>
      <HistoryTable events={events} version={eventsVersion} stateOfEvent={activity.stateOfEvent} state={selected} />
    </section>
  );
}

function Summary({ view, revision }: { view: ExecutionView; revision?: number }) {
  return (
    <div class="summary-grid">
      <dl>
        <dt>Started</dt>
        <dd>
          <Time value={view.startedAt} />
        </dd>
        <dt>Stopped</dt>
        <dd>
          <Time value={view.stoppedAt} />
        </dd>
        <dt>Revision</dt>
        <dd>{view.revision ?? revision ?? "—"}</dd>
        {view.error !== undefined && (
          <>
            <dt>Error</dt>
            <dd class="error-text">{view.error}</dd>
          </>
        )}
        {view.cause !== undefined && (
          <>
            <dt>Cause</dt>
            <dd>{view.cause}</dd>
          </>
        )}
      </dl>
      <details>
        <summary>Execution input</summary>
        <JsonBlock value={view.input} label="Execution input" />
      </details>
      {view.output !== undefined && (
        <details open>
          <summary>Execution output</summary>
          <JsonBlock value={view.output} label="Execution output" />
        </details>
      )}
    </div>
  );
}

function Waiting({ view, onAnswered }: { view: ExecutionView; onAnswered(): void }) {
  if (view.status !== "RUNNING") return null;
  const current = view.currentStates ?? [];
  const callbacks = view.openCallbacks ?? [];
  return (
    <>
      {current.length > 0 && (
        <section class="panel" aria-labelledby="current-title">
          <h2 id="current-title">Current states</h2>
          <ul class="current-states" data-testid="current-states">
            {current.slice(0, CURRENT_SHOWN).map((c, i) => (
              <li key={i} data-state={c.name}>
                <strong>{c.name}</strong> {c.status.toLowerCase().replace("_", " ")}
                {c.within && c.within.length > 0 && (
                  <span class="muted"> in {c.within.map((w) => `${w.state}[${w.index}]`).join(" › ")}</span>
                )}{" "}
                <span class="muted">
                  since <Time value={c.enteredAt} />
                </span>
              </li>
            ))}
          </ul>
          {Math.max(view.currentStatesTotal ?? 0, current.length) > CURRENT_SHOWN && (
            <p class="muted">
              and {Math.max(view.currentStatesTotal ?? 0, current.length) - CURRENT_SHOWN} more (
              {Math.max(view.currentStatesTotal ?? 0, current.length)} in all; the graph counts them by state)
            </p>
          )}
        </section>
      )}
      {callbacks.map((c) => (
        <section class="panel callback" key={c.token} aria-label={`Callback of ${c.state}`} data-callback-state={c.state}>
          <h2>
            <span aria-hidden="true">{STATUS_TEXT["waiting-callback"].icon} </span>
            {c.state} waits for a callback
          </h2>
          <p class="muted">
            Since <Time value={c.since} />
            {c.within && c.within.length > 0 && ` · in ${c.within.map((w) => `${w.state}[${w.index}]`).join(" › ")}`} ·{" "}
            <a href={urls.callback(c.token)}>approval page</a>
          </p>
          <AnswerForm
            token={c.token}
            id={`cb-${c.token.slice(-12)}`}
            successLabel="Send success"
            failureLabel="Send failure"
            onAnswered={onAnswered}
            onRefused={onAnswered}
          />
        </section>
      ))}
    </>
  );
}

function Legend() {
  const shown = ["running", "waiting-timer", "waiting-callback", "retrying", "succeeded", "caught", "failed", "aborted"] as const;
  return (
    <ul class="legend" aria-label="Legend">
      {shown.map((s) => (
        <li key={s} class={`status-${s}`}>
          <span class="swatch" aria-hidden="true">
            {STATUS_TEXT[s].icon}
          </span>{" "}
          {STATUS_TEXT[s].text}
        </li>
      ))}
    </ul>
  );
}
