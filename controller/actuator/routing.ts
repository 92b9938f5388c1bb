/**
 * What the Istio actuator writes, as pure functions: the checks that make invalid routing
 * impossible, and the server-side-apply bodies for the fields the optimizer owns.
 *
 * VirtualService `spec.http` is an atomic list under server-side apply, so owning one weight
 * means owning the list: the body carries the live list with only the target's route weights and
 * retries changed. DestinationRule `trafficPolicy.loadBalancer` and `outlierDetection` are maps,
 * so only they are sent. Hedging is an EnvoyFilter (Istio has no field for it).
 */
import type { GuardrailLimits } from "../../api/guardrail-limits.js";
import {
  LANE_LABEL,
  LANE_QUARANTINE,
  LANE_SERVING,
  LANE_SUBSET,
  SAFE_RETRY_ON,
} from "../../api/optimizer.js";
import type { LeastRequestKnob, RoutingKnobs } from "../policy/policy.js";

export class InvalidRoutingError extends Error {
  constructor(message: string) {
    super(`refusing to write routing: ${message}`);
    this.name = "InvalidRoutingError";
  }
}

/**
 * The last line of defence before a write: integer weights for exactly the known subsets, summing
 * to the total, each at least the floor, none moving more than the step from the routing in force.
 * Throws InvalidRoutingError naming the first rule broken.
 */
export function assertWritableWeights(
  weights: Readonly<Record<string, number>>,
  previous: Readonly<Record<string, number>>,
  limits: Pick<GuardrailLimits, "minWeight" | "maxStep" | "total">,
): void {
  const names = Object.keys(previous).sort();
  const given = Object.keys(weights).sort();
  if (given.join() !== names.join())
    throw new InvalidRoutingError(
      `weights name subsets ${given.join(", ")} but the route has ${names.join(", ")}`,
    );
  for (const n of names) {
    const w = weights[n];
    if (!Number.isInteger(w)) throw new InvalidRoutingError(`weight ${w} for ${n} is not an integer`);
    if (w < limits.minWeight)
      throw new InvalidRoutingError(`weight ${w} for ${n} is below the floor ${limits.minWeight}`);
    if (Math.abs(w - previous[n]) > limits.maxStep)
      throw new InvalidRoutingError(
        `${n} moves from ${previous[n]} to ${w}, beyond the step ${limits.maxStep}`,
      );
  }
  const sum = names.reduce((s, n) => s + weights[n], 0);
  if (sum !== limits.total) throw new InvalidRoutingError(`weights sum to ${sum}, not ${limits.total}`);
}

interface HttpDestination {
  host: string;
  subset?: string;
  port?: { number: number };
}
interface HttpRoute {
  name?: string;
  route?: { destination: HttpDestination; weight?: number }[];
  retries?: { attempts?: number; perTryTimeout?: string; retryOn?: string };
  [field: string]: unknown;
}

/** Whether a route sends only to the target host (its full name or its short name). */
function routesTo(route: HttpRoute, host: string): boolean {
  const short = host.split(".")[0];
  return (
    (route.route ?? []).length > 0 &&
    (route.route ?? []).every((d) => d.destination.host === host || d.destination.host === short)
  );
}

/** The subsets' weights as the live VirtualService has them, from the first route to the host. */
export function liveWeights(http: readonly HttpRoute[], host: string): Record<string, number> | undefined {
  const route = http.find((r) => routesTo(r, host));
  if (!route) return undefined;
  return Object.fromEntries(
    (route.route ?? []).map((d) => [
      d.destination.subset ?? "",
      d.weight ?? (route.route?.length === 1 ? 100 : 0),
    ]),
  );
}

/** Istio's retryOn, with `reset` added when a per-try timeout must retry (Envoy counts a read timeout as one). */
function retryOn(live: string | undefined, onTimeout: boolean | undefined): string {
  const conditions = (live ?? SAFE_RETRY_ON).split(",").filter(Boolean);
  if (onTimeout && !conditions.includes("reset")) conditions.push("reset");
  return conditions.join(",");
}

/** The VirtualService apply body: the live http list with the target's weights and retries set. */
export function virtualServiceApply(
  live: { metadata: { name: string; namespace: string }; spec: { http?: HttpRoute[] } },
  host: string,
  routing: RoutingKnobs,
) {
  const http = structuredClone(live.spec.http ?? []);
  const targets = http.filter((r) => routesTo(r, host));
  if (targets.length === 0)
    throw new InvalidRoutingError(`VirtualService ${live.metadata.name} has no route to ${host}`);
  for (const r of targets) {
    for (const d of r.route ?? []) {
      const w = routing.weights[d.destination.subset ?? ""];
      if (w === undefined)
        throw new InvalidRoutingError(`no weight for subset ${d.destination.subset} of ${host}`);
      d.weight = w;
    }
    // The lane's probes: a share of requests mirrored to its subset. A mirror of someone else's is
    // left alone while there is no lane, and the original put back on restore.
    if (routing.lane && routing.lane.quarantined.length > 0 && routing.lane.probePercent > 0) {
      r.mirror = { host, subset: LANE_SUBSET };
      r.mirrorPercentage = { value: routing.lane.probePercent };
    } else if ((r.mirror as { subset?: string } | undefined)?.subset === LANE_SUBSET) {
      delete r.mirror;
      delete r.mirrorPercentage;
    }
    if (routing.retries) {
      r.retries = {
        ...r.retries,
        attempts: routing.retries.attempts,
        perTryTimeout: `${Math.round(routing.retries.perTryTimeoutMs)}ms`,
        retryOn: retryOn(r.retries?.retryOn, routing.retries.onTimeout),
      };
    }
  }
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name: live.metadata.name, namespace: live.metadata.namespace },
    spec: { http },
  };
}

/**
 * The DestinationRule apply body: the load balancer and outlier detection, plus the host, which
 * the schema requires and Git sets to the same value (shared ownership, no conflict).
 */
export function destinationRuleApply(name: string, namespace: string, host: string, routing: RoutingKnobs) {
  const od = routing.outlierDetection;
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name, namespace },
    spec: {
      host,
      trafficPolicy: {
        loadBalancer: { simple: routing.algorithm },
        ...(od
          ? {
              outlierDetection: {
                consecutive5xxErrors: od.consecutive5xxErrors,
                interval: `${Math.round(od.intervalMs)}ms`,
                baseEjectionTime: `${Math.round(od.baseEjectionTimeMs)}ms`,
                maxEjectionPercent: od.maxEjectionPercent,
              },
            }
          : {}),
      },
    },
  };
}

/** The optimizer's EnvoyFilters, named after their lever and the intent: `meshpilot-<lever>-<intent>`. */
export function envoyFilterName(lever: "hedge" | "lb", intent: string): string {
  return `meshpilot-${lever}-${intent}`;
}

/** An EnvoyFilter the optimizer owns, labelled as its own, with one config patch. */
function optimizerEnvoyFilter(name: string, namespace: string, configPatch: object) {
  return {
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "meshpilot-optimizer" } },
    spec: { configPatches: [configPatch] },
  };
}

/**
 * The EnvoyFilter that turns a per-try timeout into a hedge for one host's routes: Envoy's
 * HedgePolicy implements only hedge_on_per_try_timeout, and Istio exposes no field for it.
 */
export function hedgingEnvoyFilter(name: string, namespace: string, host: string, port: number) {
  return optimizerEnvoyFilter(envoyFilterName("hedge", name), namespace, {
    applyTo: "HTTP_ROUTE",
    match: { context: "SIDECAR_OUTBOUND", routeConfiguration: { vhost: { name: `${host}:${port}` } } },
    patch: {
      operation: "MERGE",
      value: { route: { hedge_policy: { hedge_on_per_try_timeout: true } } },
    },
  });
}

/** Envoy's highest choice count the optimizer writes; a full scan covers more hosts than this. */
export const MAX_CHOICE_COUNT = 16;

/**
 * The EnvoyFilter that tunes LEAST_REQUEST on one host's outbound clusters (every subset's):
 * the choice count, the active-request bias, and a full scan (join-shortest-queue), which the
 * DestinationRule API does not expose. It sets the cluster's load_balancing_policy, which Envoy
 * reads instead of the legacy lb_policy.
 */
export function leastRequestEnvoyFilter(
  name: string,
  namespace: string,
  host: string,
  port: number,
  knob: LeastRequestKnob,
) {
  if (!Number.isInteger(knob.choiceCount) || knob.choiceCount < 2 || knob.choiceCount > MAX_CHOICE_COUNT)
    throw new InvalidRoutingError(
      `choice count ${knob.choiceCount} is not a whole number from 2 to ${MAX_CHOICE_COUNT}`,
    );
  const bias = knob.activeRequestBias ?? 1;
  if (!(bias >= 0 && bias <= 10))
    throw new InvalidRoutingError(`active request bias ${bias} is not from 0 to 10`);
  const leastRequest = {
    "@type": "type.googleapis.com/envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest",
    choice_count: knob.choiceCount,
    active_request_bias: { default_value: bias, runtime_key: "meshpilot.lb.active_request_bias" },
    selection_method: knob.fullScan ? "FULL_SCAN" : "N_CHOICES",
  };
  return optimizerEnvoyFilter(envoyFilterName("lb", name), namespace, {
    applyTo: "CLUSTER",
    match: { context: "SIDECAR_OUTBOUND", cluster: { service: host, portNumber: port } },
    patch: {
      operation: "MERGE",
      value: {
        load_balancing_policy: {
          policies: [
            {
              typed_extension_config: {
                name: "envoy.load_balancing_policies.least_request",
                typed_config: leastRequest,
              },
            },
          ],
        },
      },
    },
  });
}

/** The merge patch that moves one pod into the quarantine lane or back. */
export function laneLabelPatch(pod: string, namespace: string, quarantined: boolean) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: pod,
      namespace,
      labels: { [LANE_LABEL]: quarantined ? LANE_QUARANTINE : LANE_SERVING },
    },
  };
}
