import { timeToRecovery } from "./recovery.js";

const series = (values: (number | undefined)[]) =>
  values.map((severity, i) => ({ tMs: i * 15_000, severity }));

describe("time to recovery", () => {
  it("counts from the fault's start to the first of two readings in a row below the threshold", () => {
    // Fault at 30 s; sick from 45 s; well at 120 s and 135 s.
    const r = series([0.1, 0.2, 0.3, 4, 5, 3, 2, 0.5, 0.4, 0.3]);
    expect(timeToRecovery(30_000, r, { untilMs: 1e9 })).toBe(75_000);
  });

  it("does not take one good reading inside a sick stretch, nor a gap, for recovery", () => {
    const r = series([0, 3, 0.5, 3, undefined, 0.2, 3, 0.1, 0.2]);
    expect(timeToRecovery(0, r, { untilMs: 1e9 })).toBe(7 * 15_000);
  });

  it("is undefined when the fault never showed, or never cleared before the next one", () => {
    expect(timeToRecovery(0, series([0.1, 0.2, 0.3]), { untilMs: 1e9 })).toBeUndefined();
    expect(timeToRecovery(0, series([0.1, 3, 3, 0.1, 0.1]), { untilMs: 45_000 })).toBeUndefined();
  });
});
