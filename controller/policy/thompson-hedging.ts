/**
 * Thompson-sampling weighted hedging (seed 001): a discounted posterior per subset over
 * "fast and successful", weights from sampled posteriors, and hedging with k copies whose delay
 * is learned from the observed p95. Within a subset it acts per replica: Thompson sampling over
 * per-pod arms moves a misbehaving pod to the quarantine lane and back (replica-lanes.ts), and
 * Envoy's least-request balancer scans every host instead of drawing two.
 */
import type { Observation } from "../metrics/observation.js";
import {
  type BanditState,
  initialBandit,
  posteriorMeans,
  thompsonShares,
  updateBandit,
} from "./beta-bandit.js";
import { fastOutcome } from "./fraction-faster.js";
import type { Decision, Policy, PolicyContext, RoutingKnobs } from "./policy.js";
import { INITIAL_LANES, type LaneOptions, type LaneState, proposeLane } from "./replica-lanes.js";
import { aggregate, reward } from "./reward.js";

export interface ThompsonHedgingOptions {
  /** Copies of a request: 1 means no hedging; 2 or 3 send up to one or two hedges. */
  readonly k: 1 | 2 | 3;
  /** Discount per interval; below 1 tracks change. @default 0.8 */
  readonly gamma?: number;
  /** Evidence per subset per interval is capped, so a busy subset cannot freeze its posterior. @default 200 */
  readonly maxTrialsPerInterval?: number;
  /** Per-replica arms and the quarantine lane; false leaves every pod serving. @default {} */
  readonly lanes?: LaneOptions | false;
}

export interface ThompsonHedgingState {
  readonly bandit: BanditState;
  /** Smoothed p95, the hedge delay; undefined until measured. */
  readonly hedgeDelayMs?: number;
  /** Per-pod posteriors and quarantines; absent in state saved before lanes existed. */
  readonly lanes?: LaneState;
}

const FULL_SCAN = { choiceCount: 2, fullScan: true } as const;

export function thompsonHedging(options: ThompsonHedgingOptions): Policy<ThompsonHedgingState> {
  const gamma = options.gamma ?? 0.8;
  const cap = options.maxTrialsPerInterval ?? 200;
  return {
    name: `thompson-hedging-k${options.k}`,
    initialState: (subsets) => ({ bandit: initialBandit(subsets), lanes: INITIAL_LANES }),
    decide(observation: Observation, state: ThompsonHedgingState, ctx: PolicyContext) {
      const hold = (why: string): { decision: Decision; state: ThompsonHedgingState } => ({
        decision: { routing: ctx.current, explanation: why },
        state,
      });
      if (observation.stale) return hold("Telemetry is stale; holding the current routing.");

      const outcomes: Record<string, { successes: number; trials: number }> = {};
      for (const [name, s] of Object.entries(observation.subsets)) {
        const outcome = fastOutcome(s, observation.windowMs, cap, ctx.objectives.p99LatencyMs);
        if (outcome) outcomes[name] = outcome;
      }
      const bandit = updateBandit(state.bandit, outcomes, gamma);
      const shares = thompsonShares(bandit, ctx.random, 400);

      const { p95Ms, p99Ms } = aggregate(observation);
      // Peak-sensitive: a rising p95 raises the delay at once (a stale, short delay would hedge a
      // large share of requests and add load exactly when latency climbs); a falling one lowers it slowly.
      const hedgeDelayMs =
        p95Ms === undefined
          ? state.hedgeDelayMs
          : state.hedgeDelayMs === undefined || p95Ms > state.hedgeDelayMs
            ? p95Ms
            : 0.7 * state.hedgeDelayMs + 0.3 * p95Ms;
      // Hedge only where there is a tail to cut; the control step caps hedging when CPU is short.
      let retries: RoutingKnobs["retries"];
      let hedgeNote = "";
      if (options.k > 1 && ctx.hedgingAllowed && hedgeDelayMs !== undefined) {
        if (p99Ms !== undefined && p99Ms < 0.8 * ctx.objectives.p99LatencyMs) {
          hedgeNote = " Not hedging: p99 is well within the objective.";
        } else {
          retries = {
            attempts: options.k - 1,
            perTryTimeoutMs: Math.max(1, Math.round(hedgeDelayMs)),
            hedge: true,
          };
        }
      }
      const lanes =
        options.lanes === false
          ? undefined
          : proposeLane(observation, state.lanes ?? INITIAL_LANES, ctx, options.lanes);
      // Join-shortest-queue beats two random choices whenever hosts differ, and costs a scan of
      // the subset's hosts per pick: cheap at the tens of pods a subset has.
      const leastRequest = ctx.current.algorithm === "LEAST_REQUEST" ? FULL_SCAN : ctx.current.leastRequest;
      const routing: RoutingKnobs = {
        ...ctx.current,
        weights: shares,
        retries,
        leastRequest,
        lane: lanes ? lanes.lane : ctx.current.lane,
      };
      const means = posteriorMeans(bandit);
      const belief = Object.keys(means)
        .sort()
        .map((n) => `${n} ${(means[n] * 100).toFixed(0)}%`)
        .join(", ");
      const hedging = retries?.hedge
        ? ` Hedging ${options.k} copies after ${retries.perTryTimeoutMs} ms (smoothed p95).`
        : hedgeNote;
      return {
        decision: {
          routing,
          explanation: `Fast-and-successful belief: ${belief}.${hedging}${lanes?.note ?? ""}`,
          reward: reward(observation, ctx.objectives),
        },
        state: { bandit, hedgeDelayMs, lanes: lanes?.state ?? state.lanes },
      };
    },
  };
}
