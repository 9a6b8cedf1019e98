// The bearer token of `baton serve --auth-token`: asked for once when the API answers 401,
// kept in sessionStorage (gone when the tab closes), sent as `Authorization: Bearer …`.

const KEY = "baton.token";

type Listener = () => void;

/** A question to the user that the token dialog shows, when one is open. */
export interface TokenRequest {
  /** True when a token was sent and refused. */
  refused: boolean;
  answer(token: string | null): void;
}

let current: TokenRequest | null = null;
let pending: Promise<string | null> | null = null;
const listeners = new Set<Listener>();

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function store(token: string | null) {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage disabled: the token lives as long as this page.
  }
  memoryToken = token;
}

let memoryToken: string | null = null;

export function authorization(): Record<string, string> {
  const token = storedToken() ?? memoryToken;
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * Asks the user for a token (one dialog however many requests were refused at once).
 * Resolves to the token, or null when the user cancels.
 */
export function askForToken(): Promise<string | null> {
  if (pending) return pending;
  const refused = (storedToken() ?? memoryToken) !== null;
  pending = new Promise<string | null>((resolve) => {
    current = {
      refused,
      answer(token) {
        const value = token?.trim() || null;
        if (value) store(value);
        current = null;
        pending = null;
        notify();
        resolve(value);
      },
    };
    notify();
  });
  return pending;
}

export function currentTokenRequest(): TokenRequest | null {
  return current;
}

export function onTokenRequest(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify() {
  for (const listener of listeners) listener();
}
