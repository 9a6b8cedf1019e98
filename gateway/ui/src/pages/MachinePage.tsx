// `/ui/state-machines/{name}`: the machine's graph (any revision with `?revision=N`), its
// executions, a form to start one, and an editor for a new revision.

import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, api, apiPath, describeError } from "../api/client";
import { EXECUTION_STATUSES, type StateMachineView } from "../api/types";
import { readDefinition } from "../asl/model";
import { ErrorBox, JsonBlock, StatusBadge, Time } from "../components/common";
import { DefinitionForm } from "../components/DefinitionForm";
import { ExecutionList } from "../components/ExecutionList";
import { StartForm } from "../components/StartForm";
import { useAsync } from "../components/useAsync";
import { Graph } from "../graph/Graph";
import { layoutDefinition } from "../graph/layout";
import { navigate, urls } from "../router";

export function MachinePage({ name, search }: { name: string; search: URLSearchParams }) {
  const revision = search.get("revision") ?? "";
  const [editing, setEditing] = useState(false);
  const [seq, setSeq] = useState(0);
  const latest = useAsync((signal) => api<StateMachineView>(apiPath("state-machines", name), { signal }), [name, seq]);
  const shown = useAsync(
    (signal) =>
      revision
        ? api<StateMachineView>(apiPath("state-machines", name), { query: { revision }, signal })
        : Promise.resolve(undefined),
    [name, revision, seq],
  );
  const view = revision ? shown.value : latest.value;
  const graph = useMemo(() => (view?.definition ? layoutDefinition(readDefinition(view.definition)) : undefined), [view]);
  useEffect(() => {
    document.title = `${name} · Baton`;
  }, [name]);

  const revisions = latest.value ? Array.from({ length: latest.value.revision }, (_, i) => latest.value!.revision - i) : [];
  const counts = latest.value?.executionCounts;

  return (
    <section>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={urls.machines()}>State machines</a> › <span aria-current="page">{name}</span>
      </nav>
      <div class="page-head">
        <h1>{name}</h1>
        {latest.value && (
          <span class="muted">
            {latest.value.type} · updated <Time value={latest.value.updatedAt} />
          </span>
        )}
        {counts && (
          <span class="counts" aria-label="Executions by status">
            {EXECUTION_STATUSES.filter((s) => (counts[s] ?? 0) > 0).map((s) => (
              <StatusBadge key={s} status={s} count={counts[s]} />
            ))}
          </span>
        )}
      </div>
      <ErrorBox error={latest.error} />
      {revision && shown.error !== undefined && (
        <ErrorBox>
          {shown.error instanceof ApiError && shown.error.status === 404
            ? `Revision ${revision} is not kept: Baton keeps an old revision only while executions run it.`
            : describeError(shown.error)}
        </ErrorBox>
      )}
      {latest.value && (
        <div class="toolbar">
          <label>
            Revision{" "}
            <select
              id="revision"
              value={revision || String(latest.value.revision)}
              onChange={(e) => {
                const r = e.currentTarget.value;
                navigate(urls.machine(name, r === String(latest.value?.revision) ? {} : { revision: r }), true);
              }}
            >
              {revisions.map((r) => (
                <option key={r} value={String(r)}>
                  {r === latest.value?.revision ? `${r} (latest)` : r}
                </option>
              ))}
            </select>
          </label>
          <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            {editing ? "Close editor" : "Edit definition"}
          </button>
        </div>
      )}
      {editing && view?.definition && (
        <DefinitionForm
          name={name}
          initial={JSON.stringify(view.definition, null, 2) + "\n"}
          onSaved={() => {
            setEditing(false);
            setSeq(seq + 1);
            navigate(urls.machine(name), true);
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      <div class="machine-layout">
        <section class="panel graph-panel" aria-labelledby="graph-title">
          <h2 id="graph-title">Graph{view ? ` — revision ${view.revision}` : ""}</h2>
          {graph && <Graph graph={graph} label={`States of ${name}`} />}
          {view?.definition && (
            <details>
              <summary>Definition (JSON)</summary>
              <JsonBlock value={view.definition} label="Definition" />
            </details>
          )}
        </section>
        <section class="panel start-panel" aria-labelledby="start-title">
          <h2 id="start-title">Start an execution</h2>
          <StartForm machine={name} onStarted={(x) => navigate(urls.execution(name, x.name))} />
        </section>
      </div>
      <ExecutionList machine={name} search={search} seq={seq} />
    </section>
  );
}
