import { describe, expect, test } from "@jest/globals";
import type { SimulationResult } from "../sim/engine.js";
import {
  evaluateTargets,
  heldOutTarget,
  learningCurveTarget,
  type RunRecord,
  safetyTarget,
  summarize,
} from "./report.js";

const result = (p99Ms: number, errorRatio = 0, extraLoad = 0): SimulationResult => ({
  completed: 1000,
  errors: errorRatio * 1000,
  timeouts: 0,
  extraLoad,
  meanMs: 10,
  p50Ms: 10,
  p99Ms,
  p999Ms: p99Ms * 2,
  throughputRps: 100,
  utilization: [0.5],
  utilizationCv: 0,
  costPerRequest: 1,
});
const runs = (
  scenario: string,
  contender: string,
  kind: "peer" | "meshpilot",
  r: SimulationResult,
): RunRecord[] => [1, 2, 3].map((seed) => ({ scenario, contender, kind, seed, result: r }));

describe("the bench's targets", () => {
  test("safety names each Meshpilot policy past a bound, and passes when none is", () => {
    const rows = summarize([
      ...runs("s", "istio-default", "peer", result(100, 0.001)),
      ...runs("s", "thompson-k2", "meshpilot", result(104, 0.0015, 0.02)),
      ...runs("s", "q-learning", "meshpilot", result(120, 0.003, 0.08)),
    ]);
    const t = safetyTarget(rows, "s");
    expect(t.met).toBe(false);
    expect(t.figure).toBe("q-learning p99 1.20x, errors +0.20 pp, extra load 8.0%");
    expect(
      safetyTarget(
        rows.filter((r) => r.contender !== "q-learning"),
        "s",
      ).met,
    ).toBe(true);
  });

  test("the learning curve must gain more than its own last-quarter spread", () => {
    expect(learningCurveTarget([-2, -2, -1.9, -1.8, -1, -0.9, -0.5, -0.5]).met).toBe(true);
    expect(learningCurveTarget([-1, -1, -1, -1, -1, -1.2, -0.8, -1]).met).toBe(false);
    expect(learningCurveTarget([-1]).met).toBeUndefined();
  });

  test("targets the run did not measure say so instead of passing", () => {
    const targets = evaluateTargets([], [], { wallS: 10, defaultMatrix: false });
    for (const t of targets) expect(t.met).toBeUndefined();
    expect(targets.map((t) => t.name)).toContain("Brownout: best Meshpilot p99 no worse than Prequal");
  });

  test("the shipped table on unseen scenarios is judged against Istio's default there", () => {
    const rows = summarize(runs("unseen", "istio-default", "peer", result(100, 0.001)));
    const good = summarize(runs("unseen", "q-learning (shipped table)", "meshpilot", result(90, 0.001)));
    const bad = summarize(runs("unseen", "q-learning (shipped table)", "meshpilot", result(300, 0.02)));
    expect(heldOutTarget(rows, good)).toMatchObject({
      met: true,
      figure: "unseen p99 0.90x, errors 0.10% against 0.10%",
    });
    expect(heldOutTarget(rows, bad).met).toBe(false);
    expect(heldOutTarget(rows, []).met).toBeUndefined();
  });
});
