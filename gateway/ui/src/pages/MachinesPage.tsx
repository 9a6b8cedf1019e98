// `/ui/`: the state machines, a page at a time, with their executions counted by status;
// and a form to add one.

import { useEffect, useState } from "preact/hooks";
import { api, apiPath } from "../api/client";
import { EXECUTION_STATUSES, type StateMachineList, type StateMachineView } from "../api/types";
import { ErrorBox, StatusBadge, Time } from "../components/common";
import { DefinitionForm } from "../components/DefinitionForm";
import { useAsync } from "../components/useAsync";
import { navigate, urls } from "../router";

const PAGE = 25;

export function MachinesPage() {
  const [cursors, setCursors] = useState<string[]>([]);
  const [adding, setAdding] = useState(false);
  const cursor = cursors[cursors.length - 1];
  const list = useAsync(
    (signal) => api<StateMachineList>(apiPath("state-machines"), { query: { limit: PAGE, cursor }, signal }),
    [cursor],
  );
  useEffect(() => {
    document.title = "State machines · Baton";
  }, []);

  return (
    <section>
      <div class="page-head">
        <h1>State machines</h1>
        <button type="button" class="primary" aria-expanded={adding} onClick={() => setAdding(!adding)}>
          {adding ? "Close" : "New state machine"}
        </button>
      </div>
      {adding && (
        <DefinitionForm
          onSaved={(view) => navigate(urls.machine(view.name))}
          onCancel={() => setAdding(false)}
        />
      )}
      <ErrorBox error={list.error} />
      {list.value && list.value.stateMachines.length === 0 && cursors.length === 0 && (
        <p class="empty">No state machines yet. Add one with “New state machine”.</p>
      )}
      {list.value && list.value.stateMachines.length > 0 && (
        <table class="list" data-testid="machines">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Revision</th>
              <th scope="col">Updated</th>
              <th scope="col">Executions</th>
            </tr>
          </thead>
          <tbody>
            {list.value.stateMachines.map((m) => (
              <MachineRow key={m.name} machine={m} />
            ))}
          </tbody>
        </table>
      )}
      <div class="pager">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Previous
        </button>
        <button
          type="button"
          disabled={!list.value?.next}
          onClick={() => list.value?.next && setCursors([...cursors, list.value.next])}
        >
          Next →
        </button>
      </div>
    </section>
  );
}

function MachineRow({ machine }: { machine: StateMachineView }) {
  const detail = useAsync(
    (signal) => api<StateMachineView>(apiPath("state-machines", machine.name), { signal }),
    [machine.name, machine.revision],
  );
  const counts = detail.value?.executionCounts;
  return (
    <tr data-machine={machine.name}>
      <td>
        <a href={urls.machine(machine.name)}>{machine.name}</a>
      </td>
      <td>{machine.type}</td>
      <td>{machine.revision}</td>
      <td>
        <Time value={machine.updatedAt} />
      </td>
      <td class="counts-cell">
        {counts
          ? EXECUTION_STATUSES.filter((s) => (counts[s] ?? 0) > 0).map((s) => (
              <a key={s} href={urls.machine(machine.name, { status: s })}>
                <StatusBadge status={s} count={counts[s]} />
              </a>
            ))
          : detail.loading
            ? "…"
            : ""}
        {counts && EXECUTION_STATUSES.every((s) => !counts[s]) && <span class="muted">none</span>}
      </td>
    </tr>
  );
}
