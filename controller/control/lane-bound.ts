/**
 * The bound the control step puts on the quarantine lane, whatever a policy proposes: only pods
 * the telemetry or the lane knows; per subset, no more than a share of its replicas and never its
 * last serving one; a new quarantine only while the pods left serving can carry the load; and
 * probes (mirrored requests) only on routes that may be replayed, within a small share.
 */
import type { Observation } from "../metrics/observation.js";
import { ordinal } from "../ordinal.js";
import type { LaneKnob, RoutingKnobs } from "../policy/policy.js";

export interface LaneLimits {
  /** Per subset, at most this share of its replicas in the lane (rounded down). @default 1/3 */
  readonly maxQuarantineShare: number;
  /**
   * A pod enters the lane only if the subset's other pods could then serve its load below this
   * utilization (a pod's capacity being its requests per second over its CPU). @default 0.93
   */
  readonly maxLaneUtilization: number;
  /** Mirrored probes, percent of requests. @default 2 */
  readonly maxProbePercent: number;
}

export const DEFAULT_LANE_LIMITS: LaneLimits = {
  maxQuarantineShare: 1 / 3,
  maxLaneUtilization: 0.93,
  maxProbePercent: 2,
};

/** How far above the cap the serving pods may run before the lane gives a pod back. */
const STAY_SLACK = 0.03;

export interface LaneBoundInput {
  readonly proposed: RoutingKnobs;
  readonly live: RoutingKnobs;
  readonly observation: Observation;
  readonly hedgingAllowed: boolean;
  readonly limits: LaneLimits;
  /** Why the target cannot host a lane at all; every pod then serves. */
  readonly unavailable?: string;
}

/** The proposal with its lane bounded, and what the bound removed, in words. */
export function boundLane(input: LaneBoundInput): { routing: RoutingKnobs; notes: string[] } {
  const { proposed, live, observation, limits } = input;
  const { lane: _proposedLane, ...rest } = proposed;
  const wanted = proposed.lane?.quarantined ?? [];
  if (wanted.length === 0) return { routing: rest, notes: [] };
  if (input.unavailable) return { routing: rest, notes: [`No quarantine lane: ${input.unavailable}.`] };
  const inLane = new Set(live.lane?.quarantined ?? []);
  const notes: string[] = [];
  // Which subset each pod belongs to: from the telemetry, or, for a silent pod in the lane, unknown.
  const subsetOf = (pod: string) => observation.replicas[pod]?.subset;
  const kept: string[] = [];
  const order = [...wanted.filter((p) => inLane.has(p)), ...wanted.filter((p) => !inLane.has(p))];
  const pods = [...new Set(order)];
  for (const [i, pod] of pods.entries()) {
    const subset = subsetOf(pod);
    if (subset === undefined) {
      // A pod in the lane may be silent (no probes); one the telemetry never showed is unknown.
      if (inLane.has(pod)) kept.push(pod);
      else notes.push(`${pod} not quarantined: no telemetry names it.`);
      continue;
    }
    const replicas = Math.max(
      observation.subsets[subset]?.replicas ?? 0,
      Object.values(observation.replicas).filter((r) => r.subset === subset).length,
    );
    const already = kept.filter((p) => subsetOf(p) === subset).length;
    const bound = Math.min(Math.floor(limits.maxQuarantineShare * replicas), replicas - 1);
    if (already + 1 > bound) {
      notes.push(
        `${pod} not quarantined: ${subset} would have ${already + 1} of ${replicas} replicas in the lane, over the bound of ${Math.max(bound, 0)}.`,
      );
      continue;
    }
    // The same rule keeps a pod in the lane, with a little slack so a pod does not flap in and
    // out: when the serving pods run hot (another one slowed down, load rose), the lane gives
    // its capacity back.
    const cap = limits.maxLaneUtilization + (inLane.has(pod) ? STAY_SLACK : 0);
    // Lane pods not judged yet are counted as staying, so each check is the pessimistic one.
    const undecided = pods.slice(i + 1).filter((p) => inLane.has(p));
    const projected = servingUtilization(observation, subset, new Set([...kept, pod, ...undecided]));
    if (projected === undefined && !inLane.has(pod)) {
      notes.push(`${pod} not quarantined: without CPU figures for ${subset}, the capacity left is unknown.`);
      continue;
    }
    if (projected !== undefined && projected > cap) {
      const cpu = Number.isFinite(projected)
        ? `${(projected * 100).toFixed(0)}% of capacity, over the ${(cap * 100).toFixed(0)}% cap`
        : "with no capacity left to measure";
      notes.push(
        inLane.has(pod)
          ? `${pod} returned from the lane: the rest of ${subset} runs at ${cpu}.`
          : `${pod} not quarantined: the rest of ${subset} would run at ${cpu}.`,
      );
      continue;
    }
    kept.push(pod);
  }
  if (kept.length === 0) return { routing: rest, notes };
  const probe = input.hedgingAllowed
    ? Math.min(Math.max(0, proposed.lane?.probePercent ?? 0), limits.maxProbePercent)
    : 0;
  const lane: LaneKnob = { quarantined: kept.sort(ordinal), probePercent: probe };
  return { routing: { ...rest, lane }, notes };
}

/**
 * The subset's load over what its pods outside `out` can serve: each pod's capacity is its
 * requests per second over its CPU utilization, so a slowed pod, busy but serving little, adds
 * little. The load is every pod's traffic over the window, the lane's included: a pod that
 * entered the lane within the window still counts its clients' requests there (the others'
 * figures do not show them yet), and its probes over-count by their small share, on the safe side.
 * Undefined when a pod's CPU is unknown.
 */
export function servingUtilization(
  observation: Observation,
  subset: string,
  out: ReadonlySet<string>,
): number | undefined {
  let load = 0;
  let capacity = 0;
  for (const [pod, r] of Object.entries(observation.replicas)) {
    if (r.subset !== subset) continue;
    load += r.rps;
    if (out.has(pod)) continue;
    if (r.cpuUtilization === undefined) return undefined;
    // A pod with no traffic (ejected, crashed, just started) shows no capacity to count on.
    if (r.cpuUtilization > 0 && r.rps > 0) capacity += r.rps / r.cpuUtilization;
  }
  return capacity > 0 ? load / capacity : load > 0 ? Number.POSITIVE_INFINITY : 0;
}
