/**
 * A canary rollout as a policy of the shared control step: it moves the canary's weight as fast as
 * the evidence allows, holds while the evidence is inconclusive, and aborts as soon as the canary
 * is worse than the stable subset with confidence. The control step around it keeps every safety
 * rule (kill switch, pause, stale telemetry, rollback on probation).
 *
 * Steps: the canary starts at 10% (less if the exposure budget cannot afford that), and each
 * step multiplies its weight by at most five, never beyond what a bad canary discovered at the new
 * weight could cost within the remaining exposure budget. A step needs two settled intervals
 * (windows that saw only the current weight) with the latency test passed and no sign of extra
 * errors.
 */
import type { Observation, SubsetStats } from "../metrics/observation.js";
import type { Objectives, Policy, PolicyContext } from "../policy/policy.js";
import {
  addCounts,
  type Counts,
  LATENCY_SPRT,
  NO_COUNTS,
  probabilityWorse,
  type SprtSettings,
  sprtUpdate,
  sprtVerdict,
} from "./evidence.js";

export type RolloutPhase = "Progressing" | "Paused" | "Promoted" | "Aborted" | "Inconclusive";

export interface RolloutSettings {
  readonly stable: string;
  readonly canary: string;
  /** The most a bad canary may be exposed, in percent-minutes (10% for 3 minutes is 30). */
  readonly exposureBudgetPercentMinutes: number;
  /** A rollout still undecided this long after it started is Inconclusive. */
  readonly deadlineMs: number;
  /** Canary weights the rollout pauses at until a person approves them. */
  readonly gates: readonly number[];
  readonly approvedGates: readonly number[];
  /** How long a routing change takes to reach the proxies: a window is settled only after it. */
  readonly propagationMs: number;
  /** The control interval: with the window, how long a bad canary takes to catch. */
  readonly intervalMs: number;
  /** Fewer canary requests than this in a window is no evidence at all. @default 100 */
  readonly minRequests?: number;
  /** The canary's p99 may exceed the stable's by this ratio before an interval counts as worse. @default 0.25 */
  readonly latencyTolerance?: number;
  readonly sprt?: SprtSettings;
}

/** What one interval showed, kept in status as the rollout's evidence. */
export interface RolloutEvidence {
  readonly atMs: number;
  readonly weight: number;
  readonly canaryP99Ms?: number;
  readonly stableP99Ms?: number;
  readonly canaryErrorRatio?: number;
  readonly stableErrorRatio?: number;
  /** P(the canary's error rate exceeds the stable's by half the error budget). */
  readonly errorsWorse?: number;
  readonly latencyLlr: number;
  readonly verdict: string;
}

export interface RolloutState {
  readonly phase: RolloutPhase;
  readonly weight: number;
  readonly startedMs?: number;
  readonly stepAtMs?: number;
  readonly lastAtMs?: number;
  readonly exposurePercentMs: number;
  readonly errors: { readonly canary: Counts; readonly stable: Counts };
  readonly llr: number;
  /** The latest intervals' evidence, newest last (at most {@link EVIDENCE_KEPT}). */
  readonly evidence: readonly RolloutEvidence[];
  readonly reason: string;
}

export const INITIAL_WEIGHT = 10;
const GROWTH = 5;
const EVIDENCE_KEPT = 20;
/** Abort on errors at this confidence; a step needs the chance of worse errors below the second. */
const ERRORS_ABORT = 0.95;
/**
 * Errors the canary must have shown before they can abort it: with a handful of requests the
 * posterior is wide, and "probably worse" would only be the prior talking.
 */
const MIN_ERRORS_TO_ABORT = 3;
const ERRORS_CLEAR = 0.5;

const MINUTE_MS = 60_000;

/** The exposure a bad canary at `weight` costs before two settled intervals can catch it. */
export function detectionMinutes(windowMs: number, intervalMs: number, propagationMs: number): number {
  return (windowMs + propagationMs + 2 * intervalMs) / MINUTE_MS;
}

/**
 * Why this budget cannot run a rollout, or undefined when it can. The subsets are checked where
 * the intent is validated (api/intent/validate.ts); this needs the controller's window and interval.
 */
export function rolloutBudgetProblem(budgetPercentMinutes: number, detectionMin: number): string | undefined {
  const first = Math.min(INITIAL_WEIGHT, budgetPercentMinutes / detectionMin);
  if (first < 1)
    return `rollout.exposureBudgetPercentMinutes ${budgetPercentMinutes} cannot afford even 1% for the ${detectionMin.toFixed(1)} minutes a bad canary takes to detect; give at least ${Math.ceil(detectionMin)}`;
  return undefined;
}

export function initialRollout(): RolloutState {
  return {
    phase: "Progressing",
    weight: 0,
    exposurePercentMs: 0,
    errors: { canary: NO_COUNTS, stable: NO_COUNTS },
    llr: 0,
    evidence: [],
    reason: "not started",
  };
}

function counts(stats: SubsetStats | undefined, ms: number): Counts {
  if (!stats || !(stats.rps > 0)) return NO_COUNTS;
  const requests = (stats.rps * ms) / 1000;
  return { requests, errors: requests * (stats.errorRatio ?? 0) };
}

/** One interval's latency verdict: worse than stable beyond tolerance, or over the objective while stable is not. */
function latencyWorse(c: SubsetStats, s: SubsetStats | undefined, o: Objectives, tolerance: number): boolean {
  if (c.p99Ms === undefined) return false;
  if (!s || s.p99Ms === undefined) return c.p99Ms > o.p99LatencyMs;
  return (
    c.p99Ms > s.p99Ms * (1 + tolerance) + 0.1 * o.p99LatencyMs ||
    (c.p99Ms > o.p99LatencyMs && s.p99Ms <= o.p99LatencyMs)
  );
}

export function rolloutPolicy(settings: RolloutSettings): Policy<RolloutState> {
  const sprt = settings.sprt ?? LATENCY_SPRT;
  const weights = (canary: number) => ({ [settings.stable]: 100 - canary, [settings.canary]: canary });
  const decision = (ctx: PolicyContext, canary: number, explanation: string) => ({
    routing: { ...ctx.current, weights: weights(canary) },
    explanation,
  });
  return {
    name: "rollout",
    initialState: () => initialRollout(),
    decide(observation, state, ctx) {
      const now = ctx.nowMs;
      const live = ctx.current.weights[settings.canary] ?? 0;
      const elapsed = state.lastAtMs === undefined ? 0 : now - state.lastAtMs;
      const base: RolloutState = {
        ...state,
        lastAtMs: now,
        exposurePercentMs: state.exposurePercentMs + live * elapsed,
      };
      if (base.phase === "Promoted") return { decision: decision(ctx, 100, "Promoted."), state: base };
      if (base.phase === "Aborted")
        return { decision: decision(ctx, 0, `Aborted: ${base.reason}.`), state: base };
      if (base.phase === "Inconclusive")
        return {
          decision: decision(ctx, live, `Inconclusive, holding for a person: ${base.reason}.`),
          state: base,
        };
      if (base.startedMs === undefined) return start(observation, base, ctx);
      if (live !== base.weight) {
        // The routing in force is not what the rollout last proposed: a write failed, the intent
        // only observes or recommends, or a person moved it. The routing is the truth: the rollout
        // resumes from it, and the evidence for that weight starts over.
        if (live === 0) return start(observation, base, ctx);
        return evaluate(
          observation,
          {
            ...base,
            weight: live,
            stepAtMs: now,
            llr: 0,
            reason: `resumed at ${live}%, the weight in force`,
          },
          ctx,
          elapsed,
        );
      }
      if (now - base.startedMs > settings.deadlineMs) {
        const reason = `no decision within the ${Math.round(settings.deadlineMs / MINUTE_MS)}-minute deadline`;
        return {
          decision: decision(ctx, live, `Inconclusive: ${reason}; holding at ${live}%.`),
          state: { ...base, phase: "Inconclusive", reason },
        };
      }
      return evaluate(observation, base, ctx, elapsed);
    },
  };

  function start(observation: Observation, state: RolloutState, ctx: PolicyContext) {
    const detection = detectionMinutes(observation.windowMs, settings.intervalMs, settings.propagationMs);
    const first = Math.max(
      1,
      Math.floor(Math.min(INITIAL_WEIGHT, settings.exposureBudgetPercentMinutes / detection)),
    );
    return {
      decision: decision(ctx, first, `Rollout started: ${settings.canary} at ${first}%.`),
      state: {
        ...state,
        weight: first,
        // The deadline counts from the first start, however often the rollout had to start again.
        startedMs: state.startedMs ?? ctx.nowMs,
        stepAtMs: ctx.nowMs,
        llr: 0,
        reason: `started at ${first}%`,
      },
    };
  }

  function evaluate(observation: Observation, state: RolloutState, ctx: PolicyContext, elapsed: number) {
    const { canary: canaryName, stable: stableName } = settings;
    const c = observation.subsets[canaryName];
    const s = observation.subsets[stableName];
    const hold = (reason: string, next: RolloutState = state) => ({
      decision: decision(ctx, state.weight, `Holding ${canaryName} at ${state.weight}%: ${reason}.`),
      state: { ...next, reason },
    });
    const errors = {
      canary: addCounts(state.errors.canary, counts(c, elapsed)),
      stable: addCounts(state.errors.stable, counts(s, elapsed)),
    };
    const counted = { ...state, errors };
    // Errors are counted per subset, so any window is evidence: a canary that fails requests is
    // stopped without waiting for a window that saw only its current weight.
    const errorsWorse = probabilityWorse(
      errors.canary,
      errors.stable,
      ctx.objectives.errorRate / 2,
      ctx.random,
    );
    if (errorsWorse >= ERRORS_ABORT && errors.canary.errors >= MIN_ERRORS_TO_ABORT) {
      const reason = `${canaryName} fails more requests than ${stableName}: ${pct(c?.errorRatio)} vs ${pct(s?.errorRatio)}, P(errors worse by half the budget) ${errorsWorse.toFixed(2)}`;
      return {
        decision: decision(
          ctx,
          0,
          `Aborted at ${state.weight}%: ${reason}; all traffic back to ${stableName}.`,
        ),
        state: { ...counted, phase: "Aborted" as const, weight: 0, reason },
      };
    }
    const settledFrom = (state.stepAtMs ?? 0) + settings.propagationMs;
    if (observation.atMs - observation.windowMs < settledFrom)
      return hold(`waiting for a window that saw only ${state.weight}%`, counted);
    const windowRequests = c ? (c.rps * observation.windowMs) / 1000 : 0;
    if (!c || windowRequests < (settings.minRequests ?? 100))
      return hold(
        `too few ${canaryName} requests to judge (${Math.round(windowRequests)} in the window)`,
        counted,
      );

    const worse = latencyWorse(c, s, ctx.objectives, settings.latencyTolerance ?? 0.25);
    const llr = sprtUpdate(state.llr, worse, sprt);
    const latency = sprtVerdict(llr, sprt);
    const record = (verdict: string): RolloutEvidence => ({
      atMs: observation.atMs,
      weight: state.weight,
      canaryP99Ms: c.p99Ms,
      stableP99Ms: s?.p99Ms,
      canaryErrorRatio: c.errorRatio,
      stableErrorRatio: s?.errorRatio,
      errorsWorse,
      latencyLlr: llr,
      verdict,
    });
    const next = (verdict: string, patch: Partial<RolloutState>): RolloutState => ({
      ...counted,
      llr,
      evidence: [...state.evidence, record(verdict)].slice(-EVIDENCE_KEPT),
      ...patch,
    });
    const figures = `p99 ${fmt(c.p99Ms)} ms vs ${fmt(s?.p99Ms)} ms, errors ${pct(c.errorRatio)} vs ${pct(s?.errorRatio)}, P(errors worse) ${errorsWorse.toFixed(2)}`;

    if (latency === "worse") {
      const reason = `${canaryName} is slower than ${stableName} (sequential latency test): ${figures}`;
      return {
        decision: decision(
          ctx,
          0,
          `Aborted at ${state.weight}%: ${reason}; all traffic back to ${stableName}.`,
        ),
        state: next("worse", { phase: "Aborted", weight: 0, reason }),
      };
    }
    if (latency !== "not-worse" || errorsWorse >= ERRORS_CLEAR)
      return hold(`evidence inconclusive (${figures})`, next("inconclusive", {}));
    if (state.weight >= 100)
      return {
        decision: decision(ctx, 100, `Promoted: ${canaryName} held its objectives at 100% (${figures}).`),
        state: next("promoted", { phase: "Promoted", reason: `promoted: ${figures}` }),
      };
    const gate = settings.gates.find((g) => g === state.weight && !settings.approvedGates.includes(g));
    if (gate !== undefined)
      return {
        decision: decision(ctx, state.weight, `Paused at the ${gate}% gate until a person approves it.`),
        state: next("gate", { phase: "Paused", reason: `waiting for approval at ${gate}%` }),
      };
    const spentMin = state.exposurePercentMs / MINUTE_MS;
    const detection = detectionMinutes(observation.windowMs, settings.intervalMs, settings.propagationMs);
    // The budget bounds what a bad canary can cost before it is caught. The last step, to 100%,
    // is the promotion: from then on the new version is what the intent's rollback protects.
    const affordable = Math.floor((settings.exposureBudgetPercentMinutes - spentMin) / detection);
    const grown = Math.min(100, state.weight * GROWTH);
    const target = grown === 100 ? 100 : Math.min(grown, affordable);
    if (target <= state.weight) {
      const reason = `the exposure budget left (${Math.max(0, settings.exposureBudgetPercentMinutes - spentMin).toFixed(0)} percent-minutes) cannot afford a step beyond ${state.weight}%`;
      return {
        decision: decision(ctx, state.weight, `Inconclusive: ${reason}.`),
        state: next("budget", { phase: "Inconclusive", reason }),
      };
    }
    return {
      decision: decision(
        ctx,
        target,
        `Stepped ${canaryName} from ${state.weight}% to ${target}%: ${figures}.`,
      ),
      state: next("not-worse", { weight: target, stepAtMs: ctx.nowMs, llr: 0, phase: "Progressing" }),
    };
  }
}

const fmt = (ms: number | undefined) => (ms === undefined ? "?" : ms.toFixed(0));
const pct = (r: number | undefined) => (r === undefined ? "?" : `${(r * 100).toFixed(2)}%`);
