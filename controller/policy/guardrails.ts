/**
 * Guardrails every Meshpilot policy's decision passes through before it can reach routing.
 *
 * Whatever a policy proposes, the result is integer weights that sum to the total, each at least
 * the floor, each within the maximum step of the current weight, and nothing at all changes
 * during the cooldown or while telemetry is missing or stale.
 */

/** Integer percentages by subset name. */
export type Weights = Readonly<Record<string, number>>;

export interface GuardrailLimits {
  /** Smallest weight any subset keeps, so every subset still gets traffic to learn from. */
  readonly minWeight: number;
  /** Largest change of one subset's weight in one decision. */
  readonly maxStep: number;
  /** Time after a change during which nothing changes again. */
  readonly cooldownMs: number;
  /** What the weights sum to. */
  readonly total: number;
}

export const DEFAULT_GUARDRAILS: GuardrailLimits = {
  minWeight: 5,
  maxStep: 10,
  cooldownMs: 60_000,
  total: 100,
};

export interface GuardrailContext {
  readonly nowMs: number;
  /** When the weights last changed; undefined if never. */
  readonly lastChangeMs?: number;
  /** False when the observation behind the proposal is missing, partial or stale. */
  readonly telemetryFresh: boolean;
}

export type GuardrailOutcome =
  | { readonly held: false; readonly weights: Weights; readonly clamped: boolean }
  | { readonly held: true; readonly weights: Weights; readonly reason: string };

/** Checks limits once, at intent validation, so decisions never meet an impossible floor. */
export function checkLimits(limits: GuardrailLimits, subsets: number): string | undefined {
  if (!Number.isInteger(limits.total) || limits.total <= 0)
    return `total ${limits.total} must be a positive integer`;
  if (!Number.isInteger(limits.minWeight) || limits.minWeight < 0)
    return `minWeight ${limits.minWeight} must be a whole number`;
  if (limits.minWeight * subsets > limits.total) {
    return `minWeight ${limits.minWeight} for ${subsets} subsets exceeds the total ${limits.total}`;
  }
  if (!Number.isInteger(limits.maxStep) || limits.maxStep < 1)
    return `maxStep ${limits.maxStep} must be a positive integer`;
  if (!(limits.cooldownMs >= 0)) return `cooldownMs ${limits.cooldownMs} must not be negative`;
  return undefined;
}

/**
 * Turns a policy's proposal into weights the actuator may write, or holds the current ones.
 *
 * @param current the weights in force; subsets missing from the proposal keep their share
 * @param proposed any non-negative numbers; they are normalized to the total first
 */
export function applyGuardrails(
  current: Weights,
  proposed: Weights,
  limits: GuardrailLimits,
  context: GuardrailContext,
): GuardrailOutcome {
  if (!context.telemetryFresh)
    return { held: true, weights: current, reason: "telemetry is missing or stale; holding" };
  const names = Object.keys(current).sort();
  const raw = names.map((n) => {
    const p = proposed[n];
    return Number.isFinite(p) && p > 0 ? p : 0;
  });
  const rawSum = raw.reduce((a, b) => a + b, 0);
  const target = rawSum > 0 ? raw.map((p) => (p / rawSum) * limits.total) : names.map((n) => current[n]);

  // A proposal that changes nothing needs no cooldown.
  if (names.every((n, i) => Math.abs(target[i] - current[n]) < 0.5))
    return { held: false, weights: current, clamped: false };
  if (context.lastChangeMs !== undefined && context.nowMs - context.lastChangeMs < limits.cooldownMs) {
    const leftS = Math.ceil((limits.cooldownMs - (context.nowMs - context.lastChangeMs)) / 1000);
    return { held: true, weights: current, reason: `cooldown: ${leftS}s until the next change` };
  }
  // Bounds per subset: the floor always applies; the step applies from wherever the subset is now.
  const lo = names.map((n) => Math.max(limits.minWeight, current[n] - limits.maxStep));
  const hi = names.map((n, i) => Math.max(lo[i], current[n] + limits.maxStep));
  const weights = target.map((t, i) => Math.min(hi[i], Math.max(lo[i], Math.round(t))));

  // Move one point at a time toward the sum, always where it brings the result closest to target.
  let diff = limits.total - weights.reduce((a, b) => a + b, 0);
  while (diff !== 0) {
    let best = -1;
    for (let i = 0; i < names.length; i++) {
      const room = diff > 0 ? weights[i] < hi[i] : weights[i] > lo[i];
      if (!room) continue;
      const gap = diff > 0 ? target[i] - weights[i] : weights[i] - target[i];
      const bestGap =
        best < 0
          ? Number.NEGATIVE_INFINITY
          : diff > 0
            ? target[best] - weights[best]
            : weights[best] - target[best];
      if (gap > bestGap) best = i;
    }
    if (best < 0)
      return {
        held: true,
        weights: current,
        reason: "no weights satisfy the floor, step and total together; holding",
      };
    weights[best] += diff > 0 ? 1 : -1;
    diff += diff > 0 ? -1 : 1;
  }
  const result = Object.fromEntries(names.map((n, i) => [n, weights[i]]));
  const clamped = names.some((_, i) => Math.abs(weights[i] - target[i]) >= 1);
  return { held: false, weights: result, clamped };
}
