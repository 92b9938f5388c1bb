/**
 * Service settings from environment variables, validated at start-up.
 *
 * A bad setting stops the process with one line that names the variable, the value and what it
 * must be; nothing starts half-configured.
 */

import { SERVICE_METRICS_PORT, servicePort } from "../config/shop.js";

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** A setting's parser: returns the value or throws with what it must be. */
export type Setting<T> = (name: string, env: Env) => T;

function read(name: string, env: Env, fallback: string | undefined, what: string): string {
  const raw = env[name] ?? fallback;
  if (raw === undefined || raw === "") throw new SettingsError(`${name} is not set; it must be ${what}`);
  return raw;
}

export const setting = {
  port(fallback?: number): Setting<number> {
    return (name, env) => {
      const raw = read(name, env, fallback?.toString(), "a TCP port from 1 to 65535");
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1 || n > 65535)
        throw new SettingsError(`${name} is "${raw}" but must be a TCP port from 1 to 65535`);
      return n;
    };
  },
  integer(fallback: number | undefined, min: number, max: number): Setting<number> {
    return (name, env) => {
      const raw = read(name, env, fallback?.toString(), `a whole number from ${min} to ${max}`);
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new SettingsError(`${name} is "${raw}" but must be a whole number from ${min} to ${max}`);
      return n;
    };
  },
  number(fallback: number | undefined, min: number, max: number): Setting<number> {
    return (name, env) => {
      const raw = read(name, env, fallback?.toString(), `a number from ${min} to ${max}`);
      const n = Number(raw);
      if (!Number.isFinite(n) || n < min || n > max)
        throw new SettingsError(`${name} is "${raw}" but must be a number from ${min} to ${max}`);
      return n;
    };
  },
  url(fallback?: string): Setting<string> {
    return (name, env) => {
      const raw = read(name, env, fallback, "an http:// or https:// URL");
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new SettingsError(`${name} is "${raw}" but must be an http:// or https:// URL`);
      }
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
        throw new SettingsError(`${name} is "${raw}" but must be an http:// or https:// URL`);
      return raw.replace(/\/+$/, "");
    };
  },
  text(fallback?: string): Setting<string> {
    return (name, env) => read(name, env, fallback, "a non-empty string");
  },
  oneOf<const T extends string>(values: readonly T[], fallback?: T): Setting<T> {
    return (name, env) => {
      const raw = read(name, env, fallback, `one of ${values.join(", ")}`);
      if (!(values as readonly string[]).includes(raw))
        throw new SettingsError(`${name} is "${raw}" but must be one of ${values.join(", ")}`);
      return raw as T;
    };
  },
  /** A secret of at least `minLength` characters, with no default; the message never echoes it. */
  secret(minLength: number): Setting<string> {
    return (name, env) => {
      const raw = read(
        name,
        env,
        undefined,
        `a secret of at least ${minLength} characters (from a Kubernetes Secret)`,
      );
      if (raw.length < minLength)
        throw new SettingsError(`${name} is ${raw.length} characters long but must be at least ${minLength}`);
      return raw;
    };
  },
  /** A namespaced Kubernetes object as `namespace/name`, each a DNS label. */
  objectRef(): Setting<{ readonly namespace: string; readonly name: string }> {
    return (name, env) => {
      const raw = read(name, env, undefined, "namespace/name");
      const m = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?)$/.exec(raw);
      if (m === null)
        throw new SettingsError(`${name} is "${raw}" but must be namespace/name, such as argocd/shop`);
      return { namespace: m[1], name: m[3] };
    };
  },
  /** Optional: undefined when unset. */
  optional<T>(inner: Setting<T>): Setting<T | undefined> {
    return (name, env) => (env[name] === undefined || env[name] === "" ? undefined : inner(name, env));
  },
};

/** Reads every setting in the spec; the first bad one throws. */
export function loadSettings<S extends Record<string, Setting<unknown>>>(
  spec: S,
  env: Env = process.env,
): { [K in keyof S]: ReturnType<S[K]> } {
  const out: Record<string, unknown> = {};
  for (const [name, parse] of Object.entries(spec)) out[name] = parse(name, env);
  return out as { [K in keyof S]: ReturnType<S[K]> };
}

/** Settings every service shares: where to listen, how loud, and the fault knobs (off by default). */
export const COMMON_SETTINGS = {
  HOST: setting.text("0.0.0.0"),
  /** Where /metrics answers: its own port, which the ingress never routes to. */
  METRICS_PORT: setting.port(SERVICE_METRICS_PORT),
  LOG_LEVEL: setting.oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const, "info"),
  BODY_LIMIT_BYTES: setting.integer(64 * 1024, 1024, 10 * 1024 * 1024),
  /** Time a client has to send a whole request, headers and body; a slower one gets 408 and is cut off. */
  REQUEST_TIMEOUT_MS: setting.integer(10_000, 100, 300_000),
  /** Open connections one process accepts; past it, new ones are refused until some close. */
  MAX_CONNECTIONS: setting.integer(1024, 1, 65_536),
  FAULT_LATENCY_MS: setting.number(0, 0, 60_000),
  FAULT_LATENCY_JITTER_MS: setting.number(0, 0, 60_000),
  FAULT_ERROR_RATE: setting.number(0, 0, 1),
  /** Share of requests held unanswered until the caller hangs up (a wedged worker, seen from outside). */
  FAULT_STALL_RATE: setting.number(0, 0, 1),
  FAULT_SEED: setting.optional(setting.integer(undefined, 0, 2 ** 31 - 1)),
  /** Comma-separated HTTP methods the faults apply to; all methods by default (e.g. "POST" breaks writes only). */
  FAULT_METHODS: setting.text("GET,HEAD,POST,PUT,PATCH,DELETE"),
  /** Comma-separated request paths the faults apply to, matched exactly; empty means every path (e.g. "/orders" breaks creates, not "/orders/abandon"). */
  FAULT_PATHS: setting.optional(setting.text()),
  /** When set, `PUT /faults` on the metrics port changes the knobs at run time with this bearer token (experiments only; never set in the cluster). */
  FAULT_CONTROL_TOKEN: setting.optional(setting.secret(16)),
};

/** How a caller reaches its callees: a timeout per try and how many extra tries idempotent calls get. */
export const UPSTREAM_SETTINGS = {
  UPSTREAM_TIMEOUT_MS: setting.integer(2000, 10, 60_000),
  UPSTREAM_RETRIES: setting.integer(2, 0, 5),
};

/** A callee's base URL; by default the callee's port from the shop model on loopback, as `npm run shop` runs it. */
export function calleeUrl(callee: string): Setting<string> {
  return setting.url(`http://127.0.0.1:${servicePort(callee)}`);
}
