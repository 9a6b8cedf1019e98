// Reading history events: their details member, their time, short descriptions.

import type { HistoryEvent } from "../api/types";

export type Details = Record<string, unknown>;

/** The `…EventDetails` member of an event (empty when it has none). */
export function detailsOf(event: HistoryEvent): Details {
  for (const key in event) {
    if (key.endsWith("EventDetails")) {
      const value = event[key];
      if (typeof value === "object" && value !== null) return value as Details;
    }
  }
  return {};
}

/** Milliseconds since the epoch of an event (RFC 3339 text or epoch seconds). */
export function eventTime(event: HistoryEvent): number {
  const t = event.timestamp;
  return typeof t === "number" ? t * 1000 : Date.parse(t);
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** One line about an event for the history table. */
export function eventSummary(event: HistoryEvent): string {
  const d = detailsOf(event);
  const parts: string[] = [];
  if (typeof d.index === "number") parts.push(`item ${d.index}`);
  if (typeof d.length === "number") parts.push(`${d.length} items`);
  if (d.error !== undefined) parts.push(`error ${str(d.error) ?? JSON.stringify(d.error)}`);
  if (d.cause !== undefined) parts.push(clip(str(d.cause) ?? JSON.stringify(d.cause), 120));
  if (d.resource !== undefined && !event.type.startsWith("TaskSucceeded")) parts.push(String(d.resource));
  for (const key of ["input", "output", "parameters"]) {
    if (typeof d[key] === "string") parts.push(`${key} ${clip(d[key] as string, 80)}`);
  }
  return parts.join(" · ");
}

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
