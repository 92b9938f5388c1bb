import { DEFAULT_GUARDRAILS } from "../../api/guardrail-limits.js";
import { Random } from "../../common/random.js";
import type { Observation, SubsetStats } from "../metrics/observation.js";
import type { PolicyContext } from "../policy/policy.js";
import {
  detectionMinutes,
  initialRollout,
  type RolloutSettings,
  type RolloutState,
  rolloutBudgetProblem,
  rolloutPolicy,
} from "./rollout-policy.js";

const settings: RolloutSettings = {
  stable: "v1",
  canary: "v2",
  exposureBudgetPercentMinutes: 100,
  deadlineMs: 30 * 60_000,
  gates: [],
  approvedGates: [],
  propagationMs: 3000,
  intervalMs: 15_000,
};
const WINDOW = 30_000;
const objectives = { p99LatencyMs: 200, errorRate: 0.001 };

const stats = (rps: number, p99Ms: number, errorRatio = 0): SubsetStats => ({
  rps,
  errorRatio,
  p50Ms: p99Ms / 4,
  p95Ms: p99Ms / 2,
  p99Ms,
  cpuUtilization: 0.3,
  replicas: 4,
});

/** Drives the policy as the control step would: each decision's weights become the next `current`. */
function driver(s: RolloutSettings = settings) {
  const policy = rolloutPolicy(s);
  let state: RolloutState = policy.initialState(["v1", "v2"]);
  let weights: Record<string, number> = { v1: 100, v2: 0 };
  let now = 0;
  const random = new Random(5);
  return {
    step(
      canary: Partial<{ p99: number; errors: number }> = {},
      stable: Partial<{ p99: number; errors: number }> = {},
    ) {
      now += s.intervalMs;
      const total = 300;
      const observation: Observation = {
        atMs: now,
        windowMs: WINDOW,
        subsets: {
          v1: stats((total * (weights.v1 ?? 0)) / 100, stable.p99 ?? 100, stable.errors ?? 0),
          v2: stats((total * (weights.v2 ?? 0)) / 100, canary.p99 ?? 100, canary.errors ?? 0),
        },
        replicas: {},
        stale: false,
      };
      const ctx: PolicyContext = {
        nowMs: now,
        random,
        current: { algorithm: "LEAST_REQUEST", weights },
        objectives,
        guardrails: DEFAULT_GUARDRAILS,
        hedgingAllowed: false,
      };
      const out = policy.decide(observation, state, ctx);
      state = out.state;
      weights = { ...out.decision.routing.weights };
      return { weight: weights.v2, phase: state.phase, explanation: out.decision.explanation, state };
    },
    /** The routing changes under the policy: a failed write, or a person. */
    move(canary: number) {
      weights = { v1: 100 - canary, v2: canary };
    },
  };
}

describe("the rollout policy", () => {
  it("starts the canary at 10%, holds until a window saw only that weight, then steps ×5 on clean evidence", () => {
    const d = driver();
    expect(d.step()).toMatchObject({ weight: 10, phase: "Progressing" });
    // Windows of 30 s that began before the change reached the proxies (3 s) are not evidence.
    expect(d.step().explanation).toContain("waiting for a window that saw only 10%");
    expect(d.step().weight).toBe(10);
    expect(d.step().weight).toBe(10); // first settled interval: one clean interval is not enough
    const stepped = d.step();
    expect(stepped.weight).toBe(50);
    expect(stepped.explanation).toMatch(/Stepped v2 from 10% to 50%/);
  });

  it("reaches 100% and promotes once 100% has held its objectives", () => {
    const d = driver();
    const phases: string[] = [];
    for (let i = 0; i < 20; i++) phases.push(d.step().phase);
    expect(phases.at(-1)).toBe("Promoted");
  });

  it("aborts on a slower canary after two worse intervals, putting all traffic back on stable", () => {
    const d = driver();
    d.step();
    let last = d.step({ p99: 400 });
    for (let i = 0; i < 5 && last.phase === "Progressing"; i++) last = d.step({ p99: 400 });
    expect(last).toMatchObject({ weight: 0, phase: "Aborted" });
    expect(last.explanation).toContain("sequential latency test");
  });

  it("aborts on a canary that fails requests, without waiting for a settled window", () => {
    const d = driver();
    d.step();
    const out = d.step({ errors: 0.1 });
    expect(out).toMatchObject({ weight: 0, phase: "Aborted" });
    expect(out.explanation).toContain("fails more requests");
  });

  it("does not abort on a handful of requests with no errors, whatever the prior says", () => {
    const d = driver({ ...settings, exposureBudgetPercentMinutes: 2 });
    expect(d.step().weight).toBe(1);
    for (let i = 0; i < 3; i++) expect(d.step().phase).toBe("Progressing");
  });

  it("holds when the latency evidence is mixed, and says the evidence is inconclusive", () => {
    const d = driver();
    d.step();
    d.step();
    d.step();
    d.step({ p99: 400 });
    const mixed = d.step();
    expect(mixed.weight).toBe(10);
    expect(mixed.explanation).toContain("evidence inconclusive");
  });

  it("pauses at a gate until it is approved", () => {
    const gated = { ...settings, gates: [10] };
    const d = driver(gated);
    let last = d.step();
    for (let i = 0; i < 4; i++) last = d.step();
    expect(last).toMatchObject({ weight: 10, phase: "Paused" });
    const approved = driver({ ...gated, approvedGates: [10] });
    for (let i = 0; i < 5; i++) last = approved.step();
    expect(last.weight).toBe(50);
  });

  it("turns Inconclusive at the deadline, and holds the weight for a person to decide", () => {
    const d = driver({ ...settings, deadlineMs: 40_000 });
    d.step();
    d.step();
    d.step();
    const late = d.step();
    expect(late).toMatchObject({ phase: "Inconclusive", weight: 10 });
    expect(late.explanation).toContain("deadline");
  });

  it("never takes a step a bad canary could make cost more than the exposure budget", () => {
    // 10% for about a minute, then 50% would risk 50 × detection more: over a budget of 40.
    const d = driver({ ...settings, exposureBudgetPercentMinutes: 40 });
    let last = d.step();
    for (let i = 0; i < 4; i++) last = d.step();
    const detection = detectionMinutes(WINDOW, settings.intervalMs, settings.propagationMs);
    expect(last.weight).toBeLessThan(50);
    expect(last.state.exposurePercentMs / 60_000 + last.weight * detection).toBeLessThanOrEqual(40);
  });

  it("resumes from the routing in force when it is not what the rollout proposed, and starts that weight's evidence over", () => {
    const d = driver();
    d.step();
    for (let i = 0; i < 4; i++) d.step();
    expect(d.step().weight).toBe(50);
    d.move(10); // the write of 50% did not land
    const resumed = d.step();
    expect(resumed.weight).toBe(10);
    expect(resumed.explanation).toContain("waiting for a window that saw only 10%");
    d.move(0); // observe mode, or a person put it back: start again, keeping the deadline's clock
    const restarted = d.step();
    expect(restarted.weight).toBe(10);
    expect(restarted.state.startedMs).toBe(15_000);
  });

  it("reports a budget it cannot run with, naming the field and the fix", () => {
    const detection = detectionMinutes(WINDOW, 15_000, 3000);
    expect(rolloutBudgetProblem(0.5, detection)).toMatch(
      /exposureBudgetPercentMinutes 0.5 cannot afford even 1%.*give at least 2/,
    );
    expect(rolloutBudgetProblem(settings.exposureBudgetPercentMinutes, detection)).toBeUndefined();
    expect(initialRollout().phase).toBe("Progressing");
  });
});
