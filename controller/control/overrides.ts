/**
 * Routing overrides (api/intent/overrides.ts), enforced on whatever the policy proposes: a capped
 * subset gives its excess weight to the subsets that are not capped, in proportion to their
 * weights (evenly when they have none); a pod named for quarantine joins the lane, which the
 * lane's bounds then judge like any other. They come after the guardrails: an override is a
 * safety action, like a rollback, so the step size, the cooldown and the weight floor do not slow
 * it down.
 */
import type { RoutingOverride } from "../../api/intent/overrides.js";
import type { RoutingKnobs } from "../policy/policy.js";

export interface Enforced {
  readonly routing: RoutingKnobs;
  /** What each override did, or why it could not be honoured. */
  readonly notes: readonly string[];
}

export function enforceOverrides(routing: RoutingKnobs, overrides: readonly RoutingOverride[]): Enforced {
  if (overrides.length === 0) return { routing, notes: [] };
  const notes: string[] = [];
  let weights: Record<string, number> = { ...routing.weights };
  const caps = overrides.filter((o) => o.kind === "cap-subset");
  const capped = new Set(caps.map((c) => c.subset));
  for (const cap of caps) {
    const who = `override by ${cap.by}${cap.reason ? ` (${cap.reason})` : ""}`;
    if (!(cap.subset in weights)) {
      notes.push(`${who}: subset ${cap.subset} is not routed to; nothing to cap.`);
      continue;
    }
    const excess = (weights[cap.subset] ?? 0) - cap.maxWeight;
    if (excess <= 0) {
      notes.push(`${who}: ${cap.subset} held at or below ${cap.maxWeight}%.`);
      continue;
    }
    const receivers = Object.keys(weights).filter((s) => !capped.has(s));
    if (receivers.length === 0) {
      notes.push(`${who}: cannot cap ${cap.subset} at ${cap.maxWeight}%, no uncapped subset takes the rest.`);
      continue;
    }
    weights = spread({ ...weights, [cap.subset]: cap.maxWeight }, receivers, excess);
    notes.push(`${who}: ${cap.subset} capped at ${cap.maxWeight}%.`);
  }
  const pods = overrides.flatMap((o) => (o.kind === "quarantine-pod" ? [o] : []));
  let lane = routing.lane;
  if (pods.length > 0) {
    const listed = new Set(lane?.quarantined ?? []);
    // Overrides first, so the lane's bound keeps them over the policy's own picks.
    const quarantined = [
      ...pods.map((p) => p.pod).filter((p, i, all) => all.indexOf(p) === i),
      ...(lane?.quarantined ?? []).filter((p) => !pods.some((o) => o.pod === p)),
    ];
    lane = { quarantined, probePercent: lane?.probePercent ?? 0 };
    for (const p of pods)
      notes.push(
        `override by ${p.by}${p.reason ? ` (${p.reason})` : ""}: ${p.pod} ${listed.has(p.pod) ? "stays" : "goes"} in the quarantine lane.`,
      );
  }
  return { routing: { ...routing, weights, ...(lane !== undefined ? { lane } : {}) }, notes };
}

/** Adds `amount` to `receivers` in proportion to their weights, in whole percents (largest remainder). */
function spread(
  weights: Record<string, number>,
  receivers: readonly string[],
  amount: number,
): Record<string, number> {
  const total = receivers.reduce((sum, s) => sum + (weights[s] ?? 0), 0);
  const shares = receivers.map((s) => ({
    s,
    exact: total > 0 ? (amount * (weights[s] ?? 0)) / total : amount / receivers.length,
  }));
  const out = { ...weights };
  let left = amount;
  for (const { s, exact } of shares) {
    out[s] = (out[s] ?? 0) + Math.floor(exact);
    left -= Math.floor(exact);
  }
  const byRemainder = [...shares].sort(
    (a, b) => (b.exact % 1) - (a.exact % 1) || (a.s < b.s ? -1 : a.s > b.s ? 1 : 0),
  );
  for (let i = 0; left > 0; i = (i + 1) % byRemainder.length, left--) out[byRemainder[i].s] += 1;
  return out;
}
