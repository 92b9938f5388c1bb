import { DEFAULT_GUARDRAILS } from "../../api/guardrail-limits.js";
import { Random } from "../../common/random.js";
import type { Observation } from "../metrics/observation.js";
import { FLAGGER_DEFAULTS, type FlaggerState, flaggerPolicy } from "./flagger-baseline.js";

function driver(threshold: number) {
  const policy = flaggerPolicy({ stable: "v1", canary: "v2", ...FLAGGER_DEFAULTS, threshold });
  let state: FlaggerState = policy.initialState(["v1", "v2"]);
  let weights: Record<string, number> = { v1: 100, v2: 0 };
  let now = 0;
  return (canary: { p99: number; errors: number } = { p99: 100, errors: 0 }) => {
    now += 15_000;
    const observation: Observation = {
      atMs: now,
      windowMs: 60_000,
      subsets: {
        v2: {
          rps: 30,
          errorRatio: canary.errors,
          p50Ms: 20,
          p95Ms: 50,
          p99Ms: canary.p99,
          cpuUtilization: 0.2,
          replicas: 4,
        },
      },
      replicas: {},
      stale: false,
    };
    const out = policy.decide(observation, state, {
      nowMs: now,
      random: new Random(1),
      current: { algorithm: "LEAST_REQUEST", weights },
      objectives: { p99LatencyMs: 200, errorRate: 0.001 },
      guardrails: DEFAULT_GUARDRAILS,
      hedgingAllowed: false,
    });
    state = out.state;
    weights = { ...out.decision.routing.weights };
    return { atS: now / 1000, weight: weights.v2, phase: state.phase, explanation: out.decision.explanation };
  };
}

describe("the Flagger-style baseline", () => {
  it("advances 10 points every 60 s to 50%, then promotes one interval after a passing check there", () => {
    const step = driver(1);
    const changes: string[] = [];
    let last = -1;
    for (let i = 0; i < 40; i++) {
      const r = step();
      if (r.weight !== last) changes.push(`${r.atS}:${r.weight}`);
      last = r.weight;
    }
    expect(changes).toEqual(["15:10", "75:20", "135:30", "195:40", "255:50", "375:100"]);
  });

  it("halts on a failed check and rolls back once the failed checks reach the threshold", () => {
    const step = driver(5);
    step();
    const results = Array.from({ length: 24 }, () => step({ p99: 100, errors: 0.01 }));
    const halts = results.filter((r) => r.explanation.startsWith("Halt advancement"));
    expect(halts.length).toBe(4);
    expect(halts[0].explanation).toContain("success rate 99.00% < 99.90%");
    expect(results.at(-1)).toMatchObject({ weight: 0, phase: "Aborted" });
  });

  it("fails the duration check on a p99 over the objective, with Flagger's default threshold of one", () => {
    const step = driver(1);
    step();
    const results = Array.from({ length: 4 }, () => step({ p99: 450, errors: 0 }));
    expect(results.at(-1)).toMatchObject({ weight: 0, phase: "Aborted" });
    expect(results.at(-1)?.explanation).toContain("threshold reached 1");
  });
});
