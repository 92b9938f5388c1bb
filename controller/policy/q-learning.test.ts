import { DEFAULT_GUARDRAILS } from "../../api/guardrail-limits.js";
import { Random } from "../../common/random.js";
import type { Observation, ReplicaStats, SubsetStats } from "../metrics/observation.js";
import { simulateControl } from "../sim/control-loop.js";
import type { SimulationConfig } from "../sim/model.js";
import type { Policy, PolicyContext } from "./policy.js";
import {
  applyAction,
  discretize,
  Q_ACTIONS,
  type QLearningState,
  qLearning,
  worstPod,
} from "./q-learning.js";
import { exportQTable, importQTable } from "./q-table.js";

const stats = (rps: number, p99Ms: number, errorRatio: number, cpu = 0.5): SubsetStats => ({
  replicas: 2,
  rps,
  errorRatio,
  p50Ms: p99Ms / 4,
  p95Ms: p99Ms / 2,
  p99Ms,
  cpuUtilization: cpu,
});
const replica = (subset: string, cpu: number): ReplicaStats => ({ ...stats(100, 50, 0, cpu), subset });
const obs = (
  subsets: Record<string, SubsetStats>,
  replicas: Record<string, ReplicaStats> = {},
): Observation => ({
  atMs: 10_000,
  windowMs: 10_000,
  subsets,
  replicas,
  stale: false,
});
const ctx: PolicyContext = {
  nowMs: 10_000,
  random: new Random(1),
  current: { algorithm: "ROUND_ROBIN", weights: { v1: 50, v2: 50 } },
  objectives: { p99LatencyMs: 100, errorRate: 0.001 },
  guardrails: DEFAULT_GUARDRAILS,
  hedgingAllowed: true,
};

describe("Q-learning controller", () => {
  it("discretizes p99 against the SLO, errors against the budget, the worst pod against the median, CPU, and the levers in force", () => {
    const pods = {
      a: { ...replica("v1", 0.9), p50Ms: 10 },
      b: { ...replica("v1", 0.9), p50Ms: 12 },
      c: { ...replica("v1", 0.9), p50Ms: 11 },
      d: { ...replica("v1", 0.9), p50Ms: 70 },
    };
    const o = obs({ v1: stats(400, 120, 0.0015, 0.9) }, pods);
    // p99 1.2x -> bin 3; errors 1.5 budgets -> bin 2; worst pod 70 over the median 12 -> over 5x (2); CPU 0.9 -> short (1).
    expect(discretize(o, ctx)).toBe("l3|e2|w2|c1|--");
    expect(worstPod(o, [])).toEqual({ pod: "d", ratio: 70 / 12 });
    // With d in the lane and hedging in force: the worst of the rest is near the median.
    const levers: PolicyContext = {
      ...ctx,
      current: {
        ...ctx.current,
        lane: { quarantined: ["d"], probePercent: 1 },
        retries: { attempts: 1, perTryTimeoutMs: 50, hedge: true },
        leastRequest: { choiceCount: 2, fullScan: true },
      },
    };
    expect(discretize(o, levers)).toBe("l3|e2|w0|c1|qh");
    expect(discretize(obs({ v1: stats(100, 40, 0) }), ctx)).toBe("l0|e0|w?|c0|--");
  });

  it("turns each action into routing the actuator can set", () => {
    const o = obs({ v1: stats(100, 40, 0), v2: stats(100, 200, 0) });
    expect(applyAction("lb-least-request", o, ctx).algorithm).toBe("LEAST_REQUEST");
    expect(applyAction("shift-to-fastest", o, ctx).weights).toEqual({ v1: 60, v2: 40 });
    expect(applyAction("outlier-detection-on", o, ctx).outlierDetection).toEqual(
      expect.objectContaining({ consecutive5xxErrors: 5 }),
    );
    expect(applyAction("hedge-at-p95", o, ctx).retries).toEqual({
      attempts: 1,
      perTryTimeoutMs: 60,
      hedge: true,
    });
    expect(applyAction("hedge-at-p95", o, { ...ctx, hedgingAllowed: false })).toBe(ctx.current);
    expect(Q_ACTIONS[0]).toBe("hold");
    // The per-replica levers: the worst pod to the lane (probes only where requests may be
    // replayed), all back, and least-request's full scan only with LEAST_REQUEST.
    const fleet = obs(
      { v1: stats(300, 200, 0) },
      {
        p0: { ...replica("v1", 0.5), p50Ms: 10 },
        p1: { ...replica("v1", 0.5), p50Ms: 12 },
        p2: { ...replica("v1", 0.9), p50Ms: 150 },
      },
    );
    expect(applyAction("lane-worst", fleet, ctx).lane).toEqual({ quarantined: ["p2"], probePercent: 1 });
    expect(applyAction("lane-worst", fleet, { ...ctx, hedgingAllowed: false }).lane?.probePercent).toBe(0);
    const laned = { ...ctx, current: { ...ctx.current, lane: { quarantined: ["p2"], probePercent: 1 } } };
    expect(applyAction("lane-release", fleet, laned).lane).toBeUndefined();
    // Ejection by the proxy: a per-try timeout well above the fleet's p99 that retries elsewhere, and
    // outlier detection that counts those timeouts; never where requests may not be replayed.
    const eject = applyAction("eject-slow", fleet, ctx);
    expect(eject.retries).toEqual({ attempts: 2, perTryTimeoutMs: 800, onTimeout: true });
    expect(eject.outlierDetection).toMatchObject({ consecutive5xxErrors: 3, maxEjectionPercent: 34 });
    expect(applyAction("eject-slow", fleet, { ...ctx, hedgingAllowed: false })).toBe(ctx.current);
  });

  it("learns from the reward of the interval after each decision", () => {
    const policy = qLearning({ alpha: 0.5, gamma: 0, epsilonStart: 0, epsilonMin: 0, epsilonDecay: 1 });
    const first = policy.decide(obs({ v1: stats(100, 50, 0) }), policy.initialState(["v1"]), ctx);
    expect(first.state.previous).toEqual({ state: "l1|e0|w?|c0|--", action: 0 });
    expect(first.decision.explanation).toBe(
      'State l1|e0|w?|c0|--: chose "hold", greedy: Q 0.00 against hold 0.00.',
    );
    const second = policy.decide(obs({ v1: stats(100, 50, 0) }), first.state, ctx);
    // Reward of p99 at half the SLO, no errors: 0.5; alpha 0.5, gamma 0 -> Q = 0.25.
    expect(second.state.table.values["l1|e0|w?|c0|--"][0]).toBeCloseTo(0.25, 10);
    expect(second.decision.explanation).toContain(
      'Learned from "hold": reward 0.50 (latency 0.50, errors 0.00, cost 0.00).',
    );
  });

  it("returns a pod from the lane by the shared rules, whatever the table chose", () => {
    const policy = qLearning({ alpha: 0.5, gamma: 0, epsilonStart: 0, epsilonMin: 0, epsilonDecay: 1 });
    const fleet = obs(
      { v1: stats(300, 50, 0) },
      Object.fromEntries(["p0", "p1", "p3"].map((p) => [p, { ...replica("v1", 0.5), p50Ms: 10 }])),
    );
    const inLane: PolicyContext = {
      ...ctx,
      current: { ...ctx.current, lane: { quarantined: ["p2"], probePercent: 0 } },
    };
    // First seen in the lane at 10 s (no probes: the route may not be replayed), held at 30 s...
    const first = policy.decide(fleet, policy.initialState(["v1"]), { ...inLane, nowMs: 10_000 });
    expect(first.decision.routing.lane?.quarantined).toEqual(["p2"]);
    const held = policy.decide(fleet, first.state, { ...inLane, nowMs: 30_000 });
    expect(held.decision.routing.lane?.quarantined).toEqual(["p2"]);
    // ...and back on probation once its 30 s are up, though the table chose "hold".
    const back = policy.decide(fleet, held.state, { ...inLane, nowMs: 40_000 });
    expect(back.decision.routing.lane).toBeUndefined();
    expect(back.decision.explanation).toMatch(
      /chose "hold".*Lane: p2 back from the lane \(on probation after 30 s\)/,
    );
  });

  it("holds and does not learn on stale telemetry", () => {
    const policy = qLearning();
    const state = policy.initialState(["v1"]);
    const out = policy.decide({ ...obs({}), stale: true }, state, ctx);
    expect(out.decision.routing).toBe(ctx.current);
    expect(out.state).toBe(state);
  });

  it("runs in the simulator within the guardrails and exports what it learned", async () => {
    const config: SimulationConfig = {
      seed: 3,
      durationMs: 600_000,
      replicas: [
        ...Array.from({ length: 4 }, () => ({
          subset: "v1",
          slots: 4,
          serviceTime: { kind: "exponential", meanMs: 20 } as const,
        })),
        ...Array.from({ length: 4 }, () => ({
          subset: "v2",
          slots: 4,
          serviceTime: { kind: "exponential", meanMs: 20 } as const,
          speed: 0.5,
        })),
      ],
      arrivals: { kind: "poisson", rps: 700 },
      routing: { algorithm: "ROUND_ROBIN", weights: { v1: 50, v2: 50 } },
      controlIntervalMs: 5_000,
    };
    const run = await simulateControl(config, qLearning() as Policy<unknown>, {
      objectives: ctx.objectives,
      guardrails: { ...DEFAULT_GUARDRAILS, cooldownMs: 0 },
      hedgingAllowed: true,
    });
    // One decision every 5 s from the first full 60 s telemetry window to the end at 600 s.
    expect(run.decisions[0].atMs).toBe(60_000);
    expect(run.decisions).toHaveLength(109);
    for (let i = 1; i < run.decisions.length; i++) {
      const [a, b] = [run.decisions[i - 1].routing.weights, run.decisions[i].routing.weights];
      expect(a.v1 + a.v2).toBe(100);
      expect(Math.abs(b.v2 - a.v2)).toBeLessThanOrEqual(DEFAULT_GUARDRAILS.maxStep);
      expect(b.v2).toBeGreaterThanOrEqual(DEFAULT_GUARDRAILS.minWeight);
    }
    const { table } = run.finalState as QLearningState;
    expect(table.decisions).toBeGreaterThan(100);
    const json = exportQTable(table);
    expect(importQTable(json, Q_ACTIONS)).toEqual(expect.objectContaining({ decisions: table.decisions }));
  });
});
