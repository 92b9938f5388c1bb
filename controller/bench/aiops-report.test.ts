import type { LiveRun } from "./aiops-live.js";
import { aiopsTargets, faultTable, methodTable, scoreRun } from "./aiops-report.js";

const MIN = 60_000;

function run(burnDetectMs: number | undefined): LiveRun {
  const schedule = [
    {
      id: 1,
      service: "payments",
      kind: "errors" as const,
      startMs: 10 * MIN,
      endMs: 15 * MIN,
      knobs: { errorRate: 0.2 },
    },
    {
      id: 2,
      service: "catalog",
      kind: "latency" as const,
      startMs: 25 * MIN,
      endMs: 30 * MIN,
      knobs: { latencyMs: 200 },
    },
  ];
  return {
    schedule,
    faults: schedule.map((f) => ({ ...f, breachedSlo: true })),
    warmupMs: 5 * MIN,
    endMs: 40 * MIN,
    alarms: {
      meshpilot: [
        { openedAtMs: 10.5 * MIN, suspects: ["payments", "checkout"] },
        { openedAtMs: 25.5 * MIN, suspects: ["catalog"] },
      ],
      "meshpilot-baseline-only": [{ openedAtMs: 11 * MIN, suspects: ["checkout"] }],
      "three-sigma": [],
      "burn-rate-alerts":
        burnDetectMs === undefined ? [] : [{ openedAtMs: 10 * MIN + burnDetectMs, suspects: ["payments"] }],
    },
    flagged: [],
    summaries: [],
    failedSteps: 0,
    load: { requests: 1000, errors: 3 },
  };
}

describe("AIOps report", () => {
  it("judges the targets from the scores, met", () => {
    const targets = aiopsTargets(scoreRun(run(4 * MIN), MIN));
    expect(targets.map((t) => t.met)).toEqual([true, true, true, true]);
    expect(targets[0].figure).toBe(
      "ours detected 2 faults (median 30 s), the burn-rate alerts 1 (median 240 s); of the 1 both caught, ours was first on 1; 1 caught by ours alone, 0 by the alerts alone",
    );
  });

  it("reports a target missed, with its figure", () => {
    // The alerts first on fault 1: ours was not earlier.
    const targets = aiopsTargets(scoreRun(run(10_000), MIN));
    expect(targets[0].met).toBe(false);
    expect(targets[0].figure).toContain("ours was first on 0");
  });

  it("writes a row per method and per fault", () => {
    const r = run(4 * MIN);
    const scores = scoreRun(r, MIN);
    expect(methodTable(scores)[2]).toBe(
      "| meshpilot | 2 | 0 | 100% | 100% | 100% of 2 | 30 s | 100% | 100% | 0.00 |",
    );
    const faults = faultTable(r, scores);
    expect(faults).toHaveLength(4);
    expect(faults[2]).toBe(
      "| 1 | payments | errors | errorRate 0.2 | +600 s | 300 s | yes | 30 s, payments | 60 s, checkout | missed | 240 s, payments |",
    );
  });
});
