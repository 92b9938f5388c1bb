/**
 * Reads the routing in force from the live Istio objects, and keeps the pre-Meshpilot routing
 * exactly as found (raw fields), so that restoring it writes back what Git or a human had set.
 */
import { LANE_LABEL, LANE_QUARANTINE, LANE_SERVING, LANE_SUBSET } from "../../api/optimizer.js";
import type { LaneKnob, LeastRequestKnob, RoutingKnobs } from "../policy/policy.js";
import { liveWeights } from "./routing.js";

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
  };
  readonly spec?: Record<string, unknown>;
}

interface HttpRoute {
  route?: { destination: { host: string; subset?: string }; weight?: number }[];
  retries?: Record<string, unknown>;
  mirror?: Record<string, unknown>;
  mirrorPercentage?: Record<string, unknown>;
}

/** The routing before Meshpilot first wrote, field by field as it was. */
export interface OriginalRouting {
  readonly weights: Readonly<Record<string, number>>;
  readonly retries?: Readonly<Record<string, unknown>>;
  readonly loadBalancer?: Readonly<Record<string, unknown>>;
  readonly outlierDetection?: Readonly<Record<string, unknown>>;
  /** A mirror Git or a human had set on the route (the lane's probes replace it while pods are quarantined). */
  readonly mirror?: Readonly<Record<string, unknown>>;
  readonly mirrorPercentage?: Readonly<Record<string, unknown>>;
}

/** Istio's default when a DestinationRule sets no load balancer. */
export const ISTIO_DEFAULT_ALGORITHM = "LEAST_REQUEST";

/** "10s", "250ms", "1m", "1.5s" → milliseconds; undefined when unreadable. */
export function durationMs(value: unknown): number | undefined {
  const m = typeof value === "string" ? /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value) : null;
  if (!m) return undefined;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
}

function routesOf(vs: KubeObject): HttpRoute[] {
  return ((vs.spec?.http as HttpRoute[] | undefined) ?? []).filter(Boolean);
}

function targetRoute(vs: KubeObject, host: string): HttpRoute | undefined {
  const short = host.split(".")[0];
  return routesOf(vs).find(
    (r) =>
      (r.route ?? []).length > 0 &&
      (r.route ?? []).every((d) => d.destination.host === host || d.destination.host === short),
  );
}

function trafficPolicy(dr: KubeObject): Record<string, unknown> {
  return (dr.spec?.trafficPolicy as Record<string, unknown> | undefined) ?? {};
}

/** The DestinationRule's subset names, sorted, without the quarantine lane's (no route sends to it). */
export function subsetsOf(dr: KubeObject): string[] {
  return laneSubsets(dr)
    .map((s) => s.name)
    .filter((n) => n !== LANE_SUBSET)
    .sort();
}

function laneSubsets(dr: KubeObject): { name: string; labels?: Record<string, string> }[] {
  return (dr.spec?.subsets as { name: string; labels?: Record<string, string> }[] | undefined) ?? [];
}

/**
 * Why the DestinationRule cannot host the quarantine lane, or undefined when it can: every
 * version's subset must select the serving value of the lane label (or a quarantined pod would
 * stay in it), and the lane's subset must select the quarantined value.
 */
export function laneProblem(dr: KubeObject): string | undefined {
  const subsets = laneSubsets(dr);
  const lane = subsets.find((s) => s.name === LANE_SUBSET);
  const open = subsets.filter((s) => s.name !== LANE_SUBSET && s.labels?.[LANE_LABEL] !== LANE_SERVING);
  const fix = `see docs/optimizer.md, "The quarantine lane"`;
  if (open.length > 0)
    return `DestinationRule ${dr.metadata.name} subsets ${open.map((s) => s.name).join(", ")} do not select ${LANE_LABEL}=${LANE_SERVING}, so a quarantined pod would stay in them; ${fix}`;
  if (lane?.labels?.[LANE_LABEL] !== LANE_QUARANTINE)
    return `DestinationRule ${dr.metadata.name} has no subset ${LANE_SUBSET} selecting ${LANE_LABEL}=${LANE_QUARANTINE}; ${fix}`;
  return undefined;
}

/**
 * Knobs that only objects the optimizer owns hold (its filters, pods' lane labels) or that a
 * VirtualService cannot tell apart (why a retry has its timeout): the caller knows them, from what
 * the optimizer last wrote or, in the test mesh, from those objects.
 */
export interface OwnedKnobs {
  readonly hedge?: boolean;
  readonly onTimeout?: boolean;
  readonly leastRequest?: LeastRequestKnob;
  readonly lane?: LaneKnob;
}

/** The knobs in force; throws when the VirtualService has no route to the host. */
export function currentKnobs(
  vs: KubeObject,
  dr: KubeObject,
  host: string,
  owned: OwnedKnobs = {},
): RoutingKnobs {
  const weights = liveWeights(routesOf(vs) as never, host);
  if (!weights) throw new Error(`VirtualService ${vs.metadata.name} has no route that sends only to ${host}`);
  const tp = trafficPolicy(dr);
  const simple = (tp.loadBalancer as { simple?: string } | undefined)?.simple;
  const algorithm = (
    ["ROUND_ROBIN", "RANDOM", "LEAST_REQUEST"].includes(simple ?? "") ? simple : ISTIO_DEFAULT_ALGORITHM
  ) as RoutingKnobs["algorithm"];
  const od = tp.outlierDetection as Record<string, unknown> | undefined;
  const retries = targetRoute(vs, host)?.retries;
  const perTry = durationMs(retries?.perTryTimeout);
  return {
    algorithm,
    weights,
    ...(od
      ? {
          outlierDetection: {
            consecutive5xxErrors: Number(od.consecutive5xxErrors ?? 5),
            intervalMs: durationMs(od.interval) ?? 10_000,
            baseEjectionTimeMs: durationMs(od.baseEjectionTime) ?? 30_000,
            maxEjectionPercent: Number(od.maxEjectionPercent ?? 10),
          },
        }
      : {}),
    ...(retries && perTry !== undefined
      ? {
          retries: {
            attempts: Number(retries.attempts ?? 1),
            perTryTimeoutMs: perTry,
            ...(owned.hedge ? { hedge: true } : {}),
            ...(owned.onTimeout ? { onTimeout: true } : {}),
          },
        }
      : {}),
    ...(owned.leastRequest ? { leastRequest: owned.leastRequest } : {}),
    ...(owned.lane ? { lane: owned.lane } : {}),
  };
}

export function originalRouting(vs: KubeObject, dr: KubeObject, host: string): OriginalRouting {
  const weights = liveWeights(routesOf(vs) as never, host);
  if (!weights) throw new Error(`VirtualService ${vs.metadata.name} has no route that sends only to ${host}`);
  const tp = trafficPolicy(dr);
  const route = targetRoute(vs, host);
  const retries = route?.retries;
  return {
    weights,
    ...(retries ? { retries: structuredClone(retries) } : {}),
    ...(route?.mirror
      ? { mirror: structuredClone(route.mirror), mirrorPercentage: structuredClone(route.mirrorPercentage) }
      : {}),
    ...(tp.loadBalancer ? { loadBalancer: structuredClone(tp.loadBalancer as Record<string, unknown>) } : {}),
    ...(tp.outlierDetection
      ? { outlierDetection: structuredClone(tp.outlierDetection as Record<string, unknown>) }
      : {}),
  };
}

/** The VirtualService apply body that puts the original weights and retries back. */
export function virtualServiceRestore(vs: KubeObject, host: string, original: OriginalRouting) {
  const http = structuredClone(routesOf(vs));
  const short = host.split(".")[0];
  for (const r of http) {
    if (!(r.route ?? []).every((d) => d.destination.host === host || d.destination.host === short)) continue;
    for (const d of r.route ?? []) {
      const w = original.weights[d.destination.subset ?? ""];
      if (w !== undefined) d.weight = w;
    }
    if (original.retries) r.retries = structuredClone(original.retries) as Record<string, unknown>;
    else delete r.retries;
    if (original.mirror) {
      r.mirror = structuredClone(original.mirror);
      r.mirrorPercentage = structuredClone(original.mirrorPercentage);
    } else {
      delete r.mirror;
      delete r.mirrorPercentage;
    }
  }
  return {
    apiVersion: vs.apiVersion,
    kind: "VirtualService",
    metadata: { name: vs.metadata.name, namespace: vs.metadata.namespace },
    spec: { http },
  };
}

/** The DestinationRule apply body that leaves only the original load balancer and outlier detection. */
export function destinationRuleRestore(dr: KubeObject, original: OriginalRouting) {
  const trafficPolicy = {
    ...(original.loadBalancer ? { loadBalancer: original.loadBalancer } : {}),
    ...(original.outlierDetection ? { outlierDetection: original.outlierDetection } : {}),
  };
  return {
    apiVersion: dr.apiVersion,
    kind: "DestinationRule",
    metadata: { name: dr.metadata.name, namespace: dr.metadata.namespace },
    spec: { host: dr.spec?.host, ...(Object.keys(trafficPolicy).length > 0 ? { trafficPolicy } : {}) },
  };
}
