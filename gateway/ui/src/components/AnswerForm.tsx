// Answers a task waiting for a callback: success with a JSON output, or failure with an
// error and a cause. The task token is the credential (no API token is sent).

import { useState } from "preact/hooks";
import { api, apiPath } from "../api/client";
import { ErrorBox, parseJsonInput } from "./common";

export interface AnswerFormProps {
  token: string;
  /** Distinguishes the ids of several forms on one page. */
  id: string;
  successLabel: string;
  failureLabel: string;
  /** The error sent with a failure when none is typed. */
  defaultError?: string;
  onAnswered(kind: "success" | "failure"): void;
  onRefused?(error: unknown): void;
}

export function AnswerForm({ token, id, successLabel, failureLabel, defaultError, onAnswered, onRefused }: AnswerFormProps) {
  const [body, setBody] = useState("{}");
  const [error, setError] = useState("");
  const [cause, setCause] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const parsed = parseJsonInput(body);

  const send = async (kind: "success" | "failure") => {
    setBusy(true);
    setFailure(null);
    try {
      const payload: Record<string, string> = {};
      const errorName = error.trim() || defaultError;
      if (errorName) payload.error = errorName;
      if (cause.trim()) payload.cause = cause.trim();
      await api(apiPath("callbacks", token, kind), {
        method: "POST",
        body: kind === "success" ? parsed.value : payload,
        auth: false,
      });
      onAnswered(kind);
    } catch (e) {
      setFailure(e);
      onRefused?.(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="answer-form">
      <label for={`${id}-body`}>Output (JSON) sent with “{successLabel}”</label>
      <textarea
        id={`${id}-body`}
        class="small-editor"
        rows={4}
        spellcheck={false}
        value={body}
        onInput={(e) => setBody(e.currentTarget.value)}
      />
      {parsed.error && <p class="field-error">{parsed.error}</p>}
      <div class="actions">
        <button type="button" class="primary" disabled={busy || !!parsed.error} onClick={() => send("success")}>
          ✓ {successLabel}
        </button>
      </div>
      <fieldset>
        <legend>Or fail the task</legend>
        <label>
          Error
          <input name="error" value={error} placeholder={defaultError} onInput={(e) => setError(e.currentTarget.value)} />
        </label>
        <label>
          Cause
          <input name="cause" value={cause} onInput={(e) => setCause(e.currentTarget.value)} />
        </label>
        <button type="button" class="danger" disabled={busy} onClick={() => send("failure")}>
          ✗ {failureLabel}
        </button>
      </fieldset>
      <ErrorBox error={failure} />
    </div>
  );
}
