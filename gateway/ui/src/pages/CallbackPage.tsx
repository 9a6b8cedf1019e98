// `/ui/callbacks/{token}`: the approval page a task token links to. It needs no API token
// (the task token is the credential): it shows the execution, the waiting state and its
// input, and sends Approve (success) or Reject (failure); it says plainly when the request
// was already answered, timed out, or its execution ended.

import { useEffect, useState } from "preact/hooks";
import { ApiError, api, apiPath } from "../api/client";
import type { CallbackInfo, CallbackOutcome } from "../api/types";
import { AnswerForm } from "../components/AnswerForm";
import { ErrorBox, JsonBlock, StatusBadge, Time } from "../components/common";
import { useAsync } from "../components/useAsync";

const OUTCOME_TEXT: Record<Exclude<CallbackOutcome, "WAITING">, string> = {
  ANSWERED: "This request was already answered.",
  TIMED_OUT: "This request timed out before it was answered.",
  CLOSED: "This request is closed: it was already answered, or it timed out.",
  EXECUTION_ENDED: "The execution has ended: nothing waits for an answer any more.",
  GONE: "This request no longer exists.",
};

export function CallbackPage({ token }: { token: string }) {
  const info = useAsync((signal) => api<CallbackInfo>(apiPath("callbacks", token), { auth: false, signal }), [token]);
  const [sent, setSent] = useState<"success" | "failure" | null>(null);
  useEffect(() => {
    document.title = "Approval · Baton";
  }, []);

  const value = info.value;
  return (
    <section class="callback-page" data-testid="callback-page" data-outcome={value?.outcome}>
      <h1>Approval</h1>
      {info.error !== undefined && <ErrorBox>{tokenError(info.error)}</ErrorBox>}
      {sent && (
        <p class="notice success" role="status" data-testid="answer-sent">
          <span aria-hidden="true">✓ </span>
          {sent === "success" ? "Approved" : "Rejected"}: your answer was sent.
        </p>
      )}
      {value && (
        <>
          {value.outcome !== "WAITING" && !sent && (
            <p class="notice" role="status" data-testid="outcome">
              <span aria-hidden="true">ℹ </span>
              {value.outcome === "EXECUTION_ENDED"
                ? `The execution has ended (${value.execution.status}): nothing waits for an answer any more.`
                : OUTCOME_TEXT[value.outcome]}
            </p>
          )}
          <dl class="facts">
            <dt>Execution</dt>
            <dd>
              {value.execution.name} <span class="muted">of {value.execution.stateMachine}</span>
            </dd>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={value.execution.status} />
            </dd>
            <dt>Started</dt>
            <dd>
              <Time value={value.execution.startedAt} />
            </dd>
            {value.since && (
              <>
                <dt>Waiting since</dt>
                <dd>
                  <Time value={value.since} />
                </dd>
              </>
            )}
            <dt>Waiting state</dt>
            <dd data-testid="callback-state">
              {value.state}
              {value.attempt && value.attempt > 1 ? <span class="muted"> (attempt {value.attempt})</span> : null}
            </dd>
          </dl>
          {value.input !== undefined && (
            <>
              <h2>Input of {value.state}</h2>
              <JsonBlock value={value.input} label={`Input of ${value.state}`} />
            </>
          )}
          {value.parameters !== undefined && (
            <details>
              <summary>What the task was given</summary>
              <JsonBlock value={value.parameters} label="Parameters" />
            </details>
          )}
          {value.outcome === "WAITING" && !sent && (
            <AnswerForm
              token={token}
              id="approval"
              successLabel="Approve"
              failureLabel="Reject"
              defaultError="Rejected"
              onAnswered={(kind) => {
                setSent(kind);
                info.reload();
              }}
              onRefused={info.reload}
            />
          )}
        </>
      )}
    </section>
  );
}

function tokenError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === "InvalidToken") return "This link is not valid: its token is damaged or was not issued by this server.";
    if (error.code === "TaskDoesNotExist") return "The execution this request belonged to no longer exists.";
    return `${error.code}: ${error.message}`;
  }
  return String(error);
}
