// Stops a running execution (it ends ABORTED), with an optional error and cause.

import { useState } from "preact/hooks";
import { api, apiPath } from "../api/client";
import { ErrorBox } from "./common";

export function StopForm({ machine, execution, onStopped }: { machine: string; execution: string; onStopped(): void }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState("");
  const [cause, setCause] = useState("");
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (!open) {
    return (
      <button type="button" class="danger" onClick={() => setOpen(true)}>
        ■ Stop
      </button>
    );
  }
  const stop = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      const body: Record<string, string> = {};
      if (error.trim()) body.error = error.trim();
      if (cause.trim()) body.cause = cause.trim();
      await api(apiPath("state-machines", machine, "executions", execution, "stop"), { method: "POST", body });
      setOpen(false);
      onStopped();
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="stop-form" onSubmit={stop} aria-label="Stop the execution">
      <label>
        Error
        <input name="error" value={error} onInput={(e) => setError(e.currentTarget.value)} />
      </label>
      <label>
        Cause
        <input name="cause" value={cause} onInput={(e) => setCause(e.currentTarget.value)} />
      </label>
      <button type="submit" class="danger" disabled={busy}>
        ■ Stop execution
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      <ErrorBox error={failure} />
    </form>
  );
}
