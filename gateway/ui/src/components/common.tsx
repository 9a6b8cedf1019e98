// Small shared pieces: errors, execution status badges, times, JSON blocks.

import type { ComponentChildren } from "preact";
import { describeError } from "../api/client";
import type { ExecutionStatus } from "../api/types";

export function ErrorBox({ error, children }: { error?: unknown; children?: ComponentChildren }) {
  if (!error && !children) return null;
  return (
    <div class="error-box" role="alert">
      {error ? describeError(error) : null}
      {children}
    </div>
  );
}

const EXECUTION_ICON: Record<ExecutionStatus, string> = {
  RUNNING: "▶",
  SUCCEEDED: "✓",
  FAILED: "✗",
  TIMED_OUT: "◷",
  ABORTED: "■",
};

export function StatusBadge({ status, count }: { status: ExecutionStatus; count?: number }) {
  return (
    <span class={`badge-status exec-${status.toLowerCase()}`} data-execution-status={status}>
      <span aria-hidden="true">{EXECUTION_ICON[status]} </span>
      {status}
      {count !== undefined ? ` ${count}` : ""}
    </span>
  );
}

/** A time as local text, with the exact value as a tooltip. */
export function Time({ value }: { value?: string | number }) {
  if (value === undefined || value === "") return <span>—</span>;
  const date = new Date(typeof value === "number" ? value : value);
  if (Number.isNaN(date.getTime())) return <span>{String(value)}</span>;
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {formatTime(date)}
    </time>
  );
}

export function formatTime(date: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
  );
}

/** JSON (a value, or JSON text) pretty-printed. */
export function JsonBlock({ value, label }: { value: unknown; label?: string }) {
  let text: string;
  if (typeof value === "string") {
    try {
      text = JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      text = value;
    }
  } else if (value === undefined) {
    text = "—";
  } else {
    text = JSON.stringify(value, null, 2);
  }
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      {text}
    </pre>
  );
}

/** Parses JSON typed by a person: the value, or a message saying what is wrong. */
export function parseJsonInput(text: string): { value?: unknown; error?: string } {
  if (!text.trim()) return { value: {} };
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: `Not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}
