// Loading data in a component: the value, the error, and a way to load again.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Async<T> {
  value?: T;
  error?: unknown;
  loading: boolean;
  reload(): void;
}

export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ value?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [seq, setSeq] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(controller.signal).then(
      (value) => !controller.signal.aborted && setState({ value, loading: false }),
      (error) => !controller.signal.aborted && setState((s) => ({ value: s.value, error, loading: false })),
    );
    return () => controller.abort();
  }, [...deps, seq]);
  const reload = useCallback(() => setSeq((n) => n + 1), []);
  return { ...state, reload };
}
