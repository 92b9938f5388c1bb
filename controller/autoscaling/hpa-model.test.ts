import fc from "fast-check";
import {
  calculatorProposal,
  HPA_DEFAULT_SCALE_DOWN,
  HPA_DEFAULT_SCALE_UP,
  HPA_SYNC_PERIOD_MS,
  type HpaSpec,
  type HpaState,
  hpaStep,
  INITIAL_HPA_STATE,
  rateLimit,
} from "./hpa-model.js";

const spec: HpaSpec = {
  minReplicas: 2,
  maxReplicas: 20,
  targetUtilization: 0.8,
  scaleUp: HPA_DEFAULT_SCALE_UP,
  scaleDown: HPA_DEFAULT_SCALE_DOWN,
};
const pods = (n: number, utilization: number) => Array.from({ length: n }, () => utilization);

/** Runs syncs every 15 s; `load(i)` gives the total CPU demand in pods' worth (the utilization × replicas). */
function run(s: HpaSpec, start: number, syncs: number, load: (i: number) => number) {
  let state: HpaState = INITIAL_HPA_STATE;
  let replicas = start;
  const seen: number[] = [];
  for (let i = 0; i < syncs; i++) {
    const out = hpaStep(s, state, {
      nowMs: i * HPA_SYNC_PERIOD_MS,
      currentReplicas: replicas,
      readyUtilizations: pods(replicas, load(i) / replicas),
      unready: 0,
    });
    state = out.state;
    replicas = out.replicas;
    seen.push(replicas);
  }
  return seen;
}

describe("the HPA's replica calculator", () => {
  it("does nothing within the 10% tolerance, and ceil(ratio × ready pods) beyond it", () => {
    const at = (utilization: number) =>
      calculatorProposal(spec, {
        nowMs: 0,
        currentReplicas: 4,
        readyUtilizations: pods(4, utilization),
        unready: 0,
      }).replicas;
    expect(at(0.85)).toBe(4); // 0.85 / 0.8 = 1.0625: within tolerance
    expect(at(0.72)).toBe(4); // 0.9: on the edge, still within
    expect(at(0.9)).toBe(5); // 1.125 × 4 = 4.5 → 5
    expect(at(0.4)).toBe(2); // 0.5 × 4 = 2
  });

  it("counts starting pods at 0% when scaling up, and keeps the replicas if that undoes the scale-up", () => {
    const input = (utilization: number, unready: number) => ({
      nowMs: 0,
      currentReplicas: 4,
      readyUtilizations: pods(2, utilization),
      unready,
    });
    // 2 ready at 120%: 1.5 on their own; with 2 starting at 0%: 0.75 → keep 4.
    expect(calculatorProposal(spec, input(1.2, 2)).replicas).toBe(4);
    // 2 ready at 200%: 2.5 alone; (2 × 2.0) / 4 / 0.8 = 1.25 → ceil(1.25 × 4) = 5.
    expect(calculatorProposal(spec, input(2.0, 2)).replicas).toBe(5);
    expect(calculatorProposal(spec, { ...input(1, 0), readyUtilizations: [] }).reason).toContain(
      "no metrics",
    );
  });
});

describe("the HPA's rate limits (defaults: up by max(4 pods, 100%) per 15 s; down by 100% per 15 s)", () => {
  it("scale-up allows the larger of +4 pods and doubling, from the replicas at the start of the period", () => {
    expect(rateLimit("up", 2, HPA_DEFAULT_SCALE_UP, [], 0)).toBe(6); // max(2 + 4, 4)
    expect(rateLimit("up", 10, HPA_DEFAULT_SCALE_UP, [], 0)).toBe(20); // max(14, 20)
    // 6 now, after +4 at t = 10 s: the period began at 2.
    expect(rateLimit("up", 6, HPA_DEFAULT_SCALE_UP, [{ atMs: 10_000, change: 4 }], 20_000)).toBe(6);
    // An event exactly one period old no longer counts (Kubernetes keeps events strictly after the cutoff).
    expect(rateLimit("up", 6, HPA_DEFAULT_SCALE_UP, [{ atMs: 5_000, change: 4 }], 20_000)).toBe(12);
  });

  it("scale-down under the default can remove every pod in one period, floored at minReplicas later", () => {
    expect(rateLimit("down", 10, HPA_DEFAULT_SCALE_DOWN, [], 0)).toBe(0);
    const slow = {
      ...HPA_DEFAULT_SCALE_DOWN,
      policies: [{ type: "Pods" as const, value: 1, periodSeconds: 60 }],
    };
    expect(rateLimit("down", 10, slow, [{ atMs: 0, change: -1 }], 30_000)).toBe(10);
  });
});

describe("the HPA over time", () => {
  it("a step in load from 2 to 16 pods' worth: 2 → 6 → 12 → 20 (max), limited by the scale-up policies", () => {
    // Demand 16 pods' worth at 80% target: ceil(16 / 0.8) = 20 wanted at once.
    expect(run(spec, 2, 4, (i) => (i === 0 ? 1.6 : 16))).toEqual([2, 6, 12, 20]);
  });

  it("holds its replicas for the 300 s scale-down window after the load falls, then drops at once", () => {
    // 8 pods at 80% (6.4 pods' worth), then the demand falls to 1.6: 2 pods would do.
    const seen = run(spec, 8, 25, (i) => (i === 0 ? 6.4 : 1.6));
    // The window holds the highest recommendation of the last 300 s: the first sync's 8 (and the
    // seeded 8) until it is 300 s old, i.e. the sync at t = 300 s (index 20) may go down.
    expect(seen.slice(0, 20)).toEqual(Array(20).fill(8));
    expect(seen[20]).toBe(2);
  });

  it("never leaves [minReplicas, maxReplicas], and never moves faster than its policies (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 40, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 2, max: 20 }),
        (loads, start) => {
          const seen = run(spec, start, loads.length, (i) => loads[i]);
          let previous = start;
          for (const r of seen) {
            if (r < spec.minReplicas || r > spec.maxReplicas) return false;
            if (r > Math.max(previous + 4, previous * 2)) return false;
            previous = r;
          }
          return true;
        },
      ),
      { seed: 17, numRuns: 200 },
    );
  });
});
