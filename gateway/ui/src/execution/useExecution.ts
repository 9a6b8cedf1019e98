// An execution kept up to date: its describe, its whole history, and its machine's
// definition (at the execution's revision). While it runs, new events arrive from the
// event stream (or, on a server without one, by polling), and the describe is read again
// after each batch for `currentStates` and `openCallbacks`.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, apiPath, prefetch } from "../api/client";
import { followEvents } from "../api/stream";
import type { ExecutionView, HistoryEvent, HistoryPage, StateMachineView } from "../api/types";

export type Live = "loading" | "live" | "polling" | "ended" | "stopped";

export interface ExecutionData {
  view?: ExecutionView;
  events: HistoryEvent[];
  /** Bumped whenever `events` grows (the array is appended to in place). */
  eventsVersion: number;
  machine?: StateMachineView;
  error?: unknown;
  live: Live;
  refresh(): void;
}

const POLL_MS = 1000;
const PAGE = 1000;

/** Starts the execution page's first requests before the page renders. */
export function prefetchExecution(machine: string, execution: string) {
  const base = apiPath("state-machines", machine, "executions", execution);
  prefetch(base);
  prefetch(`${base}/history`, { limit: PAGE });
  prefetch(apiPath("state-machines", machine));
}

export function useExecution(machine: string, execution: string): ExecutionData {
  const [view, setView] = useState<ExecutionView>();
  const [machineView, setMachineView] = useState<StateMachineView>();
  const [eventsVersion, setEventsVersion] = useState(0);
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState<Live>("loading");
  const events = useRef<HistoryEvent[]>([]);
  const refreshRef = useRef<() => void>(() => {});

  useEffect(() => {
    const controller = new AbortController();
    const signal = controller.signal;
    const base = apiPath("state-machines", machine, "executions", execution);
    events.current = [];
    const lastId = () => events.current[events.current.length - 1]?.id ?? 0;
    const append = (batch: HistoryEvent[]) => {
      const after = lastId();
      const fresh = batch.filter((e) => e.id > after);
      if (fresh.length === 0) return;
      events.current.push(...fresh);
      setEventsVersion((v) => v + 1);
    };
    const describe = () => api<ExecutionView>(base, { signal }).then((v) => (signal.aborted ? v : (setView(v), v)));

    let describing: Promise<unknown> | null = null;
    let again = false;
    const refresh = () => {
      if (describing) {
        again = true;
        return;
      }
      describing = describe()
        .catch((e) => !signal.aborted && setError(e))
        .finally(() => {
          describing = null;
          if (again && !signal.aborted) {
            again = false;
            refresh();
          }
        });
    };
    refreshRef.current = refresh;

    // The first page is shown at once; the pages after it (a history over 1,000 events)
    // are shown together when all have arrived, not re-rendering the page for each.
    const readHistory = async () => {
      let cursor: string | undefined = lastId() > 0 ? String(lastId() + 1) : undefined;
      const rest: HistoryEvent[] = [];
      for (let first = true; ; first = false) {
        const page = await api<HistoryPage>(`${base}/history`, { query: { limit: PAGE, cursor }, signal });
        if (first) append(page.events);
        else rest.push(...page.events);
        if (!page.next || page.events.length === 0) break;
        cursor = page.next;
      }
      append(rest);
    };

    const poll = async () => {
      setLive("polling");
      while (!signal.aborted) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        if (signal.aborted) return;
        try {
          await readHistory();
          const v = await describe();
          if (v.status !== "RUNNING") {
            await readHistory();
            setLive("ended");
            return;
          }
        } catch (e) {
          if (!signal.aborted) setError(e);
        }
      }
    };

    (async () => {
      try {
        // The machine's latest revision is read beside the execution (usually the one it
        // runs); its own revision is read after when they differ.
        const first = describe();
        const history = readHistory();
        const latest = api<StateMachineView>(apiPath("state-machines", machine), { signal });
        const v = await first;
        // Baton keeps an old revision only while executions run it: an ended execution's
        // may be gone, and the latest is drawn instead (the page says so).
        const definition = latest.then((m) =>
          v.revision === undefined || m.revision === v.revision
            ? m
            : api<StateMachineView>(apiPath("state-machines", machine), { query: { revision: v.revision }, signal }).catch(
                (e) => {
                  if (e instanceof ApiError && e.status === 404) return m;
                  throw e;
                },
              ),
        );
        await Promise.all([history, definition.then((m) => !signal.aborted && setMachineView(m))]);
        if (signal.aborted) return;
        if (v.status !== "RUNNING") {
          setLive("ended");
          return;
        }
        setLive("live");
        let pending: ReturnType<typeof setTimeout> | undefined;
        await followEvents(
          `${base}/events`,
          lastId(),
          {
            onEvents(batch) {
              append(batch);
              clearTimeout(pending);
              pending = setTimeout(refresh, 100);
            },
            onEnd() {
              clearTimeout(pending);
              refresh();
              setLive("ended");
            },
            onUnavailable() {
              void poll();
            },
          },
          signal,
        );
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    })();
    return () => {
      controller.abort();
      setLive("stopped");
    };
  }, [machine, execution]);

  const refresh = useCallback(() => refreshRef.current(), []);
  return { view, events: events.current, eventsVersion, machine: machineView, error, live, refresh };
}
