/**
 * The shop: one typed model of its services, ports, call graph, stores and SLOs.
 *
 * Charts, services, docker-compose, registries and the optimizer's default intents all
 * read this module; nothing restates a port or an edge of the call graph by hand.
 */

export type ShopServiceName =
  | "frontend"
  | "catalog"
  | "cart"
  | "checkout"
  | "payments"
  | "orders"
  | "recommendation";

/** A data store a service owns. */
export type DataStore = "redis" | "postgresql";

export interface ServiceLevelObjective {
  /** 99th-percentile latency objective, in milliseconds. */
  readonly p99LatencyMs: number;
  /** Error-rate objective as a fraction: 0.001 is 0.1%. */
  readonly errorRate: number;
}

export interface ShopService {
  readonly name: ShopServiceName;
  /** HTTP port the container listens on. */
  readonly port: number;
  /** Services this one calls. */
  readonly calls: readonly ShopServiceName[];
  readonly store?: DataStore;
  readonly slo: ServiceLevelObjective;
}

export const SHOP_SERVICES: readonly ShopService[] = [
  {
    name: "frontend",
    port: 8080,
    calls: ["catalog", "cart", "recommendation", "checkout"],
    slo: { p99LatencyMs: 300, errorRate: 0.001 },
  },
  { name: "catalog", port: 8081, calls: [], slo: { p99LatencyMs: 100, errorRate: 0.001 } },
  { name: "cart", port: 8082, calls: [], store: "redis", slo: { p99LatencyMs: 100, errorRate: 0.001 } },
  {
    name: "checkout",
    port: 8083,
    calls: ["cart", "catalog", "payments", "orders"],
    slo: { p99LatencyMs: 500, errorRate: 0.001 },
  },
  { name: "payments", port: 8084, calls: [], slo: { p99LatencyMs: 250, errorRate: 0.0005 } },
  {
    name: "orders",
    port: 8085,
    calls: [],
    store: "postgresql",
    slo: { p99LatencyMs: 200, errorRate: 0.0005 },
  },
  { name: "recommendation", port: 8086, calls: ["catalog"], slo: { p99LatencyMs: 150, errorRate: 0.005 } },
];

/** The optimizer's image shares the registry with the shop's. */
export const OPTIMIZER_IMAGE = "optimizer";

/** Every image the platform builds: one per shop service, plus the optimizer. */
export function imageNames(): string[] {
  return [...SHOP_SERVICES.map((s) => s.name), OPTIMIZER_IMAGE];
}

/** The services that call `name`. */
export function callersOf(name: ShopServiceName): ShopServiceName[] {
  return SHOP_SERVICES.filter((s) => s.calls.includes(name)).map((s) => s.name);
}
