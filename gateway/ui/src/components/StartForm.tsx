// Starts an execution: an optional name and the input as JSON.

import { useState } from "preact/hooks";
import { api, apiPath } from "../api/client";
import type { ExecutionView } from "../api/types";
import { ErrorBox, parseJsonInput } from "./common";
import { Editor } from "./Editor";

export function StartForm({ machine, onStarted }: { machine: string; onStarted(view: ExecutionView): void }) {
  const [name, setName] = useState("");
  const [input, setInput] = useState("{}\n");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const parsed = parseJsonInput(input);

  const start = async (e: Event) => {
    e.preventDefault();
    if (parsed.error) return;
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { input: parsed.value };
      if (name.trim()) body.name = name.trim();
      onStarted(await api<ExecutionView>(apiPath("state-machines", machine, "executions"), { method: "POST", body }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="start-form" onSubmit={start} aria-label="Start an execution">
      <label>
        Execution name (optional)
        <input name="execution-name" maxLength={80} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label for="start-input">Input (JSON)</label>
      <Editor
        id="start-input"
        label="Input (JSON)"
        value={input}
        onInput={setInput}
        rows={6}
        marks={parsed.error ? new Map([[1, "error" as const]]) : undefined}
      />
      {parsed.error && <p class="field-error">{parsed.error}</p>}
      <ErrorBox error={error} />
      <button type="submit" class="primary" disabled={busy || !!parsed.error}>
        ▶ Start execution
      </button>
    </form>
  );
}
