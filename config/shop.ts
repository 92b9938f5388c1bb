/**
 * The shop: one typed model of its services, ports, call graph, stores, capacity and SLOs.
 *
 * Charts, services, docker-compose, registries and the optimizer's default intents all
 * read this module; nothing restates a port or an edge of the call graph by hand.
 */

/** A data store a service owns. */
export type DataStore = "redis" | "postgresql";

export interface ServiceLevelObjective {
  /** 99th-percentile latency objective, in milliseconds. */
  readonly p99LatencyMs: number;
  /** Error-rate objective as a fraction: 0.001 is 0.1%. */
  readonly errorRate: number;
}

/** Requests and limits for one container. */
export interface Resources {
  readonly cpuMillis: { readonly request: number; readonly limit: number };
  readonly memoryMiB: { readonly request: number; readonly limit: number };
}

/** A deployed version of a service: one Deployment and one Istio subset. */
export interface ServiceVersion {
  readonly name: string;
  /** Initial share of traffic, percent; the versions of a service sum to 100. */
  readonly weight: number;
}

export interface ShopService {
  readonly name: string;
  /** HTTP port the container listens on. */
  readonly port: number;
  /** Services this one calls. */
  readonly calls: readonly string[];
  readonly store?: DataStore;
  readonly slo: ServiceLevelObjective;
  readonly resources: Resources;
  /** Autoscaling bounds, per version. */
  readonly replicas: { readonly min: number; readonly max: number };
  readonly versions: readonly ServiceVersion[];
  /** Served to the internet through the ingress gateway. */
  readonly public?: boolean;
  /** Every route is a safe read, so a duplicate (hedged) request does no harm. */
  readonly idempotent?: boolean;
}

const SMALL: Resources = { cpuMillis: { request: 100, limit: 500 }, memoryMiB: { request: 128, limit: 256 } };
const MEDIUM: Resources = {
  cpuMillis: { request: 200, limit: 1000 },
  memoryMiB: { request: 256, limit: 512 },
};
const V1: readonly ServiceVersion[] = [{ name: "v1", weight: 100 }];

export const SHOP_SERVICES: readonly ShopService[] = [
  {
    name: "frontend",
    port: 8080,
    calls: ["catalog", "cart", "recommendation", "checkout"],
    slo: { p99LatencyMs: 300, errorRate: 0.001 },
    resources: MEDIUM,
    replicas: { min: 2, max: 10 },
    versions: V1,
    public: true,
  },
  {
    name: "catalog",
    port: 8081,
    idempotent: true,
    calls: [],
    slo: { p99LatencyMs: 100, errorRate: 0.001 },
    resources: SMALL,
    replicas: { min: 2, max: 8 },
    // Two versions give the optimizer subsets to weigh from day one.
    versions: [
      { name: "v1", weight: 90 },
      { name: "v2", weight: 10 },
    ],
  },
  {
    name: "cart",
    port: 8082,
    calls: [],
    store: "redis",
    slo: { p99LatencyMs: 100, errorRate: 0.001 },
    resources: SMALL,
    replicas: { min: 2, max: 8 },
    versions: V1,
  },
  {
    name: "checkout",
    port: 8083,
    calls: ["cart", "catalog", "payments", "orders"],
    // The saga's record: what each checkout has done, so a crash or a retry never loses money.
    store: "postgresql",
    slo: { p99LatencyMs: 500, errorRate: 0.001 },
    resources: MEDIUM,
    replicas: { min: 2, max: 8 },
    versions: V1,
  },
  {
    name: "payments",
    port: 8084,
    calls: [],
    store: "postgresql",
    slo: { p99LatencyMs: 250, errorRate: 0.0005 },
    resources: SMALL,
    replicas: { min: 2, max: 6 },
    versions: V1,
  },
  {
    name: "orders",
    port: 8085,
    calls: [],
    store: "postgresql",
    slo: { p99LatencyMs: 200, errorRate: 0.0005 },
    resources: SMALL,
    replicas: { min: 2, max: 6 },
    versions: V1,
  },
  {
    name: "recommendation",
    port: 8086,
    idempotent: true,
    calls: ["catalog"],
    slo: { p99LatencyMs: 150, errorRate: 0.005 },
    resources: SMALL,
    replicas: { min: 2, max: 8 },
    versions: [
      { name: "v1", weight: 50 },
      { name: "v2", weight: 50 },
    ],
  },
];

/**
 * Every shop service serves its own Prometheus metrics on this port, apart from the traffic port:
 * Prometheus scrapes it from the pod, and no Service or route exposes it (OpenTelemetry's default
 * for a Prometheus exporter).
 */
export const SERVICE_METRICS_PORT = 9464;

/**
 * Checkout's gauge of unfinished checkouts whose driver is gone, after the last recovery pass. The
 * service exports it and an alert watches it, so both read the name here.
 */
export const CHECKOUTS_AWAITING_RECOVERY_METRIC = "meshpilot_checkouts_awaiting_recovery";

/** The optimizer's image shares the registry with the shop's. */
export const OPTIMIZER_IMAGE = "optimizer";

/** Every image the platform builds: one per shop service, plus the optimizer. */
export function imageNames(services: readonly ShopService[] = SHOP_SERVICES): string[] {
  return [...services.map((s) => s.name), OPTIMIZER_IMAGE];
}

/** The services that call `name`. */
export function callersOf(name: string, services: readonly ShopService[] = SHOP_SERVICES): string[] {
  return services.filter((s) => s.calls.includes(name)).map((s) => s.name);
}

/** Every edge of the call graph as `caller->callee`. */
export function callEdges(services: readonly ShopService[] = SHOP_SERVICES): string[] {
  return services.flatMap((s) => s.calls.map((c) => `${s.name}->${c}`)).sort();
}

/** Where the services find a store. */
export interface StoreEndpoint {
  readonly host: string;
  readonly port: number;
  /** PostgreSQL only. */
  readonly database?: string;
}

/** The store images that the dev cluster and docker-compose run, pinned. */
export const STORE_IMAGES: Readonly<Record<DataStore, string>> = {
  redis: "docker.io/library/redis:7.4.2-alpine",
  postgresql: "docker.io/library/postgres:17.2-alpine",
};

/** The role the orders service connects as. */
export const ORDERS_DATABASE_USER = "orders";

/**
 * The non-secret environment a service reads at start-up. The chart's ConfigMaps, docker-compose
 * and `npm run shop` all render it here, so the services see one contract wherever they run.
 * Secrets (REDIS_PASSWORD, DATABASE_PASSWORD, PAYMENTS_PROCESSOR_KEY) are supplied separately.
 */
export function serviceEnvironment(
  service: ShopService,
  where: {
    readonly urlOf: (callee: ShopService) => string;
    readonly stores: Readonly<Record<DataStore, StoreEndpoint>>;
    readonly services?: readonly ShopService[];
  },
): Record<string, string> {
  const services = where.services ?? SHOP_SERVICES;
  const env: Record<string, string> = {
    SERVICE_NAME: service.name,
    PORT: String(service.port),
    LOG_LEVEL: "info",
  };
  for (const callee of service.calls) {
    const target = services.find((s) => s.name === callee);
    if (!target) throw new ShopModelError(`${service.name} calls unknown service '${callee}'`);
    env[`${callee.toUpperCase()}_URL`] = where.urlOf(target);
  }
  if (service.store === "redis") {
    env.REDIS_HOST = where.stores.redis.host;
    env.REDIS_PORT = String(where.stores.redis.port);
  }
  if (service.store === "postgresql") {
    env.DATABASE_HOST = where.stores.postgresql.host;
    env.DATABASE_PORT = String(where.stores.postgresql.port);
    env.DATABASE_NAME = where.stores.postgresql.database ?? "orders";
    env.DATABASE_USER = ORDERS_DATABASE_USER;
  }
  return env;
}

/** Thrown when the shop model is inconsistent; the message names the service, the field and the fix. */
export class ShopModelError extends Error {
  constructor(message: string) {
    super(`shop model: ${message}`);
    this.name = "ShopModelError";
  }
}

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/;

/**
 * Checks the model before any chart reads it: names, ports, the call graph, SLOs, capacity and versions.
 *
 * @returns the same services, so callers can write `validateShopModel(services).map(...)`
 */
export function validateShopModel(services: readonly ShopService[]): readonly ShopService[] {
  const names = services.map((s) => s.name);
  const fail = (message: string): never => {
    throw new ShopModelError(message);
  };
  if (services.length === 0) fail("has no services; describe at least one");
  const byPort = new Map<number, string>();
  for (const s of services) {
    const at = `service '${s.name}'`;
    if (!DNS_LABEL.test(s.name)) fail(`${at}: 'name' must be a DNS label of at most 32 characters`);
    if (names.indexOf(s.name) !== names.lastIndexOf(s.name)) fail(`${at} is described twice`);
    if (!Number.isInteger(s.port) || s.port < 1024 || s.port > 65535) {
      fail(`${at}: 'port' is ${s.port} but must be an integer from 1024 to 65535`);
    }
    const other = byPort.get(s.port);
    if (other) fail(`${at}: 'port' ${s.port} is already used by '${other}'; give each service its own port`);
    byPort.set(s.port, s.name);
    for (const callee of s.calls) {
      if (!names.includes(callee))
        fail(`${at} calls unknown service '${callee}'; known services: ${names.join(", ")}`);
      if (callee === s.name) fail(`${at} calls itself`);
    }
    if (!(s.slo.p99LatencyMs >= 1 && s.slo.p99LatencyMs <= 60_000)) {
      fail(`${at}: 'slo.p99LatencyMs' is ${s.slo.p99LatencyMs} but must be between 1 and 60000`);
    }
    if (!(s.slo.errorRate > 0 && s.slo.errorRate < 1)) {
      fail(
        `${at}: 'slo.errorRate' is ${s.slo.errorRate} but must be a fraction between 0 and 1 (0.001 is 0.1%)`,
      );
    }
    if (!Number.isInteger(s.replicas.min) || s.replicas.min < 1) {
      fail(`${at}: 'replicas.min' is ${s.replicas.min} but must be a whole number of at least 1`);
    }
    if (s.replicas.min > s.replicas.max) {
      fail(`${at}: 'replicas.min' (${s.replicas.min}) is above 'replicas.max' (${s.replicas.max})`);
    }
    for (const [field, pair] of [
      ["cpuMillis", s.resources.cpuMillis],
      ["memoryMiB", s.resources.memoryMiB],
    ] as const) {
      if (!(pair.request > 0 && pair.request <= pair.limit)) {
        fail(
          `${at}: 'resources.${field}' request ${pair.request} must be positive and at most the limit ${pair.limit}`,
        );
      }
    }
    if (s.versions.length === 0) fail(`${at}: 'versions' is empty; deploy at least one version`);
    const total = s.versions.reduce((n, v) => n + v.weight, 0);
    if (total !== 100) fail(`${at}: version weights sum to ${total} but must sum to 100`);
    for (const v of s.versions) {
      if (!/^v[0-9a-z-]{1,15}$/.test(v.name))
        fail(`${at}: version '${v.name}' must look like v1, v2 or v2-canary`);
      if (!Number.isInteger(v.weight) || v.weight < 0)
        fail(`${at}: version '${v.name}' weight must be a whole percent`);
    }
  }
  return services;
}

/** A service's port from the model; throws for a name the model does not know. */
export function servicePort(name: string, services: readonly ShopService[] = SHOP_SERVICES): number {
  const s = services.find((x) => x.name === name);
  if (!s) throw new ShopModelError(`no service '${name}'`);
  return s.port;
}
