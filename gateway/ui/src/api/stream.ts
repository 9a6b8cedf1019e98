// Live history: `GET …/executions/{execution}/events` (Server-Sent Events) read with fetch and
// a stream reader, so the bearer token can be sent (EventSource cannot send headers). The
// stream resumes after the last event received (Last-Event-ID) when the connection drops.

import { askForToken, authorization } from "./auth";
import type { ExecutionStatus, HistoryEvent } from "./types";

export interface StreamHandlers {
  onEvents(events: HistoryEvent[]): void;
  onEnd(status: ExecutionStatus | undefined): void;
  /** The server has no event stream (or refused it): the caller polls instead. */
  onUnavailable(reason: string): void;
}

export interface StreamMessage {
  id?: string;
  event: string;
  data: string;
}

/** Splits Server-Sent Events text into messages; returns the unfinished rest. */
export function parseMessages(buffer: string, out: StreamMessage[]): string {
  const normalized = buffer.replace(/\r\n?/g, "\n");
  let start = 0;
  for (;;) {
    const end = normalized.indexOf("\n\n", start);
    if (end < 0) break;
    const block = normalized.slice(start, end);
    start = end + 2;
    const message: StreamMessage = { event: "message", data: "" };
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") data.push(value);
      else if (field === "event") message.event = value;
      else if (field === "id") message.id = value;
    }
    if (data.length || message.id !== undefined) {
      message.data = data.join("\n");
      out.push(message);
    }
  }
  return normalized.slice(start);
}

/**
 * Follows the execution's events after event `after` until the execution ends or `signal`
 * aborts. Reconnects (1 s, then up to 5 s apart) when the connection drops.
 */
export async function followEvents(
  path: string,
  after: number,
  handlers: StreamHandlers,
  signal: AbortSignal,
): Promise<void> {
  let lastId = after;
  let delay = 1000;
  while (!signal.aborted) {
    let response: Response;
    try {
      const headers: Record<string, string> = { accept: "text/event-stream", ...authorization() };
      if (lastId > 0) headers["last-event-id"] = String(lastId);
      response = await fetch(path, { headers, signal, credentials: "omit", cache: "no-store" });
    } catch {
      if (signal.aborted) return;
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 5000);
      continue;
    }
    if (response.status === 401) {
      if (await askForToken()) continue;
      handlers.onUnavailable("no API token");
      return;
    }
    const type = response.headers.get("content-type") ?? "";
    if (!response.ok || !type.startsWith("text/event-stream") || !response.body) {
      handlers.onUnavailable(`the event stream answered ${response.status}`);
      return;
    }
    delay = 1000;
    const ended = await readStream(response.body, handlers, (id) => (lastId = id), signal);
    if (ended) return;
    await sleep(delay, signal);
  }
}

async function readStream(
  body: ReadableStream<Uint8Array>,
  handlers: StreamHandlers,
  seen: (id: number) => void,
  signal: AbortSignal,
): Promise<boolean> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      buffer += decoder.decode(value, { stream: true });
      const messages: StreamMessage[] = [];
      buffer = parseMessages(buffer, messages);
      const events: HistoryEvent[] = [];
      for (const message of messages) {
        if (message.event === "end") {
          if (events.length) handlers.onEvents(events.splice(0));
          handlers.onEnd(parseEnd(message.data));
          return true;
        }
        if (message.event !== "history") continue;
        try {
          const event = JSON.parse(message.data) as HistoryEvent;
          events.push(event);
          seen(event.id);
        } catch {
          // A message that is not JSON is skipped; the next describe shows the truth.
        }
      }
      if (events.length) handlers.onEvents(events);
    }
  } catch {
    return signal.aborted;
  } finally {
    reader.releaseLock();
  }
}

function parseEnd(data: string): ExecutionStatus | undefined {
  try {
    return (JSON.parse(data) as { status?: ExecutionStatus }).status;
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
