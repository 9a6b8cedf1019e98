// Pages by URL under /ui/, with the History API: links change the URL without a reload,
// and every URL works when reloaded (the server answers index.html for any /ui/ page).

import { useEffect, useState } from "preact/hooks";

export const BASE = "/ui";

export type Route =
  | { page: "machines" }
  | { page: "machine"; name: string }
  | { page: "execution"; machine: string; execution: string }
  | { page: "callback"; token: string }
  | { page: "not-found" };

export function parseRoute(pathname: string): Route {
  const path = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = path.split("/").filter(Boolean).map(decode);
  if (parts.length === 0) return { page: "machines" };
  if (parts[0] === "state-machines") {
    if (parts.length === 1) return { page: "machines" };
    if (parts.length === 2) return { page: "machine", name: parts[1] };
    if (parts.length === 4 && parts[2] === "executions") {
      return { page: "execution", machine: parts[1], execution: parts[3] };
    }
  }
  if (parts[0] === "callbacks" && parts.length === 2) return { page: "callback", token: parts[1] };
  return { page: "not-found" };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export const urls = {
  machines: () => `${BASE}/`,
  machine: (name: string, query?: Record<string, string>) =>
    `${BASE}/state-machines/${encodeURIComponent(name)}${queryText(query)}`,
  execution: (machine: string, execution: string) =>
    `${BASE}/state-machines/${encodeURIComponent(machine)}/executions/${encodeURIComponent(execution)}`,
  callback: (token: string) => `${BASE}/callbacks/${encodeURIComponent(token)}`,
};

function queryText(query?: Record<string, string>): string {
  if (!query) return "";
  const text = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "")).toString();
  return text ? `?${text}` : "";
}

const listeners = new Set<() => void>();

export function navigate(url: string, replace = false) {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  for (const listener of listeners) listener();
  if (!replace) window.scrollTo(0, 0);
}

export interface Location {
  route: Route;
  search: URLSearchParams;
}

function current(): Location {
  return { route: parseRoute(location.pathname), search: new URLSearchParams(location.search) };
}

/** The current page; re-renders when it changes. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return loc;
}

/** Clicks on same-origin links under /ui/ change the page without a reload. */
export function interceptLinks() {
  document.addEventListener("click", (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.("a");
    if (!a || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith(`${BASE}/`)) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
}
