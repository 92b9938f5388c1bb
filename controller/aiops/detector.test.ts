import { Random } from "../../common/random.js";
import { AnomalyDetector } from "./detector.js";
import type { Readings, Snapshot } from "./signals.js";

const STEP = 5000;

/** Healthy readings: 50 rps, 20 ms p50, 60 ms p99, no errors, with seeded noise. */
function healthy(r: Random): Readings {
  const load = 50 + 3 * r.normal();
  return {
    rps: load,
    errorRatio: 0,
    p50Ms: 20 + r.normal(),
    p99Ms: 60 + 4 * r.normal(),
    cpuCores: 0.02 * load + 0.01 * r.normal(),
  };
}

function run(detector: AnomalyDetector, steps: number, make: (i: number) => Readings, from = 0) {
  const out = [];
  for (let i = from; i < from + steps; i++) {
    const snapshot: Snapshot = { atMs: i * STEP, services: { catalog: make(i) } };
    out.push(detector.step(snapshot)[0]);
  }
  return out;
}

describe("anomaly detector", () => {
  const signals = ["rps", "errorRatio", "p50Ms", "p99Ms", "cpuCores"] as const;

  it("learns first, stays quiet on healthy load, and flags a latency step after two readings in a row", () => {
    const r = new Random(1);
    const d = new AnomalyDetector({ warmupPoints: 60, signals });
    const warm = run(d, 60, () => healthy(r));
    expect(warm.every((v) => v.state === "learning")).toBe(true);
    const quiet = run(d, 200, () => healthy(r), 60);
    expect(quiet.filter((v) => v.state === "anomalous")).toHaveLength(0);
    const slow = run(d, 3, () => ({ ...healthy(r), p99Ms: 400, p50Ms: 90 }), 260);
    expect(slow.map((v) => v.state)).toEqual(["healthy", "anomalous", "anomalous"]);
    expect(slow[1].sinceMs).toBe(260 * STEP);
    expect(slow[2].evidence[0].signal).toBe("p99Ms");
    expect(slow[2].evidence[0].expected).toBeCloseTo(60, -1);
    expect(d.models("catalog")?.current?.version).toBe(1);
  });

  it("does not call one wild reading an anomaly, nor learn from it", () => {
    const r = new Random(2);
    const d = new AnomalyDetector({ warmupPoints: 60, signals });
    run(d, 100, () => healthy(r));
    const spike = run(d, 1, () => ({ ...healthy(r), errorRatio: 0.5 }), 100);
    expect(spike[0].state).toBe("healthy");
    expect(spike[0].severity).toBeGreaterThan(1);
    // The spike did not enter the baseline: the same errors again still score as high.
    const again = run(d, 2, () => ({ ...healthy(r), errorRatio: 0.5 }), 101);
    expect(again[1].state).toBe("anomalous");
    expect(again[1].evidence[0]).toMatchObject({ signal: "errorRatio", expected: 0 });
  });

  it("catches, through the autoencoder, a vector whose signals break their usual relation", () => {
    const r = new Random(3);
    const withAe = new AnomalyDetector({ warmupPoints: 120, signals });
    const baselineOnly = new AnomalyDetector({ warmupPoints: 120, signals, useAutoencoder: false });
    const readings = Array.from({ length: 160 }, () => healthy(r));
    run(withAe, 160, (i) => readings[i]);
    run(baselineOnly, 160, (i) => readings[i]);
    // Traffic a little high while CPU sits a little low: each within 4 robust deviations.
    const odd = (i: number): Readings => ({ ...healthy(new Random(i)), rps: 60, cpuCores: 0.94 });
    const a = run(withAe, 2, odd, 160);
    const b = run(baselineOnly, 2, odd, 160);
    expect(b[1].state).toBe("healthy");
    expect(a[1].state).toBe("anomalous");
    expect(a[1].reconstruction?.error).toBeGreaterThan(a[1].reconstruction?.threshold ?? Infinity);
  });

  it("holds, judging and learning nothing, when a service's telemetry is missing", () => {
    const r = new Random(4);
    const d = new AnomalyDetector({ warmupPoints: 10, signals });
    run(d, 30, () => healthy(r));
    const gap = run(d, 5, () => ({}), 30);
    expect(gap.every((v) => v.state === "unreadable" && v.severity === 0)).toBe(true);
    // A run of anomalous readings is not broken by the gap, nor started by it.
    const bad = run(d, 1, () => ({ ...healthy(r), errorRatio: 0.4 }), 35);
    expect(bad[0].state).toBe("healthy");
  });

  it("retrains the autoencoder as a new version every so many healthy readings", () => {
    const r = new Random(5);
    const d = new AnomalyDetector({ warmupPoints: 60, retrainEveryPoints: 60, signals });
    const verdicts = run(d, 190, () => healthy(r));
    // Every reading but the rare noisy one was learned (an anomalous-looking one is not).
    expect(verdicts.filter((v) => v.state !== "learning" && v.severity >= 1).length).toBeLessThan(3);
    const versions = d.models("catalog")?.history.map((v) => v.version);
    expect(versions).toEqual([1, 2, 3]);
    expect(d.models("catalog")?.current?.note).toMatch(/trained on 60 healthy readings/);
  });
});
