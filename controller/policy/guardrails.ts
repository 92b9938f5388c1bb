/**
 * Guardrails every Meshpilot policy's decision passes through before it can reach routing.
 *
 * Whatever a policy proposes, the result is integer weights that sum to the total, each at least
 * the floor, each within the maximum step of the current weight, and nothing at all changes
 * during the cooldown or while telemetry is missing or stale.
 */

import type { GuardrailLimits } from "../../api/guardrail-limits.js";

/** Integer percentages by subset name. */
export type Weights = Readonly<Record<string, number>>;

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
