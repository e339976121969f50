/**
 * @evalguard/sdk: a thin client for the EvalGuard REST API.
 *
 *   import { EvalGuard } from "@evalguard/sdk";
 *   const client = new EvalGuard({ apiKey: process.env.EVALGUARD_API_KEY });
 *   const response = await client.request({ method: "POST", path: "/api/v1/annotations/queue",
 *                                           body: { queue_id: "..." } });
 *
 * No runtime dependencies: it uses the platform's fetch (Node.js >= 18, browsers, Deno, Bun).
 * The server comes from `baseUrl`, else EVALGUARD_BASE_URL, else http://127.0.0.1:8501.
 */

export const DEFAULT_BASE_URL = "http://127.0.0.1:8501";
/** A 429 is retried after its Retry-After this many times by default. */
export const DEFAULT_MAX_RETRIES = 2;
/** ...and only while the server asks for at most this many seconds. */
export const DEFAULT_MAX_RETRY_WAIT = 10;

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | (string & {});

export interface EvalGuardOptions {
  /** API key (`evalguard keys create`); defaults to the EVALGUARD_API_KEY environment variable. */
  apiKey?: string;
  /** Server root, e.g. http://127.0.0.1:8501; defaults to EVALGUARD_BASE_URL, then DEFAULT_BASE_URL. */
  baseUrl?: string;
  /** How many times a 429 is retried after its Retry-After (0 turns retries off). */
  maxRetries?: number;
  /** Longest Retry-After (seconds) the client waits; a longer one raises RateLimitedError at once. */
  maxRetryWait?: number;
  /** Per-attempt timeout in milliseconds (default 30000). */
  timeoutMs?: number;
  /** A fetch implementation (defaults to the global fetch). */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  method: HttpMethod;
  /** Path from the server root, starting with /api (e.g. "/api/v1/annotations"). */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
}

/** The error body every EvalGuard endpoint answers with: {"error": {code, message, details}}. */
export interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/** Base of every error the client throws; `status` is the HTTP status (0: no response). */
export class EvalGuardError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(message: string, status: number, code: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** 400: the body breaks a rule; `details` names the field. */
export class ValidationError extends EvalGuardError {}
/** 401: missing or invalid API key. */
export class AuthenticationError extends EvalGuardError {}
/** 403: the key's role is too low. */
export class PermissionDeniedError extends EvalGuardError {}
/** 404: unknown id (in your organization). */
export class NotFoundError extends EvalGuardError {}
/** 409: valid request, but the state does not allow it (e.g. nothing left to claim). */
export class ConflictError extends EvalGuardError {}
/** The server could not be reached (no HTTP status). */
export class ConnectionError extends EvalGuardError {}

/** 429: the key's rate limit; `retryAfter` is the server's Retry-After in seconds. */
export class RateLimitedError extends EvalGuardError {
  readonly retryAfter: number;

  constructor(message: string, code: string, details: unknown, retryAfter: number) {
    super(message, 429, code, details);
    this.retryAfter = retryAfter;
  }
}

type ErrorClass = new (message: string, status: number, code: string, details?: unknown) => EvalGuardError;

const BY_STATUS: Record<number, ErrorClass> = {
  400: ValidationError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
};

function environment(name: string): string | undefined {
  // Not every platform has `process` (browsers); read it only where it exists.
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name] || undefined;
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); 1 when absent or unreadable. */
export function parseRetryAfter(header: string | null): number {
  if (!header) return 1;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const when = Date.parse(header);
  return Number.isNaN(when) ? 1 : Math.max(0, (when - Date.now()) / 1000);
}

async function errorFrom(response: Response): Promise<EvalGuardError> {
  let body: ErrorBody = {};
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    // not JSON (a proxy's error page): keep the status
  }
  const err = body?.error ?? {};
  const message = err.message || `HTTP ${response.status}`;
  const code = err.code || "error";
  if (response.status === 429) {
    return new RateLimitedError(message, code, err.details, parseRetryAfter(response.headers.get("Retry-After")));
  }
  const cls = BY_STATUS[response.status] ?? EvalGuardError;
  return new cls(message, response.status, code, err.details);
}

const sleep = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));

/** A client bound to one server and one API key (the key's name is the annotator on labels). */
export class EvalGuard {
  readonly baseUrl: string;
  readonly maxRetries: number;
  readonly maxRetryWait: number;
  readonly timeoutMs: number;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;

  constructor(options: EvalGuardOptions = {}) {
    const apiKey = options.apiKey || environment("EVALGUARD_API_KEY");
    if (!apiKey) {
      throw new AuthenticationError(
        "no API key: pass { apiKey } or set EVALGUARD_API_KEY (create one with `evalguard keys create`)",
        0,
        "unauthorized",
      );
    }
    const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    const maxRetryWait = options.maxRetryWait ?? DEFAULT_MAX_RETRY_WAIT;
    if (!(Number.isInteger(maxRetries) && maxRetries >= 0) || !(maxRetryWait >= 0)) {
      throw new ValidationError("maxRetries must be an integer >= 0 and maxRetryWait >= 0", 0, "invalid_input", {
        maxRetries,
        maxRetryWait,
      });
    }
    this.#apiKey = apiKey;
    this.baseUrl = (options.baseUrl || environment("EVALGUARD_BASE_URL") || DEFAULT_BASE_URL).replace(/\/+$/, "");
    this.maxRetries = maxRetries;
    this.maxRetryWait = maxRetryWait;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const platformFetch = options.fetch ?? globalThis.fetch;
    if (typeof platformFetch !== "function") {
      throw new EvalGuardError("no fetch on this platform: pass { fetch }", 0, "no_fetch");
    }
    this.#fetch = platformFetch;
  }

  /** Call `path` and resolve to its JSON body (undefined when empty); a status >= 400 rejects with its typed error. */
  async request<T = any>(options: RequestOptions): Promise<T> {
    const url = new URL(this.baseUrl + (options.path.startsWith("/") ? options.path : `/${options.path}`));
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { Authorization: `Bearer ${this.#apiKey}`, Accept: "application/json" };
    let payload: string | undefined;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(options.body);
    }
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.#fetch(url, {
          method: options.method.toUpperCase(),
          headers,
          body: payload,
          signal: options.signal ?? AbortSignal.timeout(this.timeoutMs),
        });
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new ConnectionError(`cannot reach ${this.baseUrl}: ${reason}`, 0, "connection_error");
      }
      if (response.ok) {
        const text = await response.text();
        return (text ? JSON.parse(text) : undefined) as T;
      }
      const error = await errorFrom(response);
      if (!(error instanceof RateLimitedError) || attempt >= this.maxRetries || error.retryAfter > this.maxRetryWait) {
        throw error;
      }
      await sleep(error.retryAfter);
    }
  }
}

export default EvalGuard;
