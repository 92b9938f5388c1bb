/**
 * The limits every routing decision is held to, and their check. The intent's schema validates
 * them at admission and the controller's guardrails enforce them, so they live below both.
 */

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
