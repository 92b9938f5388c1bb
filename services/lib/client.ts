/**
 * How a shop service calls another: a timeout on every call, bounded retries with jittered
 * backoff for idempotent calls only (GET, PUT, DELETE, or any call carrying an Idempotency-Key),
 * and the caller's request id, trace context and Idempotency-Key passed along.
 */
import { Random } from "../../common/random.js";
import { HttpError } from "./server.js";

export interface CallOptions {
  readonly method?: "GET" | "POST" | "PUT" | "DELETE";
  readonly body?: unknown;
  /** Headers to pass on from the incoming request (see propagatedHeaders). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Makes a POST safe to retry; the callee must honour it. */
  readonly idempotencyKey?: string;
  readonly timeoutMs?: number;
}

export interface Response<T> {
  readonly status: number;
  readonly body: T;
}

/** The callee answered 5xx after every allowed try. */
export class UpstreamError extends Error {
  constructor(
    readonly service: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${service} answered ${status}`);
    this.name = "UpstreamError";
  }
}

/** The callee could not be reached or did not answer in time, after every allowed try. */
export class UpstreamUnavailable extends Error {
  constructor(
    readonly service: string,
    readonly reason: string,
    /** What the socket said, for the log only: it names hosts and ports. */
    readonly detail?: unknown,
  ) {
    super(`${service} is unavailable: ${reason}`);
    this.name = "UpstreamUnavailable";
  }
}

export interface ClientOptions {
  /** @default 2000 */
  readonly timeoutMs?: number;
  /** Extra tries for idempotent calls. @default 2 */
  readonly retries?: number;
  /** First backoff; doubles per retry, with full jitter. @default 50 */
  readonly backoffMs?: number;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);

export class ServiceClient {
  private readonly random = new Random(Date.now() & 0x7fffffff);

  constructor(
    readonly service: string,
    readonly baseUrl: string,
    private readonly options: ClientOptions = {},
  ) {}

  async call<T>(path: string, options: CallOptions = {}): Promise<Response<T>> {
    const method = options.method ?? "GET";
    const idempotent = method !== "POST" || options.idempotencyKey !== undefined;
    const tries = 1 + (idempotent ? (this.options.retries ?? 2) : 0);
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let last: Error | undefined;
    for (let attempt = 0; attempt < tries; attempt++) {
      if (attempt > 0) {
        const cap = (this.options.backoffMs ?? 50) * 2 ** (attempt - 1);
        await new Promise((resolve) => setTimeout(resolve, this.random.uniform() * cap));
      }
      // Only reaching the callee is guarded here; its answer is judged below.
      let status: number;
      let text: string;
      try {
        const res = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(options.timeoutMs ?? this.options.timeoutMs ?? 2000),
        });
        status = res.status;
        text = await res.text();
      } catch (e) {
        // Check by name, not instanceof: the abort reason is a DOMException, possibly from another realm.
        const err = e as { name?: string; message?: string };
        last = new UpstreamUnavailable(
          this.service,
          err.name === "TimeoutError" ? "timed out" : "could not be reached",
          e,
        );
        continue;
      }
      const body = (text.length > 0 ? safeJson(text) : undefined) as T;
      if (status < 500) return { status, body };
      last = new UpstreamError(this.service, status, body);
      if (!RETRYABLE_STATUS.has(status)) throw last;
    }
    throw last as Error;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A client for one callee, with the caller's UPSTREAM_* settings. */
export function clientFor(
  service: string,
  baseUrl: string,
  settings: { readonly UPSTREAM_TIMEOUT_MS: number; readonly UPSTREAM_RETRIES: number },
): ServiceClient {
  return new ServiceClient(service, baseUrl, {
    timeoutMs: settings.UPSTREAM_TIMEOUT_MS,
    retries: settings.UPSTREAM_RETRIES,
  });
}

/** The JSON error every shop service answers with. */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
}

/** A callee's 4xx becomes the caller's, with its reason; anything else is the callee failing. */
export function passOn(callee: string, status: number, body: unknown): HttpError {
  const e = body as Partial<ErrorBody> | undefined;
  if (status >= 400 && status < 500)
    return new HttpError(status, e?.error ?? "rejected", e?.message ?? `${callee} answered ${status}`);
  return new HttpError(502, "upstream_unavailable", `${callee} answered ${status}`);
}
