/**
 * Flagger's canary analysis as the rollout baseline, as a policy over the same simulated mesh and
 * telemetry: fixed steps on a fixed interval, each gated by threshold checks on the canary's own
 * metrics, rollback after a number of failed checks, promotion after a passing check at the
 * maximum weight.
 *
 * Its settings are Flagger's own, each from where Flagger states it:
 * - interval 60 s and threshold 1: the defaults in fluxcd/flagger
 *   pkg/apis/flagger/v1beta1/canary.go (`AnalysisInterval`, `GetAnalysisThreshold`);
 * - stepWeight 10 and maxWeight 50 (Flagger has no default for them), and threshold 5 for the
 *   second variant: docs/gitbook/tutorials/istio-progressive-delivery.md, the Istio tutorial's
 *   analysis;
 * - the two built-in checks of that tutorial, request-success-rate (a minimum) and
 *   request-duration (a p99 maximum), with their limits set from the intent's objectives so both
 *   rollouts hold the same SLO.
 * Promotion copies the canary's spec to the primary and waits one interval for the primary's
 * rollout before all traffic reaches the new version, as Flagger's promotion does.
 */
import type { Policy, PolicyContext } from "../policy/policy.js";

export interface FlaggerSettings {
  readonly stable: string;
  readonly canary: string;
  readonly intervalMs: number;
  readonly stepWeight: number;
  readonly maxWeight: number;
  readonly threshold: number;
}

export const FLAGGER_DEFAULTS = { intervalMs: 60_000, stepWeight: 10, maxWeight: 50, threshold: 1 } as const;

export type FlaggerPhase = "Progressing" | "Promoting" | "Promoted" | "Aborted";

export interface FlaggerState {
  readonly phase: FlaggerPhase;
  readonly weight: number;
  readonly lastCheckMs?: number;
  readonly failedChecks: number;
}

export function flaggerPolicy(settings: FlaggerSettings): Policy<FlaggerState> {
  const route = (ctx: PolicyContext, canary: number, explanation: string) => ({
    routing: { ...ctx.current, weights: { [settings.stable]: 100 - canary, [settings.canary]: canary } },
    explanation,
  });
  return {
    name: `flagger-threshold-${settings.threshold}`,
    initialState: () => ({ phase: "Progressing", weight: 0, failedChecks: 0 }),
    decide(observation, state, ctx) {
      if (state.phase === "Promoted") return { decision: route(ctx, 100, "Promoted."), state };
      if (state.phase === "Aborted") return { decision: route(ctx, 0, "Rolled back."), state };
      if (state.lastCheckMs === undefined) {
        const weight = settings.stepWeight;
        return {
          decision: route(ctx, weight, `Advance canary weight ${weight}.`),
          state: { ...state, weight, lastCheckMs: ctx.nowMs },
        };
      }
      if (ctx.nowMs - state.lastCheckMs < settings.intervalMs)
        return { decision: route(ctx, state.weight, "Waiting for the next analysis."), state };
      const checked = { ...state, lastCheckMs: ctx.nowMs };
      if (state.phase === "Promoting")
        return {
          decision: route(ctx, 100, "Promotion completed: the primary runs the new version."),
          state: { ...checked, phase: "Promoted", weight: 100 },
        };
      const c = observation.subsets[settings.canary];
      const successRate = c && c.rps > 0 ? 1 - (c.errorRatio ?? 0) : undefined;
      const failures: string[] = [];
      if (successRate === undefined) failures.push("no values found for request-success-rate");
      else if (successRate < 1 - ctx.objectives.errorRate)
        failures.push(
          `success rate ${(successRate * 100).toFixed(2)}% < ${((1 - ctx.objectives.errorRate) * 100).toFixed(2)}%`,
        );
      if (c?.p99Ms !== undefined && c.p99Ms > ctx.objectives.p99LatencyMs)
        failures.push(`request duration ${c.p99Ms.toFixed(0)}ms > ${ctx.objectives.p99LatencyMs}ms`);
      if (failures.length > 0) {
        const failedChecks = state.failedChecks + 1;
        if (failedChecks >= settings.threshold)
          return {
            decision: route(ctx, 0, `Rolling back: failed checks threshold reached ${failedChecks}.`),
            state: { ...checked, phase: "Aborted", weight: 0, failedChecks },
          };
        return {
          decision: route(ctx, state.weight, `Halt advancement: ${failures.join("; ")}.`),
          state: { ...checked, failedChecks },
        };
      }
      if (state.weight >= settings.maxWeight)
        return {
          decision: route(ctx, state.weight, "Copying the canary's spec to the primary."),
          state: { ...checked, phase: "Promoting" },
        };
      const weight = Math.min(settings.maxWeight, state.weight + settings.stepWeight);
      return {
        decision: route(ctx, weight, `Advance canary weight ${weight}.`),
        state: { ...checked, weight },
      };
    },
  };
}
