/**
 * The shop as real processes on loopback: one Node process per service (run from source through
 * tsx), Redis and PostgreSQL started from the Debian packages unless the environment names
 * running ones, every service's environment rendered by the shop model's contract, and one
 * combined log.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { stopChild, waitFor } from "../../common/child-process.js";
import { UsageError } from "../../common/cli.js";
import { freePort } from "../../common/free-port.js";
import { SHOP_SERVICES, type ShopService, serviceEnvironment } from "../../config/shop.js";
import { LOCAL_SESSION_SECRET } from "./dev-secrets.js";
import { type RunningPostgres, type RunningStore, startPostgres, startRedis } from "./stores.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface ShopOptions {
  /** Added to every model port, so a test can run beside a developer's shop. @default 0 */
  readonly portOffset?: number;
  /** Extra environment per service, e.g. fault knobs: { catalog: { FAULT_LATENCY_MS: "200" } }. */
  readonly overrides?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The process environment to read REDIS_URL and DATABASE_URL from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Node arguments that run a service; by default its TypeScript source through tsx. */
  readonly entry?: (service: string) => readonly string[];
  /** Receives every log line, prefixed with its service. */
  readonly log?: (service: string, line: string) => void;
  /**
   * Leaves each model port to a sidecar the caller starts: every service listens this many ports
   * higher, while the services still call each other (and the caller sends traffic) on the model
   * ports, as Istio's inbound capture puts Envoy in front of the app. `urls` are the listening ports.
   * @default 0, no sidecars: the services listen on the model ports
   */
  readonly sidecarPortShift?: number;
}

export interface RunningShop {
  readonly urls: Readonly<Record<string, string>>;
  /** Where the stores are, for tools and tests that look inside them. */
  readonly stores: Omit<Stores, "started">;
  /** Starts one more process of a service with its own overrides, on the given port. */
  extra(name: string, port: number, env?: Record<string, string>): Promise<string>;
  /** Where the process serving `url` answers /metrics (its own port, as in the cluster). */
  metricsUrl(url: string): string;
  /** SIGKILLs the process serving `url` (chaos tests), and resolves once it is gone. */
  kill(url: string): Promise<void>;
  /** Resolves once the process serving `url` has exited by itself (a crash knob fired). */
  exited(url: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

interface Stores {
  readonly redis: { host: string; port: number; password?: string };
  readonly postgresql: { host: string; port: number; database: string; user: string; password?: string };
  readonly started: RunningStore[];
}

/** REDIS_URL and DATABASE_URL name running stores; otherwise throwaway ones start here. */
async function stores(env: Readonly<Record<string, string | undefined>>): Promise<Stores> {
  const started: RunningStore[] = [];
  let redis: Stores["redis"];
  if (env.REDIS_URL) {
    const u = new URL(env.REDIS_URL);
    redis = {
      host: u.hostname,
      port: Number(u.port || 6379),
      password: decodeURIComponent(u.password) || undefined,
    };
  } else {
    const r = await startRedis();
    started.push(r);
    redis = r;
  }
  let postgresql: Stores["postgresql"];
  if (env.DATABASE_URL) {
    const u = new URL(env.DATABASE_URL);
    postgresql = {
      host: u.hostname,
      port: Number(u.port || 5432),
      database: u.pathname.slice(1) || "orders",
      user: decodeURIComponent(u.username) || "orders",
      password: decodeURIComponent(u.password) || undefined,
    };
  } else {
    const p: RunningPostgres = await startPostgres();
    started.push(p);
    postgresql = p;
  }
  return { redis, postgresql, started };
}

/** Whether nothing listens on a loopback port (by binding it for a moment). */
function portFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** An offset that puts every model port on a free port, away from a developer's running shop. */
export async function freeOffset(from = 21_000): Promise<number> {
  for (let offset = from; offset < 40_000; offset += 100) {
    const ports = SHOP_SERVICES.map((s) => s.port + offset);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return offset;
  }
  throw new Error("no free port range for the shop");
}

/**
 * Refuses to start over ports something already holds: another shop there would answer our
 * readiness probes, and we would report ready on someone else's processes.
 */
async function checkPortsFree(offset: number, shift: number): Promise<void> {
  const taken: string[] = [];
  for (const s of SHOP_SERVICES)
    for (const port of shift > 0 ? [s.port + offset, s.port + offset + shift] : [s.port + offset])
      if (!(await portFree(port))) taken.push(`${port} (${s.name})`);
  if (taken.length > 0)
    throw new UsageError(
      `port${taken.length > 1 ? "s" : ""} ${taken.join(", ")} already in use on 127.0.0.1; stop what holds ${taken.length > 1 ? "them" : "it"}, or move the shop with --port-offset N`,
    );
}

/** Probes a service's /readyz once; anything but 200 throws with what it answered. */
async function readyz(url: string): Promise<void> {
  const res = await fetch(`${url}/readyz`);
  if (res.status !== 200) throw new Error(`/readyz answered ${res.status}: ${await res.text()}`);
}

export async function startShop(options: ShopOptions = {}): Promise<RunningShop> {
  const env = options.env ?? process.env;
  const offset = options.portOffset ?? 0;
  const shift = options.sidecarPortShift ?? 0;
  const log = options.log ?? ((service, line) => process.stdout.write(`${service.padEnd(14)} | ${line}\n`));
  const tsx = createRequire(import.meta.url).resolve("tsx");
  // Before any store starts: a refusal leaves nothing behind.
  await checkPortsFree(offset, shift);
  const found = await stores(env);
  const children: ChildProcess[] = [];
  const byUrl = new Map<string, ChildProcess>();
  const metricsOf = new Map<string, string>();
  const urlOf = (s: ShopService) => `http://127.0.0.1:${s.port + offset}`;

  const launch = async (model: ShopService, port: number, extra: Record<string, string>) => {
    // Each process's metrics port is free and its own (seven processes share this host), and
    // never one of the shop's traffic ports, which a restarted process may be about to take again.
    const traffic = new Set([
      port,
      ...SHOP_SERVICES.flatMap((s) => [s.port + offset, s.port + offset + shift]),
    ]);
    // A restarted process may ask for its predecessor's metrics port, so a static scrape config holds.
    let metricsPort = extra.METRICS_PORT !== undefined ? Number(extra.METRICS_PORT) : await freePort();
    while (extra.METRICS_PORT === undefined && traffic.has(metricsPort)) metricsPort = await freePort();
    const contract = serviceEnvironment(model, {
      urlOf,
      stores: { redis: found.redis, postgresql: found.postgresql },
    });
    const childEnv: Record<string, string> = {
      PATH: env.PATH ?? process.env.PATH ?? "",
      ...contract,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      HOST: "127.0.0.1",
      LOG_LEVEL: env.LOG_LEVEL ?? "info",
      // Local HTTP: a Secure cookie would be dropped by browsers on anything but localhost.
      COOKIE_SECURE: "false",
      ...(model.store === "redis" && found.redis.password ? { REDIS_PASSWORD: found.redis.password } : {}),
      // A local shop's sessions are signed with a development secret unless the caller names one.
      ...(model.name === "frontend" ? { SESSION_SECRET: env.SESSION_SECRET ?? LOCAL_SESSION_SECRET } : {}),
      ...(model.store === "postgresql" && found.postgresql.password
        ? { DATABASE_PASSWORD: found.postgresql.password }
        : {}),
      ...(model.store === "postgresql" ? { DATABASE_USER: found.postgresql.user } : {}),
      ...(options.overrides?.[model.name] ?? {}),
      ...extra,
    };
    const args = options.entry?.(model.name) ?? [
      "--import",
      tsx,
      join(ROOT, "services", model.name, "main.ts"),
    ];
    const child = spawn(process.execPath, [...args], {
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let recent: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream as NodeJS.ReadableStream }).on("line", (line) => {
        recent = [...recent.slice(-20), line];
        log(model.name, line);
      });
    }
    const url = `http://127.0.0.1:${port}`;
    byUrl.set(url, child);
    metricsOf.set(url, `http://127.0.0.1:${metricsPort}`);
    // Up to 60 s: seven processes compile their TypeScript at once on a small machine.
    await waitFor(
      `${model.name} at ${url}`,
      () => readyz(url),
      child,
      () => recent.join("\n"),
      600,
    );
    return url;
  };

  const stop = async () => {
    await Promise.all(children.map((c) => stopChild(c, "SIGTERM")));
    await Promise.all(found.started.map((s) => s.stop()));
  };

  try {
    const urls: Record<string, string> = {};
    await Promise.all(
      SHOP_SERVICES.map(async (s) => {
        urls[s.name] = await launch(s, s.port + offset + shift, {});
      }),
    );
    return {
      urls,
      stores: { redis: found.redis, postgresql: found.postgresql },
      extra: (name, port, extra = {}) =>
        launch(SHOP_SERVICES.find((s) => s.name === name) as ShopService, port, extra),
      metricsUrl(url) {
        const m = metricsOf.get(url);
        if (!m) throw new Error(`no process of this shop serves ${url}`);
        return m;
      },
      async kill(url) {
        const child = byUrl.get(url);
        if (!child) throw new Error(`no process of this shop serves ${url}`);
        await stopChild(child, "SIGKILL");
      },
      exited(url) {
        const child = byUrl.get(url);
        if (!child) return Promise.reject(new Error(`no process of this shop serves ${url}`));
        if (child.exitCode !== null || child.signalCode !== null)
          return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
        return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
