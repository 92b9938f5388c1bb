import type { LiveRun } from "./aiops-live.js";
import { aiopsTargets, faultTable, methodTable, recoveryReport, scoreRun } from "./aiops-report.js";

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
    recovery: [],
    remediation: [],
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

  it("compares time to recovery with remediation on and off, fault by fault", () => {
    const r = {
      ...run(4 * MIN),
      recovery: [
        {
          fault: 3,
          arm: "act" as const,
          pod: "catalog-v1-2",
          kind: "errors",
          faultMs: 5 * MIN,
          ttrMs: 50_000,
          restarts: [{ pod: "catalog-v1-2", afterMs: 30_000, outMs: 4_000 }],
        },
        {
          fault: 4,
          arm: "none" as const,
          pod: "catalog-v1-0",
          kind: "stall",
          faultMs: 4 * MIN,
          ttrMs: 270_000,
          restarts: [],
        },
        {
          fault: 5,
          arm: "act" as const,
          pod: "catalog-v1-1",
          kind: "latency",
          faultMs: 4 * MIN,
          restarts: [],
        },
      ],
    };
    const report = recoveryReport(r);
    expect(report.lines[0]).toBe(
      "- **Remediation on (act mode):** median time to recovery 50 s over 1 of 2 pod faults (the rest never showed, or never cleared before the next fault); 1 restarts, asked a median 30 s after the fault began, the replica out of rotation a median 4 s.",
    );
    expect(report.lines[1]).toMatch(
      /^- \*\*Remediation off:\*\* median time to recovery 270 s over 1 of 1 pod faults/,
    );
    expect(report.table.slice(2)).toEqual([
      "| 3 | catalog-v1-2 | errors | on | 300 s | 50 s | catalog-v1-2: 30 s, 4 s |",
      "| 4 | catalog-v1-0 | stall | off | 240 s | 270 s | none |",
      "| 5 | catalog-v1-1 | latency | on | 240 s | not recovered | none |",
    ]);
    expect(recoveryReport(run(4 * MIN))).toEqual({ lines: [], table: [] });
  });
});
