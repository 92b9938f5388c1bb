import { scoreMethod } from "./evaluation.js";

const MIN = 60_000;
const FAULTS = [
  { id: 1, service: "payments", startMs: 10 * MIN, endMs: 15 * MIN, breachedSlo: true },
  { id: 2, service: "catalog", startMs: 25 * MIN, endMs: 30 * MIN, breachedSlo: false },
  { id: 3, service: "cart", startMs: 40 * MIN, endMs: 45 * MIN, breachedSlo: true },
];
const O = { graceMs: MIN, fromMs: 5 * MIN, toMs: 60 * MIN };

describe("scoring a detection method", () => {
  it("counts detections, their delay, root-cause accuracy and false alarms per healthy hour", () => {
    const s = scoreMethod(
      "ours",
      [
        { openedAtMs: 2 * MIN, suspects: ["cart"] }, // in the warm-up: not scored
        { openedAtMs: 10.5 * MIN, suspects: ["checkout", "payments"] },
        { openedAtMs: 11 * MIN, suspects: ["payments"] }, // a second alarm for fault 1
        { openedAtMs: 15.9 * MIN, suspects: ["frontend"] }, // within the grace: still fault 1's
        { openedAtMs: 26 * MIN, suspects: ["catalog"] },
        { openedAtMs: 50 * MIN, suspects: ["orders"] }, // false
      ],
      FAULTS,
      O,
    );
    expect(s.alarms).toBe(5);
    expect(s.falseAlarms).toBe(1);
    expect(s.precision).toBeCloseTo(4 / 5, 9);
    expect(s.recall).toBeCloseTo(2 / 3, 9);
    expect(s.sloFaults).toBe(2);
    expect(s.recallSloBreaching).toBeCloseTo(1 / 2, 9);
    expect(s.detectMs).toEqual([0.5 * MIN, MIN]);
    expect(s.medianDetectMs).toBe(0.5 * MIN);
    // Fault 1's first alarm put checkout first, payments second; fault 2's put catalog first.
    expect(s.top1).toBeCloseTo(1 / 2, 9);
    expect(s.top3).toBe(1);
    // 55 scored minutes less three faults of 5 minutes plus a minute's grace each: 37 healthy minutes.
    expect(s.healthyHours).toBeCloseTo(37 / 60, 9);
    expect(s.falseAlarmsPerHour).toBeCloseTo(60 / 37, 9);
    expect(s.perFault.map((p) => p.detectMs)).toEqual([0.5 * MIN, MIN, undefined]);
  });

  it("scores a silent method as zero, not as an error", () => {
    const s = scoreMethod("silent", [], FAULTS, O);
    expect([s.precision, s.recall, s.top1, s.falseAlarms]).toEqual([0, 0, 0, 0]);
    expect(s.medianDetectMs).toBeUndefined();
  });
});
