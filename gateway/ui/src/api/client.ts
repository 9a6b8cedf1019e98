// Calls to Baton's REST API: JSON in and out, errors as ApiError, and the bearer token asked
// for when the server answers 401.

import { askForToken, authorization } from "./auth";
import type { ErrorBody } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body?: ErrorBody,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  method?: string;
  /** A JSON value (sent as JSON) or text (sent as is, with `contentType`). */
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | undefined | null>;
  /** False for the callback routes: the task token is the credential. */
  auth?: boolean;
  signal?: AbortSignal;
}

export function withQuery(path: string, query?: RequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** `/v1/...` with each name segment encoded. */
export function apiPath(...segments: string[]): string {
  return "/v1/" + segments.map((s, i) => (i % 2 === 1 ? encodeURIComponent(s) : s)).join("/");
}

/** GET requests started before the page rendered (see `prefetch`), by URL. */
const early = new Map<string, Promise<Response>>();

/**
 * Starts a GET now (e.g. while the page's first render is being prepared); the first `api`
 * call for the same URL takes its answer instead of asking again.
 */
export function prefetch(path: string, query?: RequestOptions["query"]) {
  const url = withQuery(path, query);
  if (early.has(url)) return;
  const response = send(url, {}, true);
  early.set(url, response);
  // An answer nobody took soon is stale: later calls ask again.
  setTimeout(() => early.get(url) === response && early.delete(url), 10000);
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const useAuth = options.auth ?? true;
  const url = withQuery(path, options.query);
  const started = (options.method ?? "GET") === "GET" && useAuth ? early.get(url) : undefined;
  early.delete(url);
  for (let first = true; ; first = false) {
    const response = first && started ? await started.catch(() => send(url, options, useAuth)) : await send(url, options, useAuth);
    if (response.status === 401 && useAuth) {
      const token = await askForToken();
      if (token) continue;
    }
    return read<T>(response);
  }
}

/** One request to `url` (path and query). */
async function send(url: string, options: RequestOptions, useAuth: boolean): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (useAuth) Object.assign(headers, authorization());
  let body: string | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === "string" && options.contentType) {
      body = options.body;
      headers["content-type"] = options.contentType;
    } else {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
  }
  try {
    return await fetch(url, {
      method: options.method ?? "GET",
      headers,
      body,
      signal: options.signal,
      credentials: "omit",
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "NetworkError", `The server could not be reached (${String(e)}).`);
  }
}

async function read<T>(response: Response): Promise<T> {
  const text = await response.text();
  let value: unknown = undefined;
  if (text.trim()) {
    try {
      value = JSON.parse(text);
    } catch {
      if (response.ok) throw new ApiError(response.status, "BadResponse", "The server answered something that is not JSON.");
    }
  }
  if (response.ok) return value as T;
  const body = value as ErrorBody | undefined;
  const code = body?.error ?? `HTTP ${response.status}`;
  const message = body?.message ?? (text.trim() || response.statusText);
  throw new ApiError(response.status, code, message, body);
}

/** The text of an error for people. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
